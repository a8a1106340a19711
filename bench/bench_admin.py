"""The admin's report list at national size, for every role: first page, searches and a filtered list.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/balagh_admin_1m python -m bench admin

Each case is the real changelist view (``ComplaintAdmin.changelist_view`` on a ``RequestFactory``
request, rendered), timed interleaved with a primary-key lookup of one report. The database
needs BENCH_COMPLAINTS reports (default 1,000,000); missing ones are added with
``generate_load``. A few reports get numbers in the app's own shape (``YYMM-NNNNNN``) and a
reachable mobile, so the tracking-number and phone searches have something to find.
BENCH_ADMIN_REPEAT (default 15) samples per case; BENCH_ADMIN_ROLES narrows the roles
(``officer,committee``), BENCH_ADMIN_CASES the cases (a part of their label).
"""

from __future__ import annotations

import os
import random

from bench import Result, interleaved

TARGETS = {"first page": 150, "tracking": 50, "phone": 50, "text": 300, "filtered": 200}
ROLES = ("officer", "head", "liaison", "committee", "mayor", "admin")
BENCH_PHONE = "+966501234987"
BENCH_NUMBER_PREFIX = "3012-9"  # a month no data set reaches: never a real number


def _ensure_data(wanted: int) -> None:
    from bench.load import generate_load
    from complaints.models import Complaint

    have = Complaint.objects.count()
    if have < wanted:
        generate_load(complaints=wanted - have, batch=20000, seed=17, shape="recent", order="arrival")


def _findable_reports(department_id: int, utility_id: int) -> tuple[str, str]:
    """Two reports the searches can find: one of the officer's department, one referred to the liaison's utility.

    Returns their tracking numbers (the first also carries ``BENCH_PHONE``)."""
    from complaints.models import Complaint
    from complaints.workflow import Status

    numbers = []
    wheres: tuple[dict, dict] = ({"department_id": department_id, "utility": None}, {"utility_id": utility_id})
    for n, filt in enumerate(wheres):
        number = f"{BENCH_NUMBER_PREFIX}{n:05d}"
        if not Complaint.objects.filter(tracking_number=number).exists():
            pk = Complaint.objects.filter(status=Status.IN_PROGRESS, **filt).order_by("-pk").values_list("pk", flat=True)[0]
            Complaint.objects.filter(pk=pk).update(tracking_number=number, reporter_phone=BENCH_PHONE)
        numbers.append(number)
    return numbers[0], numbers[1]


def _users() -> tuple[dict, int, int]:
    from django.contrib.auth import get_user_model

    from complaints.models import Complaint
    from municipality.models import Role, StaffProfile

    department_id, utility_id = (
        Complaint.objects.filter(utility__isnull=False).order_by("-pk").values_list("department_id", "utility_id")[0]
    )
    roles = {
        "officer": (Role.OFFICER, {"department_id": department_id}),
        "head": (Role.HEAD, {"department_id": department_id}),
        "liaison": (Role.LIAISON, {"utility_id": utility_id}),
        "committee": (Role.COMMITTEE, {}),
        "mayor": (Role.MAYOR, {}),
        "admin": (Role.ADMIN, {}),
    }
    users = {}
    User = get_user_model()
    for name, (role, where) in roles.items():
        user, _ = User.objects.get_or_create(username=f"bench-admin-{name}", defaults={"is_staff": True})
        StaffProfile.objects.update_or_create(user=user, defaults={"role": role, **where})
        users[name] = User.objects.select_related("staff_profile").get(pk=user.pk)
    return users, department_id, utility_id


def run() -> list[Result]:
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from complaints.models import Complaint
    from municipality.models import District

    wanted = int(os.environ.get("BENCH_COMPLAINTS", "1000000"))
    repeat = int(os.environ.get("BENCH_ADMIN_REPEAT", "15"))
    roles = [r for r in os.environ.get("BENCH_ADMIN_ROLES", ",".join(ROLES)).split(",") if r]
    _ensure_data(wanted)
    users, department_id, utility_id = _users()
    own_number, referred_number = _findable_reports(department_id, utility_id)
    total = Complaint.objects.count()
    data = f"{total:,} reports"
    model_admin = site.get_model_admin(Complaint)
    factory = RequestFactory()
    district_id = District.objects.order_by("pk").values_list("pk", flat=True)[0]
    pks = list(Complaint.objects.order_by("?").values_list("pk", flat=True)[:512])
    rng = random.Random(7)

    def baseline():
        return Complaint.objects.filter(pk=rng.choice(pks)).first()

    def page(user, params: dict):
        def call():
            request = factory.get("/admin/complaints/complaint/", params)
            request.user = user
            response = model_admin.changelist_view(request)
            assert response.status_code == 200, response.status_code
            response.render()
            return response

        return call

    results = []
    for role in roles:
        user = users[role]
        # The roles that work reports open on their open work (a bare URL redirects there).
        first = {"due": "open"} if role in ("officer", "head", "liaison") else {}
        number = referred_number if role == "liaison" else own_number
        cases: list[tuple[str, str, dict]] = [
            ("first page", "first page", first),
            ("search: tracking number", "tracking", {"q": number}),
            ("search: tracking number, no dash", "tracking", {"q": number.replace("-", "")}),
            ("search: mobile 05…", "phone", {"q": "0501234987"}),
            ("search: mobile +966 5… with spaces", "phone", {"q": "+966 50 123 4987"}),
            ("search: mobile 9665…", "phone", {"q": "966501234987"}),
            ("search: Arabic words", "text", {"q": "الإنارة لا تعمل"}),  # no report has all three
            ("search: Arabic words, 1 report in 9", "text", {"q": "الانارة لا يعمل"}),  # typed without the hamza
            ("search: English words", "text", {"q": "broken pavement"}),
            ("search: Arabic word found nowhere", "text", {"q": "زجاج"}),
            (
                "filtered: in progress, one district",
                "filtered",
                {"status__exact": "in_progress", "district__id__exact": district_id},
            ),
        ]
        only = os.environ.get("BENCH_ADMIN_CASES", "")
        for label, kind, params in cases:
            if only and only not in label:
                continue
            ms, base = interleaved(page(user, params), baseline, repeat=repeat, warmup=1)
            results.append(
                Result(
                    name=f"admin {role}: {label}",
                    median_ms=ms,
                    baseline_name="primary-key lookup",
                    baseline_ms=base,
                    target=f"< {TARGETS[kind]} ms",
                    data=data,
                )
            )
    return results
