"""CSV and XLSX exports, streamed: rows come from ``iterator(chunk_size=…)`` so memory stays flat at 1,000,000 rows."""
from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from complaints.models import Channel, Priority
from complaints.workflow import ClosureReason, Status
from reports.kpis import RIYADH

CHUNK_SIZE = 5000


def _local(value) -> str:
    return value.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M") if value else ""


def complaint_rows(queryset) -> Iterator[list]:
    """A header row, then one row per complaint, read in chunks (no model instances)."""
    status, channel = dict(Status.choices), dict(Channel.choices)
    priority, reason = dict(Priority.choices), dict(ClosureReason.choices)
    yield [
        _("ID"), _("Tracking number"), _("Received"), _("Main type"), _("Sub-type"), _("Channel"), _("Priority"),
        _("Status"), _("Closure reason"), _("Department"), _("Utility"), _("District"), _("Assignee"),
        _("Response due"), _("First response"), _("Resolution due"), _("Resolved"), _("Closed"),
        _("Rating"), _("Times reopened"), _("Times transferred"), _("Duplicate of"), _("Escalation level"),
        _("Latitude"), _("Longitude"),
    ]
    fields = [
        "pk", "tracking_number", "created_at", "category__parent__name_ar", "category__name_ar", "channel", "priority",
        "status", "closure_reason", "department__name_ar", "utility__name_ar", "district__name_ar", "assignee__username",
        "response_due_at", "first_response_at", "resolution_due_at", "resolved_at", "closed_at",
        "rating", "reopen_count", "transfer_count", "duplicate_of_id", "escalation_level", "lat", "lon",
    ]
    rows = queryset.order_by("created_at", "pk").values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    for r in rows:
        yield [
            r[0], r[1], _local(r[2]), r[3] or r[4], r[4], str(channel.get(r[5], r[5])), str(priority.get(r[6], r[6])),
            str(status.get(r[7], r[7])), str(reason.get(r[8], r[8])) if r[8] else "", r[9] or "", r[10] or "", r[11] or "",
            r[12] or "", _local(r[13]), _local(r[14]), _local(r[15]), _local(r[16]), _local(r[17]),
            r[18] if r[18] is not None else "", r[19], r[20], r[21] or "", r[22], r[23], r[24],
        ]


class _Echo:
    def write(self, value):
        return value


def csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # so spreadsheet programs read the Arabic as UTF-8
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows: Iterable[list], filename: str, *, title: str = "Balagh") -> FileResponse:
    """openpyxl in write-only mode (rows are written and forgotten) into a temporary file that is then streamed."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.sheet_view.rightToLeft = True
    for row in rows:
        sheet.append(row)
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def kpi_table_rows(table: str, rows: list[dict], name_of) -> Iterator[list]:
    """One KPI breakdown (``departments``, ``channels``, …) as a sheet."""
    head = [_("Name"), _("Received"), _("Closed"), _("Backlog"), _("Overdue"), _("Completion %"), _("SLA compliance %"),
            _("Response compliance %"), _("Average resolution (days)"), _("Average resolution (working hours)"),
            _("Mean rating"), _("Satisfied %"), _("Rated"), _("Reopen rate %"), _("Duplicate rate %")]
    extra = []
    if table == "departments":
        extra = [("grade", _("Grade")), ("transfers_out", _("Transfers out"))]
    elif table == "categories":
        extra = [("previous_received", _("Received in the previous period")), ("change", _("Change"))]
    yield head + [label for _key, label in extra]
    keys = ["received", "closed", "backlog", "overdue", "completion_pct", "sla_pct", "response_pct", "avg_days",
            "avg_working_hours", "rating_avg", "satisfied_pct", "rated", "reopen_pct", "duplicate_pct"]
    for r in rows:
        yield [name_of(r)] + [r.get(k) if r.get(k) is not None else "" for k in keys] + [r.get(k, "") for k, _label in extra]
