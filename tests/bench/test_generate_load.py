"""The load generator of the benchmarks (``manage.py generate_load``, :mod:`bench.load`)."""

import pytest
from django.core.management import call_command

from complaints.models import Complaint, Event, TrackingSequence
from municipality.models import District
from tests.factories import CategoryFactory, DistrictFactory, submit

pytestmark = pytest.mark.django_db


def test_generate_load_seeds_and_fills_without_touching_citizen_numbers():
    DistrictFactory()
    citizen = submit(CategoryFactory())
    call_command("generate_load", complaints=300, batch=120, seed=7, stdout=open("/dev/null", "w"))
    loaded = Complaint.objects.exclude(pk=citizen.pk)
    assert loaded.count() == 300
    statuses = set(loaded.values_list("status", flat=True))
    assert "closed" in statuses and statuses & {"assigned", "in_progress", "on_hold", "resolved", "new"}
    assert loaded.values("channel").distinct().count() >= 4
    assert loaded.filter(rating__isnull=False, status="closed").exists()
    assert all(n.startswith("L") for n in loaded.values_list("tracking_number", flat=True))
    # The citizens' counter is untouched: the next citizen number follows the last one.
    assert submit(CategoryFactory()).tracking_number.split("-")[1] == f"{int(citizen.tracking_number.split('-')[1]) + 1:06d}"
    call_command("generate_load", complaints=10, stdout=open("/dev/null", "w"))
    assert Complaint.objects.count() == 312
    assert TrackingSequence.objects.get(prefix="L").last_number == 310


def test_generate_load_on_an_empty_database_creates_a_minimal_set():
    call_command("generate_load", complaints=50, stdout=open("/dev/null", "w"))
    assert Complaint.objects.count() == 50
    assert District.objects.count() >= 8
    assert Complaint.objects.filter(district__isnull=False).count() == 50
    assert not Event.objects.exclude(kind=Event.Kind.TRANSFERRED).exists()


def test_generate_load_in_arrival_order_writes_the_oldest_first():
    """``--order arrival``: ids follow the time, as in a live system; ``--shape steady``: every month alike."""
    from datetime import timedelta

    from django.utils import timezone

    call_command(
        "generate_load", complaints=600, batch=250, seed=3, order="arrival", shape="steady", stdout=open("/dev/null", "w")
    )
    times = list(Complaint.objects.order_by("pk").values_list("created_at", flat=True))
    assert times == sorted(times)  # across the batches too
    now = timezone.now()
    last_quarter = sum(1 for t in times if t >= now - timedelta(days=365 / 4))
    assert 120 <= last_quarter <= 180  # a quarter of the year holds a quarter of the reports (150)


def test_generate_load_refuses_an_unknown_shape():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="shape"):
        call_command("generate_load", complaints=5, shape="busy", stdout=open("/dev/null", "w"))


def test_generate_load_explains_bad_input_in_the_operators_language():
    from django.core.management.base import CommandError
    from django.utils import translation

    with translation.override("ar"), pytest.raises(CommandError, match="‎--shape‎"):
        call_command("generate_load", complaints=5, shape="busy", stdout=open("/dev/null", "w"))
    with translation.override("ar"), pytest.raises(CommandError, match="واحدًا على الأقل"):
        call_command("generate_load", complaints=0, stdout=open("/dev/null", "w"))
    assert Complaint.objects.count() == 0  # nothing written
