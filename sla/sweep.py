"""The escalation sweep: at-risk warnings and the ladder (head → committee → mayor), set-based.

Each step is a threshold column on the report (``at_risk_at``, ``escalate_l1_at`` …,
``response_alert_at``, computed by ``sla.clock`` when the due times are set) plus a
marker saying the step is done (``at_risk_notified_at``, ``escalation_level``,
``response_alerted_at``). The steps a report still waits for are rows of a narrow queue
table, ``PendingStep`` (kept in line by ``sla.ladder.sync`` in every service
transaction). For each step the sweep walks the due queue rows once, in due order, in
batches; each batch is one transaction. It reads the batch's report ids from the queue,
then claims them with ONE statement (PostgreSQL): lock the reports that still wait for the
step (status, threshold, marker re-checked; ``FOR UPDATE SKIP LOCKED`` in id order, so a
report another sweep or a member of staff holds is left for the next beat — the services
too lock the report before they touch its queue rows, so the two never wait on each other
in a circle), mark them done, delete their queue rows and insert their timeline events,
``RETURNING`` what the messages need. Then it writes the outbox rows for exactly the
claimed reports **in the same transaction**. A crash rolls the whole batch back (claim
included); committed batches are complete. So every step happens once per report,
however many sweeps run or re-run.

Why a queue table: on PostgreSQL an UPDATE is "HOT" (no index entry is written) only when
no indexed column changes. Partial indexes on the reports table keyed on "not done yet"
made every claim rewrite all ~25 indexes of a wide table; with the queue, the claim's
UPDATE of ``complaints_complaint`` changes no indexed column (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import override

from complaints.event_texts import Said, say
from complaints.models import Category, Complaint, Event
from municipality.models import Department, Role, StaffProfile, Utility
from municipality.times import local_minute
from notifications.models import Channel, MessageTemplate
from notifications.services import Message, outbox_insert
from sla.ladder import STEPS, StepSpec, ids_param, ids_sql, waiting_sql
from sla.models import EscalationStep, PendingStep

log = logging.getLogger(__name__)

# Reports per batch (one transaction). A batch holds its reports locked while it runs (~1.5 s for
# 50,000 at a million reports); every commit waits for its WAL, so fewer, larger batches are cheaper
# (docs/benchmarks.md). A normal 5-minute sweep takes a few hundred; this matters after an outage.
DEFAULT_BATCH = 50000


RETURNING = ("id", "tracking_number", "category_id", "department_id", "utility_id", "assignee_id")


@dataclass
class Claimed:
    id: int
    tracking_number: str
    category_id: int
    department_id: int | None
    utility_id: int | None
    assignee_id: int | None
    # Read only for the reports that get a message of their own (not for a digest's hundreds):
    resolution_due_at: datetime | None = None
    response_due_at: datetime | None = None
    threshold: datetime | None = None  # the step's time; part of the message keys, so a new clock notifies again


def _load_times(step: StepSpec, rows: list[Claimed]) -> None:
    by_id = {r.id: r for r in rows}
    for pk, resolution, response, threshold in Complaint.objects.filter(pk__in=list(by_id)).values_list(
        "pk", "resolution_due_at", "response_due_at", step.column
    ):
        row = by_id[pk]
        row.resolution_due_at, row.response_due_at, row.threshold = resolution, response, threshold


def _active_audiences() -> dict[str, str]:
    """step name -> audience, for the steps whose policy row is active (defaults when the table is empty).

    Rows come in ``EscalationStep.Meta.ordering`` (trigger, percent): of several rows for a warning (see
    ``sla.clock.ladder``) the first active one, with the lowest percent, is the one the clock read.
    """
    rows = list(EscalationStep.objects.values_list("trigger", "level", "audience", "active"))
    if not rows:
        return {s.name: s.default_audience for s in STEPS}
    out: dict[str, str] = {}
    for step in STEPS:
        for trigger, level, audience, active in rows:
            if active and trigger == step.trigger and (trigger != "resolution" or level == step.level):
                out[step.name] = audience
                break
    return out


def _queue_batch(step: StepSpec, *, now: datetime, after: tuple | None, batch_size: int) -> tuple[list[int], tuple | None]:
    """The reports of the next queue rows of ``step`` that are due, in due order after the cursor
    ``after`` (due time, queue id); returns them and the cursor past this batch.

    Two index range reads: the batch's last row (the new cursor), then the report ids up to it —
    plain integers, so the driver parses no datetime per row.
    """
    queue = PendingStep._meta.db_table
    where = "step = %s AND due_at <= %s"
    params: list = [step.name, now]
    if after is not None:
        where += " AND (due_at, id) > (%s, %s)"
        params += list(after)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT due_at, id FROM {queue} WHERE {where} ORDER BY due_at, id LIMIT 1 OFFSET %s", [*params, batch_size - 1]
        )
        last = cursor.fetchone()
        if last is not None:
            cursor.execute(f"SELECT complaint_id FROM {queue} WHERE {where} AND (due_at, id) <= (%s, %s)", [*params, *last])
        else:  # fewer than a batch left: all of them
            cursor.execute(f"SELECT complaint_id, due_at, id FROM {queue} WHERE {where} ORDER BY due_at DESC, id DESC", params)
        rows = cursor.fetchall()
    if not rows:
        return [], None
    if last is None:
        last = (rows[0][1], rows[0][2])
    return sorted({row[0] for row in rows}), tuple(last)


def claim_sql(step: StepSpec, *, vendor: str, from_level: int = 0) -> str:
    """The statement that claims the waiting reports among a batch of candidate ids.

    It re-checks each report (status, threshold, "not done yet"), so a stale queue row claims
    nothing. A ladder step only takes reports that went through the active step below it
    (``escalation_level >= from_level``): a report whose level-1 step is held or was rolled
    back in another sweep is not pushed straight to level 2.

    PostgreSQL: the reports are locked first, ``FOR UPDATE SKIP LOCKED`` (a report another
    sweep or a member of staff is changing right now is left for the next beat; the services
    too lock the report before they touch its queue rows, so the two never wait on each other
    in a circle), then updated by ``ctid`` (no second index probe); the claimed queue rows are
    deleted and the timeline events inserted in the same statement. Params: ids, now, [now],
    step, event params. SQLite (writers serialised): a conditional UPDATE. Params: [now], ids, now.
    """
    reports, queue = Complaint._meta.db_table, PendingStep._meta.db_table
    waiting = waiting_sql(step) + f" AND {step.column} <= %s"
    if step.level and from_level:
        waiting += f" AND escalation_level >= {int(from_level)}"
    if vendor != "postgresql":
        return f"UPDATE {reports} SET {step.done_sql} WHERE {ids_sql('id')} AND {waiting} RETURNING {', '.join(RETURNING)}"
    returning = ", ".join(f"c.{name}" for name in RETURNING)
    return (
        f"WITH locked AS (SELECT ctid AS tid, id FROM {reports} WHERE {ids_sql('id')} AND {waiting} "
        f"ORDER BY id FOR UPDATE SKIP LOCKED), "
        f"claimed AS (UPDATE {reports} AS c SET {step.done_sql} FROM locked WHERE c.ctid = locked.tid "
        f"AND c.id = locked.id RETURNING {returning}), "
        f"dropped AS (DELETE FROM {queue} WHERE step = %s AND complaint_id IN (SELECT id FROM claimed)), "
        f"logged AS ({_event_insert_sql('claimed', vendor)}) "
        f"SELECT * FROM claimed"
    )


class _Directory:
    """Who hears about a step: loaded once per sweep, not once per report."""

    def __init__(self):
        self._heads: dict[int | None, list] | None = None
        self._roles: dict[str, list] = {}
        with override(settings.LANGUAGE_CODE):
            self.categories = {c.pk: c.name for c in Category.objects.only("pk", "name_ar", "name_en")}
            self.departments = {d.pk: (d.name, d.email) for d in Department.objects.only("pk", "name_ar", "name_en", "email")}
            self.utilities = {u.pk: (u.name, u.email) for u in Utility.objects.only("pk", "name_ar", "name_en", "email")}

    @staticmethod
    def _contact(profile) -> tuple[int, str, str]:
        return profile.user_id, profile.user.email or "", profile.phone or ""

    def role(self, role: str) -> list:
        if role not in self._roles:
            self._roles[role] = [
                self._contact(p) for p in StaffProfile.objects.filter(role=role, user__is_active=True).select_related("user")
            ]
        return self._roles[role]

    def heads(self, department_id: int | None) -> list:
        if self._heads is None:
            self._heads = {}
            for p in StaffProfile.objects.filter(role=Role.HEAD, user__is_active=True).select_related("user"):
                self._heads.setdefault(p.department_id, []).append(self._contact(p))
        return self._heads.get(department_id, [])

    def owner(self, row: Claimed) -> tuple[str, str]:
        """(name, e-mail) of the report's owner: its utility, else its department."""
        found = self.utilities.get(row.utility_id) if row.utility_id else self.departments.get(row.department_id)
        return found or ("", "")

    def users(self, ids: set[int]) -> dict[int, tuple[int, str, str]]:
        from django.contrib.auth import get_user_model

        out = {}
        for user in get_user_model().objects.filter(pk__in=ids).select_related("staff_profile"):
            profile = getattr(user, "staff_profile", None)
            out[user.pk] = (user.pk, user.email or "", getattr(profile, "phone", "") or "")
        return out


def _digest_over() -> int:
    return settings.BALAGH_ESCALATION_DIGEST_OVER


def _messages_for(step: StepSpec, audience: str, rows: list[Claimed], directory: _Directory, *, now: datetime) -> list[Message]:
    """The notices of one claimed batch: one message per report and recipient, or — for a recipient
    with more than ``BALAGH_ESCALATION_DIGEST_OVER`` reports in the batch (default 20: a holiday
    backlog, an outage) — ONE digest with the count, the first reports' numbers and a link to the
    overdue list, instead of hundreds of identical SMS and e-mails."""
    base = settings.SITE_URL
    language = settings.LANGUAGE_CODE
    assignees = directory.users({r.assignee_id for r in rows if r.assignee_id}) if audience == "owner" else {}
    # (channel, address, recipient key) -> the rows it hears about
    per_recipient: dict[tuple[str, str, str], list[Claimed]] = {}
    for row in rows:
        if audience == "owner":
            contacts = [assignees[row.assignee_id]] if row.assignee_id in assignees else []
            owner_email = directory.owner(row)[1]
            if not contacts and owner_email:
                per_recipient.setdefault((Channel.EMAIL, owner_email, "owner:email"), []).append(row)
        elif audience == Role.HEAD:
            contacts = directory.heads(row.department_id)
        else:
            contacts = directory.role(audience)
        for user_id, email, phone in contacts:
            if email:
                per_recipient.setdefault((Channel.EMAIL, email, f"u{user_id}:email"), []).append(row)
            if phone:
                per_recipient.setdefault((Channel.SMS, phone, f"u{user_id}:sms"), []).append(row)

    limit = _digest_over()
    singles = {r.id: r for reports in per_recipient.values() if len(reports) <= limit for r in reports}
    if singles:
        _load_times(step, list(singles.values()))
    messages: list[Message] = []
    for (channel, address, who), reports in per_recipient.items():
        if len(reports) > limit:
            messages.append(_digest(step, channel, address, who, reports, directory, now=now))
            continue
        for row in reports:
            due = row.response_due_at if step.name == "response" else row.resolution_due_at
            context = {
                "tracking_number": row.tracking_number,
                "category": directory.categories.get(row.category_id, ""),
                "department": directory.owner(row)[0],
                "level": step.level,
                "due": local_minute(due),
                "admin_link": f"{base}/admin/complaints/complaint/{row.id}/change/",
            }
            key = f"c{row.id}:{step.name}:{int(row.threshold.timestamp()) if row.threshold else 0}:{who}"
            messages.append(Message(channel, address, step.template, language, key, context, row.id))
    return messages


DIGEST_SHOWN = 10  # report numbers named in a digest


def _digest(
    step: StepSpec, channel: str, address: str, who: str, reports: list[Claimed], directory: _Directory, *, now: datetime
) -> Message:
    owners = {directory.owner(r)[0] for r in reports}
    numbers = [r.tracking_number for r in reports[:DIGEST_SHOWN]]
    context = {
        "count": len(reports),
        "step": step.name,
        "level": step.level,
        "department": owners.pop() if len(owners) == 1 else "",
        "tracking_numbers": "، ".join(numbers) if settings.LANGUAGE_CODE == "ar" else ", ".join(numbers),
        "more": max(0, len(reports) - DIGEST_SHOWN),
        "admin_link": f"{settings.SITE_URL}/admin/complaints/complaint/?due={'soon' if step.name == 'at_risk' else 'overdue'}",
    }
    # The batch's reports are claimed in this transaction: its first id and size name it once.
    key = f"digest:{step.name}:{int(now.timestamp())}:c{min(r.id for r in reports)}x{len(reports)}:{who}"
    return Message(channel, address, MessageTemplate.Code.ESCALATION_DIGEST, settings.LANGUAGE_CODE, key, context, None)


def _event_text(step: StepSpec) -> Said:
    """The step's timeline text (complaints.event_texts): stored in the site's language, shown in the reader's."""
    with override(settings.LANGUAGE_CODE):
        if step.name == "at_risk":
            return say("at_risk")
        if step.name == "response":
            return say("response_late")
        return say(f"escalated_{step.level}")


def _event_insert_sql(source: str, vendor: str) -> str:
    """One timeline event per claimed report, as ``INSERT … SELECT id … FROM {source}``
    (params: kind, text, is_public, data, created_at)."""
    table = Event._meta.db_table
    cast = "CAST(%s AS jsonb)" if vendor == "postgresql" else "%s"
    return (
        f"INSERT INTO {table} (complaint_id, actor_id, kind, from_status, to_status, text, is_public, data, created_at) "
        f"SELECT id, NULL, %s, '', '', %s, %s, {cast}, %s FROM {source}"
    )


def _event_params(step: StepSpec, *, text: Said, audience: str, now: datetime) -> list:
    data = {"step": step.name, "level": step.level, "audience": audience, "msg": text.msg}
    return [step.event_kind, str(text), False, json.dumps(data), now]


def _claim(
    step: StepSpec, *, sql: str, candidates: list[int], now: datetime, text: Said, audience: str, vendor: str
) -> list[Claimed]:
    """Claim the waiting reports among ``candidates``, drop their queue rows, write their events."""
    set_params = [now] if "%s" in step.done_sql else []
    events = _event_params(step, text=text, audience=audience, now=now)
    queue = PendingStep._meta.db_table
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")  # key lookups; their cost estimate would invite JIT
            cursor.execute(sql, [ids_param(candidates), now, *set_params, step.name, *events])
            return [Claimed(*r) for r in cursor.fetchall()]
        cursor.execute(sql, [*set_params, ids_param(candidates), now])
        rows = [Claimed(*r) for r in cursor.fetchall()]
        if rows:
            ids = ids_param([r.id for r in rows])
            cursor.execute(f"DELETE FROM {queue} WHERE step = %s AND {ids_sql('complaint_id')}", [step.name, ids])
            cursor.execute(_event_insert_sql("(SELECT value AS id FROM json_each(%s))", vendor), [*events, ids])
        return rows


def _before_the_deadline(rows: list[Claimed], *, now: datetime) -> list[Claimed]:
    """The claimed at-risk reports whose deadline is still ahead. A report already past it (the sweep
    was stopped, a backlog was imported) is marked done without an "approaching the deadline" message:
    the ladder's own steps tell people it is late."""
    ahead = set(Complaint.objects.filter(pk__in=[r.id for r in rows], resolution_due_at__gt=now).values_list("pk", flat=True))
    return [r for r in rows if r.id in ahead]


def escalate_overdue(
    *,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
    after_claim: Callable[[StepSpec, list[int]], None] | None = None,
) -> dict[str, int]:
    """Run every step of the ladder once; returns how many reports each step took.

    Each step walks its due queue rows once, in due order, batch by batch; each batch is one
    transaction: claim (conditional UPDATE of the reports, ids in ascending order, so two
    sweeps lock rows in the same order), delete the claimed queue rows, write the events and
    the outbox rows. ``after_claim`` (tests) runs inside a batch's transaction right after its claim.
    """
    now = now or timezone.now()
    audiences = _active_audiences()
    directory = _Directory()
    vendor = connection.vendor
    counts: dict[str, int] = {}
    for step in STEPS:
        counts[step.name] = 0
        audience = audiences.get(step.name)
        if audience is None:
            continue
        below = [s.level for s in STEPS if s.trigger == "resolution" and s.level < step.level and s.name in audiences]
        sql = claim_sql(step, vendor=vendor, from_level=max(below, default=0))
        text = _event_text(step)
        after = None
        while True:
            with transaction.atomic():
                candidates, after = _queue_batch(step, now=now, after=after, batch_size=batch_size)
                if not candidates:
                    break
                rows = _claim(step, sql=sql, candidates=candidates, now=now, text=text, audience=audience, vendor=vendor)
                if not rows:
                    continue  # stale queue rows only (the nightly resync removes them)
                if after_claim is not None:
                    after_claim(step, [r.id for r in rows])
                told = _before_the_deadline(rows, now=now) if step.name == "at_risk" else rows
                outbox_insert(messages=_messages_for(step, audience, told, directory, now=now), now=now)
            counts[step.name] += len(rows)
    if any(counts.values()):
        log.info("Escalation sweep: %s", counts)
    return counts
