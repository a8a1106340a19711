"""Mobile numbers: anything a Saudi caller types becomes E.164 (+9665XXXXXXXX)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return ``raw`` as E.164 or raise ``ValidationError`` with a translated message."""
    text = (raw or "").strip().translate(ARABIC_DIGITS)
    if not text:
        raise ValidationError(_("Enter a mobile number."), code="required")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or settings.BALAGH_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%(value)s” is not a phone number."), code="invalid", params={"value": raw}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid mobile number."), code="invalid", params={"value": raw})
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("Enter a mobile number so we can send you SMS updates."), code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_match(stored: str, typed: str) -> bool:
    try:
        return bool(stored) and normalize_phone(typed) == stored
    except ValidationError:
        return False


def mask_phone(phone: str) -> str:
    """``+966501234134`` as ``+9665•••••134``: enough to recognise one's own number, not to call it."""
    if not phone:
        return ""
    if len(phone) <= 8:
        return "•" * len(phone)
    return phone[:5] + "•" * (len(phone) - 8) + phone[-3:]
