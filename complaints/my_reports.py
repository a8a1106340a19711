"""``/my-reports/``: a citizen sees every report filed with their mobile, after a one-time code sent to it.

Three steps: the mobile (every valid number gets the same answer, a code page, so the page tells
nobody whether a number filed anything), the code from the SMS, then the list. Codes are limited
per client address and per number, and each code allows a few tries (``notifications.verification``
through ``hooks.reporter_codes``). The proven mobile is held in the session, which gets a new key
at that moment, for ``BALAGH_MY_REPORTS_MINUTES`` only; the list shows each report's number, type,
status, dates and its tracking link — nothing typed by the citizen, nothing of anyone else.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from complaints import hooks, selectors
from complaints.phones import mask_phone, normalize_phone
from municipality.client_ip import client_ip

#: The mobile a code was sent to, waiting for its code.
PENDING = "my_reports_pending"
#: The proven mobile and until when (a UNIX time) it may list its reports.
GRANT = "my_reports_grant"


def granted_phone(request: HttpRequest) -> str:
    """The mobile this session proved with a code, while the access lasts; else ``""``."""
    grant = request.session.get(GRANT)
    if not isinstance(grant, dict) or not grant.get("phone"):
        return ""
    if float(grant.get("until") or 0) <= time.time():
        del request.session[GRANT]
        return ""
    return str(grant["phone"])


@never_cache
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile. The same redirect to the code page for every valid number."""
    if request.method == "GET" and granted_phone(request):
        return redirect("citizen:my_reports_list")
    error, phone, status = "", "", 200
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        codes = hooks.reporter_codes()
        try:
            normalized = normalize_phone(phone)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
        else:
            if not codes.allowed(client=client_ip(request), phone=normalized):
                error, status = _("Too many codes were asked for. Try again in an hour."), 429
            else:
                codes.send(phone=normalized, language=(get_language() or "ar")[:2])
                request.session.pop(GRANT, None)
                request.session[PENDING] = normalized
                return redirect("citizen:my_reports_code")
    return render(request, "citizen/my_reports_ask.html", {"error": error, "phone": phone}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the SMS; once it matches, this session may list that mobile's reports for a while."""
    phone = request.session.get(PENDING)
    if not phone:
        return redirect("citizen:my_reports")
    error = ""
    if request.method == "POST":
        try:
            hooks.reporter_codes().confirm(phone=phone, code=request.POST.get("code", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            # A new session key: a key planted before the code (fixation) opens nothing.
            request.session.cycle_key()
            del request.session[PENDING]
            request.session[GRANT] = {"phone": phone, "until": time.time() + settings.BALAGH_MY_REPORTS_MINUTES * 60}
            return redirect("citizen:my_reports_list")
    context = {"error": error, "masked_phone": mask_phone(phone)}
    return render(request, "citizen/my_reports_code.html", context, status=400 if error else 200)


@never_cache
def listing(request: HttpRequest) -> HttpResponse:
    """Step 3: the reports of the proven mobile."""
    phone = granted_phone(request)
    if not phone:
        return redirect("citizen:my_reports")
    context = {
        "reports": list(selectors.complaints_of_reporter(phone=phone)),
        "masked_phone": mask_phone(phone),
        "minutes": settings.BALAGH_MY_REPORTS_MINUTES,
    }
    return render(request, "citizen/my_reports_list.html", context)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """ "Done": the session forgets the mobile at once (a shared computer)."""
    request.session.pop(GRANT, None)
    request.session.pop(PENDING, None)
    return redirect("citizen:my_reports")
