"""Mobile numbers: anything a Saudi caller types becomes E.164 (+9665XXXXXXXX).

Only mobiles of ``BALAGH_PHONE_COUNTRIES`` (Saudi Arabia by default) are accepted: the
SMS gateway reaches them, and a foreign number cannot be made to receive the city's messages.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


# Names for the countries a Gulf municipality is likely to accept; others show their ISO code.
COUNTRY_NAMES = {
    "SA": _("Saudi Arabia"),
    "AE": _("the United Arab Emirates"),
    "BH": _("Bahrain"),
    "KW": _("Kuwait"),
    "OM": _("Oman"),
    "QA": _("Qatar"),
}


def countries_label() -> str:
    """The accepted countries, named in the reader's language, with their calling codes."""
    return ", ".join(
        f"{COUNTRY_NAMES.get(code, code)} (+{phonenumbers.country_code_for_region(code)})"
        for code in settings.BALAGH_PHONE_COUNTRIES
    )


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
    if phonenumbers.region_code_for_number(number) not in settings.BALAGH_PHONE_COUNTRIES:
        raise ValidationError(
            _("Only mobile numbers from %(countries)s are accepted."),
            code="country",
            params={"countries": countries_label()},
        )
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
