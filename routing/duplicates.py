"""Duplicates: another citizen follows a report (after proving their mobile), staff merge a repeat into the report it repeats."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from complaints import access
from complaints.event_texts import say
from complaints.models import Complaint, Event
from complaints.phones import normalize_phone, phones_match
from complaints.services import complaint_close, event_record
from complaints.workflow import ACTIVE_STATUSES, ClosureReason, Status, TransitionError
from notifications.models import PhoneCode
from notifications.verification import phone_code_confirm, phone_code_send
from routing.models import Follower

MAX_FOLLOWERS = 50


def complaint_follow_request(*, complaint: Complaint, phone: str, language: str = "ar") -> None:
    """Step 1 of following: send a one-time code to ``phone``.

    The same for every number (the reporter's own, one already following, a new one):
    nothing here may tell the caller who filed or follows the report.
    Raises ``ValidationError`` for a number that is not a mobile, ``TransitionError`` for a closed report.
    """
    normalized = normalize_phone(phone)  # raises ValidationError with a translated message
    if complaint.status not in ACTIVE_STATUSES:
        raise TransitionError(_("This report is closed; file a new report if the problem is still there."))
    phone_code_send(phone=normalized, purpose=PhoneCode.Purpose.FOLLOW, language=(language or "ar")[:5], complaint=complaint)


def complaint_follow_confirm(*, complaint: Complaint, phone: str, code: str, language: str = "ar"):
    """Step 2: the code sent to ``phone`` was typed back, so that mobile follows the report.

    Returns the follower row (``None`` for the reporter's own mobile, which gets the updates already).
    """
    normalized = normalize_phone(phone)
    phone_code_confirm(phone=normalized, code=code, purpose=PhoneCode.Purpose.FOLLOW, complaint=complaint)
    follower, _created = complaint_follow(complaint=complaint, phone=normalized, language=language)
    return follower


def complaint_follow(*, complaint: Complaint, phone: str, language: str = "ar"):
    """Add a confirmed mobile to an open report's followers; call it only once the mobile is proven.

    Returns ``(follower, created)``; following twice is harmless, and the reporter's own
    mobile is not added (``(None, False)``): it receives the updates already.
    """
    normalized = normalize_phone(phone)  # raises ValidationError with a translated message
    if complaint.status not in ACTIVE_STATUSES:
        raise TransitionError(_("This report is closed; file a new report if the problem is still there."))
    if complaint.reporter_phone and phones_match(complaint.reporter_phone, normalized):
        return None, False
    with transaction.atomic():
        existing = Follower.objects.filter(complaint=complaint, phone=normalized).first()
        if existing is not None:
            return existing, False
        # A cap, so nobody can sign up a crowd of phones to one report's messages.
        if Follower.objects.filter(complaint=complaint).count() >= MAX_FOLLOWERS:
            raise TransitionError(_("This report already has the most followers it can have."))
        follower, created = Follower.objects.get_or_create(
            complaint=complaint, phone=normalized, defaults={"language": (language or "ar")[:5]}
        )
        if created:
            event_record(
                complaint=complaint,
                kind=Event.Kind.FOLLOWED,
                is_public=False,
                text=say("followed"),
                data={"phone_last_digits": normalized[-4:]},
            )
    return follower, created


def follower_stop(*, follower_id: int) -> bool:
    """A follower stops the report's messages (from the link in each of them). True if a row was removed."""
    deleted, _detail = Follower.objects.filter(pk=follower_id).delete()
    return bool(deleted)


def _root_master(complaint: Complaint) -> Complaint:
    seen = {complaint.pk}
    while complaint.duplicate_of_id is not None and complaint.duplicate_of_id not in seen:
        seen.add(complaint.duplicate_of_id)
        complaint = Complaint.objects.get(pk=complaint.duplicate_of_id)
    return complaint


def complaint_merge(*, duplicate: Complaint, master: Complaint, actor) -> Complaint:
    """Close ``duplicate`` as a duplicate of ``master``; its reporter then follows the master.

    Both timelines get a "merged" event. A report that is itself a duplicate
    passes the merge on to its own master, so there are never chains.
    """

    master = _root_master(master)
    if master.pk == duplicate.pk:
        raise TransitionError(_("A report cannot be merged into itself."))
    if actor is not None and not (access.can_work(actor, duplicate) and access.can_view(actor, master)):
        raise PermissionDenied(_("You may not merge these reports."))
    with transaction.atomic():
        # Lock both rows in a fixed order, then check again: two staff merging at once cannot cross.
        locked = {
            c.pk: c
            for c in Complaint.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk__in=[master.pk, duplicate.pk])
            .order_by("pk")
        }
        master_row, duplicate_row = locked[master.pk], locked[duplicate.pk]
        master_type, duplicate_type = master_row.category, duplicate_row.category
        if (
            master_type is not None  # a triage report has no type yet: it may join any report
            and duplicate_type is not None
            and master_type.pk != duplicate_type.pk
            and master_type.parent_id != duplicate_type.parent_id
        ):
            raise TransitionError(_("Only reports of the same type can be merged."))
        if master_row.status == Status.CLOSED:
            raise TransitionError(_("The report to keep is closed; merge into an open report."))
        if duplicate_row.status == Status.CLOSED:
            raise TransitionError(_("This report is already closed."))
        if master_row.duplicate_of_id is not None or Complaint.objects.filter(duplicate_of=duplicate_row).exists():
            raise TransitionError(_("Other reports were merged into this one; merge them the other way round."))
        Complaint.objects.filter(pk=duplicate_row.pk).update(duplicate_of=master_row)
        duplicate.duplicate_of = duplicate_row.duplicate_of = master_row
        closed = complaint_close(
            complaint=duplicate_row,
            actor=actor,
            reason=ClosureReason.DUPLICATE,
            check_access=False,
            cascade=False,
            note=say("merged_note", number=master_row.tracking_number),
        )
        event_record(
            complaint=duplicate_row,
            kind=Event.Kind.MERGED,
            actor=actor,
            is_public=False,
            text=say("merged_into", number=master_row.tracking_number),
            data={"master": master_row.pk, "master_number": master_row.tracking_number},
        )
        event_record(
            complaint=master_row,
            kind=Event.Kind.MERGED,
            actor=actor,
            is_public=False,
            text=say("merged_from", number=duplicate_row.tracking_number),
            data={"duplicate": duplicate_row.pk, "duplicate_number": duplicate_row.tracking_number},
        )
        if duplicate_row.reporter_phone and duplicate_row.reporter_phone != master_row.reporter_phone:
            Follower.objects.get_or_create(
                complaint=master_row, phone=duplicate_row.reporter_phone, defaults={"language": duplicate_row.language}
            )
    for name in ("status", "closure_reason", "closed_at"):
        setattr(duplicate, name, getattr(closed, name))
    return closed
