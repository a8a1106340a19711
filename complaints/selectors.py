"""Reads for the public side: the category tree for the form and what a citizen may see of a report.

Anything returned here is safe to show to the public: no internal notes, no staff names.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from complaints.models import Attachment, Category, Complaint, Event
from complaints.phones import ARABIC_DIGITS, phones_match
from complaints.workflow import Status
from municipality.cache import VersionedCache

TRACKING_NUMBER_RE = re.compile(r"^(\d{4})-?(\d{6})$")


def category_tree() -> list[Category]:
    """Active main types, each with its active sub-types in ``.subtypes`` (two queries)."""
    subtypes = Prefetch("children", queryset=Category.objects.active().order_by("sort_order", "code"), to_attr="subtypes")
    mains = Category.objects.active().main_types().prefetch_related(subtypes).order_by("sort_order", "code")
    return [main for main in mains if main.subtypes]


def _categories_version() -> tuple:
    """Every stored value of every type (a few dozen rows): any change in the admin changes it."""
    fields = [f.attname for f in Category._meta.concrete_fields]
    return tuple(Category.objects.order_by("pk").values_list(*fields))


def _build_categories(_version: tuple) -> dict[str, Category]:
    return {c.code: c for c in Category.objects.select_related("parent")}


_categories: VersionedCache[dict[str, Category]] = VersionedCache(version=_categories_version, build=_build_categories)


def category_by_code(code: str) -> Category | None:
    """The type with this code (its main type loaded), from a per-process copy of the types that is
    checked against the table at most every ``BALAGH_ROUTING_RECHECK_SECONDS``, like the routing
    rules: a submission costs no query for it. Each caller gets its own copy of the row."""
    category = _categories.get().get(code)
    return copy.copy(category) if category is not None else None


def invalidate_categories() -> None:
    _categories.invalidate()


def normalize_tracking_number(raw: str) -> str:
    """``٢٦١١٠٠٠١٢٣``, `` 2611 000123 `` and ``2611-000123`` all become ``2611-000123``; else ``""``."""
    text = re.sub(r"[\s\u200f\u200e_–—]", "", (raw or "").translate(ARABIC_DIGITS))
    match = TRACKING_NUMBER_RE.match(text)
    return f"{match.group(1)}-{match.group(2)}" if match else ""


def complaint_for_tracking(*, tracking_number: str, phone: str, queryset: QuerySet | None = None) -> Complaint | None:
    """The report with this number (typed in any usual way) whose reporter used this mobile;
    ``None`` for any mismatch. The web page and the API both find reports through here."""
    number = normalize_tracking_number(tracking_number)
    if not number:
        return None
    if queryset is None:
        queryset = Complaint.objects.only("pk", "token", "reporter_phone")
    complaint = queryset.filter(tracking_number=number).first()
    if complaint is None or not phones_match(complaint.reporter_phone, phone):
        return None
    return complaint


def complaints_of_reporter(*, phone: str) -> QuerySet[Complaint]:
    """Every report filed with this mobile (E.164), newest first: "my reports", once the citizen proved the mobile.

    Only what the list shows is read: no description, no staff fields, nobody else's reports
    (the match is on the whole number, so anonymised reports, whose number is blank, never appear)."""
    if not phone:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(reporter_phone=phone)
        .select_related("category", "category__parent")
        .only(
            "pk",
            "tracking_number",
            "token",
            "status",
            "created_at",
            "updated_at",
            "resolved_at",
            "closed_at",
            "category",
            "category__parent",
            "category__name_ar",
            "category__name_en",
            "category__parent__name_ar",
            "category__parent__name_en",
        )
        .order_by("-created_at", "-pk")
    )


def clock_state(complaint: Complaint, now: datetime | None = None) -> str:
    """``ok``, ``at_risk``, ``breached``, ``paused`` or ``none`` (no clock, or finished), from the row's own
    fields (no query): the thresholds the clock wrote on the report, so a list column stays one query."""
    if complaint.status in (Status.RESOLVED, Status.CLOSED) or complaint.resolution_due_at is None:
        return "none"
    if complaint.status == Status.ON_HOLD:
        return "paused"
    now = now or timezone.now()
    if now >= complaint.resolution_due_at:
        return "breached"
    if complaint.at_risk_at and now >= complaint.at_risk_at:
        return "at_risk"
    return "ok"


def complaint_by_token(token: str) -> Complaint | None:
    return Complaint.objects.select_related("category", "category__parent", "district").filter(token=token).first()


def public_timeline(complaint: Complaint) -> QuerySet[Event]:
    """The events a citizen sees, oldest first; never internal notes, never who did it."""
    return (
        Event.objects.filter(complaint=complaint, is_public=True)
        .exclude(kind=Event.Kind.NOTE)
        .only("pk", "kind", "text", "to_status", "created_at", "data")
        .order_by("created_at", "pk")
    )


def public_photos(complaint: Complaint) -> dict[str, list[Attachment]]:
    """Public photos grouped as ``{"before": [...], "after": [...]}``."""
    groups: dict[str, list[Attachment]] = {Attachment.Kind.BEFORE: [], Attachment.Kind.AFTER: []}
    for attachment in Attachment.objects.filter(complaint=complaint, is_public=True).order_by("created_at", "pk"):
        groups.setdefault(attachment.kind, []).append(attachment)
    return groups
