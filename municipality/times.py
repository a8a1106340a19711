"""The municipality's time zone and the one way Balagh writes a moment for people to read.

``RIYADH`` is the municipality's zone (the same as ``TIME_ZONE``); ``local_minute`` writes a moment
as ``2026-11-25 14:20`` in it: compact, sortable and the same in Arabic and English. Templates use
the same format, ``DATETIME_FORMAT`` (``municipality/formats``), with ``{{ value }}`` or ``|date:"DATETIME_FORMAT"``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format

RIYADH = ZoneInfo("Asia/Riyadh")
MINUTE_FORMAT = "DATETIME_FORMAT"  # municipality/formats: Y-m-d H:i in both languages


def local_minute(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in the municipality's zone; ``""`` for no value."""
    return date_format(timezone.localtime(value, RIYADH), MINUTE_FORMAT) if value else ""
