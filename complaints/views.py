"""The citizen pages: file a report, confirm it, follow it, rate it or reopen it.

Thin views: the forms validate, ``complaints.services`` writes, ``complaints.selectors`` reads.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from complaints import navigation, selectors, services
from complaints.forms import ConfirmForm, RateForm, ReopenForm, ReportForm, TrackForm, apply_service_errors
from complaints.lockout import tracking_failed, tracking_locked_out
from complaints.models import Channel, Complaint
from complaints.workflow import Status, TransitionError
from municipality.security_headers import allow_geolocation

SESSION_DONE = "citizen_done"


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:5]


def _form_page(request: HttpRequest, form: ReportForm, *, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "tree": selectors.category_tree(),
        "max_photos": settings.BALAGH_MAX_PHOTOS,
        "max_photo_mb": settings.BALAGH_MAX_PHOTO_BYTES // (1024 * 1024),
        "map_center": settings.BALAGH_MAP_CENTER,
        "tile_url": settings.BALAGH_TILE_URL,
    }
    return render(request, "citizen/report_form.html", context, status=status)


@allow_geolocation
@require_http_methods(["GET", "POST"])
def report_start(request: HttpRequest) -> HttpResponse:
    """``/``: the form (GET), then review → confirm → submit, or edit, all POSTed here."""
    if request.method == "GET":
        return _form_page(request, ReportForm(language=_language()))
    if "submit" in request.POST or "edit" in request.POST:
        return _confirmed(request)
    form = ReportForm(request.POST, request.FILES, language=_language())
    if not form.is_valid():
        return _form_page(request, form, status=400)
    values = form.submission_values
    assert values is not None  # a valid form's clean() sets them
    confirm = ConfirmForm(initial={"payload": ConfirmForm.sign(values)})
    return render(
        request,
        "citizen/report_confirm.html",
        {
            "confirm": confirm,
            "values": values,
            "category": form.cleaned_data["category"],
            "photos": form.stash.photos(),
            "tile_url": settings.BALAGH_TILE_URL,
        },
    )


def _confirmed(request: HttpRequest) -> HttpResponse:
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        for message in confirm.errors.get("payload", []):
            messages.error(request, str(message))
        return redirect("citizen:start")
    if "edit" in request.POST:
        form = ReportForm(initial=confirm.form_initial(), stash=confirm.stash, language=_language())
        return _form_page(request, form)
    try:
        complaint = services.complaint_submit(submission=confirm.submission(language=_language()), photos_cleaned=True)
    except IntegrityError:  # the same confirm page sent twice at the same moment
        complaint = Complaint.objects.get(channel=Channel.WEB, external_id=f"web:{confirm.values['key']}")
    except ValidationError as exc:
        form = ReportForm(initial=confirm.form_initial(), stash=confirm.stash, language=_language())
        form.cleaned_data = {}
        apply_service_errors(form, exc)
        return _form_page(request, form, status=400)
    confirm.stash.discard()
    request.session[SESSION_DONE] = complaint.token
    return redirect("citizen:done")


@never_cache
def report_done(request: HttpRequest) -> HttpResponse:
    token = request.session.get(SESSION_DONE)
    complaint = selectors.complaint_by_token(token) if token else None
    if complaint is None:
        return redirect("citizen:start")
    return render(request, "citizen/report_done.html", {"complaint": complaint})


# --------------------------------------------------------------------------- tracking


@require_http_methods(["GET", "POST"])
def track_lookup(request: HttpRequest) -> HttpResponse:
    """``/track/``: tracking number + the mobile number used."""
    if request.method == "GET":
        form = TrackForm(initial={"tracking_number": request.GET.get("number", "")})
        return render(request, "citizen/track_form.html", {"form": form})
    if tracking_locked_out(request, request.POST.get("tracking_number", "")):  # not even looked up
        typed = TrackForm(initial={name: request.POST.get(name, "") for name in ("tracking_number", "phone")})
        return render(request, "citizen/track_form.html", {"form": typed, "blocked": True}, status=429)
    form = TrackForm(request.POST)
    if not form.is_valid():
        if form.has_error("__all__", "no_match"):
            tracking_failed(request, request.POST.get("tracking_number", ""))
        return render(request, "citizen/track_form.html", {"form": form}, status=400)
    return redirect("citizen:track", token=form.cleaned_data["complaint"].token)


@never_cache
@require_http_methods(["GET", "POST"])
def track_detail(request: HttpRequest, token: str) -> HttpResponse:
    """``/track/<token>/``: status, public timeline and photos; rating and reopening once resolved."""
    complaint = selectors.complaint_by_token(token)
    if complaint is None:
        raise Http404
    rate_form, reopen_form = RateForm(prefix="rate"), ReopenForm(prefix="reopen")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rate":
                rate_form = RateForm(request.POST, prefix="rate")
                if rate_form.is_valid():
                    services.complaint_rate(
                        complaint=complaint, rating=rate_form.cleaned_data["rating"], comment=rate_form.cleaned_data["comment"]
                    )
                    messages.success(request, _("Thank you for your rating."))
                    return redirect("citizen:track", token=token)
            elif action == "reopen":
                reopen_form = ReopenForm(request.POST, prefix="reopen")
                if reopen_form.is_valid():
                    services.complaint_reopen(complaint=complaint, actor=None, reason=reopen_form.cleaned_data["reason"])
                    messages.success(request, _("Your report has been reopened and sent back to the team."))
                    return redirect("citizen:track", token=token)
        except TransitionError as exc:  # e.g. the window has closed: the forms may no longer be shown
            messages.error(request, str(exc))
        except ValidationError as exc:
            target = rate_form if action == "rate" else reopen_form
            for messages_list in getattr(exc, "message_dict", {"__all__": exc.messages}).values():
                for message in messages_list:
                    target.add_error(None, message)
        status = 400
        complaint.refresh_from_db()
    return render(request, "citizen/track_detail.html", _tracking_context(complaint, rate_form, reopen_form), status=status)


def _tracking_context(complaint: Complaint, rate_form: RateForm, reopen_form: ReopenForm) -> dict:
    can_reopen = services.citizen_can_reopen(complaint)
    window_ends = None
    if complaint.resolved_at:
        window_ends = complaint.resolved_at + timedelta(days=settings.BALAGH_REOPEN_DAYS)
    finished = complaint.status in (Status.RESOLVED, Status.CLOSED)
    return {
        "complaint": complaint,
        "timeline": selectors.public_timeline(complaint),
        "photos": selectors.public_photos(complaint),
        "steps": _progress(complaint.status),
        "can_rate": services.citizen_can_rate(complaint),
        "can_reopen": can_reopen,
        "window_closed": finished and complaint.resolved_at is not None and not can_reopen,
        "window_ends": window_ends,
        "reopen_days": settings.BALAGH_REOPEN_DAYS,
        "rate_form": rate_form,
        "reopen_form": reopen_form,
        "is_open": complaint.status not in (Status.RESOLVED, Status.CLOSED),
        "closes_on": complaint.resolved_at + timedelta(days=settings.BALAGH_AUTO_CLOSE_DAYS) if complaint.resolved_at else None,
    }


def _progress(status: str) -> list[dict]:
    """The citizen's view of the journey: received → assigned → in progress → resolved → closed."""
    order = [Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED]
    current = Status.IN_PROGRESS if status == Status.ON_HOLD else Status(status)
    reached = order.index(current) if current in order else 0
    return [{"label": s.label, "done": i < reached, "current": i == reached} for i, s in enumerate(order)]


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands without a usable ?next=: the role's own start page."""
    return redirect(navigation.staff_home_url(request.user))
