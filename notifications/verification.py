"""One-time codes by SMS: a citizen proves they hold a mobile before it follows a report or sees its reports.

``phone_code_send`` writes the code's row and its SMS (through the outbox, after
commit) and answers the same whatever the number: the caller cannot learn whether
the number filed a report or follows one. ``phone_code_confirm`` checks a typed code
against the keyed hash of the latest open code for that purpose, mobile and report,
counts wrong tries with a conditional UPDATE (two tries at once cannot both slip
under the limit) and marks the row used, once. ``phone_code_allowed`` limits how many
codes one number and one client address may ask for.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from complaints.phones import ARABIC_DIGITS
from municipality import ratelimit
from notifications.models import Channel, MessageTemplate, PhoneCode
from notifications.services import Message, outbox_write

CODE_DIGITS = 6
HOUR = 3600


def _hash(salt: str, code: str) -> str:
    return salted_hmac("balagh.phone-code", f"{salt}:{code}", algorithm="sha256").hexdigest()


def phone_code_allowed(*, client: str, phone: str) -> bool:
    """Count one code asked for by ``client`` (an address) for ``phone``; False once either is over its hourly limit."""
    return ratelimit.allow(
        {
            f"balagh:code:ip:{client}": settings.BALAGH_PHONE_CODES_PER_ADDRESS,
            f"balagh:code:phone:{phone}": settings.BALAGH_PHONE_CODES_PER_NUMBER,
        },
        window=HOUR,
    )


def phone_code_send(*, phone: str, purpose: str, language: str = "ar", complaint=None) -> PhoneCode:
    """Write a new code for ``phone`` (already E.164) and queue its SMS."""
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    salt = secrets.token_hex(16)
    minutes = settings.BALAGH_PHONE_CODE_MINUTES
    with transaction.atomic():
        row = PhoneCode.objects.create(
            salt=salt,
            purpose=purpose,
            phone=phone,
            complaint=complaint,
            language=language,
            code_hash=_hash(salt, code),
            expires_at=timezone.now() + timedelta(minutes=minutes),
        )
        outbox_write(
            messages=[
                Message(
                    Channel.SMS,
                    phone,
                    MessageTemplate.Code.PHONE_CODE,
                    language,
                    f"code:{row.pk}",
                    {"code": code, "minutes": minutes},
                    complaint.pk if complaint is not None else None,
                    is_citizen=True,
                )
            ]
        )
    return row


def phone_code_confirm(*, phone: str, code: str, purpose: str, complaint=None) -> PhoneCode:
    """The confirmed row, or ``ValidationError`` (translated) for a wrong, expired, used or over-tried code."""
    now = timezone.now()
    limit = settings.BALAGH_PHONE_CODE_ATTEMPTS
    expired = ValidationError(_("This code has expired or was already used. Ask for a new one."), code="expired")
    row = (
        PhoneCode.objects.filter(phone=phone, purpose=purpose, complaint=complaint, confirmed_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None or row.expires_at <= now:
        raise expired
    if row.attempts >= limit:
        raise ValidationError(_("Too many wrong codes. Ask for a new one."), code="too_many")
    typed = "".join(ch for ch in (code or "").translate(ARABIC_DIGITS) if ch in "0123456789")
    if not constant_time_compare(_hash(row.salt, typed), row.code_hash):
        PhoneCode.objects.filter(pk=row.pk, attempts__lt=limit).update(attempts=F("attempts") + 1)
        raise ValidationError(_("This code is not right. Check the SMS and try again."), code="wrong")
    # Used once: of two requests with the right code, only the one whose UPDATE changes the row wins.
    if not PhoneCode.objects.filter(pk=row.pk, confirmed_at__isnull=True, attempts__lt=limit).update(confirmed_at=now):
        raise expired
    row.confirmed_at = now
    return row


def my_reports_code_send(*, phone: str, language: str = "ar") -> PhoneCode:
    """A code for "my reports": sent whatever the number, so the answer says nothing about its reports."""
    return phone_code_send(phone=phone, purpose=PhoneCode.Purpose.MY_REPORTS, language=language)


def my_reports_code_confirm(*, phone: str, code: str) -> PhoneCode:
    return phone_code_confirm(phone=phone, code=code, purpose=PhoneCode.Purpose.MY_REPORTS)


def phone_codes_purge(*, now=None) -> int:
    """Delete codes expired for a day (they prove nothing any more)."""
    now = now or timezone.now()
    deleted, _detail = PhoneCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return deleted
