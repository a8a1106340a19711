"""The load generator of the benchmarks (``manage.py generate_load``, :mod:`bench.load`): rows the application accepts."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from complaints.models import Complaint, Event, TrackingSequence
from complaints.phones import normalize_phone
from complaints.selectors import complaint_for_tracking
from sla.clock import sla_fields
from tests.factories import CategoryFactory, DistrictFactory, submit

pytestmark = pytest.mark.django_db
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115


def test_generate_load_seeds_and_fills_with_numbers_that_continue_the_citizens_counter():
    DistrictFactory()
    citizen = submit(CategoryFactory())
    call_command("generate_load", complaints=300, batch=120, seed=7, **QUIET)
    loaded = Complaint.objects.exclude(pk=citizen.pk)
    assert loaded.count() == 300
    statuses = set(loaded.values_list("status", flat=True))
    assert "closed" in statuses and statuses & {"assigned", "in_progress", "on_hold", "resolved", "new"}
    assert loaded.values("channel").distinct().count() >= 4
    assert loaded.filter(rating__isnull=False, status="closed").exists()
    # Every month's numbers run 1..N without a gap, and the next citizen continues the month.
    numbers = list(Complaint.objects.values_list("tracking_number", flat=True))
    assert all(re.fullmatch(r"\d{4}-\d{6}", n) for n in numbers)
    by_month: dict[str, list[int]] = {}
    for n in numbers:
        by_month.setdefault(n[:4], []).append(int(n[5:]))
    for month, taken in by_month.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)), month
        assert TrackingSequence.objects.get(prefix=month).last_number == len(taken)
    this_month = citizen.tracking_number[:4]
    following = submit(CategoryFactory()).tracking_number
    assert following == f"{this_month}-{len(by_month[this_month]) + 1:06d}"
    call_command("generate_load", complaints=10, **QUIET)
    assert Complaint.objects.count() == 312


def test_every_generated_mobile_passes_the_apps_check_and_finds_its_report():
    call_command("generate_load", complaints=2000, batch=700, seed=11, **QUIET)
    phones = list(Complaint.objects.exclude(reporter_phone="").values_list("reporter_phone", flat=True))
    assert len(phones) > 1800
    assert all(normalize_phone(p) == p for p in phones)
    assert len({p[:7] for p in phones}) > 5  # several operators' prefixes, not one
    report = Complaint.objects.exclude(reporter_phone="").order_by("pk").first()
    local = "0" + report.reporter_phone[4:]  # as a caller types it: 05XXXXXXXX
    assert complaint_for_tracking(tracking_number=report.tracking_number, phone=local) == report
    assert complaint_for_tracking(tracking_number=report.tracking_number.replace("-", ""), phone=report.reporter_phone) == report


def test_the_tracking_page_of_the_api_finds_a_generated_report(client):
    call_command("generate_load", complaints=50, seed=5, **QUIET)
    report = Complaint.objects.exclude(reporter_phone="").order_by("pk").first()
    response = client.get(f"/api/v1/track/{report.tracking_number}/", {"phone": report.reporter_phone})
    assert response.status_code == 200, response.content
    assert response.json()["tracking_number"] == report.tracking_number


def test_due_times_and_thresholds_are_the_clocks_own():
    call_command("generate_load", complaints=400, seed=3, **QUIET)
    checked = 0
    for c in Complaint.objects.exclude(status="new").select_related("category"):
        start = c.created_at
        if c.transfer_count:  # a transfer starts a fresh clock at the last transfer
            start = Event.objects.filter(complaint=c, kind=Event.Kind.TRANSFERRED).order_by("-created_at")[0].created_at
        expected = sla_fields(category=c.category, priority=c.priority, start=start)
        assert {k: getattr(c, k) for k in expected} == expected, c.tracking_number
        checked += 1
    assert checked > 350


def test_the_timeline_follows_each_reports_status():
    call_command("generate_load", complaints=600, seed=9, **QUIET)
    kinds: dict[int, list[str]] = {}
    for complaint_id, kind in Event.objects.order_by("created_at", "pk").values_list("complaint_id", "kind"):
        kinds.setdefault(complaint_id, []).append(kind)
    for c in Complaint.objects.all():
        timeline = kinds[c.pk]
        assert timeline[0] == "created"
        if c.status == "new":
            assert timeline == ["created"] and c.department_id is None and c.resolution_due_at is None and c.lat is None
            continue
        assert timeline[1] == "routed"
        assert timeline.count("transferred") == c.transfer_count
        assert ("started" in timeline) == (c.first_response_at is not None)
        assert ("resolved" in timeline) == (c.resolved_at is not None or c.reopen_count > 0)
        assert ("closed" in timeline) == (c.status == "closed")
        assert ("rated" in timeline) == (c.rating is not None)
        assert timeline[-1] != "created"
    assert Event.objects.filter(kind="transferred").exists() and Event.objects.filter(kind="referred").exists()


def test_the_ladder_queue_holds_the_generated_open_reports():
    from sla.ladder import resync
    from sla.models import PendingStep

    call_command("generate_load", complaints=300, seed=4, **QUIET)
    queued = PendingStep.objects.count()
    assert queued > 0
    assert resync() == queued  # nothing to add or remove: the generator left it in line


def test_generate_load_on_an_empty_database_creates_a_minimal_set():
    call_command("generate_load", complaints=50, **QUIET)
    assert Complaint.objects.count() == 50
    assert Complaint.objects.filter(district__isnull=False).count() == Complaint.objects.exclude(status="new").count()
    assert Event.objects.values("complaint").annotate(n=Count("pk")).count() == 50


def test_generate_load_in_arrival_order_writes_the_oldest_first():
    """``--order arrival``: ids and numbers follow the time, as in a live system; ``--shape steady``: every month alike."""
    call_command("generate_load", complaints=600, batch=250, seed=3, order="arrival", shape="steady", **QUIET)
    rows = list(Complaint.objects.order_by("pk").values_list("created_at", "tracking_number"))
    times = [t for t, _n in rows]
    assert times == sorted(times)  # across the batches too
    numbers = [(n[:4], int(n[5:])) for _t, n in rows]
    assert all(a[1] < b[1] for a, b in zip(numbers, numbers[1:], strict=False) if a[0] == b[0])
    now = timezone.now()
    last_quarter = sum(1 for t in times if t >= now - timedelta(days=365 / 4))
    assert 120 <= last_quarter <= 180  # a quarter of the year holds a quarter of the reports (150)


def test_generate_load_spreads_over_the_days_asked():
    call_command("generate_load", complaints=300, seed=8, days=30, shape="steady", **QUIET)
    oldest = Complaint.objects.order_by("created_at").first().created_at
    assert timezone.now() - timedelta(days=30, minutes=1) <= oldest


def test_a_month_that_would_overflow_its_tracking_numbers_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="--days"):
        call_command("generate_load", complaints=2_000_000, days=60, **QUIET)
    assert Complaint.objects.count() == 0


def test_generate_load_refuses_an_unknown_shape():
    with pytest.raises(CommandError, match="shape"):
        call_command("generate_load", complaints=5, shape="busy", **QUIET)


def test_generate_load_explains_bad_input_in_the_operators_language():
    from django.utils import translation

    with translation.override("ar"), pytest.raises(CommandError, match="‎--shape‎"):
        call_command("generate_load", complaints=5, shape="busy", **QUIET)
    with translation.override("ar"), pytest.raises(CommandError, match="واحدًا على الأقل"):
        call_command("generate_load", complaints=0, **QUIET)
    assert Complaint.objects.count() == 0  # nothing written
