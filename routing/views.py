"""Routing pages: the Joint Operations board, "follow this report instead", and merging duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from complaints import access
from complaints.models import Complaint
from complaints.phones import mask_phone, normalize_phone
from complaints.workflow import TransitionError
from municipality.client_ip import client_ip
from notifications.unsubscribe import follower_id_from_stop_token
from notifications.verification import phone_code_allowed
from routing.duplicates import complaint_follow_confirm, complaint_follow_request, complaint_merge, follower_stop
from routing.selectors import open_referrals_by_utility
from routing.tokens import complaint_id_from_follow_token


@staff_member_required
def joint_operations(request):
    """Open referrals per utility with their age, oldest first (committee, heads, administrators)."""
    if access.role_of(request.user) not in access.BOARD_ROLES:
        raise PermissionDenied(_("The Joint Operations board is for the follow-up committee and department heads."))
    board = open_referrals_by_utility(user=request.user)
    return render(request, "routing/joint_operations.html", {"board": board, "total": sum(u.open_count for u in board)})


def _followed_complaint(token: str) -> Complaint:
    pk = complaint_id_from_follow_token(token)
    complaint = Complaint.objects.select_related("category").filter(pk=pk).first() if pk else None
    if complaint is None:
        raise Http404(_("This link is not valid any more."))
    return complaint


def _session_key(complaint: Complaint) -> str:
    return f"follow_phone:{complaint.pk}"


@require_http_methods(["GET", "POST"])
def follow(request, token: str):
    """A citizen follows an existing report with their mobile instead of filing the same problem again.

    Step 1 sends a one-time code to the mobile; every valid number gets the same answer
    (a redirect to the code page), so the page tells nobody who filed or follows the report.
    """
    complaint = _followed_complaint(token)
    error, phone, status = "", "", 200
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        try:
            normalized = normalize_phone(phone)
            if not phone_code_allowed(client=client_ip(request), phone=normalized):
                error, status = _("Too many codes were asked for. Try again in an hour."), 429
            else:
                complaint_follow_request(complaint=complaint, phone=normalized, language=(get_language() or "ar")[:2])
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
        except TransitionError as exc:
            error, status = str(exc), 400
        if not error:
            request.session[_session_key(complaint)] = normalized
            return redirect("routing:follow_confirm", token=token)
    return render(request, "routing/follow.html", {"complaint": complaint, "error": error, "phone": phone}, status=status)


@require_http_methods(["GET", "POST"])
def follow_confirm(request, token: str):
    """Step 2: the code from the SMS; once it matches, the mobile follows the report."""
    complaint = _followed_complaint(token)
    phone = request.session.get(_session_key(complaint))
    if not phone:
        return redirect("routing:follow", token=token)
    error = ""
    if request.method == "POST":
        try:
            complaint_follow_confirm(
                complaint=complaint, phone=phone, code=request.POST.get("code", ""), language=(get_language() or "ar")[:2]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except TransitionError as exc:
            error = str(exc)
        else:
            del request.session[_session_key(complaint)]
            return render(request, "routing/follow_done.html", {"complaint": complaint})
    context = {"complaint": complaint, "error": error, "masked_phone": mask_phone(phone), "token": token}
    return render(request, "routing/follow_confirm.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def unfollow(request, token: str):
    """The link in every follower's message: stop this report's messages (a POST, so link previews stop nothing)."""
    follower_id = follower_id_from_stop_token(token)
    if follower_id is None:
        raise Http404(_("This link is not valid any more."))
    if request.method == "POST":
        follower_stop(follower_id=follower_id)
        return render(request, "routing/unfollow.html", {"stopped": True})
    return render(request, "routing/unfollow.html", {"stopped": False})


@staff_member_required
@require_POST
def merge(request, pk: int):
    """Merge two reports from the change page: ``duplicate`` is closed and points to ``master``."""
    visible = access.visible_complaints(request.user)
    duplicate = get_object_or_404(visible, pk=request.POST.get("duplicate") or pk)
    master = get_object_or_404(visible, pk=request.POST.get("master"))
    try:
        complaint_merge(duplicate=duplicate, master=master, actor=request.user)
    except (TransitionError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(duplicate)s was merged into %(master)s.")
            % {"duplicate": f"\u2066{duplicate.tracking_number}\u2069", "master": f"\u2066{master.tracking_number}\u2069"},
        )
    back = request.POST.get("next") or reverse("admin:complaints_complaint_change", args=[pk])
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("admin:complaints_complaint_change", args=[pk])
    return HttpResponseRedirect(back)
