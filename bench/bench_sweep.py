"""Escalation sweep benchmarks.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/balagh_sla_bench .venv/bin/python -m bench sweep

1. A sweep over BENCH_SWEEP_COMPLAINTS reports (default 1,000,000) of which a tenth
   (100,000) have just passed their resolution due time: claims them, writes their
   timeline events and their outbox rows (the department head's e-mail) — against a
   hand-written ``UPDATE … SET escalation_level = 1 WHERE …`` of the same rows, timed
   alternately in the same run.
2. A sweep with nothing to do (every rung), against a primary-key lookup.

The reports come from ``generate_load`` (added when missing); the bench then sets the
ladder columns with a few UPDATEs and rebuilds the ladder queue (``sla.ladder.sync``):
open reports' thresholds lie in the future, except for every tenth report, which is open,
already warned (at risk, response) and past its level-1 threshold. Between samples the
claimed rows, their events and their outbox rows are reset and the queue rebuilt, then
the tables are vacuumed (as autovacuum and page pruning do between two sweeps five minutes
apart) and a CHECKPOINT taken (so the sweep and the UPDATE each pay for the full-page images
of the pages they change), all outside the timing. Messages are queued on an in-memory broker (nothing is sent).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta

from bench import Result, timeit
from complaints.models import Complaint
from municipality.celery import app
from municipality.models import Department, Role, StaffProfile
from sla import ladder
from sla.sweep import escalate_overdue

OPEN = ("assigned", "in_progress")


def _log(msg: str) -> None:
    print(f"  sweep: {msg}", file=sys.stderr, flush=True)


def _ensure_load(total: int) -> None:
    from django.core.management import call_command

    have = Complaint.objects.count()
    if have < total:
        _log(f"generate_load --complaints {total - have:,} (once; kept in the bench database)")
        call_command("generate_load", complaints=total - have, batch=50000, stdout=open(os.devnull, "w"))


def _ensure_heads() -> None:
    """Every department has a head with an e-mail address (the level-1 audience)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    for dept in Department.objects.all():
        if StaffProfile.objects.filter(role=Role.HEAD, department=dept).exists():
            continue
        user, _ = User.objects.get_or_create(
            username=f"bench-head-{dept.code}", defaults={"email": f"head-{dept.code}@bench.balagh.test", "is_staff": True}
        )
        StaffProfile.objects.get_or_create(user=user, defaults={"role": Role.HEAD, "department": dept})


def _overdue(now) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM complaints_complaint WHERE status IN ('assigned', 'in_progress') "
            "AND escalation_level < 1 AND escalate_l1_at <= %s",
            [now],
        )
        return cursor.fetchone()[0]


def _already_prepared(now, expected: int) -> bool:
    """A previous run left the data ready (its thresholds still a day or more ahead): skip the big UPDATEs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM complaints_complaint WHERE escalation_level <> 0 OR ("
            "status IN ('assigned', 'in_progress') AND (escalate_l1_at IS NULL OR escalate_l2_at <= %s "
            "OR escalate_l3_at <= %s OR (at_risk_at <= %s AND at_risk_notified_at IS NULL) "
            "OR (response_alert_at <= %s AND response_alerted_at IS NULL)))",
            [now + timedelta(days=1)] * 4,
        )
        (bad,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM complaints_ladderstep WHERE step = 'level1' AND due_at <= %s", [now])
        (queued,) = cursor.fetchone()
    return bad == 0 and _overdue(now) == expected and queued == expected


def _prepare(now, overdue_every: int, total: int) -> int:
    """Set the ladder columns: thresholds in the future for open reports, every Nth report overdue for level 1."""
    from django.db import connection

    if _already_prepared(now, total // overdue_every):
        return _overdue(now)
    table = "complaints_complaint"
    future, past = now + timedelta(days=10), now - timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET escalation_level = 0, at_risk_notified_at = NULL, response_alerted_at = NULL, "
            f"at_risk_at = %s, escalate_l1_at = %s, escalate_l2_at = %s, escalate_l3_at = %s, response_alert_at = %s "
            f"WHERE status IN ('assigned', 'in_progress') OR escalation_level <> 0",
            [future, future, future, future, future],
        )
        cursor.execute(
            f"UPDATE {table} SET status = 'assigned', escalate_l1_at = %s, escalate_l2_at = %s, escalate_l3_at = %s, "
            f"at_risk_at = %s, at_risk_notified_at = %s, response_alerted_at = %s "
            f"WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {table}) t "
            f"WHERE t.rn %% %s = 0)",
            [past, future, future, past - timedelta(days=1), past, past, overdue_every],
        )
    _sync_queue()
    return _overdue(now)


def _sync_queue() -> None:
    """The ladder queue from the reports (the bench wrote their columns with plain UPDATEs), then
    VACUUM, as autovacuum and page pruning would between two sweeps five minutes apart."""
    from django.db import connection, transaction

    with transaction.atomic():
        ladder.sync()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("complaints_complaint", "complaints_ladderstep", "complaints_event", "notifications_outbox"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            # Both timed statements start right after a checkpoint: each pays the full-page images of
            # the pages it is first to change (otherwise whichever runs second rides on the first's).
            cursor.execute("CHECKPOINT")


def _reset(now) -> None:
    """Undo one sweep (not timed): the claimed rows back to level 0, their events and outbox rows gone."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM notifications_outbox WHERE template = 'escalated' AND idempotency_key LIKE %s", ["%:level1:%"]
        )
        cursor.execute("DELETE FROM complaints_event WHERE kind = 'escalated' AND created_at = %s", [now])
        cursor.execute(
            "UPDATE complaints_complaint SET escalation_level = 0 WHERE escalation_level = 1 AND escalate_l1_at <= %s", [now]
        )
    _sync_queue()


def _hand_written_update(now) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_complaint SET escalation_level = 1 WHERE escalation_level < 1 "
            "AND escalate_l1_at <= %s AND status IN ('assigned', 'in_progress')",
            [now],
        )
        return cursor.rowcount


def run() -> list[Result]:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    settings.DEBUG = False  # as in production: no per-query debug logging of 100,000-parameter statements
    app.conf.update(broker_url="memory://", result_backend=None)  # queue the delivery tasks, send nothing
    app.conf.task_always_eager = False

    default_total = 1_000_000 if connection.vendor == "postgresql" else 100_000
    total = int(os.environ.get("BENCH_SWEEP_COMPLAINTS", default_total))
    repeat = int(os.environ.get("BENCH_SWEEP_REPEAT", 5))
    _ensure_load(total)
    _ensure_heads()
    now = timezone.now().replace(microsecond=0)
    t0 = time.perf_counter()
    overdue = _prepare(now, overdue_every=10, total=total)
    rows = Complaint.objects.count()
    _log(f"{rows:,} reports, {overdue:,} overdue (prepared in {time.perf_counter() - t0:.1f} s)")

    sweep_ms, sql_ms = [], []
    for i in range(repeat):
        t = time.perf_counter()
        counts = escalate_overdue(now=now)
        sweep_ms.append((time.perf_counter() - t) * 1000)
        assert counts["level1"] == overdue, counts
        assert sum(v for k, v in counts.items() if k != "level1") == 0, counts
        _reset(now)
        t = time.perf_counter()
        claimed = _hand_written_update(now)
        sql_ms.append((time.perf_counter() - t) * 1000)
        assert claimed == overdue
        _reset(now)
        _log(f"sample {i + 1}/{repeat}: sweep {sweep_ms[-1]:.0f} ms, SQL UPDATE {sql_ms[-1]:.0f} ms")

    # Nothing to do: every rung's claim finds no row.
    escalate_overdue(now=now)  # the overdue ones are now done
    first = Complaint.objects.order_by("pk").values_list("pk", flat=True).first()
    assert first is not None, "the bench has loaded reports"

    def idle():
        counts = escalate_overdue(now=now)
        assert not any(counts.values()), counts

    idle_ms = timeit(idle, repeat=20, warmup=2)
    pk_ms = timeit(lambda: Complaint.objects.filter(pk=first).values_list("pk", flat=True).first(), repeat=50)
    _reset(now)

    data = f"{rows:,} reports, {overdue:,} overdue"
    return [
        Result(
            name="escalation sweep (claim + events + outbox)",
            median_ms=statistics.median(sweep_ms),
            baseline_name="hand-written SQL UPDATE",
            baseline_ms=statistics.median(sql_ms),
            target="< 10 s and ≤ 3× the UPDATE",
            data=data,
        ),
        Result(
            name="escalation sweep, nothing to do",
            median_ms=idle_ms,
            baseline_name="primary-key lookup",
            baseline_ms=pk_ms,
            target="< 500 ms",
            data=f"{rows:,} reports",
        ),
    ]
