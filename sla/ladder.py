"""The escalation ladder: its five steps (one table, :data:`STEPS`) and their work queue (``PendingStep``).

A report waits for a step when it is being worked (``assigned`` or ``in_progress``;
on hold the clock stands still), the step's threshold is set and the step is not done
yet. :data:`STEPS` says that once, as SQL over the reports table, with what the sweep
does when it takes the step; :func:`sync` rewrites the queue rows of some reports (or
of all, ``ids=None``) from it, set-based: one DELETE and one ``INSERT … SELECT``. The
services call it in the transaction of every change to a report's status, clock or
step markers; the sweep (``sla.sweep``) takes rows from the queue and re-checks the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from complaints.models import Complaint, Event
from complaints.workflow import Status
from municipality.db import prepared_cursor
from municipality.models import Role
from notifications.models import MessageTemplate
from sla.models import EscalationStep, PendingStep, Step

SWEPT_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)  # on hold: the clock is stopped


@dataclass(frozen=True)
class StepSpec:
    """What a step of the ladder is, in code (its settings are an ``EscalationStep`` row)."""

    name: str  # Step: its queue rows
    column: str  # the report's threshold
    pending_sql: str  # over the report's columns: "not done yet"
    trigger: str  # EscalationStep.Trigger of its settings row
    level: int  # and its level there (0 for the warnings)
    done_sql: str  # SET clause that marks it done (params: now)
    default_percent: int  # of the target, while the EscalationStep table is empty
    default_audience: str
    template: str
    event_kind: str


_RESOLUTION, _LATE = EscalationStep.Trigger.RESOLUTION, MessageTemplate.Code.ESCALATED
STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        Step.AT_RISK,
        "at_risk_at",
        "at_risk_notified_at IS NULL",
        EscalationStep.Trigger.AT_RISK,
        0,
        "at_risk_notified_at = %s",
        75,
        "owner",
        MessageTemplate.Code.AT_RISK,
        Event.Kind.AT_RISK,
    ),
    StepSpec(
        Step.RESPONSE,
        "response_alert_at",
        "response_alerted_at IS NULL AND first_response_at IS NULL",
        EscalationStep.Trigger.RESPONSE,
        0,
        "response_alerted_at = %s",
        100,
        Role.HEAD,
        MessageTemplate.Code.RESPONSE_LATE,
        Event.Kind.ESCALATED,
    ),
    StepSpec(
        Step.LEVEL1,
        "escalate_l1_at",
        "escalation_level < 1",
        _RESOLUTION,
        1,
        "escalation_level = 1",
        100,
        Role.HEAD,
        _LATE,
        Event.Kind.ESCALATED,
    ),
    StepSpec(
        Step.LEVEL2,
        "escalate_l2_at",
        "escalation_level < 2",
        _RESOLUTION,
        2,
        "escalation_level = 2",
        150,
        Role.COMMITTEE,
        _LATE,
        Event.Kind.ESCALATED,
    ),
    StepSpec(
        Step.LEVEL3,
        "escalate_l3_at",
        "escalation_level < 3",
        _RESOLUTION,
        3,
        "escalation_level = 3",
        200,
        Role.MAYOR,
        _LATE,
        Event.Kind.ESCALATED,
    ),
)
STEP = {s.name: s for s in STEPS}


def statuses_sql() -> str:
    return ", ".join(f"'{s}'" for s in SWEPT_STATUSES)


def waiting_sql(step: StepSpec, alias: str = "") -> str:
    """The condition, over a report row, under which it waits for ``step``."""
    p = f"{alias}." if alias else ""
    pending = " AND ".join(f"{p}{term.strip()}" for term in step.pending_sql.split(" AND "))
    return f"{p}status IN ({statuses_sql()}) AND {p}{step.column} IS NOT NULL AND {pending}"


def ids_sql(column: str) -> str:
    """``column`` is one of a list of ids passed as ONE parameter (see :func:`ids_param`)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(CAST(%s AS bigint[]))"
    return f"{column} IN (SELECT value FROM json_each(%s))"


def ids_param(ids: list[int]) -> str:
    """PostgreSQL: an array literal (the driver's list adaptation costs ~30 ms per 10,000 ids); SQLite: JSON."""
    if connection.vendor == "postgresql":
        return "{" + ",".join(str(int(i)) for i in ids) + "}"
    return json.dumps([int(i) for i in ids])


def _among(column: str, ids: list[int]) -> tuple[str, int | str]:
    """SQL and its parameter for ``column`` among ``ids``. One id (every change of one report) is a plain
    equality: with an array of unknown length PostgreSQL never trusts the prepared statement's generic
    plan and plans it again on every run (0.5 ms of a submission)."""
    if len(ids) == 1:
        return f"{column} = %s", ids[0]
    return ids_sql(column), ids_param(ids)


def sync(ids: Iterable[int] | None = None, *, new: bool = False) -> int:
    """Rewrite the queue rows of the reports ``ids`` from the reports (every report when ``None``:
    :func:`resync`). Call it inside the transaction that changed them, after locking them.
    ``new``: the reports were inserted in this transaction, so they have no rows to delete yet.

    Returns how many queue rows those reports now have.
    """
    if ids is None:
        return resync()
    ids = [int(i) for i in ids]
    if not ids:
        return 0
    queue = PendingStep._meta.db_table
    with prepared_cursor() as cursor:  # on every change of a report: planned once per connection
        if not new:
            among, param = _among("complaint_id", ids)
            cursor.execute(f"DELETE FROM {queue} WHERE {among}", [param])
        waiting, params = _waiting_rows(ids)
        # ON CONFLICT: a row another transaction wrote after this DELETE's snapshot is brought up to date.
        cursor.execute(
            f"INSERT INTO {queue} (complaint_id, step, due_at) SELECT * FROM ({waiting}) AS w "
            f"WHERE true ON CONFLICT (complaint_id, step) DO UPDATE SET due_at = excluded.due_at",
            params,
        )
        return cursor.rowcount


def resync() -> int:
    """Bring the whole queue in line with the reports, touching only what differs: delete the rows
    no report waits for (any more, or not at that time), insert the missing ones. Rows that are
    right are neither rewritten nor locked, so a sweep running meanwhile is not held up.

    Returns how many rows the queue has.
    """
    queue = PendingStep._meta.db_table
    reports = Complaint._meta.db_table
    with connection.cursor() as cursor:
        for step in STEPS:
            cursor.execute(
                f"DELETE FROM {queue} WHERE step = %s AND NOT EXISTS (SELECT 1 FROM {reports} c "
                f"WHERE c.id = {queue}.complaint_id AND {waiting_sql(step, 'c')} AND c.{step.column} = {queue}.due_at)",
                [step.name],
            )
        waiting, params = _waiting_rows(None)
        cursor.execute(
            f"INSERT INTO {queue} (complaint_id, step, due_at) SELECT * FROM ({waiting}) AS w WHERE NOT EXISTS "
            f"(SELECT 1 FROM {queue} q WHERE q.complaint_id = w.id AND q.step = w.step) "
            f"ON CONFLICT (complaint_id, step) DO NOTHING",
            params,
        )
        cursor.execute(f"SELECT count(*) FROM {queue}")
        return cursor.fetchone()[0]


def _waiting_rows(ids: list[int] | None) -> tuple[str, list]:
    """SQL of (id, step, due_at) for every step each report (of ``ids``, or all) waits for."""
    reports = Complaint._meta.db_table
    selects, params = [], []
    for step in STEPS:
        where = waiting_sql(step)
        if ids is not None:
            among, param = _among("id", ids)
            where += f" AND {among}"
            params.append(param)
        selects.append(f"SELECT id, '{step.name}' AS step, {step.column} AS due_at FROM {reports} WHERE {where}")
    return " UNION ALL ".join(selects), params
