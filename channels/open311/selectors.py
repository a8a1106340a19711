"""What the Open311 calls read. Nothing personal leaves through here.

A report's public face for Open311 is what the public tracking page shows, minus the
reporter: no name, phone, e-mail, account or device id, and phone numbers and e-mail
addresses written into a text are masked. One annotated query per call (no N+1).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import JSONField, OuterRef, Q, QuerySet, Subquery

from channels.open311.formatters import iso
from channels.open311.params import MAX_REQUESTS
from channels.open311.statuses import extended_status, open311_status
from complaints.event_texts import shown_text
from complaints.models import Attachment, Category, Complaint, Event
from complaints.selectors import normalize_tracking_number

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _RequestAnnotations(TypedDict):
    status_notes: str | None
    status_notes_data: dict | None
    first_photo: str | None


class _UpdateAnnotations(TypedDict):
    status_then: str | None


MASK = "***"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 8 or more digits (Latin, Arabic-Indic or Persian), maybe with +, spaces, dots or dashes between them.
_PHONE = re.compile(r"\+?[0-9٠-٩۰-۹](?:[\s.\-()]{0,2}[0-9٠-٩۰-۹]){7,}")
_TRACKING_NUMBER = re.compile(r"^\d{4}-\d{6}$")


def public_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """``text`` with e-mail addresses, phone numbers and the given names masked (tracking numbers stay)."""
    text = _EMAIL.sub(MASK, text or "")
    text = _PHONE.sub(lambda match: match.group(0) if _TRACKING_NUMBER.match(match.group(0)) else MASK, text)
    for name in names:
        if name and len(name.strip()) >= 3:
            text = re.sub(re.escape(name.strip()), MASK, text, flags=re.IGNORECASE)
    return text


# --------------------------------------------------------------------------- services


def services() -> QuerySet[Category]:
    """The sub-types a client may report against: active, under an active main type."""
    return (
        Category.objects.active()
        .sub_types()
        .filter(parent__active=True)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")  # a SlugField's alphabet
_TOKEN = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")  # secrets.token_urlsafe's alphabet


def service(code: str) -> Category | None:
    if not _CODE.match(code or ""):
        return None
    return services().filter(code=code).first()


def service_payload(category: Category) -> dict:
    main = category.parent or category
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{main.name}: {category.name}",
        "metadata": False,  # sub-types ask no extra questions (yet); attribute[…] is still accepted on POST
        "type": "realtime",
        "keywords": f"{main.code},{category.code}",
        "group": main.name,
    }


def service_definition_payload(category: Category) -> dict:
    return {"service_code": category.code, "attributes": []}


# --------------------------------------------------------------------------- requests


def requests(q: Q) -> QuerySet[Complaint]:
    """Reports matching ``q``, newest first, at most ``MAX_REQUESTS``, with what the answer needs in one query."""
    last_public = (
        Event.objects.filter(complaint=OuterRef("pk"), is_public=True)
        .exclude(kind=Event.Kind.NOTE)
        .exclude(text="")
        .order_by("-created_at", "-pk")
    )
    first_photo = Attachment.objects.filter(complaint=OuterRef("pk"), is_public=True, kind=Attachment.Kind.BEFORE).order_by(
        "created_at", "pk"
    )
    return (
        Complaint.objects.filter(q)
        .select_related("category", "department", "utility")
        .only(
            "tracking_number",
            "status",
            "closure_reason",
            "description",
            "address",
            "lat",
            "lon",
            "created_at",
            "updated_at",
            "resolution_due_at",
            "reporter_name",  # read only to mask it in the description; never answered
            "category__code",
            "category__name_ar",
            "category__name_en",
            "department__name_ar",
            "department__name_en",
            "utility__name_ar",
            "utility__name_en",
        )
        .annotate(
            status_notes=Subquery(last_public.values("text")[:1]),
            status_notes_data=Subquery(last_public.values("data")[:1], output_field=JSONField()),
            first_photo=Subquery(first_photo.values("file")[:1]),
        )
        .order_by("-created_at", "-pk")[:MAX_REQUESTS]
    )


def media_url(name: str | None) -> str | None:
    if not name:
        return None
    url = default_storage.url(name)
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def request_payload(complaint: WithAnnotations[Complaint, _RequestAnnotations]) -> dict:
    owner = complaint.utility or complaint.department
    category = complaint.category  # None while the report waits in triage
    names = (complaint.reporter_name,)
    return {
        "service_request_id": complaint.tracking_number,
        "status": open311_status(complaint.status),
        # status_notes, first_photo and status_then are annotations of the selectors above.
        "status_notes": public_text(
            shown_text(getattr(complaint, "status_notes", None) or "", getattr(complaint, "status_notes_data", None)), names=names
        )
        or None,
        # A report still in triage (an e-mail, a tweet) has no service yet.
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "description": public_text(complaint.description, names=names),
        "agency_responsible": owner.name if owner else None,
        "service_notice": None,
        "requested_datetime": complaint.created_at,
        "updated_datetime": complaint.updated_at,
        "expected_datetime": complaint.resolution_due_at,
        "address": complaint.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": complaint.lat,
        "long": complaint.lon,
        "media_url": media_url(getattr(complaint, "first_photo", None)),
    }


def request_by_id(raw_id: str) -> Complaint | None:
    number = normalize_tracking_number(raw_id)
    if not number:
        return None
    return requests(Q(tracking_number=number)).first()


def request_by_token(token: str) -> Complaint | None:
    if not _TOKEN.match(token or ""):
        return None
    return Complaint.objects.filter(token=token).only("tracking_number", "token").first()


# --------------------------------------------------------------------------- FixMyStreet: servicerequestupdates


def updates(start, end) -> QuerySet[Event]:
    """Public timeline events of the window, oldest first, each with the report's status as it stood then."""
    status_then = (
        Event.objects.filter(complaint=OuterRef("complaint"))
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk")))
        .exclude(to_status="")
        .order_by("-created_at", "-pk")
    )
    return (
        Event.objects.filter(is_public=True, created_at__gte=start, created_at__lte=end)
        .exclude(kind=Event.Kind.NOTE)
        .select_related("complaint")
        .only(
            "kind",
            "text",
            "to_status",
            "data",
            "created_at",
            "complaint__tracking_number",
            "complaint__status",
            "complaint__closure_reason",
            "complaint__reporter_name",
        )
        .annotate(status_then=Subquery(status_then.values("to_status")[:1]))
        .order_by("created_at", "pk")[:MAX_REQUESTS]
    )


def update_payload(event: WithAnnotations[Event, _UpdateAnnotations]) -> dict:
    complaint = event.complaint
    status = getattr(event, "status_then", None) or complaint.status
    reason = (event.data or {}).get("reason") if event.kind == Event.Kind.CLOSED else complaint.closure_reason
    return {
        "update_id": str(event.pk),
        "service_request_id": complaint.tracking_number,
        "status": extended_status(status, reason or ""),
        "updated_datetime": iso(event.created_at),
        "description": public_text(event.display_text, names=(complaint.reporter_name,)),
        "media_url": None,
        "external_status_code": status,
    }
