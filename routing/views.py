"""Routing pages: the Joint Operations board, "follow this report instead", and merging duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from complaints import access
from complaints.models import Complaint
from complaints.workflow import TransitionError
from routing.selectors import open_referrals_by_utility
from routing.services import complaint_follow, complaint_merge
from routing.tokens import complaint_id_from_follow_token


@staff_member_required
def joint_operations(request):
    """Open referrals per utility with their age, oldest first (committee, heads, administrators)."""
    if access.role_of(request.user) not in access.BOARD_ROLES:
        raise PermissionDenied(_("The Joint Operations board is for the follow-up committee and department heads."))
    board = open_referrals_by_utility(user=request.user)
    return render(request, "routing/joint_operations.html", {"board": board, "total": sum(u.open_count for u in board)})


@require_http_methods(["GET", "POST"])
def follow(request, token: str):
    """A citizen follows an existing report with their mobile instead of filing the same problem again."""
    pk = complaint_id_from_follow_token(token)
    complaint = Complaint.objects.select_related("category").filter(pk=pk).first() if pk else None
    if complaint is None:
        raise Http404(_("This link is not valid any more."))
    error = ""
    phone = ""
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        try:
            _follower, created = complaint_follow(complaint=complaint, phone=phone, language=(get_language() or "ar")[:2])
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except TransitionError as exc:
            error = str(exc)
        else:
            return render(
                request, "routing/follow_done.html", {"complaint": complaint, "created": created}, status=201 if created else 200
            )
    return render(
        request,
        "routing/follow.html",
        {"complaint": complaint, "error": error, "phone": phone},
        status=400 if error else 200,
    )


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
