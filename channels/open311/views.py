"""Open311 GeoReport v2 views: read the parameters, call a selector or the service, format.

Every refusal is an Open311 error list in the call's own format, with 400, 403 or 404 (and
429 when a key goes over its rate). A malformed body, a huge one, a revoked key or a bad
date never reaches the database and never ends in a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from channels.api_keys.drf import ApiKeyAuthentication, ApiKeyThrottle, key_scope_allowed, scoped_key_required
from channels.api_keys.models import Scope
from channels.open311 import selectors
from channels.open311.formatters import CONTENT_TYPES, FORMATS, render, render_errors
from channels.open311.params import (
    MAX_BODY_BYTES,
    Open311Error,
    date_window,
    jurisdiction_matches,
    parse_request_form,
    requests_filter,
)
from channels.open311.services import open311_request_create

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (discovery's changeset).
CHANGESET = datetime(2026, 12, 5, tzinfo=UTC)


class Open311View(APIView):
    """Base: keys optional (a key sent must be valid and scoped to Open311), throttled per key or per address."""

    authentication_classes = (ApiKeyAuthentication,)
    permission_classes = (key_scope_allowed(Scope.OPEN311),)
    throttle_classes = (ApiKeyThrottle,)
    parser_classes = (FormParser, MultiPartParser)
    renderer_classes = (JSONRenderer,)  # answers are built by formatters.render; no negotiation on Accept

    @property
    def fmt(self) -> str:
        fmt = (getattr(self, "kwargs", None) or {}).get("fmt")
        return fmt if fmt in FORMATS else "xml"

    def perform_content_negotiation(self, request, force=False):
        return JSONRenderer(), CONTENT_TYPES["json"]

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            raise Open311Error(_("The request body is too large (at most %(kb)d KB).") % {"kb": MAX_BODY_BYTES // 1024})
        params = request.data if request.method == "POST" else request.query_params
        if not jurisdiction_matches(params, settings.OPEN311_JURISDICTION_ID) or not jurisdiction_matches(
            request.query_params, settings.OPEN311_JURISDICTION_ID
        ):
            raise Open311Error(
                _("Unknown jurisdiction_id; this endpoint serves “%(id)s”.") % {"id": settings.OPEN311_JURISDICTION_ID},
                status=404,
            )
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        headers = {}
        if isinstance(exc, Open311Error):
            errors, status = exc.errors, exc.status
        elif isinstance(exc, exceptions.Throttled):
            status = 429
            errors = [(429, _("Too many requests; try again in %(seconds)d seconds.") % {"seconds": exc.wait or 1})]
            if exc.wait:
                headers["Retry-After"] = str(int(exc.wait) + 1)
        elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed | exceptions.PermissionDenied):
            errors, status = [(403, str(exc.detail))], 403
        elif isinstance(exc, exceptions.NotFound | Http404):
            errors, status = [(404, pgettext("open311 error", "Not found."))], 404
        elif isinstance(exc, exceptions.MethodNotAllowed):
            errors, status = [(405, _("This call does not take %(method)s.") % {"method": self.request.method})], 405
            headers["Allow"] = ", ".join(self.allowed_methods)
        elif isinstance(exc, exceptions.UnsupportedMediaType | exceptions.ParseError):
            errors, status = [(400, _("Send the body as application/x-www-form-urlencoded."))], 400
        elif isinstance(exc, SuspiciousOperation):  # too many fields, a body Django refuses to read
            errors, status = [(400, _("The request body could not be read."))], 400
        elif isinstance(exc, ValidationError):
            errors, status = [(400, message) for message in exc.messages], 400
        else:
            return super().handle_exception(exc)
        response = render_errors(errors, fmt=self.fmt, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class DiscoveryView(Open311View):
    def get(self, request, fmt):
        url = settings.SITE_URL + reverse("open311:root").rstrip("/")
        data = {
            "changeset": CHANGESET,
            "contact": _("The municipality's administrator, at %(site)s") % {"site": settings.SITE_URL},
            "key_service": _("API keys are issued by the municipality's administrator (python manage.py create_api_key NAME)."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "test" if settings.DEBUG else "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return render(data, fmt=fmt, root="discovery")


class ServicesView(Open311View):
    def get(self, request, fmt):
        data = [selectors.service_payload(category) for category in selectors.services()]
        return render(data, fmt=fmt, root="services", item="service")


class ServiceDefinitionView(Open311View):
    def get(self, request, code, fmt):
        category = selectors.service(code)
        if category is None:
            raise Open311Error(_("No service has this service_code."), status=404)
        return render(selectors.service_definition_payload(category), fmt=fmt, root="service_definition")


def _language(request) -> str:
    return (getattr(request, "LANGUAGE_CODE", None) or translation.get_language() or settings.LANGUAGE_CODE)[:2]


class RequestsView(Open311View):
    def get_permissions(self):
        if self.request.method == "POST":
            return [scoped_key_required(Scope.OPEN311)()]
        return super().get_permissions()

    def get(self, request, fmt):
        data = [selectors.request_payload(complaint) for complaint in selectors.requests(requests_filter(request.query_params))]
        return render(data, fmt=fmt, root="service_requests", item="request")

    def post(self, request, fmt):
        form = parse_request_form(request.data)
        category = selectors.service(form.service_code)
        if category is None:
            raise Open311Error(_("No service has this service_code."))
        complaint, created = open311_request_create(
            api_key=request.auth, category=category, form=form, language=_language(request)
        )
        data = [
            {
                "service_request_id": complaint.tracking_number,
                "token": complaint.token,
                "service_notice": _("Report received; its tracking number is %(number)s.")
                % {"number": complaint.tracking_number},
                "account_id": form.account_id or None,
            }
        ]
        return render(data, fmt=fmt, root="service_requests", item="request", status=201 if created else 200)


class RequestView(Open311View):
    def get(self, request, service_request_id, fmt):
        complaint = selectors.request_by_id(service_request_id)
        if complaint is None:
            raise Open311Error(_("No request has this service_request_id."), status=404)
        return render([selectors.request_payload(complaint)], fmt=fmt, root="service_requests", item="request")


class TokenView(Open311View):
    def get(self, request, token, fmt):
        complaint = selectors.request_by_token(token)
        if complaint is None:
            raise Open311Error(_("No request has this token."), status=404)
        data = [{"service_request_id": complaint.tracking_number, "token": complaint.token}]
        return render(data, fmt=fmt, root="service_requests", item="request")


class UpdatesView(Open311View):
    """FixMyStreet's ``servicerequestupdates``: the public updates of a window, oldest first."""

    def get(self, request, fmt):
        start, end = date_window(request.query_params)
        data = [selectors.update_payload(event) for event in selectors.updates(start, end)]
        return render(data, fmt=fmt, root="service_requests_updates", item="request_update")


class UnknownCallView(Open311View):
    """Anything else under /open311/v2/: 404 in Open311's words (JSON when the path asks for it)."""

    def initial(self, request, *args, **kwargs):
        self.kwargs["fmt"] = "json" if request.path.endswith(".json") else "xml"
        raise Open311Error(_("There is no such Open311 call here; see discovery.xml."), status=404)
