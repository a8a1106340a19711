"""``POST requests``: a report filed by an integrating system, through the one submission service."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from channels.api_keys.models import ApiKey
from channels.open311.params import RequestForm
from complaints.event_texts import Said, say
from complaints.models import Category, Channel, Complaint, Event
from complaints.services import Submission, complaint_submit, event_record


def _external_id(api_key: ApiKey, client_id: str) -> str:
    """Scoped by key: two clients that both number their reports from 1 never meet each other's reports."""
    return f"{api_key.prefix}:{client_id}" if client_id else ""


def _details_text(*, api_key: ApiKey, form: RequestForm) -> Said:
    """The staff note on what else the client sent, rendered again in each reader's language."""
    lines: list[str] = [say("open311_filed", name=api_key.name)]
    for code, value in form.attributes.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        lines.append(f"{code}: {shown}")  # the client's own codes and answers, as they came
    lines += [say("open311_photo", url=url) for url in form.media_urls]
    if form.device_id:
        lines.append(say("open311_device", device=form.device_id))
    if form.account_id:
        lines.append(say("open311_account", account=form.account_id))
    return say("lines", lines=lines)


def open311_request_create(*, api_key: ApiKey, category: Category, form: RequestForm, language: str) -> tuple[Complaint, bool]:
    """File the report; returns ``(report, created)``. All or nothing.

    A repeat of the client's id (``attribute[fixmystreet_id]`` or ``external_id``) returns the
    report it already made. The client's extra answers (attributes, media URLs, device and
    account ids) go on the report's timeline as an internal note in the same transaction.
    """
    external_id = _external_id(api_key, form.client_id)
    if external_id:
        existing = Complaint.objects.filter(channel=Channel.OPEN311, external_id=external_id).first()
        if existing is not None:
            return existing, False
    with translation.override(language):
        # Open311 makes the description optional; staff still need a line to read.
        description = form.description or _("%(service)s: reported through Open311 without a description.") % {
            "service": category.name
        }
    submission = Submission(
        category=category,
        description=description,
        lat=form.lat,
        lon=form.lon,
        reporter_name=form.name,
        reporter_phone=form.phone,
        reporter_email=form.email,
        address=form.address,
        channel=Channel.OPEN311,
        language=language,
        external_id=external_id,
    )
    try:
        with transaction.atomic():
            complaint = complaint_submit(submission=submission)
            with translation.override(complaint.language):
                event_record(
                    complaint=complaint,
                    kind=Event.Kind.NOTE,
                    text=_details_text(api_key=api_key, form=form),
                    data={
                        "open311": {
                            "api_key": api_key.prefix,
                            "attributes": form.attributes,
                            "media_url": form.media_urls,
                            "device_id": form.device_id,
                            "account_id": form.account_id,
                        }
                    },
                )
    except IntegrityError:
        # The same client id sent twice at the same moment: the other request filed it.
        existing = Complaint.objects.filter(channel=Channel.OPEN311, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing, False
    return complaint, True
