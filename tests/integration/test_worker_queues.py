"""A long reports task never holds up an SMS: each queue has its own worker.

Real workers on Redis and the test database. The reports worker is kept busy by the real
"compile this week now" task, stuck for as long as the test holds a lock on the weekly reports
table (which nothing an SMS needs ever reads); meanwhile a citizen submits, and the
notifications worker sends the SMS within seconds. The baseline, one worker for all queues,
shows what the split prevents: the SMS waits for the compile.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from municipality.celery import app
from reports.models import WeeklyReport
from reports.services import this_week_start
from reports.tasks import compile_weekly_report_now
from tests.factories import CategoryFactory, DistrictFactory, submit
from tests.integration.brokers import fresh_broker_pools
from tests.integration.workers import start_worker, wait_for, worker_env

WORKERS_APP = "balagh-queues-worker"
#: An SMS is "within seconds" under this, on a loaded 2-core machine.
SMS_WITHIN_SECONDS = 10


def sms_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def lock_weekly_reports() -> psycopg.Connection:
    """A connection of the test's own holding the weekly reports table until it is closed."""
    s = connection.settings_dict
    conn = psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
    )
    conn.execute(f"LOCK TABLE {WeeklyReport._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    return conn


def compile_is_waiting() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s "
            "AND wait_event_type = 'Lock'",
            [WORKERS_APP],
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def stack(transactional_db, tmp_path):
    """Starts workers on ``REDIS_URL`` (``start(name, queues)``); this process sends to it, not eager."""
    DistrictFactory()
    sms_file = tmp_path / "sms.log"
    env = worker_env(SMS_BACKEND="file", SMS_FILE_PATH=str(sms_file), BALAGH_VAR_DIR=str(tmp_path / "var"), PGAPPNAME=WORKERS_APP)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    fresh_broker_pools()
    app.control.purge()  # messages an earlier, interrupted run left in this Redis database
    workers, held = [], []
    try:
        yield sms_file, lambda name, queues: workers.append(start_worker(env, tmp_path, name, queues=queues)), held
    finally:
        for conn in held:
            conn.close()
        for worker in workers:
            worker.stop()
        app.conf.task_always_eager = eager


def sms_delay_while_a_compile_is_stuck(sms_file: Path, held: list) -> float | None:
    """Seconds from a citizen's submission to their SMS while a compile holds the reports worker (None: not sent)."""
    held.append(lock_weekly_reports())
    compile_weekly_report_now.delay(this_week_start().isoformat(), None)
    wait_for(compile_is_waiting, 60, "the compile to start and wait on the lock")
    started = time.monotonic()
    report = submit(CategoryFactory(), phone="0505550101")
    sent = wait_for(
        lambda: (
            [line for line in sms_lines(sms_file) if report.tracking_number in line["body"]] or time.monotonic() - started > 15
        ),
        20,
        "the SMS or 15 s",
    )
    delay = time.monotonic() - started if sent is not True else None
    assert compile_is_waiting()  # the compile was stuck the whole time
    held.pop().close()
    return delay


@pytest.mark.integration
def test_an_sms_goes_out_within_seconds_while_the_reports_worker_is_busy(stack):
    sms_file, start, held = stack
    start("reports", ["reports"])
    start("notifications", ["notifications"])

    delay = sms_delay_while_a_compile_is_stuck(sms_file, held)

    assert delay is not None and delay < SMS_WITHIN_SECONDS, delay
    wait_for(lambda: WeeklyReport.objects.filter(week_start=this_week_start()).exists(), 90, "the compile to finish")
    print(f"\nSMS sent {delay:.2f} s after the submission while the reports worker was busy")


@pytest.mark.integration
def test_baseline_one_worker_for_every_queue_makes_the_sms_wait_for_the_compile(stack):
    sms_file, start, held = stack
    start("all", None)

    delay = sms_delay_while_a_compile_is_stuck(sms_file, held)

    assert delay is None  # not sent in 15 s: the only worker is inside the compile
    wait_for(lambda: len(sms_lines(sms_file)) == 1, 90, "the SMS once the compile is done")
