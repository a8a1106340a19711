"""The mobile-app API: categories, submitting a report, tracking, rating and reopening.

Views are thin: they parse, call ``complaints.services`` (the same functions as
the web form) and turn domain errors into 400s with field errors.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ParseError, Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from complaints.api.serializers import (
    ComplaintCreatedSerializer,
    ComplaintCreateJSONSerializer,
    ComplaintCreateSerializer,
    ErrorSerializer,
    MainTypeSerializer,
    RateSerializer,
    ReopenSerializer,
    TrackQuerySerializer,
    TrackSerializer,
)
from complaints.lockout import tracking_failed, tracking_locked_out
from complaints.models import Attachment, Channel, Complaint, Event
from complaints.phones import normalize_phone
from complaints.selectors import category_tree, complaint_for_tracking
from complaints.services import Submission, complaint_rate, complaint_reopen, complaint_submit
from complaints.workflow import TransitionError, status_label
from municipality.api_parsers import SafeJSONParser
from municipality.client_ip import client_ip
from municipality.throttle import WindowThrottle


class AnonThrottle(WindowThrottle, AnonRateThrottle):
    """DRF's anonymous throttle (scope "anon"), reading the rate when asked so settings overrides apply,
    counted in one atomic step (``municipality.throttle``).

    Keyed on ``client_ip``: DRF's own ident believes any X-Forwarded-For a client writes.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)


class CitizenAPIView(APIView):
    """Public endpoints for citizens: no login, no CSRF, throttled per address."""

    authentication_classes: tuple = ()
    permission_classes = (AllowAny,)
    throttle_classes = (AnonThrottle,)

    def handle_exception(self, exc):
        if isinstance(exc, ParseError):
            exc = ParseError(
                _("The request body could not be read (%(error)s). Send valid JSON or multipart/form-data.")
                % {"error": exc.detail}
            )
        return super().handle_exception(exc)


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Django's ``ValidationError`` as the API's ``{"field": ["message", ...]}``."""
    if hasattr(exc, "error_dict"):
        return {name: [str(message) for message in messages] for name, messages in exc.message_dict.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(message) for message in exc.messages]}


NOT_FOUND_EXAMPLE = OpenApiExample(
    "No match",
    value={"detail": "No report matches this tracking number and mobile number."},
    response_only=True,
    status_codes=["404"],
)


# --------------------------------------------------------------------------- categories


class CategoryTreeView(CitizenAPIView):
    @extend_schema(
        operation_id="categories_list",
        summary="The active report types",
        description="Main types with their active sub-types nested. Names follow Accept-Language (ar or en); "
        "`name_ar` and `name_en` are always there. Report with a sub-type's `code`.",
        responses=MainTypeSerializer(many=True),
        tags=["categories"],
    )
    def get(self, request):
        return Response(MainTypeSerializer(category_tree(), many=True).data)


# --------------------------------------------------------------------------- submission


def created_payload(complaint: Complaint) -> dict:
    return ComplaintCreatedSerializer(
        {
            "tracking_number": complaint.tracking_number,
            "token": complaint.token,
            "status": complaint.status,
            "status_display": status_label(complaint.status),
            "tracking_url": settings.SITE_URL + reverse("citizen:track", kwargs={"token": complaint.token}),
        }
    ).data


def app_report(external_id: str) -> Complaint | None:
    if not external_id:
        return None
    return Complaint.objects.filter(channel=Channel.APP, external_id=external_id).first()


def _same_sender_and_content(complaint: Complaint, data: dict) -> bool:
    """A retry of the request that made ``complaint``: same mobile, sub-type and text."""
    try:
        phone = normalize_phone(data["reporter_phone"]) if data["reporter_phone"].strip() else ""
    except DjangoValidationError:
        return False
    return (
        phone == complaint.reporter_phone
        and data["category"].pk == complaint.category_id
        and " ".join(data["description"].split()) == " ".join(complaint.description.split())
    )


def replay_answer(complaint: Complaint, data: dict) -> Response:
    """An ``external_id`` sent again: the original answer for a retry, 409 without the token for anything else.

    Answering every re-used id with the first report's token handed that secret to anyone who guessed the id.
    """
    if _same_sender_and_content(complaint, data):
        return Response(created_payload(complaint), status=status.HTTP_200_OK)
    return Response(
        {"external_id": [_("This id was already used for another report. Send a new id for a new report.")]},
        status=status.HTTP_409_CONFLICT,
    )


class ComplaintCreateView(CitizenAPIView):
    parser_classes = (SafeJSONParser, MultiPartParser, FormParser)

    @extend_schema(
        operation_id="complaints_create",
        summary="Submit a report",
        description="JSON, or multipart/form-data with `photos` (repeat the field for several files). "
        'Validated by the same rules as the web form; errors come back as `{"field": ["message"]}` in the '
        "request's language. A location outside the municipality is reported on `location`. "
        "Sending an `external_id` already used with the same mobile, sub-type and text (a retry) returns that "
        "report with 200; with anything else, 409 without the report.",
        request={
            "application/json": ComplaintCreateJSONSerializer,
            "multipart/form-data": ComplaintCreateSerializer,
        },
        responses={
            201: ComplaintCreatedSerializer,
            200: OpenApiResponse(ComplaintCreatedSerializer, description="A retry: same `external_id`, mobile and text."),
            409: OpenApiResponse(description="`external_id` already used for a different report."),
            400: OpenApiResponse(description='Field errors: `{"field": ["message", ...]}`.'),
            429: OpenApiResponse(ErrorSerializer, description="Too many requests from this address."),
        },
        examples=[
            OpenApiExample(
                "Pothole",
                value={
                    "category": "roads-potholes",
                    "description": "حفرة عميقة أمام المسجد تعيق السير",
                    "lat": 18.30,
                    "lon": 42.73,
                    "reporter_name": "محمد",
                    "reporter_phone": "0501234567",
                    "external_id": "app-7f3c2a",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Field errors",
                value={
                    "description": ["Describe the problem in at least 10 characters."],
                    "reporter_phone": ["“123” is not a phone number."],
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
        tags=["complaints"],
    )
    def post(self, request):
        serializer = ComplaintCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        external_id = data["external_id"].strip()
        existing = app_report(external_id)
        if existing is not None:
            return replay_answer(existing, data)
        submission = Submission(
            category=data["category"],
            description=data["description"],
            lat=data["lat"],
            lon=data["lon"],
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            reporter_email=data["reporter_email"],
            address=data["address"],
            channel=Channel.APP,
            language=(translation.get_language() or settings.LANGUAGE_CODE)[:2],
            photos=data["photos"],
            external_id=external_id,
        )
        try:
            complaint = complaint_submit(submission=submission)
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except IntegrityError:
            # Two requests with the same external_id at once: the other one won.
            complaint = app_report(external_id)
            if complaint is None:
                raise
            return replay_answer(complaint, data)
        return Response(created_payload(complaint), status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- tracking


class TrackingLockedOut(Throttled):
    default_detail = gettext_lazy("Too many attempts. Please wait a few minutes and try again.")


def find_for_citizen(request, tracking_number: str, phone: str) -> Complaint:
    """The report with this number whose reporter's mobile is ``phone``; otherwise 404 (same answer either way).

    The same look-up and the same lock-out as the tracking page (``complaints.lockout``).
    """
    if tracking_locked_out(request, tracking_number):
        raise TrackingLockedOut(wait=settings.BALAGH_TRACK_WINDOW_SECONDS)
    complaint = complaint_for_tracking(
        tracking_number=tracking_number,
        phone=phone,
        queryset=Complaint.objects.select_related("category", "category__parent"),
    )
    if complaint is None:
        tracking_failed(request, tracking_number)
        raise NotFound(_("No report matches this tracking number and mobile number."))
    # Only what the citizen may see: public events (no internal notes) and public photos.
    prefetch_related_objects(
        [complaint],
        Prefetch("events", queryset=Event.objects.filter(is_public=True).order_by("created_at", "id"), to_attr="public_events"),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(is_public=True).order_by("created_at", "id"),
            to_attr="public_photos",
        ),
    )
    return complaint


def track_payload(request, tracking_number: str, phone: str) -> dict:
    return TrackSerializer(find_for_citizen(request, tracking_number, phone), context={"request": request}).data


class TrackView(CitizenAPIView):
    @extend_schema(
        operation_id="track_retrieve",
        summary="Follow a report",
        description="Status, expected date and the public timeline of a report. The tracking number and the "
        "reporter's mobile must match; otherwise 404, the same answer as for an unknown number.",
        parameters=[
            OpenApiParameter(
                "phone", str, OpenApiParameter.QUERY, required=True, description="The mobile number given with the report."
            )
        ],
        responses={
            200: TrackSerializer,
            400: OpenApiResponse(description="`phone` missing."),
            404: OpenApiResponse(ErrorSerializer, examples=[NOT_FOUND_EXAMPLE]),
        },
        tags=["track"],
    )
    def get(self, request, tracking_number: str):
        query = TrackQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(track_payload(request, tracking_number, query.validated_data["phone"]))


class RateView(CitizenAPIView):
    parser_classes = (SafeJSONParser, FormParser, MultiPartParser)

    @extend_schema(
        operation_id="track_rate",
        summary="Rate a resolved report",
        description="Once, from 1 to 5, while the report is resolved (or closed as fixed) within the reopening window.",
        request=RateSerializer,
        responses={
            200: TrackSerializer,
            400: OpenApiResponse(description="Bad rating, or the report cannot be rated now."),
            404: OpenApiResponse(ErrorSerializer, examples=[NOT_FOUND_EXAMPLE]),
        },
        tags=["track"],
    )
    def post(self, request, tracking_number: str):
        serializer = RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        complaint = find_for_citizen(request, tracking_number, data["phone"])
        try:
            complaint_rate(complaint=complaint, rating=data["rating"], comment=data["comment"])
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except TransitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(track_payload(request, tracking_number, data["phone"]))


class ReopenView(CitizenAPIView):
    parser_classes = (SafeJSONParser, FormParser, MultiPartParser)

    @extend_schema(
        operation_id="track_reopen",
        summary="Reopen a report that is not fixed",
        description="Within `BALAGH_REOPEN_DAYS` days (7 by default) of the resolution; the report goes back to work.",
        request=ReopenSerializer,
        responses={
            200: TrackSerializer,
            400: OpenApiResponse(description="No reason, or the window has passed."),
            404: OpenApiResponse(ErrorSerializer, examples=[NOT_FOUND_EXAMPLE]),
        },
        tags=["track"],
    )
    def post(self, request, tracking_number: str):
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        complaint = find_for_citizen(request, tracking_number, data["phone"])
        try:
            complaint_reopen(complaint=complaint, actor=None, reason=data["reason"])
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except TransitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(track_payload(request, tracking_number, data["phone"]))
