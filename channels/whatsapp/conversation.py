"""The guided conversation: one stored message in, the conversation's next state and its answers out.

The citizen gives a description (text and/or photos), a location (a WhatsApp location message)
and a type (an interactive list whose row ids are sub-type codes), in any order, then confirms
(the reply button ``confirm``). The report is filed through ``complaints.services.complaint_submit``
like the form's; its "received" message (number and link) comes through the outbox on WhatsApp.

Every answer is written in the conversation's language (Arabic unless the citizen writes English).
Messages carry WhatsApp's own timestamps: an older location or type arriving after a newer one
is kept out, and a confirmation older than the last change asks to confirm the new summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
from channels.whatsapp.selectors import open_conversation, recent_filed_conversation, reports_for_status
from complaints.event_texts import shown_text
from complaints.models import Category, Channel, Complaint
from complaints.phones import normalize_phone
from complaints.photo_stash import PhotoStash
from complaints.selectors import category_tree, normalize_tracking_number
from complaints.services import (
    Submission,
    complaint_add_citizen_message,
    complaint_submit,
    complaint_submit_incomplete,
    complaint_supply_missing,
    description_is_enough,
)
from complaints.workflow import Status
from municipality.geo import inside_municipality

# WhatsApp allows 10 rows in a list, 24 characters a row title, 72 a row description, 3 buttons.
MAX_ROWS = 10
ROW_TITLE = 24
ROW_DESCRIPTION = 72

ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
TRACKING_IN_TEXT = re.compile(r"[0-9٠-٩]{4}\s*[-–]?\s*[0-9٠-٩]{6}")
_PUNCTUATION = re.compile(r"[\s.!?؟،,:;\-_*]+")

GREETINGS = {
    "hi", "hello", "hey", "salam", "salaam", "good morning", "good evening",
    "سلام", "السلام عليكم", "السلام عليكم ورحمة الله", "السلام عليكم ورحمة الله وبركاته", "مرحبا", "مرحباً",
    "هلا", "اهلا", "أهلا", "صباح الخير", "مساء الخير",
}  # fmt: skip
STATUS_WORDS = {
    "status", "any news", "news", "update", "updates", "track", "what happened", "any update",
    "حالة", "الحالة", "حالة البلاغ", "متابعة", "متابعة البلاغ", "أخبار", "اخبار", "وش صار", "ايش صار", "إيش صار",
    "وين وصل", "وين وصل البلاغ", "في جديد", "فيه جديد", "هل من جديد", "أي جديد", "اي جديد",
}  # fmt: skip
NEW_WORDS = {"new", "new report", "جديد", "بلاغ جديد", "بلاغ"}
CANCEL_WORDS = {"cancel", "stop", "إلغاء", "الغاء", "الغ", "إلغ"}
CONFIRM_WORDS = {"confirm", "yes", "ok", "تأكيد", "تاكيد", "نعم", "أكد", "اكد", "موافق"}

UNSUPPORTED_TYPES_SILENT = {"reaction"}  # a 👍 on our message needs no answer


@dataclass
class Reply:
    text: str
    interactive: dict | None = None


@dataclass
class Outcome:
    result: str
    conversation: Conversation | None = None
    replies: list[Reply] = field(default_factory=list)
    complaint: Complaint | None = None


@dataclass
class PhotoIn:
    """A photo fetched and cleaned before the transaction (a download must not hold the locks)."""

    token: str = ""
    name: str = ""
    error: ValidationError | None = None  # not a photo we take (the form's checks)
    failed: bool = False  # could not be downloaded


# --------------------------------------------------------------------------- reading a message


def part(data, key: str) -> dict:
    """``data[key]`` when it is an object, else ``{}``: a message of an unexpected shape reads as empty."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def message_text(message: InboundMessage) -> str:
    payload = message.payload if isinstance(message.payload, dict) else {}
    kind = payload.get("type")
    if kind == "text":
        return str(part(payload, "text").get("body") or "")
    if kind == "image":
        return str(part(payload, "image").get("caption") or "")
    if kind == "button":
        button = part(payload, "button")
        return str(button.get("text") or button.get("payload") or "")
    return ""


def interactive_reply(message: InboundMessage) -> tuple[str, str]:
    """``("list_reply" | "button_reply", id)`` of an interactive answer, else ``("", "")``."""
    data = part(message.payload, "interactive")
    kind = data.get("type")
    if kind in ("list_reply", "button_reply"):
        return kind, str(part(data, kind).get("id") or "")
    return "", ""


def detect_language(text: str, default: str) -> str:
    if ARABIC_LETTER.search(text):
        return "ar"
    if LATIN_LETTER.search(text):
        return "en"
    return default


def _words(text: str) -> str:
    return _PUNCTUATION.sub(" ", text.lower()).strip()


def _is(text: str, words: set[str]) -> bool:
    return _words(text) in words


def _timestamp(message: InboundMessage) -> int:
    return int(message.sent_at.timestamp())


# --------------------------------------------------------------------------- what we say


def prompt_description() -> Reply:
    return Reply(_("Please describe the problem in a few words, and send photos if you can."))


def prompt_location() -> Reply:
    return Reply(
        _("Now send the location of the problem: tap 📎 (attach), then “Location”, and send the pin where the problem is.")
    )


def prompt_type(main_code: str = "") -> Reply:
    """The type list. More than 10 sub-types: the main types first, then the chosen one's sub-types."""
    tree = category_tree()
    if main_code:
        main = next((m for m in tree if m.code == main_code), None)
        tree = [main] if main is not None else tree
    total = sum(len(_subtypes(main)) for main in tree)
    if total <= MAX_ROWS:
        sections = [
            {
                "title": main.name[:ROW_TITLE],
                "rows": [_row(sub.code, sub.name, main.name) for sub in _subtypes(main)],
            }
            for main in tree
        ]
        text = _("What kind of problem is it? Choose the type from the list.")
    elif len(tree) == 1:  # one main type with more sub-types than a list holds: the first ten
        sections = [{"title": tree[0].name[:ROW_TITLE], "rows": [_row(s.code, s.name) for s in _subtypes(tree[0])[:MAX_ROWS]]}]
        text = _("What kind of problem is it? Choose the type from the list.")
    else:
        sections = [
            {
                "title": _("Main types")[:ROW_TITLE],
                "rows": [_row(m.code, m.name, ", ".join(s.name for s in _subtypes(m))) for m in tree[:MAX_ROWS]],
            }
        ]
        text = _("What kind of problem is it? Choose the main type first.")
    return Reply(text, {"type": "list", "action": {"button": _("Choose the type")[:20], "sections": sections}})


def _subtypes(main: Category) -> list[Category]:
    return getattr(main, "subtypes", [])  # prefetched by category_tree()


def _row(code: str, title: str, description: str = "") -> dict:
    row = {"id": code, "title": title[:ROW_TITLE]}
    if description:
        row["description"] = description[:ROW_DESCRIPTION]
    return row


def summary(conversation: Conversation) -> Reply:
    photos = len(conversation.photos)
    text = _(
        "Please check your report:\nType: %(type)s\nDescription: %(description)s\nPhotos: %(photos)d\nLocation: %(location)s"
    ) % {
        "type": conversation.category.name if conversation.category else "—",
        "description": conversation.description[:300] or "—",
        "photos": photos,
        "location": conversation.address or f"{conversation.lat:.5f}, {conversation.lon:.5f}",
    }
    text += "\n\n" + _("Tap “Confirm” to send it to the municipality, or send a correction.")
    buttons = [
        {"type": "reply", "reply": {"id": "confirm", "title": _("Confirm")[:20]}},
        {"type": "reply", "reply": {"id": "cancel", "title": _("Cancel")[:20]}},
    ]
    return Reply(text, {"type": "button", "action": {"buttons": buttons}})


def next_prompt(conversation: Conversation) -> Reply:
    if not conversation.has_description:
        if conversation.description:
            return Reply(_("Please describe the problem in a few more words (at least 10 characters)."))
        return prompt_description()
    if not conversation.has_location:
        return prompt_location()
    if conversation.category_id is None:
        return prompt_type()
    return summary(conversation)


def status_replies(*, phone: str, tracking_number: str = "") -> list[Reply]:
    reports = reports_for_status(phone=phone, tracking_number=tracking_number)
    if not reports:
        return [Reply(_("We found no report filed from this number. To file one, describe the problem."))]
    lines = []
    for complaint in reports:
        line = _("Report %(number)s (%(type)s): %(status)s.") % {
            "number": complaint.tracking_number,
            "type": complaint.category.name if complaint.category else "—",  # a triage report has none yet
            "status": complaint.get_status_display(),
        }
        # annotated by reports_for_status
        last_update = shown_text(getattr(complaint, "last_update", ""), getattr(complaint, "last_update_data", None))
        if last_update:
            line += " " + _("Latest update: %(text)s") % {"text": last_update[:300]}
        line += f"\n{settings.SITE_URL}/track/{complaint.token}/"
        lines.append(line)
    return [Reply("\n\n".join(lines))]


def unsupported() -> Reply:
    return Reply(_("Sorry, we cannot read this kind of message. Please send text, photos or your location."))


# --------------------------------------------------------------------------- the turn


def handle(*, contact: WhatsAppContact, message: InboundMessage, photo: PhotoIn | None = None) -> Outcome:
    """Apply one message to the citizen's conversation. Runs with the contact's row locked."""
    text = message_text(message).strip()
    if text:
        contact.language = detect_language(text, contact.language)
    with translation.override(contact.language):
        outcome = _handle(contact=contact, message=message, text=text, photo=photo)
    if outcome.conversation is not None and outcome.conversation.pk:
        message.conversation = outcome.conversation
    return outcome


def _handle(*, contact: WhatsAppContact, message: InboundMessage, text: str, photo: PhotoIn | None) -> Outcome:
    kind = str((message.payload if isinstance(message.payload, dict) else {}).get("type") or "")
    conversation = open_conversation(contact)
    filed = recent_filed_conversation(contact)
    phone = f"+{contact.wa_id}"

    if conversation is None and filed is not None and _timestamp(message) < filed.filed_ts:
        _discard_photo(photo)
        return Outcome("late")  # sent before the report was filed, delivered after: already part of it
    if message.kind == InboundMessage.Kind.OTHER:
        if kind in UNSUPPORTED_TYPES_SILENT:
            return Outcome("ignored", conversation)
        if conversation is not None:
            _touch(conversation, message)
        return Outcome("unsupported", conversation, [unsupported()])

    reply_kind, reply_id = interactive_reply(message)
    if _is(text, CANCEL_WORDS) or (reply_kind == "button_reply" and reply_id == "cancel"):
        if conversation is None:
            return Outcome("nothing to cancel", None, [prompt_description()])
        cancel(conversation)
        return Outcome(
            "cancelled", conversation, [Reply(_("Your report was cancelled. Write to us any time to file a new one."))]
        )
    number = normalize_tracking_number(match.group(0)) if (match := TRACKING_IN_TEXT.search(text)) else ""
    if number or _is(text, STATUS_WORDS):
        return Outcome("status", conversation, status_replies(phone=phone, tracking_number=number))
    if _is(text, NEW_WORDS):
        if conversation is not None:
            return Outcome("already open", conversation, [next_prompt(conversation)])
        conversation = _start(contact, message)
        return Outcome("started", conversation, [Reply(_("A new report. %(prompt)s") % {"prompt": prompt_description().text})])

    if conversation is None:
        follow_up = timedelta(hours=settings.BALAGH_WHATSAPP_FOLLOW_UP_HOURS)
        if filed is not None and filed.filed_at and message.received_at - filed.filed_at < follow_up:
            if _resumable(filed) and not (reply_kind == "button_reply" or _is(text, GREETINGS) or _is(text, CONFIRM_WORDS)):
                return _resume(filed, message, text=text, kind=kind, reply_kind=reply_kind, reply_id=reply_id, photo=photo)
            _discard_photo(photo)
            hint = Reply(_("To file a new report, send “new”."))
            return Outcome("status", filed, [*status_replies(phone=phone), hint])
        conversation = _start(contact, message)
        if _is(text, GREETINGS) and kind == "text":
            welcome = _("Welcome to the municipality's reports service.")
            return Outcome("started", conversation, [Reply(f"{welcome} {prompt_description().text}")])

    if (reply_kind == "button_reply" and reply_id == "confirm") or (_is(text, CONFIRM_WORDS) and conversation.is_complete):
        return _confirm(conversation, message)

    replies: list[Reply] = []
    ts = _timestamp(message)
    if kind == "text" or kind == "button":
        if text and not _is(text, GREETINGS) and not _is(text, CONFIRM_WORDS):
            conversation.texts = [*conversation.texts, [ts, text[:4000]]]
            _changed(conversation, ts)
    elif kind == "image":
        if photo is not None and photo.error is not None:
            replies.append(Reply(" ".join(str(m) for m in photo.error.messages)))
        elif photo is None or photo.failed:
            replies.append(Reply(_("We could not receive this photo. Please send it again.")))
        elif len(conversation.photos) >= settings.BALAGH_MAX_PHOTOS:
            _discard_photo(photo)
            replies.append(Reply(_("At most %(count)d photos.") % {"count": settings.BALAGH_MAX_PHOTOS}))
        else:
            conversation.photos = [*conversation.photos, [ts, photo.token, photo.name]]
            _changed(conversation, ts)
        if text:
            conversation.texts = [*conversation.texts, [ts, text[:4000]]]
            _changed(conversation, ts)
    elif kind == "location":
        refusal = _apply_location(conversation, message, ts)
        if refusal:
            replies.append(refusal)
    elif reply_kind == "list_reply":
        category = Category.objects.active().filter(code=reply_id).first()
        if category is None:
            replies.append(Reply(_("This type is not available any more. Please choose again.")))
            replies.append(prompt_type())
        elif category.parent_id is None:
            _touch(conversation, message)
            return Outcome("main type", conversation, [prompt_type(main_code=category.code)])
        elif ts >= conversation.category_ts:
            conversation.category, conversation.category_ts = category, ts
            _changed(conversation, ts)
    _touch(conversation, message)
    if not replies or replies[-1].interactive is None:
        replies.append(next_prompt(conversation))
    return Outcome("updated", conversation, replies)


def _read_location(message: InboundMessage) -> tuple[float, float, str] | Reply:
    """``(lat, lon, address)`` of a location message inside the city, else the refusal to answer."""
    data = part(message.payload, "location")
    try:
        lat, lon = float(data["latitude"]), float(data["longitude"])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        return Reply(_("We could not read this location. Please send the pin again."))
    if not inside_municipality(lat, lon):
        return Reply(
            _(
                "Sorry, this location is outside the municipality, so we cannot take this report. "
                "Please send a location inside the city."
            )
        )
    return lat, lon, " — ".join(str(p) for p in (data.get("name"), data.get("address")) if p)[:255]


def _apply_location(conversation: Conversation, message: InboundMessage, ts: int) -> Reply | None:
    read = _read_location(message)
    if isinstance(read, Reply):
        return read
    if ts >= conversation.location_ts:
        conversation.lat, conversation.lon, conversation.address = read
        conversation.location_ts = ts
        _changed(conversation, ts)
    return None


def _resumable(filed: Conversation) -> bool:
    """Filed without the citizen (abandoned) and still waiting in triage: what they send now completes it."""
    complaint = filed.complaint
    return bool(filed.abandoned and complaint is not None and complaint.status == Status.NEW and complaint.needs_triage)


def _resume(
    filed: Conversation, message: InboundMessage, *, text: str, kind: str, reply_kind: str, reply_id: str, photo: PhotoIn | None
) -> Outcome:
    """The citizen comes back after their conversation was filed to triage: each message goes onto the report.

    A text or a photo is a message from the citizen on the report's timeline; a location inside the
    city or a sub-type fills what the report lacks (``complaint_supply_missing``), and with both it
    is routed like a form's. The answer asks for what is still missing.
    """
    complaint: Complaint = filed.complaint  # type: ignore[assignment]  # _resumable
    sender = f"+{filed.contact.wa_id}"
    added = Reply(_("Added to your report %(number)s.") % {"number": complaint.tracking_number})
    replies: list[Reply] = []
    if kind in ("text", "button", "image"):
        files: list = []
        if kind == "image":
            if photo is not None and photo.error is not None:
                replies.append(Reply(" ".join(str(m) for m in photo.error.messages)))
            elif photo is None or photo.failed:
                replies.append(Reply(_("We could not receive this photo. Please send it again.")))
            else:
                files = PhotoStash(token=photo.token, names=[photo.name]).files()
        if text or files:
            complaint_add_citizen_message(
                complaint=complaint,
                channel=Channel.WHATSAPP,
                external_id=message.external_id,
                text=text[:4000],
                sender=sender,
                received_at=message.sent_at,
                photos=files,
            )
            replies.append(added)
        _discard_photo(photo)
    elif kind == "location":
        read = _read_location(message)
        if isinstance(read, Reply):
            replies.append(read)
        else:
            lat, lon, address = read
            if complaint_supply_missing(complaint=complaint, channel=Channel.WHATSAPP, lat=lat, lon=lon, address=address) is None:
                complaint_add_citizen_message(
                    complaint=complaint,
                    channel=Channel.WHATSAPP,
                    external_id=message.external_id,
                    text=_("Location: %(point)s") % {"point": f"{lat:.5f}, {lon:.5f} {address}".strip()},
                    sender=sender,
                    received_at=message.sent_at,
                    original={"lat": lat, "lon": lon, "address": address},
                )
            replies.append(added)
    elif reply_kind == "list_reply":
        category = Category.objects.active().filter(code=reply_id).first()
        if category is None:
            replies.append(Reply(_("This type is not available any more. Please choose again.")))
        elif category.parent_id is None:
            return Outcome("main type", filed, [prompt_type(main_code=category.code)])
        else:
            complaint_supply_missing(complaint=complaint, channel=Channel.WHATSAPP, category=category)
            replies.append(added)
    else:
        replies.append(unsupported())
    complaint.refresh_from_db()
    if not complaint.needs_triage:
        if replies and replies[-1] is added:
            replies.pop()
        done = _("Thank you: report %(number)s is complete and was sent to the department in charge. Follow it here: %(link)s")
        link = f"{settings.SITE_URL}/track/{complaint.token}/"
        replies.append(Reply(done % {"number": complaint.tracking_number, "link": link}))
        return Outcome("completed", filed, replies)
    if not complaint.has_pin:
        replies.append(prompt_location())
    elif complaint.category_id is None:
        replies.append(prompt_type())
    return Outcome("added to report", filed, replies)


def _confirm(conversation: Conversation, message: InboundMessage) -> Outcome:
    _touch(conversation, message)
    if not conversation.is_complete:
        return Outcome("incomplete", conversation, [next_prompt(conversation)])
    if _timestamp(message) < conversation.changed_ts:  # confirmed an older summary
        return Outcome("changed", conversation, [summary(conversation)])
    try:
        complaint = file_conversation(conversation=conversation, filed_ts=_timestamp(message))
    except ValidationError as exc:
        return Outcome("refused", conversation, [Reply(" ".join(exc.messages)), next_prompt(conversation)])
    replies = [] if complaint.reporter_phone else [received(complaint)]
    return Outcome("filed", conversation, replies, complaint)


def received(complaint: Complaint) -> Reply:
    return Reply(
        _("Your report was received. Its number is %(number)s. Follow it here: %(link)s")
        % {"number": complaint.tracking_number, "link": f"{settings.SITE_URL}/track/{complaint.token}/"}
    )


def file_conversation(
    *, conversation: Conversation, filed_ts: int = 0, abandoned: bool = False, now: datetime | None = None
) -> Complaint:
    """File the conversation as a report through the one submission service (the caller holds the locks).

    ``filed_ts``: WhatsApp's time of the confirmation; what the citizen sent before it and WhatsApp
    delivers after it belongs to this report and starts nothing new.

    A confirmed conversation is complete and goes through ``complaint_submit`` like the form. An
    ``abandoned`` one is filed with what it has: complete, it is routed like the form's; without a
    sub-type or a pin (or if the form's checks refuse it, e.g. its type was retired meanwhile) it
    goes to the triage queue through ``complaint_submit_incomplete``, the original text kept for
    the agent.
    """
    contact = conversation.contact
    description = conversation.description
    if not description_is_enough(description) and conversation.photos:
        with translation.override(conversation.language):
            note = _("See the photos sent on WhatsApp.")
        description = f"{description}\n{note}".strip()
    stashes = [PhotoStash(token=token, names=[name]) for _ts, token, name in sorted(conversation.photos, key=lambda p: p[0])]
    photos = [f for stash in stashes for f in stash.files()]
    complaint: Complaint | None = None
    if conversation.is_complete:
        submission = Submission(
            category=conversation.category,
            description=description,
            lat=conversation.lat,  # type: ignore[arg-type]  # is_complete: a pin
            lon=conversation.lon,  # type: ignore[arg-type]
            address=conversation.address,
            reporter_name=contact.name,
            reporter_phone=_phone_or_blank(contact.wa_id),
            channel=Channel.WHATSAPP,
            language=conversation.language,
            photos=photos,
            external_id=conversation.first_wamid,
        )
        try:
            complaint = complaint_submit(submission=submission, photos_cleaned=True, at=now)
        except ValidationError:
            if not abandoned:
                raise
    elif not abandoned:
        raise ValidationError(_("Choose a type of report."))  # a confirmation files complete conversations only
    if complaint is None:
        complaint = _file_to_triage(conversation, photos)
    conversation.status = Conversation.Status.FILED
    conversation.complaint = complaint
    conversation.filed_at = now or timezone.now()
    conversation.filed_ts = max(conversation.changed_ts, filed_ts)
    conversation.abandoned = abandoned
    conversation.save(update_fields=["status", "complaint", "filed_at", "filed_ts", "abandoned"])
    for stash in stashes:
        stash.discard()
    return complaint


def _file_to_triage(conversation: Conversation, photos: list) -> Complaint:
    """An abandoned conversation without a sub-type or a pin: a report in the triage queue, numbered now."""
    contact = conversation.contact
    with translation.override(conversation.language):
        # Appended to the "received" message: the citizen may still finish it in the chat.
        notice = str(_still_missing(has_location=conversation.has_location, has_type=conversation.category_id is not None))
    return complaint_submit_incomplete(
        channel=Channel.WHATSAPP,
        external_id=conversation.first_wamid,
        description=conversation.description,
        received_at=conversation.created_at,
        sender=f"+{contact.wa_id}",
        reporter_name=contact.name,
        reporter_phone=_phone_or_blank(contact.wa_id),
        language=conversation.language,
        photos=photos,
        category=conversation.category,
        lat=conversation.lat,
        lon=conversation.lon,
        original={"whatsapp_conversation": conversation.pk, "address": conversation.address, "abandoned": True},
        notice=notice,
    )


def _still_missing(*, has_location: bool, has_type: bool) -> str:
    if not has_location and not has_type:
        return _("You can still send the location and choose the type here; otherwise our staff will complete them.")
    if not has_location:
        return _("You can still send the location here; otherwise our staff will complete it.")
    if not has_type:
        return _("You can still choose the type here; otherwise our staff will complete it.")
    return ""


def _phone_or_blank(wa_id: str) -> str:
    try:
        return normalize_phone(f"+{wa_id}")
    except ValidationError:
        return ""  # a number the form would refuse: the report is filed, answers go to the chat only


def _start(contact: WhatsAppContact, message: InboundMessage) -> Conversation:
    return Conversation.objects.create(
        contact=contact, language=contact.language, first_wamid=message.external_id, last_message_at=message.received_at
    )


# What a turn may change on an open conversation.
TURN_FIELDS = ["language", "texts", "photos", "lat", "lon", "address", "location_ts", "category", "category_ts", "changed_ts"]


def _touch(conversation: Conversation, message: InboundMessage) -> None:
    conversation.last_message_at = max(conversation.last_message_at, message.received_at)
    conversation.language = conversation.contact.language
    conversation.save(update_fields=[*TURN_FIELDS, "last_message_at"])


def _changed(conversation: Conversation, ts: int) -> None:
    conversation.changed_ts = max(conversation.changed_ts, ts)


def cancel(conversation: Conversation) -> None:
    for _ts, token, name in conversation.photos:
        PhotoStash(token=token, names=[name]).discard()
    conversation.status = Conversation.Status.CANCELLED
    conversation.save(update_fields=["status"])


def _discard_photo(photo: PhotoIn | None) -> None:
    if photo is not None and photo.token:
        PhotoStash(token=photo.token, names=[photo.name]).discard()
