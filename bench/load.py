"""Load for the benchmarks: ``python manage.py generate_load --complaints N`` (:func:`generate_load`).

Fills the database fast with realistic reports for benchmarks: spread over the
categories (weighted), districts (with a few hotspots), channels, priorities and
the last year (``--shape recent``, the default: recent weeks busier, the last
28 days hold ~20 % of the year; ``steady``: every week alike, ~8 %), written in
no particular order of time (``--order random``, the default) or oldest first
as a live system writes them (``arrival``: the table's pages follow the time,
so a recent period's rows sit together); statuses follow the age (old reports
are mostly closed); due times, ratings, transfers and utility referrals are
filled in. PostgreSQL gets
the rows through COPY; other databases through ``bulk_create`` in batches.

Tracking numbers are ``L<yymm>-<n>`` from their own counter (the ``L`` row of
TrackingSequence), so they never collide with the numbers citizens get.
"""

from __future__ import annotations

import random
import secrets
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from complaints.models import Category, Channel, Complaint, Event, TrackingSequence
from demo.data import MAIN_TYPES
from demo.seed import SeedReport, seed_organisation
from municipality.models import Department, District, Utility
from routing.districts_import import import_districts_from_geojson
from sla import ladder

LOAD_PREFIX = "L"
# Share of the category targets by priority (load data only; the SLA engine computes the real ones).
PRIORITY_FACTOR = {"urgent": 0.25, "high": 0.5, "normal": 1.0, "low": 2.0}
DEMO_GEOJSON = Path(settings.BASE_DIR) / "municipality" / "data" / "khamis_mushait_districts.geojson"

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
NAMES = ["محمد", "عبدالله", "فهد", "سارة", "نورة", "أحمد", "خالد", "ريم", "Ali", "Mona", ""]

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
            main, _ = Category.objects.get_or_create(
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


def _weighted(choices: dict) -> tuple[list, list]:
    return list(choices), list(choices.values())


def _category_weights(subs) -> list[float]:
    """The demo municipality's share of reports per main type, split over its sub-types; else earlier types weigh more."""
    share = {row[0]: row[-1] for row in MAIN_TYPES}
    siblings: dict[int, int] = {}
    for c in subs:
        siblings[c.parent_id] = siblings.get(c.parent_id, 0) + 1
    if share and any(c.parent.code in share for c in subs):
        return [share.get(c.parent.code, 100) / siblings[c.parent_id] for c in subs]
    return [max(1, len(subs) - i) for i in range(len(subs))]


class LoadSpec:
    """Everything a row needs, read once."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        subs = list(Category.objects.filter(parent__isnull=False, active=True).select_related("parent").order_by("pk"))
        if not subs:
            raise CommandError(_("No active sub-types to generate reports for."))
        self.categories = subs
        self.category_weights = _category_weights(subs)
        departments = list(Department.objects.filter(active=True).order_by("pk"))
        if not departments:
            raise CommandError(_("No active departments."))
        self.department_ids = [d.pk for d in departments]
        self.default_dept = {
            c.pk: c.default_department_id or (c.parent.default_department_id if c.parent else None) or departments[0].pk
            for c in subs
        }
        self.utility_ids = list(Utility.objects.filter(active=True).values_list("pk", flat=True))
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
        self.hotspots: list[tuple[int | None, float, float]] = []
        for _hotspot in range(max(3, len(self.districts))):
            district_pk, a, b, c, d = rng.choice(self.districts)
            self.hotspots.append((district_pk, rng.uniform(a, b), rng.uniform(c, d)))
        self.channels, self.channel_w = _weighted(CHANNEL_WEIGHTS)
        self.priorities, self.priority_w = _weighted(PRIORITY_WEIGHTS)

    # Share of each status by the report's age: young reports are mostly open, old ones closed.
    STATUS_MIX = (
        (3, (("new", 3), ("assigned", 37), ("in_progress", 35), ("on_hold", 5), ("resolved", 10), ("closed", 10))),
        (30, (("assigned", 8), ("in_progress", 22), ("on_hold", 5), ("resolved", 13), ("closed", 52))),
        (None, (("assigned", 1), ("in_progress", 2), ("on_hold", 1), ("resolved", 1), ("closed", 95))),
    )

    def status_for(self, age_days: float) -> str:
        r = self.rng.random() * 100
        for max_age, mix in self.STATUS_MIX:
            if max_age is None or age_days < max_age:
                upto = 0
                for status, share in mix:
                    upto += share
                    if r < upto:
                        return status
                return "closed"
        return "closed"


#: ``--shape``: how the reports spread over the year (age = 365 days × u ** power, u uniform in [0, 1)).
SHAPES = {"recent": 1.6, "steady": 1.0}
#: ``--order``: random (rows in no particular order of time) or arrival (oldest first).
ORDERS = ("random", "arrival")


def _rows(spec: LoadSpec, start_number: int, count: int, now, *, shape: str = "recent", arrival: tuple[int, int] | None = None):
    """``count`` rows. ``arrival=(done, total)``: oldest first, as a live system writes them
    (row ``done + i`` of ``total`` gets the ``done + i``-th age from the oldest), else in random order."""
    rng = spec.rng
    power = SHAPES[shape]
    cats = rng.choices(spec.categories, weights=spec.category_weights, k=count)
    channels = rng.choices(spec.channels, weights=spec.channel_w, k=count)
    priorities = rng.choices(spec.priorities, weights=spec.priority_w, k=count)
    for i in range(count):
        category = cats[i]
        category_id = category.pk
        # Recent months are busier than old ones.
        if arrival is None:
            age_days = 365 * (rng.random() ** power)
            created = now - timedelta(days=age_days, seconds=rng.randrange(86400))
        else:
            done, total = arrival
            age_days = 365 * ((1 - (done + i + rng.random()) / total) ** power)
            created = now - timedelta(days=age_days)
        if rng.random() < 0.33:
            district_id, hlat, hlon = rng.choice(spec.hotspots)
            lat, lon = hlat + rng.gauss(0, 0.0015), hlon + rng.gauss(0, 0.0015)
        else:
            district_id, a, b, c, d = rng.choice(spec.districts)
            lat, lon = rng.uniform(a, b), rng.uniform(c, d)
        priority = priorities[i]
        factor = PRIORITY_FACTOR.get(priority, 1.0)
        status = spec.status_for((now - created).total_seconds() / 86400)
        assigned_at = None if status == "new" else created + timedelta(seconds=rng.randrange(5, 600))
        department_id = spec.default_dept[category_id]
        transfer_count = 0
        if status != "new" and rng.random() < 0.06:
            department_id = rng.choice(spec.department_ids)
            transfer_count = 1 if rng.random() < 0.85 else 2
        utility_id = None
        if status != "new" and spec.utility_ids and rng.random() < 0.05:
            utility_id = rng.choice(spec.utility_ids)
        response_due = created + timedelta(hours=category.response_hours * factor)
        resolution_due = created + timedelta(hours=category.resolution_hours * factor)
        first_response = resolved_at = closed_at = on_hold_since = rated_at = None
        closure_reason, rating = "", None
        work_h = category.resolution_hours * factor * rng.uniform(0.2, 1.6)
        if status in ("in_progress", "on_hold", "resolved", "closed"):
            first_response = created + timedelta(hours=category.response_hours * factor * rng.uniform(0.05, 1.3))
            if status == "on_hold":
                on_hold_since = min(now, first_response + timedelta(hours=rng.uniform(1, 48)))
        if status in ("resolved", "closed"):
            resolved_at = work_done = min(now, created + timedelta(hours=work_h))
        if status == "closed":
            r = rng.random()
            closure_reason = (
                "fixed" if r < 0.80 else "duplicate" if r < 0.88 else "not_valid" if r < 0.95 else "out_of_jurisdiction"
            )
            if closure_reason != "fixed":
                resolved_at = None
                closed_at = min(now, created + timedelta(hours=rng.uniform(1, 72)))
            else:
                closed_at = min(now, work_done + timedelta(days=rng.uniform(0.2, 7)))
                if rng.random() < 0.45:
                    rating = rng.choices((1, 2, 3, 4, 5), weights=(6, 6, 14, 32, 42))[0]
                    rated_at = min(now, work_done + timedelta(hours=rng.uniform(1, 100)))
        number = start_number + i
        anonymous = rng.random() < 0.05
        yield {
            "tracking_number": f"{LOAD_PREFIX}{created.year % 100:02d}{created.month:02d}-{number:07d}",
            "token": secrets.token_hex(16),  # never from the seeded generator: tokens are secrets
            "category_id": category_id,
            "description": rng.choice(DESCRIPTIONS),
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "address": "",
            "district_id": district_id,
            "channel": channels[i],
            "external_id": "",
            "reporter_name": "" if anonymous else rng.choice(NAMES),
            "reporter_phone": "" if anonymous else f"+9665{rng.randrange(10**8):08d}",
            "reporter_email": "",
            "is_anonymous": anonymous,
            "language": "ar" if rng.random() < 0.85 else "en",
            "priority": priority,
            "status": status,
            "closure_reason": closure_reason,
            "department_id": department_id,
            "utility_id": utility_id,
            "assignee_id": None,
            "created_by_id": None,
            "created_at": created,
            "updated_at": closed_at or resolved_at or first_response or assigned_at or created,
            "assigned_at": assigned_at,
            "first_response_at": first_response,
            "resolved_at": resolved_at,
            "closed_at": closed_at,
            "response_due_at": response_due,
            "resolution_due_at": resolution_due,
            "on_hold_since": on_hold_since,
            "escalation_level": 0,
            "duplicate_of_id": None,
            "rating": rating,
            "rating_comment": "",
            "rated_at": rated_at,
            "reopen_count": 1 if status != "new" and rng.random() < 0.03 else 0,
            "transfer_count": transfer_count,
        }


def reserve_numbers(count: int) -> int:
    """Reserve ``count`` numbers from the load counter; returns the first one."""
    table = connection.ops.quote_name(TrackingSequence._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, last_number) VALUES (%s, %s) "
            f"ON CONFLICT (prefix) DO UPDATE SET last_number = {table}.last_number + %s RETURNING last_number",
            [LOAD_PREFIX, count, count],
        )
        (last,) = cursor.fetchone()
    return last - count + 1


def generate_load(
    *, complaints: int, batch: int = 20000, seed: int | None = None, shape: str = "recent", order: str = "random", stdout=None
) -> None:
    """Add ``complaints`` reports (``shape`` in :data:`SHAPES`, ``order`` in :data:`ORDERS`), ``batch`` rows per transaction."""
    t0 = time.monotonic()
    ensure_seed()
    spec = LoadSpec(random.Random(seed))
    first = reserve_numbers(complaints)
    now = timezone.now()
    fields = [f for f in Complaint._meta.concrete_fields if f.column != "id"]
    done = 0
    use_copy = connection.vendor == "postgresql"
    while done < complaints:
        n = min(batch, complaints - done)
        arrival = (done, complaints) if order == "arrival" else None
        rows = list(_rows(spec, first + done, n, now, shape=shape, arrival=arrival))
        with transaction.atomic():
            if use_copy:
                _copy(fields, rows)
            else:
                Complaint.objects.bulk_create([Complaint(**row) for row in rows], batch_size=2000)
            _transfer_events(rows, spec)
        done += n
        if stdout is not None:
            rate = done / max(time.monotonic() - t0, 1e-6)
            stdout.write(f"  {done:,}/{complaints:,} reports ({rate:,.0f}/s)")
    with transaction.atomic():
        ladder.sync()  # the escalation ladder's queue for the open reports that have thresholds
    if use_copy:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Complaint._meta.db_table)}")
    if stdout is not None:
        stdout.write(f"Added {complaints:,} reports in {time.monotonic() - t0:.1f} s (total now {Complaint.objects.count():,}).")


def _copy(fields, rows) -> None:
    with connection.cursor() as cursor:
        existing = {c.name for c in connection.introspection.get_table_description(cursor, Complaint._meta.db_table)}
    fields = [f for f in fields if f.column in existing]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Complaint._meta.db_table)
    names = [f.attname for f in fields]
    # Fields this generator does not know (added by other features) get their model default.
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] if name in row else defaults[name] for name in names])


def _transfer_events(rows, spec) -> None:
    """A "transferred" event for each transferred report, so the transfer counts have data."""
    numbers = [r["tracking_number"] for r in rows if r["transfer_count"]]
    if not numbers:
        return
    codes = dict(Department.objects.values_list("pk", "code"))
    by_number = dict(Complaint.objects.filter(tracking_number__in=numbers).values_list("tracking_number", "pk"))
    events = []
    for r in rows:
        if r["transfer_count"] and r["tracking_number"] in by_number:
            events.append(
                Event(
                    complaint_id=by_number[r["tracking_number"]],
                    kind=Event.Kind.TRANSFERRED,
                    is_public=False,
                    text="Generated load: transferred",
                    created_at=r["assigned_at"] + timedelta(hours=2),
                    data={
                        "from": codes.get(spec.default_dept[r["category_id"]], ""),
                        "to": codes.get(r["department_id"], ""),
                    },
                )
            )
    Event.objects.bulk_create(events, batch_size=2000)
