"""Writes of the reports app: compiling, recompiling and sending the weekly report."""

from __future__ import annotations

import logging
import zlib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from municipality.models import Role
from municipality.replica import replica_reads
from reports import kpis
from reports.models import WeeklyReport
from reports.pdf import weekly_report_pdf

log = logging.getLogger(__name__)


def week_start_for(day: date) -> date:
    """The Sunday on or before ``day``."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def last_complete_week_start(now: datetime | None = None) -> date:
    """The Sunday that starts the last whole week (Sunday–Saturday, Asia/Riyadh) before ``now``."""
    today = (now or timezone.now()).astimezone(kpis.RIYADH).date()
    return week_start_for(today) - timedelta(days=7)


def _check_week(week_start: date, now: datetime | None = None) -> None:
    if week_start.weekday() != 6:
        raise ValidationError(_("A report week starts on a Sunday; %(day)s is not a Sunday.") % {"day": week_start.isoformat()})
    if kpis.Period.week(week_start).start > (now or timezone.now()):
        raise ValidationError(_("The week starting %(day)s has not begun yet.") % {"day": week_start.isoformat()})


def _lock_week(week_start: date) -> None:
    """Serialise compilers of the same week. SQLite already serialises writers (IMMEDIATE transactions)."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"balagh-weekly-report:{week_start.isoformat()}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def weekly_kpis(*, week_start: date, now: datetime | None = None) -> dict:
    """The frozen figures of one week, ready for JSON, read from the replica when there is one."""
    with replica_reads():
        data = kpis.compile_kpis(period=kpis.Period.week(week_start), now=now, overdue_limit=20)
    data["compiled_at"] = (now or timezone.now()).isoformat()
    return data


def weekly_report_compile(*, week_start: date, actor=None, now: datetime | None = None, render_pdf: bool = True) -> WeeklyReport:
    """Compile the week starting ``week_start`` (a Sunday) once; later calls return the same snapshot.

    A snapshot taken before the week ended (``weekly_report_compile_now``) is compiled again
    once the week is over, so Sunday's report never carries half a week.
    """
    _check_week(week_start, now)
    existing = WeeklyReport.objects.filter(week_start=week_start).first()
    if existing is not None:
        if existing.is_partial and kpis.Period.week(week_start).end <= (now or timezone.now()):
            return weekly_report_recompile(report=existing, actor=actor, now=now)
        return existing
    with transaction.atomic():
        _lock_week(week_start)
        existing = WeeklyReport.objects.select_for_update().filter(week_start=week_start).first()
        if existing is not None:
            return existing
        report = WeeklyReport.objects.create(
            week_start=week_start,
            kpis=weekly_kpis(week_start=week_start, now=now),
            generated_at=now or timezone.now(),
            generated_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if render_pdf:
            weekly_report_render_pdf(report=report)
    return report


def weekly_report_recompile(*, report: WeeklyReport, actor, now: datetime | None = None) -> WeeklyReport:
    """Replace the snapshot's figures and PDF with fresh ones, recording who asked."""
    with transaction.atomic():
        _lock_week(report.week_start)
        locked = WeeklyReport.objects.select_for_update().get(pk=report.pk)
        locked.kpis = weekly_kpis(week_start=locked.week_start, now=now)
        locked.recompiled_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.recompiled_at = now or timezone.now()
        locked.save(update_fields=["kpis", "recompiled_by", "recompiled_at"])
        weekly_report_render_pdf(report=locked)
    return locked


def weekly_report_compile_now(*, week_start: date, actor, now: datetime | None = None) -> WeeklyReport:
    """The committee's "compile this week now": the week's figures as of now, replacing an older snapshot."""
    existing = WeeklyReport.objects.filter(week_start=week_start).first()
    if existing is None:
        return weekly_report_compile(week_start=week_start, actor=actor, now=now)
    return weekly_report_recompile(report=existing, actor=actor, now=now)


def this_week_start(now: datetime | None = None) -> date:
    """The Sunday that starts the current week (Asia/Riyadh)."""
    return week_start_for((now or timezone.now()).astimezone(kpis.RIYADH).date())


def weekly_report_render_pdf(*, report: WeeklyReport) -> None:

    content = weekly_report_pdf(report=report, language="ar")
    old_name = report.pdf.name if report.pdf else ""
    if old_name:
        report.pdf.storage.delete(old_name)
    report.pdf.save(f"balagh-weekly-{report.week_start:%Y-%m-%d}.pdf", ContentFile(content), save=False)
    WeeklyReport.objects.filter(pk=report.pk).update(pdf=report.pdf.name)


def weekly_report_recipients() -> list[str]:
    """E-mail addresses of the mayor and the follow-up committee."""
    User = get_user_model()
    emails = (
        User.objects.filter(is_active=True, staff_profile__role__in=[Role.MAYOR, Role.COMMITTEE])
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(emails)


def weekly_report_send(*, report_id: int, now: datetime | None = None) -> bool:
    """E-mail the report (PDF attached, with a link) to the mayor and committee, once.

    The row is claimed with a conditional UPDATE, so two workers never both
    send it; if sending fails the claim is released for a retry.
    """
    recipients = weekly_report_recipients()
    if not recipients:
        log.warning("Weekly report %s: no mayor or committee member has an e-mail address.", report_id)
        return False
    claimed = WeeklyReport.objects.filter(pk=report_id, sent_at__isnull=True).update(
        sent_at=now or timezone.now(), recipients=recipients
    )
    if not claimed:
        return False
    report = WeeklyReport.objects.get(pk=report_id)
    try:
        if not report.pdf:
            weekly_report_render_pdf(report=report)
        with translation.override("ar"):
            context = {"report": report, "k": report.kpis, "link": settings.SITE_URL + report.get_absolute_url()}
            subject = _("Balagh weekly report: %(start)s – %(end)s") % {
                "start": report.week_start.isoformat(),
                "end": report.week_end.isoformat(),
            }
            text = render_to_string("reports/email/weekly_report.txt", context)
            html = render_to_string("reports/email/weekly_report.html", context)
        message = EmailMultiAlternatives(subject=subject, body=text, to=recipients)
        message.attach_alternative(html, "text/html")
        report.pdf.open("rb")
        try:
            message.attach(f"balagh-weekly-{report.week_start:%Y-%m-%d}.pdf", report.pdf.read(), "application/pdf")
        finally:
            report.pdf.close()
        message.send()
    except Exception:
        WeeklyReport.objects.filter(pk=report_id).update(sent_at=None)
        raise
    return True
