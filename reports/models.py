"""The weekly report to the mayor: a frozen snapshot of one week's KPIs."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def weekly_pdf_path(instance: WeeklyReport, filename: str) -> str:
    return f"reports/weekly/balagh-weekly-{instance.week_start:%Y-%m-%d}.pdf"


def validate_sunday(value) -> None:
    if value.weekday() != 6:
        raise ValidationError(_("A report week starts on a Sunday."))


class WeeklyReport(models.Model):
    """One row per week (Sunday–Saturday, Asia/Riyadh). Compiling the same week again returns this row."""

    week_start = models.DateField(_("week starting (Sunday)"), unique=True, validators=[validate_sunday])
    kpis = models.JSONField(_("figures"), default=dict)
    generated_at = models.DateTimeField(_("compiled at"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("compiled by"),
    )
    pdf = models.FileField(_("PDF"), upload_to=weekly_pdf_path, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recompiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recompiled by"),
    )
    recompiled_at = models.DateTimeField(_("recompiled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%Y-%m-%d} – {self.week_end:%Y-%m-%d}"

    @property
    def week_end(self):
        return self.week_start + timedelta(days=6)

    @property
    def is_partial(self) -> bool:
        """Compiled before the week ended ("compile this week now"): its figures cover the week so far."""
        ends = datetime.combine(self.week_end + timedelta(days=1), time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))
        return (self.recompiled_at or self.generated_at) < ends

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reports:weekly_detail", kwargs={"week": self.week_start.isoformat()})


class KpiCube(models.Model):
    """The city's KPI cube of one period, read every few minutes (reports.kpi_cube): numpy arrays in .npz form."""

    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    computed_at = models.DateTimeField(_("computed at"))
    data = models.BinaryField(_("data"))

    class Meta:
        verbose_name = _("KPI cube")
        verbose_name_plural = _("KPI cubes")
        constraints = [models.UniqueConstraint(fields=["period_start", "period_end"], name="kpi_cube_one_per_period")]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d} ({self.computed_at:%H:%M})"
