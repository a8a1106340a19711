"""Reading what an Open311 client sends: the filter table of ``GET requests`` and the form of ``POST requests``.

Everything here refuses with :class:`Open311Error` (a list of ``(code, description)``),
never with a half-read value; an empty parameter counts as a missing one (the spec says so).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from channels.open311.statuses import CLOSED, OPEN, statuses_for
from complaints.selectors import normalize_tracking_number

MAX_REQUESTS = 1000  # answers of GET requests / servicerequestupdates hold at most this many rows
MAX_WINDOW = timedelta(days=90)  # start_date and end_date at most this far apart; the default window
MAX_IDS = 1000
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_VALUE = 1000
MAX_BODY_BYTES = 64 * 1024  # a description is at most 4000 characters; 64 KB is room for everything else

ATTRIBUTE_RE = re.compile(r"^attribute\[([A-Za-z0-9_.:-]{1,60})\](\[\])?$")
# "+03:00" sent unencoded in a query string arrives as " 03:00".
_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class Open311Error(Exception):
    """A refusal: one or more ``(code, description)`` answered with ``status`` (400, 403, 404)."""

    def __init__(self, errors: list[tuple[int, str]] | str, *, status: int = 400):
        if isinstance(errors, str):
            errors = [(status, errors)]
        super().__init__("; ".join(str(description) for _code, description in errors))
        self.errors = errors
        self.status = status


# NUL and other control characters (tab and line breaks apart): no text field takes them, PostgreSQL refuses NUL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _value(params, name: str) -> str:
    value = params.get(name)
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else ""


def _strings(params, name: str) -> list[str]:
    return [value for value in params.getlist(name) if isinstance(value, str)]


def _list(params, name: str) -> list[str]:
    return [item.strip() for item in _value(params, name).split(",") if item.strip()]


def parse_when(raw: str, name: str) -> datetime:
    """A W3C ISO-8601 date-time (a bare date means its midnight; no time zone means the municipality's)."""
    text = _SPACED_OFFSET.sub(r"\1+\2", raw)
    try:
        value = parse_datetime(text)
        if value is None:
            day = parse_date(text)
            value = datetime.combine(day, time.min) if day else None
    except (ValueError, OverflowError):
        value = None
    if value is None:
        raise Open311Error(_("%(name)s is not an ISO-8601 date and time (e.g. 2026-12-01T08:00:00+03:00).") % {"name": name})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _fill_window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """A missing end is 90 days after the start (but not past now); a missing start is 90 days before the end."""
    if start is None:
        end = end or now
        return end - MAX_WINDOW, end
    if end is None:
        end = min(start + MAX_WINDOW, max(now, start))
    return start, end


def date_window(params, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """``start_date``/``end_date`` (on when a report was received): at most 90 days apart; by default the last 90 days."""
    parsed: dict[str, datetime] = {}
    errors: list[tuple[int, str]] = []
    for name in ("start_date", "end_date"):
        raw = _value(params, name)
        if raw:
            try:
                parsed[name] = parse_when(raw, name)
            except Open311Error as exc:
                errors.extend(exc.errors)
    if errors:
        raise Open311Error(errors)
    try:
        start, end = _fill_window(parsed.get("start_date"), parsed.get("end_date"), now or timezone.now())
        if not (EARLIEST <= start and end <= LATEST):
            raise OverflowError
    except OverflowError:  # dates a database cannot store, or 90 days beyond them
        raise Open311Error(_("start_date and end_date must be dates between the years 1900 and 2999.")) from None
    if end < start:
        raise Open311Error(_("end_date is before start_date."))
    if end - start > MAX_WINDOW:
        raise Open311Error(_("start_date and end_date may be at most 90 days apart."))
    return start, end


def _status_filter(params) -> Q | None:
    wanted = {item.lower() for item in _list(params, "status")}
    if not wanted:
        return None
    if not wanted <= {OPEN, CLOSED}:
        raise Open311Error(_("status must be open, closed or both (open,closed)."))
    return Q(status__in=statuses_for(wanted))


def _service_code_filter(params) -> Q | None:
    codes = _list(params, "service_code")
    return Q(category__code__in=codes[:MAX_IDS]) if codes else None


def _window_filter(params) -> Q:
    start, end = date_window(params)
    return Q(created_at__gte=start, created_at__lte=end)


# The filters of GET requests, FixMyStreet-style: one row per parameter, each giving a Q or nothing.
# service_request_id is not in the table: when present it overrides every other filter.
REQUEST_FILTERS = {
    "service_code": _service_code_filter,
    "status": _status_filter,
    "date": _window_filter,
}


def requests_filter(params) -> Q:
    """The one ``Q`` for ``GET requests``; every bad parameter is reported at once."""
    ids = _list(params, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(_("At most 1000 service_request_id values at once."))
        numbers = [number for number in (normalize_tracking_number(item) for item in ids) if number]
        return Q(tracking_number__in=numbers)
    combined, errors = Q(), []
    for build in REQUEST_FILTERS.values():
        try:
            q = build(params)
        except Open311Error as exc:
            errors.extend(exc.errors)
            continue
        if q is not None:
            combined &= q
    if errors:
        raise Open311Error(errors)
    return combined


@dataclass
class RequestForm:
    """A checked ``POST requests`` body."""

    service_code: str
    lat: float
    lon: float
    address: str = ""
    description: str = ""
    email: str = ""
    phone: str = ""
    name: str = ""
    device_id: str = ""
    account_id: str = ""
    media_urls: list[str] = field(default_factory=list)
    attributes: dict[str, str | list[str]] = field(default_factory=dict)
    client_id: str = ""  # the client's own id for the report: a repeat of it files nothing new


def _coordinate(raw: str, name: str, limit: float, errors: list) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        errors.append((400, _("%(name)s must be a number between -%(limit)d and %(limit)d.") % {"name": name, "limit": limit}))
        return None
    return value


def _short(params, name: str, limit: int, errors: list) -> str:
    value = _value(params, name)
    if len(value) > limit:
        errors.append((400, _("%(name)s is limited to %(limit)d characters.") % {"name": name, "limit": limit}))
        return ""
    return value


def parse_request_form(data) -> RequestForm:
    """The ``POST requests`` form: ``service_code`` and ``lat``/``long`` required; ``attribute[code]`` kept."""
    errors: list[tuple[int, str]] = []
    service_code = _short(data, "service_code", 60, errors)
    if not service_code and not errors:
        errors.append((400, _("service_code is required.")))
    raw_lat, raw_lon = _value(data, "lat"), _value(data, "long")
    lat = lon = None
    if not raw_lat or not raw_lon:
        errors.append((400, _("lat and long are required: this city takes reports with a location.")))
    else:
        lat = _coordinate(raw_lat, "lat", 90, errors)
        lon = _coordinate(raw_lon, "long", 180, errors)
    form = {
        "address": _short(data, "address_string", 255, errors),
        "description": _short(data, "description", 4000, errors),
        "email": _short(data, "email", 254, errors),
        "phone": _short(data, "phone", 30, errors),
        "device_id": _short(data, "device_id", 120, errors),
        "account_id": _short(data, "account_id", 120, errors),
    }
    first, last = _short(data, "first_name", 60, errors), _short(data, "last_name", 60, errors)
    form["name"] = f"{first} {last}".strip()
    media_urls = [url for url in (_CONTROL.sub("", url).strip() for url in _strings(data, "media_url")) if url]
    if any(len(url) > 2000 or not url.startswith(("http://", "https://")) for url in media_urls) or len(media_urls) > 10:
        errors.append((400, _("media_url must be up to 10 http(s) addresses of at most 2000 characters.")))
        media_urls = []
    attributes: dict[str, str | list[str]] = {}
    for key in data:
        if not key.startswith("attribute"):
            continue
        match = ATTRIBUTE_RE.match(key)
        values = [_CONTROL.sub("", value) for value in _strings(data, key)]
        if match is None or len(attributes) >= MAX_ATTRIBUTES or any(len(value) > MAX_ATTRIBUTE_VALUE for value in values):
            errors.append(
                (400, _("Attributes are sent as attribute[code]=value (at most 50, values of at most 1000 characters)."))
            )
            break
        code, many = match.group(1), bool(match.group(2))
        attributes[code] = [value.strip() for value in values] if many else values[-1].strip()
    if errors or lat is None or lon is None:
        raise Open311Error(errors)
    fixmystreet_id = attributes.get("fixmystreet_id")
    if isinstance(fixmystreet_id, list):
        fixmystreet_id = fixmystreet_id[0] if fixmystreet_id else ""
    client_id = (fixmystreet_id or _value(data, "external_id"))[:80]
    return RequestForm(
        service_code=service_code,
        lat=lat,
        lon=lon,
        media_urls=media_urls,
        attributes=attributes,
        client_id=client_id,
        **form,
    )


def jurisdiction_matches(params, expected: str) -> bool:
    given = _value(params, "jurisdiction_id")
    return not given or given == expected
