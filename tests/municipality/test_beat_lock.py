"""Two Celery beats started by mistake: only one schedules; the other takes over when it stops.

Two schedulers in this process, each with its own lock (an advisory lock on a connection of its
own on PostgreSQL, a ``flock`` on the embedded default), over the real django-celery-beat tables;
the scheduled task runs eagerly, so a run is counted where it happens.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from municipality.beat import STANDBY_SECONDS, AdvisoryLock, SingleBeatScheduler
from municipality.celery import app

RUNS: list[str] = []


@app.task(name="tests.beat_probe")
def beat_probe(label: str) -> None:
    RUNS.append(label)


@pytest.fixture
def probe(transactional_db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    RUNS.clear()
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.exclude(task="tests.beat_probe").update(enabled=False)  # only the probe is due
    PeriodicTask.objects.create(
        name="probe",
        task="tests.beat_probe",
        interval=hourly,
        args='["hourly"]',
        last_run_at=timezone.now() - timedelta(hours=2),  # due now
    )
    beats: list[SingleBeatScheduler] = []

    def start() -> SingleBeatScheduler:
        beat = SingleBeatScheduler(app=app, lazy=True)
        beats.append(beat)
        return beat

    yield start
    for beat in beats:
        beat.close()


def run(beat: SingleBeatScheduler, ticks: int = 3) -> list[float]:
    return [beat.tick() for _ in range(ticks)]


def test_a_second_beat_stands_by_and_each_task_runs_once(probe):
    first, second = probe(), probe()
    assert first.schedule.keys() == second.schedule.keys()  # both started at once: both read the schedule
    run(first)
    assert run(second) == [STANDBY_SECONDS] * 3
    run(first)
    assert RUNS == ["hourly"]  # once, not once per beat
    assert first.leading and not second.leading


def test_the_second_beat_takes_over_when_the_first_stops_without_running_the_task_again(probe):
    first, second = probe(), probe()
    run(first)
    assert run(second, 1) == [STANDBY_SECONDS]
    first.close()  # the first beat stops (its last run is saved)
    PeriodicTask.objects.create(
        name="probe, added later",
        task="tests.beat_probe",
        interval=IntervalSchedule.objects.get(every=1, period="hours"),
        args='["added"]',
        last_run_at=timezone.now() - timedelta(hours=2),
    )

    run(second)
    assert second.leading
    # It schedules now, and read the first beat's last run: "hourly" is not due again for an hour.
    assert RUNS == ["hourly", "added"]


def test_a_plain_database_scheduler_would_have_run_it_twice(probe):
    """What the lock prevents: two beats on one schedule run every periodic task twice."""
    first, second = DatabaseScheduler(app=app, lazy=True), DatabaseScheduler(app=app, lazy=True)
    assert first.schedule.keys() == second.schedule.keys()  # both started at once: both read the schedule
    run(first), run(second)
    assert RUNS == ["hourly", "hourly"]


def advisory_locks_held(key: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = %s AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [key],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_the_lock_rides_on_a_session_of_its_own_and_ends_with_it(transactional_db):
    """Also with a connection pool (DATABASE_POOL_MAX_SIZE): a pooled connection would keep the lock after release."""
    key = 0x42_0001
    first, second = AdvisoryLock(key), AdvisoryLock(key)
    try:
        assert first.acquire()
        assert first.conn is not None and first.conn.pool is None
        assert advisory_locks_held(key) == 1
        assert not second.acquire()
        first.release()
        deadline = time.monotonic() + 10  # the server ends the session just after the client hangs up
        while advisory_locks_held(key) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert advisory_locks_held(key) == 0  # gone with the session
        assert second.acquire()
    finally:
        first.release()
        second.release()
