"""``seed_demo``: a demo municipality to click through. Idempotent.

Organisation, categories and users are upserted every run (so a changed
demo table is picked up); the ~200 demo reports are made once, through the
real services (so tracking numbers, routing and the timeline are genuine),
then placed back in time over the last eight weeks.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from complaints import services
from complaints.models import Category, Complaint, Event
from complaints.workflow import ClosureReason
from demo import data
from municipality.geo import inside_municipality
from municipality.models import Department, District, StaffProfile, Utility
from notifications.models import Outbox
from routing.districts_import import import_districts_from_geojson

DISTRICTS_FILE = Path(__file__).resolve().parent.parent / "municipality" / "data" / "khamis_mushait_districts.geojson"
DEMO_MARK = "demo-"


@dataclass
class SeedReport:
    departments: int = 0
    utilities: int = 0
    districts: int = 0
    categories: int = 0
    users: int = 0
    complaints_created: int = 0
    complaints_existing: int = 0

    def lines(self) -> list[str]:
        return [
            f"departments: {self.departments}",
            f"utilities: {self.utilities}",
            f"districts: {self.districts}",
            f"categories: {self.categories}",
            f"users: {self.users}",
            f"demo reports: {self.complaints_created} created, {self.complaints_existing} already there",
        ]


def seed_organisation(report: SeedReport) -> None:

    for code, ar, en, email, triage in data.DEPARTMENTS:
        Department.objects.update_or_create(
            code=code, defaults={"name_ar": ar, "name_en": en, "email": email, "is_triage": triage}
        )
    report.departments = len(data.DEPARTMENTS)
    for code, ar, en, kind in data.UTILITIES:
        Utility.objects.update_or_create(
            code=code, defaults={"name_ar": ar, "name_en": en, "kind": kind, "email": f"jo@{code}.balagh.local"}
        )
    report.utilities = len(data.UTILITIES)

    departments = {d.code: d for d in Department.objects.all()}
    mains = {}
    for order, (code, ar, en, icon, dept, _weight) in enumerate(data.MAIN_TYPES):
        mains[code], _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "name_ar": ar,
                "name_en": en,
                "icon": icon,
                "default_department": departments[dept],
                "sort_order": order,
                "parent": None,
            },
        )
    for order, (code, parent, ar, en, priority, response, resolution, photo, anonymous) in enumerate(data.SUB_TYPES):
        main = mains[parent]
        Category.objects.update_or_create(
            code=code,
            defaults={
                "parent": main,
                "name_ar": ar,
                "name_en": en,
                "default_department": main.default_department,
                "default_priority": priority,
                "response_hours": response,
                "resolution_hours": resolution,
                "needs_photo": photo,
                "allow_anonymous": anonymous,
                "sort_order": order,
            },
        )
    report.categories = len(data.MAIN_TYPES) + len(data.SUB_TYPES)


def seed_districts(report: SeedReport) -> None:

    import_districts_from_geojson(json.loads(DISTRICTS_FILE.read_text(encoding="utf-8")), name_property="name")
    report.districts = District.objects.count()


def seed_users(report: SeedReport) -> dict:
    User = get_user_model()
    departments = {d.code: d for d in Department.objects.all()}
    utilities = {u.code: u for u in Utility.objects.all()}
    users: dict[str, AbstractBaseUser] = {}
    for username, role, dept, utility, first, last, email in data.USERS:
        user, created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.email = first, last, email
        user.is_staff = True
        user.is_superuser = role == "admin"
        if created or not user.check_password(data.DEMO_PASSWORD):
            user.set_password(data.DEMO_PASSWORD)
        user.save()
        StaffProfile.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                "department": departments.get(dept) if dept else None,
                "utility": utilities.get(utility) if utility else None,
                "phone": f"+96650000{len(users):04d}",
            },
        )
        users[username] = user
    report.users = len(users)
    return users


def _point(rng: random.Random) -> tuple[float, float]:

    for _ in range(200):
        lat = round(18.30 + rng.gauss(0, 0.012), 6)
        lon = round(42.73 + rng.gauss(0, 0.012), 6)
        if inside_municipality(lat, lon):
            return lat, lon
    return 18.30, 42.73


def _weighted_subtypes():

    weights = {code: weight for code, *_rest, weight in data.MAIN_TYPES}
    subs = list(Category.objects.filter(parent__isnull=False, active=True).select_related("parent", "default_department"))
    per_main: dict[str, int] = {}
    for sub in subs:
        per_main[sub.parent.code] = per_main.get(sub.parent.code, 0) + 1
    return subs, [weights.get(s.parent.code, 100) / per_main[s.parent.code] for s in subs]


CHANNELS = [
    ("web", 30),
    ("app", 30),
    ("phone_940", 20),
    ("whatsapp", 8),
    ("twitter", 5),
    ("email", 3),
    ("field_officer", 3),
    ("walk_in", 1),
]


def seed_complaints(users: dict, report: SeedReport, *, count: int = 200, seed: int = 940) -> None:

    existing = Complaint.objects.filter(external_id__startswith=DEMO_MARK).count()
    report.complaints_existing = existing
    if existing:
        return
    rng = random.Random(seed)
    subs, weights = _weighted_subtypes()
    now = timezone.now()
    with transaction.atomic():  # all or nothing, so a re-run after a failure starts clean
        for n in range(count):
            category = rng.choices(subs, weights)[0]
            age = timedelta(minutes=rng.randint(30, 56 * 24 * 60))
            _one_demo_complaint(n, category, now - age, age, users, rng)
            report.complaints_created += 1
        _silence_demo_messages()


def _demo_photo(rng: random.Random):
    """A small generated picture standing in for a citizen's photo."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (rng.randint(90, 160), rng.randint(90, 140), rng.randint(70, 120)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, 300), rng.randint(0, 220)
        draw.ellipse((x, y, x + rng.randint(20, 90), y + rng.randint(15, 60)), fill=(rng.randint(30, 80),) * 3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name="demo.jpg")


def _one_demo_complaint(n: int, category, created, age: timedelta, users: dict, rng: random.Random) -> None:

    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    lat, lon = _point(rng)
    anonymous = channel in ("twitter",) and category.allow_anonymous and rng.random() < 0.5
    descriptions = data.DESCRIPTIONS.get(category.code, [data.DEFAULT_DESCRIPTION])
    submission = services.Submission(
        category=category,
        description=rng.choice(descriptions),
        lat=lat,
        lon=lon,
        address=rng.choice(data.STREETS),
        reporter_name="" if anonymous else rng.choice(data.FIRST_NAMES),
        reporter_phone="" if anonymous else f"05{rng.choice('0345689')}{rng.randint(0, 9999999):07d}",
        channel=channel,
        language="ar" if rng.random() < 0.85 else "en",
        external_id=f"{DEMO_MARK}{n:04d}",
        photos=[_demo_photo(rng)] if category.needs_photo or rng.random() < 0.3 else [],
    )
    agent = users["agent"] if channel in ("phone_940", "whatsapp", "twitter", "email", "walk_in", "field_officer") else None
    complaint = services.complaint_submit(submission=submission, actor=agent, photos_cleaned=True, at=created)
    days = age.total_seconds() / 86400
    # Older reports are further along; the mix ends near the published "81% completed".
    roll = rng.random()
    if days < 1:
        target = "assigned" if roll < 0.7 else "in_progress"
    elif days < 5:
        target = rng.choices(["assigned", "in_progress", "on_hold", "resolved", "closed"], [15, 35, 10, 20, 20])[0]
    else:
        target = rng.choices(["assigned", "in_progress", "on_hold", "resolved", "closed"], [3, 8, 4, 5, 80])[0]
    referral = category.code in ("excavation-water", "irrigation-leak", "manhole-open") and rng.random() < 0.6
    if n == 7:  # always at least one open Joint Operations referral for the demo liaison
        referral, target = True, "in_progress"

    if referral and target != "closed":
        services.complaint_refer(
            complaint=complaint,
            actor=users["admin"],
            utility=Utility.objects.get(code="nwc"),
            reason="التسرب من شبكة المياه وليس من اختصاص البلدية",
        )
    elif rng.random() < 0.06 and target in ("in_progress", "resolved", "closed"):
        assert complaint.department_id is not None  # routed on submission (to the triage desk at worst)
        other = Department.objects.exclude(pk=complaint.department_id).filter(is_triage=False).order_by("?").first()
        services.complaint_transfer(
            complaint=complaint, actor=users["admin"], department=other, reason="الموقع يتبع إدارة أخرى حسب الاختصاص"
        )
    complaint.refresh_from_db()
    owners = {"roads": users["roads"], "cleaning": users["cleaning"]}
    worker = users["water"] if complaint.utility_id else owners.get(getattr(complaint.department, "code", ""), users["admin"])
    if target == "closed" and rng.random() < 0.12:
        reason = rng.choice([ClosureReason.NOT_VALID, ClosureReason.OUT_OF_JURISDICTION, ClosureReason.DUPLICATE])
        services.complaint_close(
            complaint=complaint, actor=users["admin"], reason=reason, note="تمت مراجعة البلاغ وإغلاقه حسب الإجراءات"
        )
    elif target != "assigned":
        services.complaint_start(complaint=complaint, actor=worker)
        if rng.random() < 0.3:
            services.complaint_add_note(complaint=complaint, actor=worker, text="تم إرسال فريق للمعاينة", public=False)
        if target == "on_hold":
            services.complaint_hold(complaint=complaint, actor=worker, reason="بانتظار توفر المواد اللازمة")
        elif target in ("resolved", "closed"):
            services.complaint_resolve(complaint=complaint, actor=worker, note="تمت معالجة البلاغ من قبل الفريق الميداني")
            if target == "closed":
                if complaint.reporter_phone and rng.random() < 0.6:
                    services.complaint_rate(complaint=complaint, rating=rng.choices([5, 4, 3, 2, 1], [55, 25, 10, 6, 4])[0])
                services.complaint_close(complaint=complaint, actor=worker, reason=ClosureReason.FIXED)
    _place_in_time(complaint.pk, created, age, rng)


# Hours after the previous step, by timeline event kind: (low, high).
STEP_HOURS = {
    "started": (0.5, 20),
    "note": (1, 24),
    "update": (1, 24),
    "held": (4, 48),
    "resumed": (24, 96),
    "resolved": (4, 60),
    "rated": (1, 30),
    "closed": (6, 72),
    "referred": (0.5, 8),
    "transferred": (1, 12),
    "returned": (4, 24),
    "acknowledged": (0.5, 6),
}


def _place_in_time(pk: int, created, age: timedelta, rng: random.Random) -> None:
    """Give the report's timeline realistic step durations from its creation, squeezed to end before now,
    and set its clock fields to match. Most reports meet their resolution target; some run late."""

    events = list(Event.objects.filter(complaint_id=pk).order_by("id"))
    slow = rng.random() < 0.12
    offsets, total = [], 0.0
    for event in events:
        if event.kind not in (Event.Kind.CREATED, Event.Kind.ROUTED):
            low, high = STEP_HOURS.get(event.kind, (1, 24))
            total += rng.uniform(low, high) * (3.0 if slow else 1.0) * 3600
        offsets.append(total)
    room = age.total_seconds() * 0.95
    if total > room:  # a young report: the same steps, faster
        offsets = [o * room / total for o in offsets]
    for event, offset in zip(events, offsets, strict=False):
        event.created_at = created + timedelta(seconds=offset)
    Event.objects.bulk_update(events, ["created_at"])
    times: dict[str, list] = {}
    for event in events:
        times.setdefault(event.kind, []).append(event.created_at)

    def first(kind):
        return times[kind][0] if kind in times else None

    def last(kind):
        return times[kind][-1] if kind in times else None

    complaint = Complaint.objects.get(pk=pk)
    fields = {
        "first_response_at": first(Event.Kind.STARTED) or first(Event.Kind.RESOLVED) or first(Event.Kind.CLOSED),
        "resolved_at": last(Event.Kind.RESOLVED) if complaint.status in ("resolved", "closed") else None,
        "closed_at": last(Event.Kind.CLOSED),
        "rated_at": last(Event.Kind.RATED),
    }
    if complaint.status == "on_hold":
        fields["on_hold_since"] = last(Event.Kind.HELD)
    Complaint.objects.filter(pk=pk).update(**fields)


def _silence_demo_messages() -> None:
    """The demo's past reports must not send SMS and e-mail now: mark their messages as not sent."""

    Outbox.objects.filter(complaint__external_id__startswith=DEMO_MARK, status=Outbox.Status.PENDING).update(
        status=Outbox.Status.SKIPPED, last_error="demo data: not sent"
    )


def seed_demo(*, complaints: int = 200) -> SeedReport:
    report = SeedReport()
    with transaction.atomic():
        seed_organisation(report)
        seed_districts(report)
        users = seed_users(report)
    seed_complaints(users, report, count=complaints)
    return report
