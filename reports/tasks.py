from __future__ import annotations

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model

from municipality.replica import replica_reads
from reports import kpi_cube, selectors, services
from reports.filters import report_filter
from reports.progress import weekly_compile_progress_set


@shared_task(bind=True, max_retries=5, default_retry_delay=300)
def compile_and_send_weekly_report(self, week_start: str | None = None) -> int:
    """Sunday 07:00 Asia/Riyadh: compile the past week and e-mail it. Safe to run twice."""
    start = date.fromisoformat(week_start) if week_start else services.last_complete_week_start()
    report = services.weekly_report_compile(week_start=start)
    try:
        services.weekly_report_send(report_id=report.pk)
    except Exception as exc:  # the mail server is down: try again later; the claim was released
        raise self.retry(exc=exc) from exc
    return report.pk


@shared_task(ignore_result=True)
def compile_weekly_report_now(week_start: str, actor_id: int | None = None) -> int:
    """ "Compile this week now", queued from /reports/weekly/; the page follows it through reports.progress."""
    start = date.fromisoformat(week_start)
    weekly_compile_progress_set(week_start=start, state="compiling")
    try:
        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        report = services.weekly_report_compile_now(week_start=start, actor=actor)
    except Exception:
        weekly_compile_progress_set(week_start=start, state="failed")
        raise
    weekly_compile_progress_set(week_start=start, state="done", url=report.get_absolute_url())
    return report.pk


@shared_task
def warm_dashboard() -> list[str]:
    """Every few minutes: read the city's KPI cube of the default period (every view of it is summed from
    the cube), then keep the landing pages of the committee pages computed in the shared cache."""
    with replica_reads():
        kpi_cube.refresh(period=report_filter().period)
        return selectors.warm_dashboard()


@shared_task(ignore_result=True)
def refresh_dashboard(query: str, scope_department_id: int | None = None) -> str | None:
    """Recompute one dashboard view a reader found older than ``BALAGH_REPORTS_CACHE_SECONDS``."""
    with replica_reads():
        return selectors.refresh_dashboard_view(query=query, scope_department_id=scope_department_id)
