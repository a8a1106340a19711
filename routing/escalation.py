"""The escalation sweep: at-risk warnings and the ladder (head → committee → mayor), set-based.

Each rung is a column on the report (``at_risk_at``, ``escalate_l1_at`` …,
``response_alert_at``, computed by ``complaints.sla`` when the due times are set)
plus a marker saying the rung is done (``at_risk_notified_at``,
``escalation_level``, ``response_alerted_at``). A sweep claims due rows in
batches with one conditional ``UPDATE … WHERE <not done yet> AND <due> …
RETURNING`` (PostgreSQL adds ``FOR UPDATE SKIP LOCKED``, so two sweeps at the
same moment take disjoint rows), then bulk-inserts the timeline events and the
outbox rows for exactly the claimed ids **in the same transaction**. A crash
rolls the whole batch back (claim included); committed batches are complete.
So every step happens once per report, however many sweeps run or re-run.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from complaints.models import Category, Complaint, Event
from complaints.workflow import Status
from municipality.models import Department, Role, StaffProfile, Utility
from notifications.models import Channel, MessageTemplate
from notifications.services import Message, outbox_insert

log = logging.getLogger(__name__)

SWEPT_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)  # on hold: the clock is stopped
DEFAULT_BATCH = 10000


@dataclass(frozen=True)
class Step:
    name: str
    trigger: str  # EscalationPolicy.Trigger
    level: int  # 0 for the warnings
    column: str  # the threshold
    pending_sql: str  # "not done yet"
    done_sql: str  # SET clause that marks it done (params: now)
    default_audience: str
    template: str
    event_kind: str


STEPS: tuple[Step, ...] = (
    Step("at_risk", "at_risk", 0, "at_risk_at", "at_risk_notified_at IS NULL", "at_risk_notified_at = %s",
         "owner", MessageTemplate.Code.AT_RISK, Event.Kind.AT_RISK),
    Step("response", "response", 0, "response_alert_at",
         "response_alerted_at IS NULL AND first_response_at IS NULL", "response_alerted_at = %s",
         Role.HEAD, MessageTemplate.Code.RESPONSE_LATE, Event.Kind.ESCALATED),
    Step("level1", "resolution", 1, "escalate_l1_at", "escalation_level < 1", "escalation_level = 1",
         Role.HEAD, MessageTemplate.Code.ESCALATED, Event.Kind.ESCALATED),
    Step("level2", "resolution", 2, "escalate_l2_at", "escalation_level < 2", "escalation_level = 2",
         Role.COMMITTEE, MessageTemplate.Code.ESCALATED, Event.Kind.ESCALATED),
    Step("level3", "resolution", 3, "escalate_l3_at", "escalation_level < 3", "escalation_level = 3",
         Role.MAYOR, MessageTemplate.Code.ESCALATED, Event.Kind.ESCALATED),
)
RETURNING = ("id", "tracking_number", "category_id", "department_id", "utility_id", "assignee_id",
             "resolution_due_at", "response_due_at", "threshold")
# The partial index of each rung (complaints.models.Complaint.Meta.indexes).
INDEXES = {"at_risk": "complaint_sweep_at_risk", "response": "complaint_sweep_response", "level1": "complaint_sweep_l1",
           "level2": "complaint_sweep_l2", "level3": "complaint_sweep_l3"}


def _aware(value):
    """Raw cursors on SQLite give text or naive UTC datetimes; PostgreSQL gives aware ones."""
    if value is None:
        return None
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


@dataclass
class Claimed:
    id: int
    tracking_number: str
    category_id: int
    department_id: int | None
    utility_id: int | None
    assignee_id: int | None
    resolution_due_at: datetime | None
    response_due_at: datetime | None
    threshold: datetime | None  # the rung's time; part of the message keys, so a new clock (transfer) notifies again

    def __post_init__(self) -> None:
        self.resolution_due_at = _aware(self.resolution_due_at)
        self.response_due_at = _aware(self.response_due_at)
        self.threshold = _aware(self.threshold)


def _active_audiences() -> dict[str, str]:
    """step name -> audience, for the steps whose policy row is active (defaults when the table is empty)."""
    from routing.models import EscalationPolicy

    rows = list(EscalationPolicy.objects.values_list("trigger", "level", "audience", "active"))
    if not rows:
        return {s.name: s.default_audience for s in STEPS}
    out: dict[str, str] = {}
    for step in STEPS:
        for trigger, level, audience, active in rows:
            if active and trigger == step.trigger and (trigger != "resolution" or level == step.level):
                out[step.name] = audience
                break
    return out


def claim_sql(step: Step, *, vendor: str, from_level: int = 0) -> str:
    """The conditional UPDATE that claims one batch for a rung.

    A ladder rung only takes reports that went through the active rung below it
    (``escalation_level >= from_level``): a report whose level-1 step was busy in another
    sweep's transaction is not pushed straight to level 2; the next sweep takes it in order.
    """
    table = Complaint._meta.db_table
    pending = step.pending_sql + (f" AND escalation_level >= {int(from_level)}" if step.level and from_level else "")
    statuses = ", ".join(f"'{s}'" for s in SWEPT_STATUSES)
    if vendor == "postgresql":
        # A locking CTE runs once (an IN (… LIMIT … SKIP LOCKED) subquery may be re-run and exceed its batch).
        returning = ", ".join(f"c.{name}" for name in RETURNING[:-1]) + f", c.{step.column}"
        qualified = " AND ".join(f"c.{term.strip()}" for term in pending.split(" AND "))
        return (
            f"WITH picked AS (SELECT id FROM {table} WHERE {step.column} <= %s AND {pending} "
            f"AND status IN ({statuses}) ORDER BY {step.column} LIMIT %s FOR UPDATE SKIP LOCKED) "
            f"UPDATE {table} AS c SET {step.done_sql} FROM picked WHERE c.id = picked.id AND {qualified} "
            f"RETURNING {returning}"
        )
    # SQLite: writers are serialised (BEGIN IMMEDIATE), so the conditional UPDATE alone is enough. Its
    # planner may prefer the status index; the rung's partial index is the right one.
    returning = ", ".join(RETURNING[:-1]) + f", {step.column}"
    return (
        f"UPDATE {table} SET {step.done_sql} "
        f"WHERE id IN (SELECT id FROM {table} INDEXED BY {INDEXES[step.name]} WHERE {step.column} <= %s "
        f"AND {pending} AND status IN ({statuses}) ORDER BY {step.column} LIMIT %s) "
        f"AND {pending} RETURNING {returning}"
    )


class _Directory:
    """Who hears about a step: loaded once per sweep, not once per report."""

    def __init__(self):
        self._heads: dict[int, list] | None = None
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

    def users(self, ids: set[int]) -> dict[int, tuple[int, str, str]]:
        from django.contrib.auth import get_user_model

        out = {}
        for user in get_user_model().objects.filter(pk__in=ids).select_related("staff_profile"):
            profile = getattr(user, "staff_profile", None)
            out[user.pk] = (user.pk, user.email or "", getattr(profile, "phone", "") or "")
        return out


def _messages_for(step: Step, audience: str, rows: list[Claimed], directory: _Directory) -> list[Message]:
    base = settings.SITE_URL
    language = settings.LANGUAGE_CODE
    tz = timezone.get_default_timezone()
    assignees = directory.users({r.assignee_id for r in rows if r.assignee_id}) if audience == "owner" else {}
    messages: list[Message] = []
    for row in rows:
        owner_name, owner_email = (
            directory.utilities.get(row.utility_id) if row.utility_id else directory.departments.get(row.department_id)
        ) or ("", "")
        due = row.response_due_at if step.name == "response" else row.resolution_due_at
        context = {
            "tracking_number": row.tracking_number,
            "category": directory.categories.get(row.category_id, ""),
            "department": owner_name,
            "level": step.level,
            "due": due.astimezone(tz).strftime("%Y-%m-%d %H:%M") if due else "",
            "admin_link": f"{base}/admin/complaints/complaint/{row.id}/change/",
        }
        key = f"c{row.id}:{step.name}:{int(row.threshold.timestamp()) if row.threshold else 0}"
        if audience == "owner":
            contacts = [assignees[row.assignee_id]] if row.assignee_id in assignees else []
            if not contacts and owner_email:
                messages.append(Message(Channel.EMAIL, owner_email, step.template, language, f"{key}:owner:email",
                                        context, row.id))
        elif audience == Role.HEAD:
            contacts = directory.heads(row.department_id)
        else:
            contacts = directory.role(audience)
        for user_id, email, phone in contacts:
            if email:
                messages.append(Message(Channel.EMAIL, email, step.template, language, f"{key}:u{user_id}:email", context, row.id))
            if phone:
                messages.append(Message(Channel.SMS, phone, step.template, language, f"{key}:u{user_id}:sms", context, row.id))
    return messages


def _event_text(step: Step) -> str:
    with override(settings.LANGUAGE_CODE):
        if step.name == "at_risk":
            return _("At risk: most of the resolution time has passed.")
        if step.name == "response":
            return _("Response time passed without a response; the department head was told.")
        return {
            1: _("Escalated to level 1: the department head."),
            2: _("Escalated to level 2: the follow-up committee."),
            3: _("Escalated to level 3: the mayor."),
        }[step.level]


def id_list_param(ids: list[int], vendor: str):
    return ids if vendor == "postgresql" else json.dumps(ids)


def _insert_events(ids: list[int], *, step: Step, text: str, audience: str, now: datetime, vendor: str) -> None:
    """One timeline event per claimed report, in one INSERT … SELECT."""
    table = Event._meta.db_table
    data = json.dumps({"step": step.name, "level": step.level, "audience": audience})
    cast = "CAST(%s AS jsonb)" if vendor == "postgresql" else "%s"
    # The ids come straight from the parameter (no read of the reports table).
    source = "unnest(CAST(%s AS bigint[])) AS c(id)" if vendor == "postgresql" else "(SELECT value AS id FROM json_each(%s))"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (complaint_id, actor_id, kind, from_status, to_status, text, is_public, data, created_at) "
            f"SELECT id, NULL, %s, '', '', %s, %s, {cast}, %s FROM {source}",
            [step.event_kind, text, False, data, now, id_list_param(ids, vendor)],
        )


def escalate_overdue(
    *,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
    after_claim: Callable[[Step, list[int]], None] | None = None,
) -> dict[str, int]:
    """Run every rung of the ladder once; returns how many reports each step took.

    ``after_claim`` (tests) runs inside a batch's transaction right after its claim.
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
        set_params = [now] if "%s" in step.done_sql else []
        params = [now, batch_size, *set_params] if vendor == "postgresql" else [*set_params, now, batch_size]
        text = _event_text(step)
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    rows = [Claimed(*r) for r in cursor.fetchall()]
                if not rows:
                    break
                ids = [r.id for r in rows]
                if after_claim is not None:
                    after_claim(step, ids)
                _insert_events(ids, step=step, text=text, audience=audience, now=now, vendor=vendor)
                outbox_insert(messages=_messages_for(step, audience, rows, directory), now=now)
            counts[step.name] += len(rows)
            # No early exit on a short batch: under SKIP LOCKED a short batch may only mean
            # that another sweep holds some rows; stop when a claim finds nothing.
    if any(counts.values()):
        log.info("Escalation sweep: %s", counts)
    return counts
