"""The clock's tables: priority targets, the escalation ladder's steps and the queue of pending steps.

One word for one concept: a **step** of the escalation ladder (at-risk warning, response alert,
levels 1–3). ``Step`` names the five steps (they are code: ``sla.ladder.STEPS``);
``EscalationStep`` is the administrator's settings of a step (percent, audience, active);
``PendingStep`` is a step a report still waits for (the sweep's work queue).

The tables keep the names they had when these models lived in ``complaints`` and ``routing``
(``db_table``), so moving the models changed no database.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Complaint, Priority
from municipality.history import ConfigHistory
from municipality.models import Role


class PrioritySLA(models.Model):
    """How a priority changes a category's targets (editable in the admin).

    Working-hours priorities scale the category's targets (which are set for a
    normal-priority report, in working hours) by their ratio to the "normal" row;
    a wall-clock priority (urgent) uses its own targets for every category, 24/7.
    See docs/sla.md.
    """

    class Clock(models.TextChoices):
        WORKING = "working", _("Working hours (Sunday–Thursday, minus holidays)")
        WALL = "wall", _("Wall-clock hours, 24/7")

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, unique=True)
    clock = models.CharField(_("clock"), max_length=10, choices=Clock.choices, default=Clock.WORKING)
    response_hours = models.DecimalField(
        _("response target (hours)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    resolution_hours = models.DecimalField(
        _("resolution target (hours)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0.01)]
    )

    history = ConfigHistory()

    class Meta:
        db_table = "complaints_prioritysla"
        verbose_name = _("priority target")
        verbose_name_plural = _("priority targets")
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.get_priority_display())


class Step(models.TextChoices):
    """The five steps of the escalation ladder."""

    AT_RISK = "at_risk", _("at-risk warning")
    RESPONSE = "response", _("response alert")
    LEVEL1 = "level1", _("level 1: department head")
    LEVEL2 = "level2", _("level 2: follow-up committee")
    LEVEL3 = "level3", _("level 3: mayor")


class EscalationStep(models.Model):
    """The administrator's settings of one step: when it fires (percent of the target) and who is told.

    One row per step, seeded by migration; which step a row is follows from (trigger, level).
    Only percent, audience and active are editable (docs/sla.md).
    """

    class Trigger(models.TextChoices):
        AT_RISK = "at_risk", _("At risk (before the resolution breach)")
        RESOLUTION = "resolution", _("Resolution time")
        RESPONSE = "response", _("Response time")

    class Audience(models.TextChoices):
        OWNER = "owner", _("The owning department or utility")
        HEAD = Role.HEAD, _("Department head")
        COMMITTEE = Role.COMMITTEE, _("Follow-up committee")
        MAYOR = Role.MAYOR, _("Mayor")

    name = models.CharField(pgettext_lazy("field", "name"), max_length=100)
    trigger = models.CharField(_("measured against"), max_length=20, choices=Trigger.choices, default=Trigger.RESOLUTION)
    percent = models.PositiveIntegerField(
        # xgettext:no-python-format
        _("percent of the target"),
        help_text=_("75 = three quarters of the time; 100 = the breach; 150 = breach + 50%."),
    )
    level = models.PositiveSmallIntegerField(
        _("escalation level"), default=0, help_text=_("0 for a warning; 1–3 for the ladder.")
    )
    audience = models.CharField(_("who is told"), max_length=20, choices=Audience.choices)
    active = models.BooleanField(pgettext_lazy("field", "active"), default=True)

    history = ConfigHistory()

    class Meta:
        db_table = "routing_escalationpolicy"
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        ordering = ["trigger", "percent"]
        constraints = [
            # A step is (trigger, level): one row of settings each, so the clock and the sweep read the same
            # one. Percent is what the administrator edits, and two steps may fire at the same percent.
            models.UniqueConstraint(fields=["trigger", "level"], name="escalationstep_one_row_per_step"),
            models.CheckConstraint(name="escalationpolicy_level_0_to_3", condition=models.Q(level__lte=3)),
        ]

    def __str__(self) -> str:
        return self.name


class PendingStep(models.Model):
    """A step of the escalation ladder a report still waits for: the sweep's work queue.

    Derived from the report (its status, thresholds ``at_risk_at`` … and markers
    ``escalation_level`` …) by ``sla.ladder.sync``, which the services call in the
    transaction of every change; the sweep deletes the row when it takes the step. The
    report stays the truth: the sweep re-checks it, so a stale row is skipped, and
    ``escalate_overdue --resync`` (daily on beat) repairs the queue from the reports.
    Keeping the queue out of the reports table lets the sweep's UPDATE of a report be a
    HOT update on PostgreSQL (no index of the reports table changes).
    """

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="pending_steps", db_index=False, verbose_name=_("report")
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    due_at = models.DateTimeField(_("due at"))

    class Meta:
        db_table = "complaints_ladderstep"
        verbose_name = _("pending escalation step")
        verbose_name_plural = _("pending escalation steps")
        constraints = [models.UniqueConstraint(fields=["complaint", "step"], name="ladderstep_once_per_report")]
        indexes = [models.Index(fields=["step", "due_at", "id"], name="ladderstep_due")]

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.step}@{self.due_at:%Y-%m-%d %H:%M}"
