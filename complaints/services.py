"""Every write to a report goes through a function here.

Each workflow function locks the row, asks the state machine, updates the
fields it owns with ``update_fields`` and writes exactly one timeline event.
Side effects (messages) are queued only after the transaction commits.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints import access, hooks
from complaints.erasure import ERASED, erased_id
from complaints.event_texts import Said, say
from complaints.models import Attachment, Category, Channel, Complaint, ContactRead, Event, IncomingMessage, Priority
from complaints.phones import normalize_phone
from complaints.photos import clean_photos
from complaints.workflow import ACTIVE_STATUSES, Action, ClosureReason, Status, TransitionError, guard
from municipality.db import insert_row_with, insert_rows, prepared_cursor
from municipality.geo import district_id_for_point, inside_municipality
from municipality.text import strip_invisible, visible_length
from municipality.times import RIYADH

# --------------------------------------------------------------------------- tracking numbers


# The month's counter, bumped (its row locked until COMMIT); the callers add what they return.
_COUNTER_UPSERT = (
    "INSERT INTO complaints_trackingsequence (prefix, last_number) VALUES (%s, 1) "
    "ON CONFLICT (prefix) DO UPDATE SET last_number = complaints_trackingsequence.last_number + 1"
)


def next_tracking_number(*, at: datetime) -> str:
    """``YYMM-NNNNNN``: one counter per month, bumped inside the caller's transaction.

    The upsert takes the counter row's lock until the submitting transaction
    ends, so two submissions never get the same number, and a rolled-back
    submission gives its number back (no gaps). Every submission waits for that
    lock, so a caller takes it as late as it can: ``complaint_submit`` and
    ``complaint_submit_incomplete`` write the report's timeline first and take the number in
    the last statements before COMMIT (``_number_and_write``).
    """
    prefix = at.astimezone(RIYADH).strftime("%y%m")
    with connection.cursor() as cursor:
        cursor.execute(f"{_COUNTER_UPSERT} RETURNING last_number", [prefix])
        (number,) = cursor.fetchone()
    return f"{prefix}-{number:06d}"


# --------------------------------------------------------------------------- events


def event_record(
    *,
    complaint: Complaint,
    kind: str,
    actor=None,
    text: str = "",
    is_public: bool = False,
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> Event:
    """``text`` from :func:`complaints.event_texts.say` is stored with its message, so every reader sees it in their language."""
    event = event_build(
        complaint=complaint,
        kind=kind,
        actor=actor,
        text=text,
        is_public=is_public,
        from_status=from_status,
        to_status=to_status,
        data=data,
        at=at,
    )
    event.save(force_insert=True)
    return event


def event_build(
    *,
    complaint: Complaint,
    kind: str,
    actor=None,
    text: str = "",
    is_public: bool = False,
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> Event:
    """The unsaved event :func:`event_record` writes (several go in one ``bulk_create``)."""
    if isinstance(text, Said):
        data = {**(data or {}), "msg": text.msg}
    return Event(
        complaint=complaint,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        text=text,
        is_public=is_public,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _locked(complaint: Complaint) -> Complaint:
    """Re-read the row under a lock; callers run inside ``transaction.atomic``."""
    return (
        Complaint.objects.select_for_update(of=("self",)).select_related("category", "department", "utility").get(pk=complaint.pk)
    )


def _ensure_can_work(actor, complaint: Complaint) -> None:
    if actor is not None and not access.can_work(actor, complaint):
        raise PermissionDenied(_("You may not change this report."))


def _ensure_triaged(complaint: Complaint) -> None:
    """The clock needs a sub-type and routing a pin: a triage report gets them first."""
    if complaint.needs_triage:
        raise TransitionError(_("Complete the type and location of this report first."))


def _transition(
    complaint: Complaint,
    *,
    action: str,
    actor,
    kind: str,
    text: str = "",
    is_public: bool = True,
    reason: str | None = None,
    data: dict | None = None,
    updates: dict | None = None,
    increment: tuple[str, ...] = (),
    check_access: bool = True,
) -> Complaint:
    """Lock, guard, update and record one transition. Returns the fresh row.

    ``increment`` names counters raised by one on the locked row (never from the caller's copy,
    which another request may have changed since it was read).
    """
    with transaction.atomic():
        return _transition_locked(
            complaint,
            action=action,
            actor=actor,
            kind=kind,
            text=text,
            is_public=is_public,
            reason=reason,
            data=data,
            updates=updates,
            increment=increment,
            check_access=check_access,
        )


def _transition_locked(
    complaint: Complaint, *, action, actor, kind, text, is_public, reason, data, updates, increment, check_access
):
    locked = _locked(complaint)
    if check_access:
        _ensure_can_work(actor, locked)
    source = locked.status
    target = guard(source, action, reason=reason)
    now = timezone.now()
    fields = {"status": target}
    if source == Status.ON_HOLD and target != Status.ON_HOLD and locked.on_hold_since:
        fields.update(hooks.clock().hold_pushback(locked, now=now))  # the clock stood still while on hold
    fields.update(updates or {})  # a transfer's fresh clock wins over the pushed-back one
    fields.update({name: getattr(locked, name) + 1 for name in increment})
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    hooks.clock().sync([locked.pk])  # the ladder steps it waits for follow its status and clock
    event_record(
        complaint=locked,
        kind=kind,
        actor=actor,
        text=text,
        is_public=is_public,
        from_status=source,
        to_status=target,
        data=data,
        at=now,
    )
    _queue_messages(locked, kind)
    for name in fields:
        setattr(complaint, name, getattr(locked, name))
    return locked


def _queue_messages(complaint: Complaint, kind: str) -> None:
    """Messages for this change: outbox rows written in this transaction, sent after commit."""
    hooks.notifier().complaint_event(complaint=complaint, kind=kind)


# --------------------------------------------------------------------------- submission


# The shortest description a report is filed with, counted in characters a reader sees
# (``municipality.text.visible_length``: zero-width padding does not count). The form, the API and
# every channel ask for it; the one definition (the error messages below and the form's script
# static/js/report-form.js name the same 10).
MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 4000


def description_is_enough(text: str | None) -> bool:
    """Whether ``text`` is a description the form would take: at least ``MIN_DESCRIPTION`` visible characters."""
    return visible_length(strip_invisible(text)) >= MIN_DESCRIPTION


@dataclass
class Submission:
    """What a citizen, an agent or a channel hands in."""

    category: Category | None  # checked by validate_submission (a type that went away meanwhile)
    description: str
    lat: float
    lon: float
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    address: str = ""
    channel: str = Channel.WEB
    language: str = "ar"
    photos: list = field(default_factory=list)
    external_id: str = ""
    priority: str | None = None
    is_anonymous: bool = False


def validate_submission(sub: Submission, *, photos_cleaned: bool = False) -> dict:
    """Check a submission; return cleaned values or raise ``ValidationError`` with field errors."""
    errors: dict[str, list] = {}
    cleaned: dict = {}
    category = sub.category
    if category is None or not category.active:
        errors.setdefault("category", []).append(_("Choose a type of report."))
    elif category.parent_id is None:
        errors.setdefault("category", []).append(_("Choose a sub-type, not only the main type."))
    cleaned["category"] = category
    description = strip_invisible(sub.description)
    if not description_is_enough(description):
        errors.setdefault("description", []).append(_("Describe the problem in at least 10 characters."))
    elif len(description) > MAX_DESCRIPTION:
        errors.setdefault("description", []).append(_("The description is limited to 4000 characters."))
    cleaned["description"] = description
    try:
        lat, lon = float(sub.lat), float(sub.lon)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError
        cleaned["lat"], cleaned["lon"] = lat, lon
    except (TypeError, ValueError):
        errors.setdefault("location", []).append(_("Put the pin on the map where the problem is."))
    else:
        if not inside_municipality(lat, lon):
            errors.setdefault("location", []).append(
                _("This point is outside the municipality. Put the pin inside the city's districts.")
            )
    anonymous = sub.is_anonymous or not (sub.reporter_phone or "").strip()
    if anonymous and category is not None and not category.allow_anonymous and sub.channel in (Channel.WEB, Channel.APP):
        errors.setdefault("reporter_phone", []).append(_("Enter a mobile number so we can send you updates."))
    cleaned["reporter_phone"] = ""
    if (sub.reporter_phone or "").strip():
        try:
            cleaned["reporter_phone"] = normalize_phone(sub.reporter_phone)
        except ValidationError as exc:
            errors.setdefault("reporter_phone", []).extend(exc.messages)
    cleaned["reporter_name"] = strip_invisible(sub.reporter_name)[:120]
    if sub.reporter_email:
        from django.core.validators import validate_email

        try:
            validate_email(sub.reporter_email)
        except ValidationError:
            errors.setdefault("reporter_email", []).append(_("Enter a valid e-mail address."))
    cleaned["reporter_email"] = (sub.reporter_email or "").strip()
    if sub.channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Unknown channel."))
    if sub.priority and sub.priority not in Priority.values:
        errors.setdefault("priority", []).append(_("Unknown priority."))
    if photos_cleaned:
        cleaned["photos"] = list(sub.photos)
        if category is not None and category.needs_photo and not cleaned["photos"] and sub.channel in (Channel.WEB, Channel.APP):
            errors.setdefault("photos", []).append(_("This kind of report needs at least one photo."))
    else:
        try:
            cleaned["photos"] = clean_photos(
                sub.photos, required=bool(category and category.needs_photo and sub.channel in (Channel.WEB, Channel.APP))
            )
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    cleaned["is_anonymous"] = not cleaned["reporter_phone"] and not cleaned["reporter_email"]
    return cleaned


def complaint_submit(
    *, submission: Submission, actor=None, photos_cleaned: bool = False, at: datetime | None = None
) -> Complaint:
    """File a report from any channel, route it, and return it. All or nothing.

    A re-sent channel message (same ``channel`` and ``external_id``) returns the
    report it already made instead of a second one.
    """
    if submission.external_id:
        existing = Complaint.objects.filter(channel=submission.channel, external_id=submission.external_id).first()
        if existing is not None:
            return existing
    if actor is not None and not access.can_file(actor):
        raise PermissionDenied(_("You may not file reports."))
    cleaned = validate_submission(submission, photos_cleaned=photos_cleaned)
    category: Category = cleaned["category"]
    now = at or timezone.now()
    district_id = district_id_for_point(cleaned["lat"], cleaned["lon"])
    complaint = Complaint(
        tracking_number=_provisional_number(),
        category=category,
        description=cleaned["description"],
        lat=cleaned["lat"],
        lon=cleaned["lon"],
        address=strip_invisible(submission.address)[:255],
        district_id=district_id,
        channel=submission.channel,
        external_id=submission.external_id or "",
        reporter_name=cleaned["reporter_name"],
        reporter_phone=cleaned["reporter_phone"],
        reporter_email=cleaned["reporter_email"],
        is_anonymous=cleaned["is_anonymous"],
        language=(submission.language or "ar")[:5],
        priority=submission.priority or category.default_priority,
        status=Status.NEW,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    # Routed as it is filed (complaint_route's decision, owner and clock), in the reporter's language.
    with translation.override(complaint.language):
        received = say("received", channel=complaint.channel)
        routing = _route_at_filing(complaint, now=now)
    with transaction.atomic():
        _start_filing(complaint)
        for photo in cleaned["photos"]:
            Attachment.objects.create(
                complaint=complaint, file=photo, kind=Attachment.Kind.BEFORE, uploaded_by=complaint.created_by
            )
        messages = _record_filing(
            complaint, actor=actor, received=received, created_data={"channel": complaint.channel}, routing=routing, at=now
        )
        _number_and_write(complaint, messages=messages, routed=routing is not None, at=now)
    return complaint


def _route_at_filing(complaint: Complaint, *, now: datetime) -> tuple[hooks.Decision, Said] | None:
    """Route a report before its INSERT: complaint_route's decision, owner, status and clock, on the unsaved row.

    Returns the decision and the "routed" text (call it under the reporter's language), or ``None``
    when no owner was found.
    """
    decision = hooks.router().decide(category=complaint.category, district_id=complaint.district_id)
    if decision.owner is None:
        return None
    complaint.status = guard(Status.NEW, Action.ASSIGN)
    complaint.department, complaint.utility, complaint.assigned_at = decision.department, decision.utility, now
    for name, value in hooks.clock().due_times(category=complaint.category, priority=complaint.priority, start=now).items():
        setattr(complaint, name, value)
    return decision, say("routed", owner=decision.owner, reason=route_reason(decision))


def _record_filing(
    complaint: Complaint,
    *,
    actor,
    received: Said,
    created_data: dict,
    routing: tuple[hooks.Decision, Said] | None,
    at: datetime,
) -> list:
    """The timeline of a report just inserted ("received", then "routed" if it was) and its messages, not written yet.

    The messages carry the provisional number: :func:`_number_and_write` numbers the report, starts
    its escalation clock and writes them.
    """
    notifier = hooks.notifier()
    created_event = event_build(
        complaint=complaint,
        kind=Event.Kind.CREATED,
        actor=actor,
        text=received,
        is_public=True,
        to_status=Status.NEW,
        data=created_data,
        at=at,
    )
    timeline = [created_event]
    if routing is not None:
        decision, routed = routing
        routed_event = event_build(
            complaint=complaint,
            kind=Event.Kind.ROUTED,
            text=routed,
            is_public=True,
            from_status=Status.NEW,
            to_status=complaint.status,
            data={"reason": decision.reason, "rule": decision.rule_id},
            at=timezone.now(),  # a back-dated filing (``at``) is routed now, as complaint_route does
        )
        timeline.append(routed_event)
    insert_rows(timeline)  # one INSERT; the ids come back (the messages' keys use them)
    messages = []
    if routing is not None:
        messages += notifier.messages(complaint=complaint, kind=Event.Kind.ROUTED, event=routed_event, new_report=True)
    # After routing: the SMS gives the "expected by" date.
    messages += notifier.messages(complaint=complaint, kind=Event.Kind.CREATED, event=created_event, new_report=True)
    return messages


def _start_filing(complaint: Complaint) -> None:
    """The first write of a new report, whose number is taken last (:func:`_number_and_write`).

    PostgreSQL: only its id, from the table's sequence. The row itself is inserted last, with its
    number, so it is written once: an UPDATE of the number would write a second version of the
    row and a second entry in every index of the table. Its timeline, photos and messages refer to
    it before it exists, since the foreign keys are checked at COMMIT (Django makes them
    ``DEFERRABLE INITIALLY DEFERRED``). Elsewhere: the row, under its provisional number.
    """
    if connection.vendor != "postgresql":
        insert_rows([complaint])
        return
    with prepared_cursor() as cursor:  # every submission: planned once per connection
        cursor.execute("SELECT nextval(%s)", [_id_sequence()])
        (complaint.pk,) = cursor.fetchone()


@functools.cache
def _id_sequence() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Complaint._meta.db_table])
        return cursor.fetchone()[0]


def _number_and_write(complaint: Complaint, *, messages: list, routed: bool, at: datetime) -> None:
    """The last statements of filing a report (:func:`_start_filing` came first): its month's number,
    its escalation steps if it was routed, then its messages, with the number in them.

    The counter row stays locked from its upsert to the COMMIT, so only these statements run
    under that lock: on PostgreSQL the report's INSERT that takes the number, the ladder's INSERT
    and the outbox INSERT.
    """
    provisional = complaint.tracking_number
    complaint.tracking_number = _number_the_report(complaint, at=at)
    if routed:
        hooks.clock().sync([complaint.pk], new=True)  # the ladder steps it waits for (a new report has none yet)
    for message in messages:
        message.context = {k: complaint.tracking_number if v == provisional else v for k, v in message.context.items()}
    hooks.notifier().write(messages=messages, new_report=True)


#: The month's next number as the report's INSERT reads it (PostgreSQL): ``YYMM-`` and at least 6 digits.
_NUMBERED = (
    f"n AS ({_COUNTER_UPSERT} RETURNING complaints_trackingsequence.prefix || '-' || "
    "lpad(CAST(last_number AS text), greatest(6, length(CAST(last_number AS text))), '0') AS number)"
)


def _number_the_report(complaint: Complaint, *, at: datetime) -> str:
    """Take the month's next number (:func:`next_tracking_number`) and give it to the report.

    PostgreSQL: one statement takes the number and inserts the report with it. Elsewhere the
    report is in the table already, and its number is written with an UPDATE.
    """
    if connection.vendor != "postgresql":
        number = next_tracking_number(at=at)
        Complaint.objects.filter(pk=complaint.pk).update(tracking_number=number)
        return number
    return insert_row_with(
        complaint,
        cte=_NUMBERED,
        cte_params=[at.astimezone(RIYADH).strftime("%y%m")],
        computed={"tracking_number": "n.number"},
        returning="tracking_number",
    )


def _provisional_number() -> str:
    """A unique placeholder the submitting transaction replaces before COMMIT (nobody else ever sees it)."""
    return "~" + secrets.token_hex(9)


def route_reason(decision: hooks.Decision) -> dict:
    """Why routing chose the owner, as the timeline stores it (rendered in each reader's language)."""
    basis = getattr(decision, "basis", "")
    return {"basis": basis, "rule": decision.rule_id} if basis else {"text": decision.reason}


def complaint_route(*, complaint: Complaint, at: datetime | None = None) -> Complaint:
    """Give a new report its owner (department or utility) and its due times."""
    if complaint.category is None:
        return complaint  # in triage: routed when an agent gives it its type (complaint_complete_triage)
    decision = hooks.router().decide(category=complaint.category, district_id=complaint.district_id)
    if decision.owner is None:
        return complaint
    now = at or timezone.now()
    return _transition(
        complaint,
        action=Action.ASSIGN,
        actor=None,
        kind=Event.Kind.ROUTED,
        text=say("routed", owner=decision.owner, reason=route_reason(decision)),
        is_public=True,
        data={"reason": decision.reason, "rule": decision.rule_id},
        updates={
            "department": decision.department,
            "utility": decision.utility,
            "assigned_at": now,
            **hooks.clock().due_times(category=complaint.category, priority=complaint.priority, start=now),
        },
        check_access=False,
    )


# --------------------------------------------------------------------------- incomplete reports (triage)


# What is kept of a channel message as it arrived (a forwarded newsletter can be megabytes of text).
MAX_MESSAGE_CHARS = 20_000


def channel_message_key(raw: str) -> str:
    """A channel's message id as stored: itself, or a digest when it is longer than the column.

    E-mail Message-IDs have no length limit; a digest keeps a long one unique and repeatable.
    """
    raw = (raw or "").strip()
    if len(raw) <= 120:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _pin_in_city(lat, lon) -> tuple[float, float, int | None] | None:
    """``(lat, lon, district id)`` for a usable point inside the municipality, else ``None``."""

    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not inside_municipality(lat, lon):
        return None
    return lat, lon, district_id_for_point(lat, lon)


def _clean_contact(*, phone: str, email: str) -> tuple[str, str]:
    """The reporter's mobile (E.164) and e-mail when they are valid, else empty: a channel cannot ask again."""
    from django.core.validators import validate_email

    try:
        phone = normalize_phone(phone) if (phone or "").strip() else ""
    except ValidationError:
        phone = ""
    email = (email or "").strip()[:254]
    try:
        if email:
            validate_email(email)
    except ValidationError:
        email = ""
    return phone, email


def _incoming_message_record(
    *,
    complaint: Complaint,
    channel: str,
    key: str,
    is_original: bool,
    sender: str,
    subject: str,
    text: str,
    received_at: datetime,
    original: dict | None,
    photos: int,
) -> IncomingMessage:
    """Keep a channel's message as it arrived, for the agent: the first one of a report or a later reply.

    ``key`` is the stored message id (:func:`channel_message_key`); ``photos`` how many were kept.
    """
    return IncomingMessage.objects.create(
        complaint=complaint,
        channel=channel,
        external_id=key,
        is_original=is_original,
        sender=(sender or "")[:254],
        subject=(subject or "").strip()[:255],
        text=text[:MAX_MESSAGE_CHARS],
        received_at=received_at,
        data={**(original or {}), "photos": photos},
    )


def complaint_submit_incomplete(
    *,
    channel: str,
    external_id: str,
    description: str,
    received_at: datetime | None = None,
    sender: str = "",
    subject: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    language: str = "ar",
    photos: list | tuple = (),
    category: Category | None = None,
    lat: float | None = None,
    lon: float | None = None,
    original: dict | None = None,
    notice: str = "",
) -> Complaint:
    """File what a channel heard, even without a sub-type or a pin: it gets a tracking number now.

    Whatever is missing leaves the report in the triage queue (status ``new``, no department,
    no clock) until an agent completes it with ``complaint_complete_triage``; a message that
    brings both a valid sub-type and a pin inside the city is routed at once, like the form's.
    The original message (``text``, ``sender``, ``subject``, time, ``original`` details) is kept
    as an ``IncomingMessage`` for the agent. ``photos`` are already checked
    (``complaints.photos.clean_photo``). ``notice`` is a line for the citizen's automatic answer
    (e.g. which attachments were refused), kept on the "received" event.

    Idempotent by ``(channel, external_id)``: a re-delivered message returns the first report.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel.")]})
    key = channel_message_key(external_id)
    if key:
        existing = Complaint.objects.filter(channel=channel, external_id=key).first()
        if existing is not None:
            return existing
    text = (description or "").strip()
    subject = (subject or "").strip()
    if not text and not subject and not photos:
        raise ValidationError({"description": [_("The message has no text and no photo.")]})
    body = text or subject or _("(no text; see the photos)")
    if subject and text and subject not in text:
        body = f"{subject}\n\n{text}"
    if category is not None and (category.parent_id is None or not category.active):
        category = None  # a main type or a retired one: the agent chooses the sub-type
    pin = _pin_in_city(lat, lon) if lat is not None and lon is not None else None
    phone, email = _clean_contact(phone=reporter_phone, email=reporter_email)
    now = timezone.now()
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    photos = list(photos)[: settings.BALAGH_MAX_PHOTOS]
    # Filed as complaint_submit files: under a provisional number, the month's number taken last.
    complaint = Complaint(
        tracking_number=_provisional_number(),
        category=category,
        description=body[:4000],
        lat=pin[0] if pin else None,
        lon=pin[1] if pin else None,
        district_id=pin[2] if pin else None,
        channel=channel,
        external_id=key,
        reporter_name=(reporter_name or "").strip()[:120],
        reporter_phone=phone,
        reporter_email=email,
        is_anonymous=not phone and not email,
        language=language,
        priority=category.default_priority if category else Priority.NORMAL,
        status=Status.NEW,
        created_at=now,
    )
    created_data = {"channel": channel, "triage": complaint.needs_triage, **({"notice": notice} if notice else {})}
    with translation.override(complaint.language):
        received = say("received", channel=channel)
        # With a sub-type and a pin it is routed as it is filed, like the form's.
        routing = None if complaint.needs_triage else _route_at_filing(complaint, now=now)
    try:
        with transaction.atomic():
            _start_filing(complaint)
            _incoming_message_record(
                complaint=complaint,
                channel=channel,
                key=key,
                is_original=True,
                sender=sender,
                subject=subject,
                text=text,
                received_at=received_at or now,
                original=original,
                photos=len(photos),
            )
            for photo in photos:
                Attachment.objects.create(complaint=complaint, file=photo, kind=Attachment.Kind.BEFORE)
            messages = _record_filing(
                complaint, actor=None, received=received, created_data=created_data, routing=routing, at=now
            )
            _number_and_write(complaint, messages=messages, routed=routing is not None, at=now)
    except IntegrityError:
        # The same message delivered twice at once: the other delivery filed it.
        existing = Complaint.objects.filter(channel=channel, external_id=key).first() if key else None
        if existing is None:
            raise
        return existing
    return complaint


def complaint_complete_triage(
    *, complaint: Complaint, actor, category: Category, lat: float, lon: float, address: str = ""
) -> Complaint:
    """The agent gives a triage report its sub-type and pin; routing and the clock start now."""
    if category is None or category.parent_id is None:
        raise TransitionError(_("Choose a sub-type, not only the main type."))
    pin = _pin_in_city(lat, lon)
    if pin is None:
        raise TransitionError(_("This point is outside the municipality. Put the pin inside the city's districts."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(complaint)
        _ensure_can_work(actor, locked)
        if locked.status != Status.NEW or not locked.needs_triage:
            raise TransitionError(_("This report already has its type and location."))
        updates = {
            "category": category,
            "lat": pin[0],
            "lon": pin[1],
            "district_id": pin[2],
            "priority": category.default_priority,
        }
        if address.strip():
            updates["address"] = address.strip()[:255]
        for name, value in updates.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*updates, "updated_at"])
        with translation.override(locked.language):
            event_record(
                complaint=locked,
                kind=Event.Kind.TRIAGED,
                actor=actor,
                is_public=True,
                text=say("triaged", type=category),
                data={"category": category.code, "lat": pin[0], "lon": pin[1]},
                at=now,
            )
            locked = complaint_route(complaint=locked, at=now)
    for name in (*updates, "status", "department_id", "utility_id", "resolution_due_at"):
        setattr(complaint, name, getattr(locked, name))
    return locked


def complaint_supply_missing(
    *,
    complaint: Complaint,
    channel: str,
    category: Category | None = None,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
) -> Complaint | None:
    """The reporter of a report still in triage sends, on their channel, what it lacks: a sub-type, a pin.

    Only what is missing is filled (what an agent already chose stays); a main or retired type and
    a point outside the city are ignored. Once it has both, it is routed and its clock starts, as
    when an agent completes it. Returns the updated report, or ``None`` when nothing changed (the
    report is no longer in triage, or nothing usable was sent).
    """
    if category is not None and (category.parent_id is None or not category.active):
        category = None
    pin = _pin_in_city(lat, lon) if lat is not None and lon is not None else None
    if category is None and pin is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(complaint)
        if locked.status != Status.NEW or not locked.needs_triage:
            return None
        updates: dict = {}
        if locked.category_id is None and category is not None:
            updates.update(category=category, priority=category.default_priority)
        if not locked.has_pin and pin is not None:
            updates.update(lat=pin[0], lon=pin[1], district_id=pin[2])
            if address.strip():
                updates["address"] = strip_invisible(address)[:255]
        if not updates:
            return None
        for name, value in updates.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*updates, "updated_at"])
        with translation.override(locked.language):
            parts: list[Said] = []  # stored with their messages: each reader sees them in their language
            data: dict = {"channel": channel}
            if category is not None and "category" in updates:
                parts.append(say("citizen_chose_type", type=category))
                data["category"] = category.code
            if pin is not None and "lat" in updates:
                parts.append(say("citizen_sent_location"))
                data.update(lat=pin[0], lon=pin[1])
            done = not locked.needs_triage
            event_record(
                complaint=locked,
                kind=Event.Kind.TRIAGED if done else Event.Kind.CITIZEN_MESSAGE,
                is_public=done,
                text=say("lines", lines=parts),
                data=data,
                at=now,
            )
            if done:
                locked = complaint_route(complaint=locked, at=now)
    return locked


def complaint_add_citizen_message(
    *,
    complaint: Complaint,
    channel: str,
    external_id: str,
    text: str,
    sender: str = "",
    subject: str = "",
    received_at: datetime | None = None,
    photos: list | tuple = (),
    original: dict | None = None,
) -> Event | None:
    """A later message from the reporter about their report (a reply to our answer): one timeline event.

    Idempotent by ``(channel, external_id)``: a re-delivered message returns ``None`` and adds nothing.
    """
    key = channel_message_key(external_id)
    text = (text or "").strip()
    photos = list(photos)[: settings.BALAGH_MAX_PHOTOS]
    if not text and not photos:
        raise ValidationError({"description": [_("The message has no text and no photo.")]})
    if key and IncomingMessage.objects.filter(channel=channel, external_id=key).exists():
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            _incoming_message_record(
                complaint=complaint,
                channel=channel,
                key=key,
                is_original=False,
                sender=sender,
                subject=subject,
                text=text,
                received_at=received_at or now,
                original=original,
                photos=len(photos),
            )
            for photo in photos:
                Attachment.objects.create(complaint=complaint, file=photo, kind=Attachment.Kind.BEFORE)
            with translation.override(complaint.language):
                return event_record(
                    complaint=complaint,
                    kind=Event.Kind.CITIZEN_MESSAGE,
                    text=text[:4000] or say("no_text"),
                    is_public=False,
                    data={"channel": channel, "photos": len(photos)},
                    at=now,
                )
    except IntegrityError:
        if key and IncomingMessage.objects.filter(channel=channel, external_id=key).exists():
            return None
        raise


# --------------------------------------------------------------------------- staff workflow


def complaint_assign(*, complaint: Complaint, actor, department=None, assignee=None, note: str = "") -> Complaint:
    """Give an unowned (new or triage) report to a department, and optionally to a person."""
    if department is None and assignee is None:
        raise TransitionError(_("Choose a department or a person."))
    _ensure_triaged(complaint)
    updates: dict = {"assigned_at": timezone.now()}
    if complaint.resolution_due_at is None:  # from triage: the clock starts now
        updates.update(
            hooks.clock().due_times(category=complaint.category, priority=complaint.priority, start=updates["assigned_at"])
        )
    if department is not None:
        updates.update(department=department, utility=None)
    if assignee is not None:
        updates["assignee"] = assignee
    target = department or complaint.department
    text = note or say("assigned", owner=target or assignee)
    return _transition(
        complaint,
        action=Action.ASSIGN,
        actor=actor,
        kind=Event.Kind.ASSIGNED,
        text=text,
        is_public=department is not None,
        updates=updates,
        data={"department": getattr(department, "code", None), "assignee": getattr(assignee, "pk", None)},
    )


def complaint_transfer(*, complaint: Complaint, actor, department, reason: str) -> Complaint:
    """Move a report to another department with a reason; the old one loses access."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give a reason for the transfer."))
    _ensure_triaged(complaint)
    if department.pk == complaint.department_id and complaint.utility_id is None:
        raise TransitionError(_("The report is already with this department."))
    old = complaint.department
    now = timezone.now()
    clock = hooks.clock().due_times(category=complaint.category, priority=complaint.priority, start=now)
    if complaint.first_response_at:  # the response target was already met or missed; keep it
        clock.update(response_due_at=complaint.response_due_at, response_alert_at=complaint.response_alert_at)
    locked = _transition(
        complaint,
        action=Action.TRANSFER,
        actor=actor,
        kind=Event.Kind.TRANSFERRED,
        text=reason,
        is_public=False,
        data={"from": getattr(old, "code", None), "to": department.code},
        updates={
            "department": department,
            "utility": None,
            "assignee": None,
            "assigned_at": now,
            "on_hold_since": None,
            **clock,
            **hooks.clock().fresh_ladder(),
        },
        increment=("transfer_count",),
    )
    return locked


def complaint_refer(*, complaint: Complaint, actor, utility, reason: str) -> Complaint:
    """Refer a report to a utility (Joint Operations); the department keeps read-only oversight."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give a reason for the referral."))
    _ensure_triaged(complaint)
    return _transition(
        complaint,
        action=Action.REFER,
        actor=actor,
        kind=Event.Kind.REFERRED,
        text=reason,
        is_public=True,
        data={"utility": utility.code},
        updates={"utility": utility, "assignee": None, "assigned_at": timezone.now()},
    )


def complaint_return(*, complaint: Complaint, actor, reason: str) -> Complaint:
    """A utility sends a report back to the municipality."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give a reason for sending the report back."))
    utility = complaint.utility
    if utility is None:
        raise TransitionError(_("This report is not with a utility."))
    return _transition(
        complaint,
        action=Action.RETURN,
        actor=actor,
        kind=Event.Kind.RETURNED,
        text=reason,
        is_public=False,
        data={"utility": utility.code},
        updates={"utility": None, "assignee": None},
    )


def complaint_start(*, complaint: Complaint, actor, note: str = "") -> Complaint:
    """Work starts. On a fresh referral (with a utility, still ``assigned``) starting is the utility's
    acknowledgement (Joint Operations): an "acknowledged" event comes first, whoever starts it and from
    whichever page (one report or many)."""
    with transaction.atomic():
        locked = _locked(complaint)
        text = note or say("started")
        if locked.utility_id is not None and locked.status == Status.ASSIGNED:
            _ensure_can_work(actor, locked)
            utility = locked.utility
            assert utility is not None  # utility_id is set
            event_record(
                complaint=locked,
                kind=Event.Kind.ACKNOWLEDGED,
                actor=actor,
                is_public=True,
                text=note.strip() or say("acknowledged", utility=utility),
                data={"utility": utility.code},
            )
            text = say("utility_started", utility=utility)
        updates: dict = {}
        if locked.first_response_at is None:
            updates["first_response_at"] = timezone.now()
        if actor is not None and locked.assignee_id is None and getattr(actor, "is_authenticated", False):
            updates["assignee"] = actor
        started = _transition_locked(
            locked,
            action=Action.START,
            actor=actor,
            kind=Event.Kind.STARTED,
            text=text,
            is_public=True,
            reason=None,
            data=None,
            updates=updates,
            increment=(),
            check_access=True,
        )
    for name in ("status", "first_response_at", "assignee_id"):
        setattr(complaint, name, getattr(started, name))
    return started


def complaint_hold(*, complaint: Complaint, actor, reason: str) -> Complaint:
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Say why the report is on hold."))
    return _transition(
        complaint,
        action=Action.HOLD,
        actor=actor,
        kind=Event.Kind.HELD,
        text=reason,
        is_public=True,
        updates={"on_hold_since": timezone.now()},
    )


def complaint_resume(*, complaint: Complaint, actor, note: str = "") -> Complaint:
    return _transition(
        complaint,
        action=Action.RESUME,
        actor=actor,
        kind=Event.Kind.RESUMED,
        text=note or say("resumed"),
        is_public=True,
    )


def complaint_resolve(*, complaint: Complaint, actor, note: str, photo=None) -> Complaint:
    """Mark the work done, with a note for the citizen and optionally an "after" photo."""
    note = (note or "").strip()
    if not note:
        raise TransitionError(_("Write a note for the citizen saying what was done."))
    cleaned = clean_photos([photo]) if photo else []
    now = timezone.now()
    with transaction.atomic():
        updates = {"resolved_at": now}
        if complaint.first_response_at is None:
            updates["first_response_at"] = now
        locked = _transition(
            complaint,
            action=Action.RESOLVE,
            actor=actor,
            kind=Event.Kind.RESOLVED,
            text=note,
            is_public=True,
            updates=updates,
        )
        for item in cleaned:
            Attachment.objects.create(complaint=locked, file=item, kind=Attachment.Kind.AFTER, uploaded_by=actor)
    return locked


def complaint_close(
    *, complaint: Complaint, actor, reason: str, note: str = "", check_access: bool = True, cascade: bool = True
) -> Complaint:
    """Close a report; its open duplicates (``duplicate_of`` it) are closed with it (``cascade``)."""
    note = (note or "").strip()
    if reason != ClosureReason.FIXED and not note and actor is not None:
        raise TransitionError(_("Explain to the citizen why the report is closed."))
    now = timezone.now()
    with transaction.atomic():
        closed = _transition(
            complaint,
            action=Action.CLOSE,
            actor=actor,
            kind=Event.Kind.CLOSED,
            text=note or say("closed", reason=reason),
            is_public=True,
            reason=reason,
            data={"reason": reason},
            updates={"closed_at": now, "closure_reason": reason},
            check_access=check_access,
        )
        if cascade:
            _close_duplicates(master=closed, actor=actor)
    return closed


def complaint_reopen(
    *, complaint: Complaint, actor=None, reason: str, check_access: bool = True, cascade: bool = True
) -> Complaint:
    """Send a resolved or recently closed report back to work.

    A citizen (``actor`` None) may do it within ``BALAGH_REOPEN_DAYS`` of the
    resolution; staff may do it at any time. The duplicates closed with it are
    reopened too (``cascade``); ``check_access=False`` is for such system moves.
    """
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Say why the problem is not fixed."))
    if actor is None and check_access:
        if not citizen_can_reopen(complaint):
            raise TransitionError(_("This report can no longer be reopened; please file a new one."))
    with transaction.atomic():
        reopened = _transition(
            complaint,
            action=Action.REOPEN,
            actor=actor,
            kind=Event.Kind.REOPENED,
            text=reason,
            is_public=True,
            updates={
                "resolved_at": None,
                "closed_at": None,
                "closure_reason": "",
            },
            increment=("reopen_count",),
            check_access=check_access and actor is not None,
        )
        if cascade:
            _reopen_duplicates(master=reopened, actor=actor)
    return reopened


def _close_duplicates(*, master: Complaint, actor) -> int:
    """Closing a master closes its open duplicates, each with a public note to its reporter (in its transaction)."""
    closed = 0
    for duplicate in Complaint.objects.filter(duplicate_of=master, status__in=ACTIVE_STATUSES).order_by("pk"):
        complaint_close(
            complaint=duplicate,
            actor=actor,
            reason=ClosureReason.DUPLICATE,
            check_access=False,
            cascade=False,
            note=say("duplicate_closed", number=master.tracking_number, reason=master.closure_reason),
        )
        closed += 1
    return closed


def _reopen_duplicates(*, master: Complaint, actor) -> int:
    """Reopening a master reopens the duplicates that were closed with it (in its transaction)."""
    reopened = 0
    for duplicate in Complaint.objects.filter(
        duplicate_of=master, status=Status.CLOSED, closure_reason=ClosureReason.DUPLICATE
    ).order_by("pk"):
        complaint_reopen(
            complaint=duplicate,
            actor=actor,
            check_access=False,
            cascade=False,
            reason=say("duplicate_reopened", number=master.tracking_number),
        )
        reopened += 1
    return reopened


def citizen_can_reopen(complaint: Complaint, *, now: datetime | None = None) -> bool:
    if complaint.status not in (Status.RESOLVED, Status.CLOSED) or complaint.resolved_at is None:
        return False
    if complaint.status == Status.CLOSED and complaint.closure_reason != ClosureReason.FIXED:
        return False
    return (now or timezone.now()) - complaint.resolved_at <= timedelta(days=settings.BALAGH_REOPEN_DAYS)


def citizen_can_rate(complaint: Complaint) -> bool:
    return citizen_can_reopen(complaint) and complaint.rating is None


def complaint_rate(*, complaint: Complaint, rating: int, comment: str = "") -> Complaint:
    """The citizen rates a resolved report (1–5); once."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Choose a rating from 1 to 5.")]})
    with transaction.atomic():
        locked = _locked(complaint)
        if not citizen_can_rate(locked):
            raise TransitionError(_("This report cannot be rated now."))
        locked.rating = rating
        locked.rating_comment = (comment or "").strip()[:2000]
        locked.rated_at = timezone.now()
        locked.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        event_record(complaint=locked, kind=Event.Kind.RATED, text=locked.rating_comment, is_public=True, data={"rating": rating})
    complaint.rating, complaint.rating_comment = locked.rating, locked.rating_comment
    return locked


def complaint_add_note(*, complaint: Complaint, actor, text: str, public: bool) -> Event:
    """An internal note (staff only) or a public update (the citizen sees it)."""
    text = (text or "").strip()
    if not text:
        raise TransitionError(_("Write the text of the note."))
    with transaction.atomic():
        locked = _locked(complaint)
        _ensure_can_work(actor, locked)
        updates = {}
        if public and locked.first_response_at is None and locked.status != Status.NEW:
            locked.first_response_at = timezone.now()
            updates["first_response_at"] = locked.first_response_at
        if updates:
            locked.save(update_fields=[*updates, "updated_at"])
            hooks.clock().sync([locked.pk])  # a first response ends the response alert's wait
        event = event_record(
            complaint=locked, kind=Event.Kind.UPDATE if public else Event.Kind.NOTE, actor=actor, text=text, is_public=public
        )
        if public:
            _queue_messages(locked, Event.Kind.UPDATE)
    return event


def complaint_set_priority(*, complaint: Complaint, actor, priority: str) -> Complaint:
    if priority not in Priority.values:
        raise TransitionError(_("Unknown priority."))
    with transaction.atomic():
        locked = _locked(complaint)
        _ensure_can_work(actor, locked)
        if locked.priority == priority:
            return locked
        old = locked.priority
        start = locked.assigned_at or locked.created_at
        # A triage report has no clock yet: it starts, with this priority, when it is routed.
        clock = hooks.clock().due_times(category=locked.category, priority=priority, start=start) if locked.category else {}
        if clock and locked.first_response_at:
            clock.pop("response_due_at"), clock.pop("response_alert_at")
        locked.priority = priority
        for name, value in clock.items():
            setattr(locked, name, value)
        locked.save(update_fields=["priority", *clock, "updated_at"])
        hooks.clock().sync([locked.pk])
        event_record(
            complaint=locked,
            kind=Event.Kind.PRIORITY,
            actor=actor,
            data={"from": old, "to": priority},
            text=say("priority", old=old, new=priority),
        )
    return locked


def complaint_set_category(*, complaint: Complaint, actor, category: Category, reroute: bool = True) -> Complaint:
    """Fix a wrong sub-type (agents and the owning department); an unstarted report is routed again."""
    if category.parent_id is None:
        raise TransitionError(_("Choose a sub-type, not only the main type."))
    with transaction.atomic():
        locked = _locked(complaint)
        _ensure_can_work(actor, locked)
        _ensure_triaged(locked)
        if locked.category_id == category.pk:
            return locked
        old = locked.category
        locked.category = category
        locked.save(update_fields=["category", "updated_at"])
        event_record(
            complaint=locked,
            kind=Event.Kind.CATEGORY,
            actor=actor,
            is_public=True,
            text=say("type_changed", old=old, new=category),
            data={"from": old.code if old else None, "to": category.code},
        )
        if reroute and locked.status in (Status.NEW, Status.ASSIGNED) and locked.utility_id is None:
            decision = hooks.router().decide(category=category, district_id=locked.district_id)
            if decision.department is not None and decision.department.pk != locked.department_id and decision.utility is None:
                locked = _transition(
                    locked,
                    action=Action.ASSIGN,
                    actor=actor,
                    kind=Event.Kind.ROUTED,
                    text=say("routed_to", owner=decision.owner),
                    is_public=True,
                    data={"reason": decision.reason, "rule": decision.rule_id},
                    updates={"department": decision.department, "utility": None, "assignee": None, "assigned_at": timezone.now()},
                    check_access=False,
                )
    return locked


# --------------------------------------------------------------------------- staff actions by name

#: The service behind each action staff take on a report, by its name in the workflow
#: (``complaints.workflow.Action``) or the role × action table (``complaints.access``). The report's
#: page and the admin's bulk actions both go through :func:`complaint_act`, so an action means the
#: same thing on one report and on many (a liaison's Start on a referral acknowledges it first).
STAFF_ACTIONS: dict[str, Callable[..., object]] = {
    Action.ASSIGN: complaint_assign,
    Action.TRANSFER: complaint_transfer,
    Action.REFER: complaint_refer,
    Action.RETURN: complaint_return,
    Action.START: complaint_start,
    Action.HOLD: complaint_hold,
    Action.RESUME: complaint_resume,
    Action.RESOLVE: complaint_resolve,
    Action.CLOSE: complaint_close,
    Action.REOPEN: complaint_reopen,
    access.NOTE: complaint_add_note,
    access.PRIORITY: complaint_set_priority,
    access.TRIAGE: complaint_complete_triage,
    access.CATEGORY: complaint_set_category,
}


def complaint_act(*, complaint: Complaint, actor, action: str, fields: Mapping[str, Any] | None = None) -> object:
    """Carry out the staff action named ``action``; ``fields`` (its form's cleaned data) are the service's arguments."""
    try:
        service = STAFF_ACTIONS[action]
    except KeyError:
        raise TransitionError(_("Unknown action “%(action)s”.") % {"action": action}) from None
    return service(complaint=complaint, actor=actor, **(fields or {}))


def complaint_auto_close_resolved(*, now: datetime | None = None) -> int:
    """Close, as fixed, resolved reports the citizen left alone past the window. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BALAGH_AUTO_CLOSE_DAYS)
    closed = 0
    for pk in Complaint.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=pk)
            if complaint.status != Status.RESOLVED:
                continue
            complaint_close(
                complaint=complaint,
                actor=None,
                reason=ClosureReason.FIXED,
                note=say("auto_closed"),
                check_access=False,
            )
            closed += 1
    return closed


# Channels whose message ids identify the citizen who wrote (see ``reporters_anonymise``).
CITIZEN_ADDRESSED_CHANNELS = (Channel.WHATSAPP, Channel.TWITTER, Channel.EMAIL)


def reporters_anonymise(*, older_than_days: int, now: datetime | None = None) -> int:
    """PDPL retention: blank the reporter's name, mobile and e-mail of reports closed over ``older_than_days`` ago.

    One UPDATE; every figure (dates, statuses, owners, ratings, the timeline) stays, and so do
    the weekly snapshots' counts. The sender of their incoming messages and the address, text and
    context of the messages sent to the reporter are blanked; followers are forgotten. Safe to run again.
    First, in the same transaction, each app plugged into ``hooks.retention_erasers`` (the channels'
    own logs) erases its part while the reports still say whose they were.
    Returns how many reports were anonymised.
    """
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    closed = Complaint.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)
    with transaction.atomic():
        for _name, erase in hooks.retention_erasers:
            erase(closed)
        changed = closed.filter(~Q(reporter_name="") | ~Q(reporter_phone="") | ~Q(reporter_email="")).update(
            reporter_name="", reporter_phone="", reporter_email=""
        )
        # Where else the reporter's address is kept: what they sent (the sender) and what we sent them
        # (the outbox's recipient, text and context). The outbox and the followers' table belong to the
        # layers above: reached through the relation.
        IncomingMessage.objects.filter(complaint__in=closed).exclude(sender="", data={}).update(sender="", data={})
        # A WhatsApp message id encodes the sender's number (base64) and a tweet's or a mail's id
        # points to its author: the ids the citizen's channels gave are forgotten too. They only
        # served to recognise a re-delivery, which no channel makes a year later. API partners' ids stay.
        IncomingMessage.objects.filter(complaint__in=closed, channel__in=CITIZEN_ADDRESSED_CHANNELS).exclude(
            external_id=""
        ).update(external_id="")
        closed.filter(channel__in=CITIZEN_ADDRESSED_CHANNELS).exclude(external_id="").update(external_id="")
        outbox_model = Complaint._meta.get_field("messages").related_model
        # The idempotency key of a message to the reporter ends with their address.
        outbox_model._default_manager.filter(complaint__in=closed, is_citizen=True).exclude(
            idempotency_key__startswith=ERASED
        ).update(recipient="", body="", context={}, idempotency_key=erased_id())
        follower_model = Complaint._meta.get_field("followers").related_model
        follower_model._default_manager.filter(complaint__in=closed).delete()
    return changed


def _reader_id(user) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


def contact_read_record(*, complaint: Complaint, user, where: str = ContactRead.Where.REPORT_PAGE) -> None:
    """Log that ``user`` was shown ``complaint``'s full mobile (the administrators' "reads of reporters' numbers")."""
    if complaint.reporter_phone:
        ContactRead.objects.create(complaint=complaint, user_id=_reader_id(user), where=where)


def contact_reads_record_export(*, queryset: QuerySet[Complaint], user) -> int:
    """Log one read per report with a mobile in a download of ``queryset``: one INSERT … SELECT, so a
    download of a million reports logs them without a row passing through Python. Returns the rows logged."""
    ids = queryset.exclude(reporter_phone="").order_by().values("pk")
    try:
        select_sql, params = ids.query.get_compiler(using=ids.db).as_sql()
    except EmptyResultSet:
        return 0
    db = connections[ids.db]
    quote = db.ops.quote_name
    columns = ", ".join(quote(name) for name in ("complaint_id", "user_id", "at", "where"))
    sql = (
        f"INSERT INTO {quote(ContactRead._meta.db_table)} ({columns}) "
        f"SELECT {quote('id')}, %s, %s, %s FROM {quote(Complaint._meta.db_table)} WHERE {quote('id')} IN ({select_sql})"
    )
    now = db.ops.adapt_datetimefield_value(timezone.now())
    with db.cursor() as cursor:
        cursor.execute(sql, [_reader_id(user), now, ContactRead.Where.EXPORT.value, *params])
        return cursor.rowcount
