"""The follow-up committee's pages. Committee, mayor and administrators see everything;
a department head sees their own department; everybody else is refused."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import SimpleTemplateResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from complaints.access import DASHBOARD_ROLES, WEEKLY_COMPILE_ROLES, WEEKLY_REPORT_ROLES, profile_of, role_of
from complaints.exports import csv_response
from municipality.models import Role
from municipality.replica import primary_reads, replica_iter, replica_reads
from reports import exports, kpis, services, tasks
from reports.filters import ComplaintReportFilter, report_filter
from reports.models import WeeklyReport
from reports.pdf import weekly_report_pdf
from reports.progress import weekly_compile_progress, weekly_compile_progress_set
from reports.selectors import OPEN_DATA_FIELDS, dashboard_kpis, open_data_rows, public_figures, public_sla_table

#: The dashboard's breakdown tables, each downloadable as it is shown.
KPI_TABLES = ("departments", "channels", "categories", "districts", "utilities")


def _from_replica(respond) -> HttpResponseBase:
    """A page or download whose reads come from the replica (municipality.replica): the view, its
    template and, for a download streamed after the view returns, each of its chunks."""
    with replica_reads():
        response = respond()
        if isinstance(response, SimpleTemplateResponse):
            response.render()
    if response.streaming and not isinstance(response, FileResponse):
        response.streaming_content = replica_iter(response.streaming_content)
    return response


class ReportAccessMixin(LoginRequiredMixin):
    """Anonymous visitors go to the login page; staff without a report role get 403."""

    request: HttpRequest
    allowed_roles = DASHBOARD_ROLES
    # What a refused user reads on the 403 page: who the page is for.
    refusal = gettext_lazy("The committee's reports are for the follow-up committee, the mayor and department heads.")
    scope_department = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        role = role_of(request.user)
        if role not in self.allowed_roles:
            raise PermissionDenied(str(self.refusal))
        if role == Role.HEAD:
            profile = profile_of(request.user)
            if profile is None or profile.department_id is None:
                raise PermissionDenied(_("Your account has no department."))
            self.scope_department = profile.department
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        # Who is asking was read from the primary above (a session just signed in); the figures from the replica.
        return _from_replica(lambda: super(ReportAccessMixin, self).dispatch(request, *args, **kwargs))

    def get_filter(self) -> ComplaintReportFilter:
        return report_filter(self.request.GET or None, scope_department=self.scope_department)

    def render_to_response(self, context, **response_kwargs):
        """A page asked with invalid filters shows their errors with status 400."""
        flt = context.get("filter")
        if flt is not None and flt.is_bound and not flt.form.is_valid():
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class DashboardView(ReportAccessMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        flt = self.get_filter()
        period = flt.period
        ctx.update(
            filter=flt,
            period=period,
            k=dashboard_kpis(flt=flt, scope_department=self.scope_department),
            scope_department=self.scope_department,
            query=self.request.GET.urlencode(),
            tables=list(KPI_TABLES),
        )
        return ctx


class OverdueView(ReportAccessMixin, TemplateView):
    template_name = "reports/overdue.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        flt = self.get_filter()
        ctx.update(
            filter=flt,
            period=flt.period,
            overdue=kpis.overdue_list(period=flt.period, queryset=flt.complaints, limit=500),
            scope_department=self.scope_department,
            query=self.request.GET.urlencode(),
        )
        return ctx


def _bad_filters(flt: ComplaintReportFilter) -> HttpResponse | None:
    """A download asked with invalid filters: 400 with the form's errors (``None`` when they are valid)."""
    if flt.is_bound and not flt.form.is_valid():
        message = _("Check the filters: %(errors)s") % {"errors": flt.form.errors.as_text()}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return None


def _filename(stem: str, period: kpis.Period) -> str:
    return f"balagh-{stem}-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}"


class ExportComplaintsView(ReportAccessMixin, View):
    """The filtered complaints received in the period, as CSV or XLSX."""

    def get(self, request, fmt: str):
        flt = self.get_filter()
        if refused := _bad_filters(flt):
            return refused
        rows = exports.complaint_rows(flt.complaints_in_period().select_related(None))
        name = _filename("complaints", flt.period)
        if fmt == "xlsx":
            return exports.xlsx_response(rows, name, title=_("Reports"))
        return csv_response(rows, name)


class ExportKpiView(ReportAccessMixin, View):
    """One KPI breakdown table (departments, channels, categories, districts, utilities) as CSV or XLSX.

    The figures are the dashboard's own (:func:`reports.selectors.dashboard_kpis`,
    shared through the cache): the download matches the page it was taken from.
    """

    def get(self, request, table: str, fmt: str):
        if table not in KPI_TABLES:
            raise Http404
        flt = self.get_filter()
        if refused := _bad_filters(flt):
            return refused
        data = dashboard_kpis(flt=flt, scope_department=self.scope_department)[table]
        english = (request.LANGUAGE_CODE or "ar").startswith("en")
        rows = exports.kpi_table_rows(table, data, lambda r: r.get("name_en" if english else "name_ar") or "")
        name = _filename(f"kpi-{table}", flt.period)
        if fmt == "xlsx":
            return exports.xlsx_response(rows, name, title=table)
        return csv_response(rows, name)


class WeeklyAccessMixin(ReportAccessMixin):
    """The weekly report covers the whole municipality: committee, mayor and administrators."""

    allowed_roles = WEEKLY_REPORT_ROLES
    refusal = gettext_lazy(
        "The weekly report covers the whole municipality: it is for the follow-up committee, the mayor and administrators."
    )


class WeeklyArchiveView(WeeklyAccessMixin, ListView):
    template_name = "reports/weekly_archive.html"
    context_object_name = "reports"
    paginate_by = 52

    def get_queryset(self):
        return WeeklyReport.objects.select_related("generated_by", "recompiled_by").defer("kpis").order_by("-week_start")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        this_week = services.this_week_start()
        ctx.update(
            can_compile=role_of(self.request.user) in WEEKLY_COMPILE_ROLES,
            this_week=this_week,
            this_week_end=this_week + timedelta(days=6),
            progress=weekly_compile_progress(week_start=this_week),
        )
        return ctx


class WeeklyCompileView(WeeklyAccessMixin, View):
    """POST: queue "compile this week now" on the worker and go back to the archive, which follows it."""

    allowed_roles = WEEKLY_COMPILE_ROLES
    refusal = gettext_lazy("The follow-up committee and administrators compile the weekly report.")

    def post(self, request):
        week = services.this_week_start()
        weekly_compile_progress_set(week_start=week, state="queued")
        transaction.on_commit(lambda: tasks.compile_weekly_report_now.delay(week.isoformat(), request.user.pk))
        return redirect("reports:weekly_archive")


class WeeklyCompileStatusView(WeeklyAccessMixin, View):
    """GET: the progress of this week's compilation, as JSON for the archive page's script."""

    allowed_roles = WEEKLY_COMPILE_ROLES
    refusal = gettext_lazy("The follow-up committee and administrators compile the weekly report.")

    def get(self, request):
        progress = weekly_compile_progress(week_start=services.this_week_start())
        return JsonResponse(progress or {"state": "none", "percent": 0, "label": "", "url": ""})


def _report_for(week: str) -> WeeklyReport:
    try:
        day = date.fromisoformat(week)
    except ValueError:
        raise Http404(_("Not a date: %(week)s") % {"week": week}) from None
    report = WeeklyReport.objects.filter(week_start=day).first()
    if report is None:  # compiled a moment ago, not on the replica yet
        with primary_reads():
            report = get_object_or_404(WeeklyReport, week_start=day)
    return report


class WeeklyDetailView(WeeklyAccessMixin, TemplateView):
    template_name = "reports/weekly_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        report = _report_for(self.kwargs["week"])
        ctx.update(report=report, k=report.kpis)
        return ctx


class WeeklyPdfView(WeeklyAccessMixin, View):
    def get(self, request, week: str):
        report = _report_for(week)
        filename = f"balagh-weekly-{report.week_start:%Y-%m-%d}.pdf"
        lang = request.GET.get("lang")
        if lang == "en" or not report.pdf:
            response = HttpResponse(
                weekly_report_pdf(report=report, language=lang if lang in ("ar", "en") else "ar"), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'inline; filename="{filename}"'
            return response
        return FileResponse(report.pdf.open("rb"), content_type="application/pdf", filename=filename)


# --------------------------------------------------------------------------- public (/figures/)

PUBLIC_MAX_AGE = 600
OPEN_DATA_LICENCE = (
    gettext_lazy("Creative Commons Attribution 4.0 International"),
    "https://creativecommons.org/licenses/by/4.0/",
)


def _public(response: HttpResponse, *, by_cookie: bool) -> HttpResponse:
    """Shared caches may keep it; the language comes from ?lang= (part of the address) or the cookie."""
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    if by_cookie:
        patch_vary_headers(response, ["Cookie"])
    return response


class PublicFiguresView(TemplateView):
    """/figures/: the published service levels, the weekly city figures and the on-time ranking, for anyone."""

    template_name = "reports/public_figures.html"

    def get(self, request, *args, **kwargs):
        return _from_replica(lambda: self._page(request, *args, **kwargs))

    def _page(self, request, *args, **kwargs):
        language = request.GET.get("lang")
        if language not in dict(settings.LANGUAGES):
            return _public(super().get(request, *args, **kwargs).render(), by_cookie=True)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = super().get(request, *args, **kwargs).render()
        response["Content-Language"] = language
        return _public(response, by_cookie=False)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        figures = public_figures()
        ctx.update(
            figures,
            rankings=[(_("Departments"), figures["departments"]), (_("Utilities"), figures["utilities"])],
            sla_groups=public_sla_table(),
            fields=OPEN_DATA_FIELDS,
            licence_name=str(OPEN_DATA_LICENCE[0]),
            licence_url=OPEN_DATA_LICENCE[1],
        )
        return ctx


class OpenDataView(View):
    """The anonymised reports as CSV, streamed (reports.selectors.open_data_rows)."""

    def get(self, request):
        response = _from_replica(lambda: csv_response(open_data_rows(), "balagh-open-data"))
        response["Link"] = f'<{OPEN_DATA_LICENCE[1]}>; rel="license"'
        return _public(response, by_cookie=False)
