"""Load for the benchmarks: ``python manage.py generate_load --complaints N`` (:func:`generate_load`).

Fills the database fast with reports the application itself would have written:
spread over the categories (weighted), districts (with a few hotspots), channels,
priorities and the last ``--days`` (365 by default; ``--shape recent``, the default:
recent weeks busier, the last 28 days of a year hold ~20 %; ``steady``: every week
alike), written in no particular order of time (``--order random``, the default) or
oldest first as a live system writes them (``arrival``).

What the application would have written, and how it is checked (tests/bench):

* tracking numbers ``YYMM-NNNNNN`` from the citizens' own monthly counters, reserved
  in the transaction that writes the rows, so the next submission continues without a gap;
* mobiles the application accepts (``complaints.phones.normalize_phone``), stored in E.164;
* the owner from the routing decision (``routing.rules.route_decision``) and every due
  time and ladder threshold from the SLA clock (``sla.clock``: the same targets, priority
  table, ladder and working calendar; the working-time sum is vectorised here and
  compared with ``sla_fields`` in the tests);
* the timeline: "received" and "routed", then the transfers, referral, start, hold,
  resolution, reopening, closure and rating each report's status implies, with the
  texts the services write in the reporter's language;
* the escalation ladder's queue (``sla.ladder.sync``). Overdue open reports are left
  for the first sweep to escalate (the sweep benchmark measures that backlog).

PostgreSQL gets the rows through COPY (psycopg3 ``cursor.copy``); a large load into a
small table drops the secondary indexes first and builds them again at the end.
Other databases (SQLite in the tests) get the same rows through ``executemany``.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from shapely.geometry import shape

from complaints.models import Category, Channel, Complaint, Event, TrackingSequence
from complaints.phones import normalize_phone
from complaints.workflow import ClosureReason, Status
from demo.data import MAIN_TYPES
from demo.seed import SeedReport, seed_organisation
from municipality.calendar import business_calendar
from municipality.models import Department, District, Utility
from municipality.times import RIYADH
from routing.districts_import import import_districts_from_geojson
from routing.rules import route_decision
from sla import clock, ladder

DEMO_GEOJSON = Path(settings.BASE_DIR) / "municipality" / "data" / "khamis_mushait_districts.geojson"
# The tracking number has six digits a month; a load leaves room for the live submissions after it.
MONTH_CAPACITY = 999_999
GENERATED_MONTH_LIMIT = 900_000

CHANNEL_WEIGHTS = {
    Channel.WEB: 30,
    Channel.APP: 25,
    Channel.PHONE_940: 20,
    Channel.WHATSAPP: 10,
    Channel.TWITTER: 4,
    Channel.EMAIL: 2,
    Channel.FIELD_OFFICER: 5,
    Channel.QR: 2,
    Channel.WALK_IN: 1,
    Channel.OPEN311: 1,
}
PRIORITY_WEIGHTS = {"normal": 70, "high": 15, "urgent": 5, "low": 10}
DESCRIPTIONS = [
    "حفرة عميقة في منتصف الطريق تسببت في أضرار للسيارات",
    "تراكم النفايات بجوار الحاوية منذ عدة أيام",
    "عمود الإنارة لا يعمل ليلاً والشارع مظلم",
    "تسرب مياه من الشارع أمام المنزل",
    "مخلفات بناء على الرصيف تعيق المشاة",
    "لوحة إرشادية ساقطة عند التقاطع",
    "كلاب ضالة تتجمع قرب المدرسة",
    "Broken pavement near the mosque, people trip at night",
    "Water pooling at an old excavation site for a week",
]
NAMES = ["محمد", "عبدالله", "فهد", "سارة", "نورة", "أحمد", "خالد", "ريم", "Ali", "Mona"]
# What staff type on the timeline (their own words, not translated).
TRANSFER_REASONS = ["ليس من اختصاص الإدارة", "Belongs to another department"]
REFER_REASONS = ["يخص شبكة المرافق", "A utility network fault"]
HOLD_REASONS = ["بانتظار توفر قطع الغيار", "Waiting for a permit"]
RESOLVE_NOTES = ["تم إصلاح المشكلة", "The problem was fixed"]
REOPEN_REASONS = ["المشكلة ما زالت قائمة", "Still not fixed"]

# Minimal seed when the database has no categories yet: (code, Arabic, English, department code, resolution hours)
MIN_DEPARTMENTS = [
    ("triage", "الفرز والتوجيه", "Triage desk", True),
    ("roads", "إدارة الطرق", "Roads", False),
    ("cleaning", "إدارة النظافة", "Cleanliness", False),
    ("lighting", "إدارة الإنارة", "Street lighting", False),
]
MIN_UTILITIES = [
    ("nwc", "شركة المياه الوطنية", "National Water Company", "water"),
    ("sec", "الشركة السعودية للكهرباء", "Saudi Electricity Company", "electricity"),
]
MIN_CATEGORIES = [
    ("roads", "الطرق", "Roads", "roads", [("pothole", "حفرة", "Pothole", 72), ("road-cracks", "تشققات", "Road cracks", 240)]),
    (
        "cleanliness",
        "النظافة",
        "Cleanliness",
        "cleaning",
        [("litter", "مبعثرات", "Scattered litter", 48), ("container-full", "حاوية ممتلئة", "Full container", 24)],
    ),
    ("lighting", "الإنارة", "Lighting", "lighting", [("lighting-out", "إنارة معطلة", "Street light out", 72)]),
]


def ensure_seed(stdout=None) -> None:
    """Departments, utilities, categories and districts: create what is missing.

    The demo municipality's organisation and category tree (the realistic mix),
    then a minimal set of our own for whatever is still missing.
    """
    if not Category.objects.filter(parent__isnull=False).exists():
        seed_organisation(SeedReport())
    if not Department.objects.exists():
        for code, ar, en, triage in MIN_DEPARTMENTS:
            Department.objects.get_or_create(code=code, defaults={"name_ar": ar, "name_en": en, "is_triage": triage})
    if not Utility.objects.exists():
        for code, ar, en, kind in MIN_UTILITIES:
            Utility.objects.get_or_create(code=code, defaults={"name_ar": ar, "name_en": en, "kind": kind})
    if not Category.objects.filter(parent__isnull=False).exists():
        departments = {d.code: d for d in Department.objects.all()}
        fallback = next(iter(departments.values()))
        for code, ar, en, dept, subs in MIN_CATEGORIES:
            main, _created = Category.objects.get_or_create(
                code=code, defaults={"name_ar": ar, "name_en": en, "default_department": departments.get(dept, fallback)}
            )
            for sub_code, sub_ar, sub_en, hours in subs:
                Category.objects.get_or_create(
                    code=sub_code,
                    defaults={
                        "name_ar": sub_ar,
                        "name_en": sub_en,
                        "parent": main,
                        "resolution_hours": hours,
                        "default_department": departments.get(dept, fallback),
                    },
                )
    if not District.objects.exists():
        import_districts_from_geojson(DEMO_GEOJSON.read_bytes())
    if stdout is not None:
        stdout.write("Seed data is present.")


def _category_weights(subs) -> list[float]:
    """The demo municipality's share of reports per main type, split over its sub-types; else earlier types weigh more."""
    share = {row[0]: row[-1] for row in MAIN_TYPES}
    siblings: dict[int, int] = {}
    for c in subs:
        siblings[c.parent_id] = siblings.get(c.parent_id, 0) + 1
    if share and any(c.parent.code in share for c in subs):
        return [share.get(c.parent.code, 100) / siblings[c.parent_id] for c in subs]
    return [max(1, len(subs) - i) for i in range(len(subs))]


def valid_mobile_prefixes() -> list[str]:
    """The three-digit Saudi mobile prefixes (``5XY``) the application's own check accepts."""
    ok = []
    for prefix in range(500, 600):
        try:
            if all(normalize_phone(f"+966{prefix}{tail}") for tail in ("000000", "555555", "999999")):
                ok.append(str(prefix))
        except Exception:  # noqa: BLE001 - a refused prefix is simply not used
            continue
    if not ok:
        raise CommandError(_("No mobile number of this country is accepted (BALAGH_PHONE_COUNTRIES)."))
    return ok


# --------------------------------------------------------------------------- the clock, vectorised

US = 1_000_000  # microseconds in a second
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(value: datetime) -> int:
    return (value - EPOCH) // timedelta(microseconds=1)


class WorkingTime:
    """``sla.clock._advance`` for many start instants at once (``municipality.calendar.BusinessCalendar.add``).

    Each working day is a window [open, close); a start instant becomes its position on the
    line of working time (the working time before it), the amount is added there, and the
    position is turned back into an instant. Exactly what the day-by-day loop returns,
    including its boundaries (a sum that ends at closing time stays on that day).
    """

    def __init__(self, calendar, first: date, last: date):
        opens, closes = [], []
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                o, c = calendar.window(day)
                opens.append(_us(o))
                closes.append(_us(c))
            day += timedelta(days=1)
        self.open = np.array(opens, dtype=np.int64)
        self.close = np.array(closes, dtype=np.int64)
        lengths = self.close - self.open
        self.cum_end = np.cumsum(lengths)
        self.cum_open = self.cum_end - lengths

    def add(self, start: np.ndarray, amount: np.ndarray) -> np.ndarray:
        k = np.searchsorted(self.close, start, side="right")
        if (k >= len(self.close)).any():
            raise CommandError(_("The working calendar is too short for these due times."))
        position = self.cum_open[k] + np.clip(start - self.open[k], 0, None) + amount
        j = np.searchsorted(self.cum_end, position, side="left")
        if (j >= len(self.close)).any():
            raise CommandError(_("The working calendar is too short for these due times."))
        due = self.open[j] + (position - self.cum_open[j])
        return np.where(amount > 0, due, start)


#: The clock's fields, in order: (name, target, percent key into the ladder or None for 100 %).
CLOCK_FIELDS = (
    ("response_due_at", "response", None),
    ("resolution_due_at", "resolution", None),
    ("at_risk_at", "resolution", ("at_risk", 0)),
    ("escalate_l1_at", "resolution", ("resolution", 1)),
    ("escalate_l2_at", "resolution", ("resolution", 2)),
    ("escalate_l3_at", "resolution", ("resolution", 3)),
    ("response_alert_at", "response", ("response", 0)),
)
NONE = np.iinfo(np.int64).min  # a missing time in the int64 columns
# Plain strings (a choices enum member would reach the database driver as an enum).
NEW, ASSIGNED, IN_PROGRESS, ON_HOLD = Status.NEW.value, Status.ASSIGNED.value, Status.IN_PROGRESS.value, Status.ON_HOLD.value
RESOLVED, CLOSED, FIXED = Status.RESOLVED.value, Status.CLOSED.value, ClosureReason.FIXED.value
K_CREATED, K_ROUTED, K_TRANSFERRED, K_REFERRED = "created", "routed", "transferred", "referred"
K_ACKNOWLEDGED, K_STARTED, K_HELD, K_RESOLVED = "acknowledged", "started", "held", "resolved"
K_REOPENED, K_CLOSED, K_RATED = "reopened", "closed", "rated"


class Clock:
    """The due times ``sla.clock.sla_fields`` gives, for arrays of (category, priority, start)."""

    def __init__(self, categories: list[Category], priorities: list[str]):
        table = clock.priority_targets()
        steps = clock.ladder()
        self.calendar = business_calendar()
        # amounts[field][category index, priority index] in microseconds (-1: the step is off); wall[c, p]
        n_c, n_p = len(categories), len(priorities)
        self.wall = np.zeros((n_c, n_p), dtype=bool)
        self.amounts = {name: np.full((n_c, n_p), -1, dtype=np.int64) for name, _t, _k in CLOCK_FIELDS}
        for ci, category in enumerate(categories):
            for pi, priority in enumerate(priorities):
                target = clock.target_for(category=category, priority=priority, table=table)
                self.wall[ci, pi] = target.wall_clock
                for name, which, key in CLOCK_FIELDS:
                    percent = 100 if key is None else steps.get(key)
                    if percent is None:
                        continue
                    total = target.response if which == "response" else target.resolution
                    self.amounts[name][ci, pi] = (total * percent / 100) // timedelta(microseconds=1)
        self._working: WorkingTime | None = None

    def prepare(self, first_us: int, last_us: int) -> None:
        """The working days from ``first_us`` to long enough after ``last_us`` for the longest threshold."""
        longest = max(int(a.max()) for a in self.amounts.values())
        day_us = max(1, self.calendar.day_length // timedelta(microseconds=1))
        days = int(longest / day_us * 7 / max(1, len(self.calendar.days))) + 60
        tz = self.calendar.tz
        first = datetime.fromtimestamp(first_us / US, UTC).astimezone(tz).date() - timedelta(days=2)
        last = datetime.fromtimestamp(last_us / US, UTC).astimezone(tz).date() + timedelta(days=days)
        self._working = WorkingTime(self.calendar, first, last)

    def due(self, ci: np.ndarray, pi: np.ndarray, start: np.ndarray) -> dict[str, np.ndarray]:
        """Every field of ``sla_fields`` (``NONE`` where the ladder step is off)."""
        working = self._working
        if working is None:
            self.prepare(int(start.min()), int(start.max()))
            working = self._working
        assert working is not None
        wall = self.wall[ci, pi]
        out = {}
        for name, _which, _key in CLOCK_FIELDS:
            amount = self.amounts[name][ci, pi]
            on = amount >= 0
            worked = working.add(start, np.where(on, amount, 0))
            value = np.where(wall, start + amount, worked)
            out[name] = np.where(on, value, NONE)
        return out


# --------------------------------------------------------------------------- what a row needs, read once


class LoadSpec:
    """Everything the rows need, read once: categories, owners, districts, texts."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        subs = list(Category.objects.filter(parent__isnull=False, active=True).select_related("parent").order_by("pk"))
        if not subs:
            raise CommandError(_("No active sub-types to generate reports for."))
        self.categories = subs
        weights = np.array(_category_weights(subs), dtype=float)
        self.category_p = weights / weights.sum()
        departments = list(Department.objects.filter(active=True).order_by("pk"))
        if not departments:
            raise CommandError(_("No active departments."))
        self.departments = departments
        self.utilities = list(Utility.objects.filter(active=True).order_by("pk"))
        self.districts: list[tuple[int | None, float, float, float, float]] = []
        for pk, polygon in District.objects.order_by("pk").values_list("pk", "polygon"):
            try:
                minx, miny, maxx, maxy = shape(polygon).bounds
            except Exception:  # noqa: BLE001
                continue
            self.districts.append((pk, miny, maxy, minx, maxx))
        if not self.districts:
            self.districts = [(None, 18.27, 18.33, 42.69, 42.77)]
        # A few hotspots: a third of the reports cluster within ~300 m of them.
        self.hotspots = []
        for _hotspot in range(max(3, len(self.districts))):
            di = int(rng.integers(len(self.districts)))
            _pk, a, b, c, d = self.districts[di]
            self.hotspots.append((di, rng.uniform(a, b), rng.uniform(c, d)))
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_p = np.array(list(CHANNEL_WEIGHTS.values()), dtype=float) / sum(CHANNEL_WEIGHTS.values())
        self.priorities = list(PRIORITY_WEIGHTS)
        self.priority_p = np.array(list(PRIORITY_WEIGHTS.values()), dtype=float) / sum(PRIORITY_WEIGHTS.values())
        self.clock = Clock(subs, self.priorities)
        self._json: dict[tuple, str] = {}
        self.mobile_prefixes = valid_mobile_prefixes()
        self.languages = [code for code, _name in settings.LANGUAGES]
        self._route_table()
        self._texts()

    def _route_table(self) -> None:
        """The routing decision for every (sub-type, district), as the intake makes it."""
        n_c, n_d = len(self.categories), len(self.districts)
        self.route_dept = np.zeros((n_c, n_d), dtype=np.int64)  # 0: none
        self.route_util = np.zeros((n_c, n_d), dtype=np.int64)
        self.routed_text: dict[tuple[str, int, int], tuple[str, str]] = {}
        self.routed_rule: dict[tuple[int, int], int | None] = {}
        for ci, category in enumerate(self.categories):
            for di, (district_pk, *_bounds) in enumerate(self.districts):
                decision = route_decision(category=category, district_id=district_pk)
                self.route_dept[ci, di] = decision.department.pk if decision.department else 0
                self.route_util[ci, di] = decision.utility.pk if decision.utility else 0
                self.routed_rule[ci, di] = decision.rule_id
                for language in self.languages:
                    with translation.override(language):
                        decision = route_decision(category=category, district_id=district_pk)
                        owner = decision.owner.name if decision.owner is not None else ""
                        text = _("Sent to %(owner)s (%(reason)s).") % {"owner": owner, "reason": decision.reason}
                        self.routed_text[language, ci, di] = (text, decision.reason)

    def json_of(self, key: tuple, data: dict) -> str:
        """The JSON of a timeline event's details; the few distinct ones are encoded once."""
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(data, ensure_ascii=False)
        return text

    def _texts(self) -> None:
        """The system texts of the timeline in each language (the services' own msgids)."""
        self.received: dict[tuple[str, str], str] = {}
        self.started: dict[str, str] = {}
        self.closed: dict[tuple[str, str], str] = {}
        self.acknowledged: dict[tuple[str, int], tuple[str, str]] = {}
        for language in self.languages:
            with translation.override(language):
                for code, label in Channel.choices:
                    self.received[language, code] = _("Report received through %(channel)s.") % {"channel": str(label)}
                self.started[language] = _("Work on the report has started.")
                for code, label in ClosureReason.choices:
                    self.closed[language, code] = _("Closed: %(reason)s.") % {"reason": str(label)}
                for utility in self.utilities:
                    self.acknowledged[language, utility.pk] = (
                        _("%(utility)s acknowledged the report.") % {"utility": utility.name},
                        _("%(utility)s started work on the report.") % {"utility": utility.name},
                    )

    # Share of each status by the report's age in days: young reports are mostly open, old ones closed.
    STATUS_MIX = (
        (3, (("new", 3), ("assigned", 37), ("in_progress", 35), ("on_hold", 5), ("resolved", 10), ("closed", 10))),
        (30, (("assigned", 8), ("in_progress", 22), ("on_hold", 5), ("resolved", 13), ("closed", 52))),
        (None, (("assigned", 1), ("in_progress", 2), ("on_hold", 1), ("resolved", 1), ("closed", 95))),
    )

    def statuses(self, age_days: np.ndarray) -> np.ndarray:
        r = self.rng.random(len(age_days)) * 100
        out = np.full(len(age_days), "closed", dtype=object)
        lower = 0.0
        for max_age, mix in self.STATUS_MIX:
            band = (age_days >= lower) & (age_days < (max_age if max_age is not None else np.inf))
            upto = 0.0
            taken = np.zeros(len(age_days), dtype=bool)
            for status, share in mix:
                upto += share
                pick = band & ~taken & (r < upto)
                out[pick] = status
                taken |= pick
            lower = max_age if max_age is not None else lower
        return out


#: ``--shape``: how the reports spread over the days (age = days × u ** power, u uniform in [0, 1)).
SHAPES = {"recent": 1.6, "steady": 1.0}
#: ``--order``: random (rows in no particular order of time) or arrival (oldest first).
ORDERS = ("random", "arrival")


def month_shares(*, now: datetime, days: int, shape: str) -> dict[str, float]:
    """The expected share of the reports in each tracking-number month (``yymm``)."""
    power = SHAPES[shape]
    local = now.astimezone(RIYADH)
    shares: dict[str, float] = {}
    end = local
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while True:
        a_lo = (local - end).total_seconds() / 86400
        a_hi = min(days, (local - month_start).total_seconds() / 86400)
        shares[month_start.strftime("%y%m")] = (a_hi / days) ** (1 / power) - (a_lo / days) ** (1 / power)
        if a_hi >= days:
            return shares
        end = month_start
        month_start = (month_start - timedelta(days=1)).replace(day=1)


# --------------------------------------------------------------------------- one batch


@dataclass
class Batch:
    complaints: list[list]
    events: list[list]


def _ts(values: np.ndarray) -> list:
    """int64 microseconds since the epoch (``NONE``: missing) as the database's text for UTC
    (the connection's time zone; the COPY parser and SQLite both read it as such)."""
    text = np.datetime_as_string(values.astype("datetime64[us]"), unit="us").tolist()
    if connection.vendor == "postgresql":
        return [None if t == "NaT" else t for t in text]
    return [None if t == "NaT" else f"{t[:10]} {t[11:]}" for t in text]


def _batch(spec: LoadSpec, n: int, now_us: int, *, days: int, shape: str, arrival: tuple[int, int] | None) -> dict:
    """The columns of ``n`` reports (numpy arrays and lists), before numbers and ids."""
    rng = spec.rng
    power = SHAPES[shape]
    if arrival is None:
        age = days * rng.random(n) ** power
    else:
        done, total = arrival
        age = days * (1 - (done + np.arange(n) + rng.random(n)) / total) ** power
    created = now_us - (age * 86400 * US).astype(np.int64)
    ci = rng.choice(len(spec.categories), size=n, p=spec.category_p)
    ch = rng.choice(len(spec.channels), size=n, p=spec.channel_p)
    pi = rng.choice(len(spec.priorities), size=n, p=spec.priority_p)
    hot = rng.random(n) < 0.33
    hi = rng.integers(len(spec.hotspots), size=n)
    di_uniform = rng.integers(len(spec.districts), size=n)
    hot_d = np.array([h[0] for h in spec.hotspots])[hi]
    hot_lat = np.array([h[1] for h in spec.hotspots])[hi] + rng.normal(0, 0.0015, n)
    hot_lon = np.array([h[2] for h in spec.hotspots])[hi] + rng.normal(0, 0.0015, n)
    bounds = np.array([d[1:] for d in spec.districts])[di_uniform]
    u_lat = bounds[:, 0] + rng.random(n) * (bounds[:, 1] - bounds[:, 0])
    u_lon = bounds[:, 2] + rng.random(n) * (bounds[:, 3] - bounds[:, 2])
    di = np.where(hot, hot_d, di_uniform)
    lat = np.round(np.where(hot, hot_lat, u_lat), 6)
    lon = np.round(np.where(hot, hot_lon, u_lon), 6)
    status = spec.statuses(age)
    return {
        "n": n,
        "created": created,
        "ci": ci,
        "ch": ch,
        "pi": pi,
        "di": di,
        "lat": lat,
        "lon": lon,
        "status": status,
        "u": rng.random((n, 12)),  # the per-row draws of the timeline below
    }


def _rows(spec: LoadSpec, cols: dict, ids: list[int], numbers: list[str], now_us: int) -> Batch:
    """The reports and their timelines, as the services would have written them."""
    rng = spec.rng
    n = cols["n"]
    hour = 3600 * US
    created = cols["created"]
    ci, pi, di = cols["ci"], cols["pi"], cols["di"]
    status = cols["status"]
    u = cols["u"]
    new = status == Status.NEW
    # Routing at filing time, then the transfers (a fresh clock) and a referral to a utility.
    dept = spec.route_dept[ci, di]
    util = spec.route_util[ci, di]
    transfers = np.where(~new & (u[:, 0] < 0.06), np.where(u[:, 1] < 0.85, 1, 2), 0)
    t_x1 = created + (u[:, 2] * 4 * hour + 600 * US).astype(np.int64)
    t_x2 = t_x1 + (u[:, 3] * 4 * hour + 600 * US).astype(np.int64)
    clock_start = np.where(transfers == 2, t_x2, np.where(transfers == 1, t_x1, created))
    dept_ids = np.array([d.pk for d in spec.departments if not d.is_triage] or [d.pk for d in spec.departments])
    mid_dept = dept_ids[rng.integers(len(dept_ids), size=n)]
    new_dept = dept_ids[rng.integers(len(dept_ids), size=n)]
    dept = np.where(transfers > 0, new_dept, dept)
    util = np.where(transfers > 0, 0, util)
    util_ids = np.array([x.pk for x in spec.utilities] or [0])
    refer = ~new & (util == 0) & (u[:, 4] < 0.05) & (len(spec.utilities) > 0)
    t_ref = clock_start + (u[:, 5] * 2 * hour + 600 * US).astype(np.int64)
    util = np.where(refer, util_ids[rng.integers(len(util_ids), size=n)], util)
    work_from = np.where(refer, t_ref, clock_start)
    due = spec.clock.due(ci, pi, clock_start)
    response_amount = spec.clock.amounts["response_due_at"][ci, pi]
    resolution_amount = spec.clock.amounts["resolution_due_at"][ci, pi]
    first_response = np.minimum(now_us, work_from + (response_amount * (0.05 + 1.25 * u[:, 6])).astype(np.int64) + US)
    work_done = np.minimum(now_us, first_response + (resolution_amount * (0.2 + 1.4 * u[:, 7])).astype(np.int64))
    held = np.minimum(now_us, first_response + (u[:, 8] * 47 * hour + hour).astype(np.int64))
    closed_fixed = np.minimum(now_us, work_done + (u[:, 9] * 7 * 24 * hour + hour).astype(np.int64))
    closed_early = np.minimum(now_us, work_from + (u[:, 9] * 71 * hour + hour).astype(np.int64))
    rated_at = np.minimum(now_us, work_done + (u[:, 10] * 99 * hour + hour).astype(np.int64))
    created_l, first_l, done_l = _ts(created), _ts(first_response), _ts(work_done)
    x1_l, x2_l, ref_l, held_l = _ts(t_x1), _ts(t_x2), _ts(t_ref), _ts(held)
    fixed_l, early_l, rated_l = _ts(closed_fixed), _ts(closed_early), _ts(rated_at)
    due_l = {name: _ts(values) for name, values in due.items()}
    lat_l, lon_l = cols["lat"].tolist(), cols["lon"].tolist()
    district_pk = [spec.districts[d][0] for d in di.tolist()]
    dept_l, util_l = dept.tolist(), util.tolist()
    dept_code = {d.pk: d.code for d in spec.departments}
    util_code = {x.pk: x.code for x in spec.utilities}
    closure_draw = u[:, 11].tolist()
    anon_draw, lang_draw, rate_draw, reopen_draw = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    descriptions = rng.integers(len(DESCRIPTIONS), size=n).tolist()
    names = rng.integers(len(NAMES), size=n).tolist()
    prefixes = rng.integers(len(spec.mobile_prefixes), size=n).tolist()
    tails = rng.integers(10**6, size=n).tolist()
    ratings = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.06, 0.06, 0.14, 0.32, 0.42]).tolist()
    mid_l = mid_dept.tolist()
    languages = spec.languages
    en = "en" if "en" in languages else languages[-1]
    complaint_rows: list[list] = []
    event_rows: list[list] = []
    ev = event_rows.append
    json_of = spec.json_of
    category_pk = [c.pk for c in spec.categories]
    channels = [str(c) for c in spec.channels]
    priorities = spec.priorities
    status_l, ci_l, di_l, pi_l, ch_l = status.tolist(), ci.tolist(), di.tolist(), pi.tolist(), cols["ch"].tolist()
    transfers_l, refer_l, lang_l = transfers.tolist(), refer.tolist(), (lang_draw < 0.85).tolist()
    anon_l, rate_l, reopen_l = (anon_draw < 0.05).tolist(), (rate_draw < 0.45).tolist(), (reopen_draw < 0.03).tolist()
    due_names = list(due_l)
    for i in range(n):
        st = status_l[i]
        channel = channels[ch_l[i]]
        language = "ar" if lang_l[i] else en
        anonymous = anon_l[i]
        pk = ids[i]
        t0 = created_l[i]
        triage = st == NEW
        # The "received" event, as complaint_submit / complaint_submit_incomplete write it.
        received_data = {"channel": channel, "triage": True} if triage else {"channel": channel}
        ev(
            [
                pk,
                None,
                K_CREATED,
                "",
                NEW,
                spec.received[language, channel],
                True,
                json_of(("received", channel, triage), received_data),
                t0,
            ]
        )
        lat, lon, district = (None, None, None) if triage else (lat_l[i], lon_l[i], district_pk[i])
        department = util_id = None
        assigned_at = first = resolved = closed = on_hold = rated = None
        reason, rating, reopen, n_x = "", None, 0, 0
        clock_values = dict.fromkeys(due_names)
        if not triage:
            c_i, d_i = ci_l[i], di_l[i]
            text, why = spec.routed_text[language, c_i, d_i]
            data = {"reason": why, "rule": spec.routed_rule[c_i, d_i]}
            ev([pk, None, K_ROUTED, NEW, ASSIGNED, text, True, json_of(("routed", language, c_i, d_i), data), t0])
            assigned_at = t0
            n_x = transfers_l[i]
            if n_x:
                routed_to = int(spec.route_dept[c_i, d_i]) or None
                if n_x == 2:
                    hops = [(routed_to, mid_l[i], x1_l[i]), (mid_l[i], dept_l[i], x2_l[i])]
                else:
                    hops = [(routed_to, dept_l[i], x1_l[i])]
                for src, dst, at in hops:
                    data = {"from": dept_code.get(src), "to": dept_code.get(dst)}
                    ev(
                        [
                            pk,
                            None,
                            K_TRANSFERRED,
                            ASSIGNED,
                            ASSIGNED,
                            TRANSFER_REASONS[i % 2],
                            False,
                            json_of(("transfer", src, dst), data),
                            at,
                        ]
                    )
                    assigned_at = at
            department = dept_l[i] or None
            util_id = util_l[i] or None
            if refer_l[i]:
                data = {"utility": util_code[util_l[i]]}
                ev(
                    [
                        pk,
                        None,
                        K_REFERRED,
                        ASSIGNED,
                        ASSIGNED,
                        REFER_REASONS[i % 2],
                        True,
                        json_of(("utility", util_id), data),
                        ref_l[i],
                    ]
                )
                assigned_at = ref_l[i]
            for name in due_names:
                clock_values[name] = due_l[name][i]
            state = ASSIGNED
            r = closure_draw[i]
            early = st == CLOSED and r >= 0.80
            if st != ASSIGNED and not early:
                first = first_l[i]
                started_text = spec.started[language]
                if util_id is not None:
                    acknowledged, started_text = spec.acknowledged[language, util_id]
                    data = {"utility": util_code[util_id]}
                    ev([pk, None, K_ACKNOWLEDGED, "", "", acknowledged, True, json_of(("utility", util_id), data), first])
                ev([pk, None, K_STARTED, state, IN_PROGRESS, started_text, True, "{}", first])
                state = IN_PROGRESS
            if st == ON_HOLD:
                on_hold = held_l[i]
                ev([pk, None, K_HELD, state, ON_HOLD, HOLD_REASONS[i % 2], True, "{}", on_hold])
                state = ON_HOLD
            elif st == IN_PROGRESS and reopen_l[i]:
                back = max(held_l[i], done_l[i])
                ev([pk, None, K_RESOLVED, state, RESOLVED, RESOLVE_NOTES[i % 2], True, "{}", done_l[i]])
                ev([pk, None, K_REOPENED, RESOLVED, IN_PROGRESS, REOPEN_REASONS[i % 2], True, "{}", back])
                reopen = 1
            elif (st == RESOLVED or st == CLOSED) and not early:
                resolved = done_l[i]
                ev([pk, None, K_RESOLVED, state, RESOLVED, RESOLVE_NOTES[i % 2], True, "{}", resolved])
                state = RESOLVED
            if st == CLOSED:
                reason = FIXED if r < 0.80 else "duplicate" if r < 0.88 else "not_valid" if r < 0.95 else "out_of_jurisdiction"
                closed = fixed_l[i] if reason == FIXED else early_l[i]
                data = {"reason": reason}
                ev(
                    [
                        pk,
                        None,
                        K_CLOSED,
                        state,
                        CLOSED,
                        spec.closed[language, reason],
                        True,
                        json_of(("closed", reason), data),
                        closed,
                    ]
                )
                if reason == FIXED and rate_l[i]:
                    rating = ratings[i]
                    rated = rated_l[i]
                    ev([pk, None, K_RATED, "", "", "", True, json_of(("rating", rating), {"rating": rating}), rated])
        updated = closed or resolved or on_hold or first or assigned_at or t0
        phone = "" if anonymous else f"+966{spec.mobile_prefixes[prefixes[i]]}{tails[i]:06d}"
        complaint_rows.append(
            [
                pk,
                numbers[i],
                secrets.token_urlsafe(16),
                category_pk[ci_l[i]],
                DESCRIPTIONS[descriptions[i]],
                lat,
                lon,
                "",
                district,
                channel,
                "",
                "" if anonymous else NAMES[names[i]],
                phone,
                "",
                anonymous,
                language,
                priorities[pi_l[i]],
                st,
                reason,
                department,
                util_id,
                None,
                None,
                t0,
                updated,
                assigned_at,
                first,
                resolved,
                closed,
                clock_values["response_due_at"],
                clock_values["resolution_due_at"],
                on_hold,
                0,
                clock_values["at_risk_at"],
                clock_values["escalate_l1_at"],
                clock_values["escalate_l2_at"],
                clock_values["escalate_l3_at"],
                clock_values["response_alert_at"],
                None,
                None,
                None,
                rating,
                "",
                rated,
                reopen,
                n_x,
            ]
        )
    return Batch(complaint_rows, event_rows)


#: The report columns :func:`_rows` fills, in its order.
COMPLAINT_COLUMNS = (
    "id tracking_number token category_id description lat lon address district_id channel external_id reporter_name "
    "reporter_phone reporter_email is_anonymous language priority status closure_reason department_id utility_id "
    "assignee_id created_by_id created_at updated_at assigned_at first_response_at resolved_at closed_at response_due_at "
    "resolution_due_at on_hold_since escalation_level at_risk_at escalate_l1_at escalate_l2_at escalate_l3_at "
    "response_alert_at at_risk_notified_at response_alerted_at duplicate_of_id rating rating_comment rated_at "
    "reopen_count transfer_count"
).split()
EVENT_COLUMNS = ("complaint_id", "actor_id", "kind", "from_status", "to_status", "text", "is_public", "data", "created_at")


# --------------------------------------------------------------------------- numbers and ids


def _month_prefix(created_us: np.ndarray) -> list[str]:
    offset = int((datetime.now(RIYADH).utcoffset() or timedelta(0)).total_seconds() * US)  # Asia/Riyadh has no daylight saving
    local = (created_us + offset).astype("datetime64[us]").astype("datetime64[M]")
    years = local.astype("datetime64[Y]").astype(int) + 1970
    months = local.astype(int) % 12 + 1
    return [f"{y % 100:02d}{m:02d}" for y, m in zip(years.tolist(), months.tolist(), strict=True)]


def _reserve(prefix: str, count: int) -> int:
    """Take ``count`` numbers from the citizens' counter of ``prefix``; the first one (in the caller's transaction)."""
    table = connection.ops.quote_name(TrackingSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, last_number) VALUES (%s, %s) "
            f"ON CONFLICT (prefix) DO UPDATE SET last_number = {table}.last_number + %s RETURNING last_number",
            [prefix, count, count],
        )
        (last,) = cursor.fetchone()
    if last > MONTH_CAPACITY:
        raise CommandError(
            _("Month %(month)s would need more than %(max)s tracking numbers; spread the reports over more days (--days).")
            % {"month": prefix, "max": f"{MONTH_CAPACITY:,}"}
        )
    return last - count + 1


def _numbers(created_us: np.ndarray) -> list[str]:
    """Tracking numbers in order of time within each month, from the monthly counters."""
    prefixes = _month_prefix(created_us)
    order = np.argsort(created_us, kind="stable").tolist()
    by_prefix: dict[str, list[int]] = {}
    for i in order:
        by_prefix.setdefault(prefixes[i], []).append(i)
    numbers = [""] * len(prefixes)
    for prefix, rows in sorted(by_prefix.items()):
        first = _reserve(prefix, len(rows))
        for offset, i in enumerate(rows):
            numbers[i] = f"{prefix}-{first + offset:06d}"
    return numbers


def _ids(n: int) -> list[int]:
    table = Complaint._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [n])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # one writer: the tests' SQLite
        (last,) = cursor.fetchone()
        return list(range(last + 1, last + n + 1))


# --------------------------------------------------------------------------- writing


def _extra_columns(model, known: tuple[str, ...]) -> tuple[list[str], list]:
    """Columns other features added that this generator does not fill: their model defaults."""
    with connection.cursor() as cursor:
        existing = {c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)}
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in known or f.column not in existing or f.column == "id" or isinstance(f, models.GeneratedField):
            continue
        value = f.get_default()
        names.append(f.column)
        values.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return names, values


def _write(model, columns: tuple[str, ...] | list[str], rows: list[list], extra: tuple[list[str], list]) -> None:
    names, defaults = extra
    cols = [*columns, *names]
    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(c) for c in cols)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                if defaults:
                    for row in rows:
                        copy.write_row(row + defaults)
                else:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(cols))
            convert = [_sqlite_value for _c in cols]
            cursor.executemany(
                f"INSERT INTO {table} ({column_sql}) VALUES ({marks})",
                [[fn(v) for fn, v in zip(convert, row + defaults, strict=True)] for row in rows],
            )


def _sqlite_value(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes of ``table`` no constraint owns (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        return list(cursor.fetchall())


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def check_months(*, complaints: int, now: datetime, days: int, shape: str) -> None:
    """Refuse before writing anything when a month would overflow its six-digit counter."""
    counters = dict(TrackingSequence.objects.values_list("prefix", "last_number"))
    for month, share in month_shares(now=now, days=days, shape=shape).items():
        expected = complaints * share * 1.01 + counters.get(month, 0)
        if expected > GENERATED_MONTH_LIMIT:
            raise CommandError(
                _(
                    "Month %(month)s would get about %(n)s reports, more than the %(max)s a month's tracking "
                    "numbers leave for a load; spread the reports over more days (--days)."
                )
                % {"month": month, "n": f"{int(expected):,}", "max": f"{GENERATED_MONTH_LIMIT:,}"}
            )


def generate_load(
    *,
    complaints: int,
    batch: int = 50000,
    seed: int | None = None,
    shape: str = "recent",
    order: str = "random",
    days: int = 365,
    stdout=None,
) -> dict:
    """Add ``complaints`` reports (``shape`` in :data:`SHAPES`, ``order`` in :data:`ORDERS`) spread over the last
    ``days``, ``batch`` rows per transaction. Returns what was written and how fast."""
    t0 = time.monotonic()
    now = timezone.now()
    check_months(complaints=complaints, now=now, days=days, shape=shape)
    ensure_seed()
    spec = LoadSpec(np.random.default_rng(seed))
    now_us = _us(now)
    spec.clock.prepare(now_us - (days + 1) * 86400 * US, now_us)
    on_postgres = connection.vendor == "postgresql"
    indexes: list[tuple[str, str]] = []
    events_written = 0
    if on_postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")  # this session only: a crash loses a batch, not the data
        existing = Complaint.objects.count()
        if complaints >= max(100_000, existing):
            for model in (Complaint, Event):
                indexes += _secondary_indexes(model._meta.db_table)
    replica = on_postgres and _is_superuser()
    extra_c = _extra_columns(Complaint, tuple(COMPLAINT_COLUMNS))
    extra_e = _extra_columns(Event, EVENT_COLUMNS)
    done = 0
    try:
        with connection.cursor() as cursor:
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
        while done < complaints:
            n = min(batch, complaints - done)
            cols = _batch(spec, n, now_us, days=days, shape=shape, arrival=(done, complaints) if order == "arrival" else None)
            with transaction.atomic():
                if replica:
                    # The rows are valid by construction: no per-row foreign-key trigger (pg_restore --disable-triggers).
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                ids = _ids(n)
                rows = _rows(spec, cols, ids, _numbers(cols["created"]), now_us)
                _write(Complaint, COMPLAINT_COLUMNS, rows.complaints, extra_c)
                _write(Event, EVENT_COLUMNS, rows.events, extra_e)
            done += n
            events_written += len(rows.events)
            if stdout is not None:
                rate = done / max(time.monotonic() - t0, 1e-6)
                stdout.write(f"  {done:,}/{complaints:,} reports, {events_written:,} events ({rate:,.0f} reports/s)")
    finally:
        if indexes:
            if stdout is not None:
                stdout.write(f"  building {len(indexes)} indexes")
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                for _name, sql in indexes:
                    cursor.execute(
                        sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1).replace(
                            "CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1
                        )
                    )
    with transaction.atomic():
        ladder.sync()  # the escalation ladder's queue for the open reports that have thresholds
    if on_postgres:
        with connection.cursor() as cursor:
            for model in (Complaint, Event):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    seconds = time.monotonic() - t0
    stats = {
        "reports": complaints,
        "events": events_written,
        "seconds": seconds,
        "reports_per_s": complaints / max(seconds, 1e-6),
        "rows_per_s": (complaints + events_written) / max(seconds, 1e-6),
    }
    if stdout is not None:
        stdout.write(
            f"Added {complaints:,} reports and {events_written:,} timeline events in {seconds:.1f} s "
            f"({stats['reports_per_s']:,.0f} reports/s, {stats['rows_per_s']:,.0f} rows/s; "
            f"total now {Complaint.objects.count():,})."
        )
    return stats
