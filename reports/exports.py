"""The committee's CSV and XLSX exports (the CSV writer is ``complaints.exports``, shared with the admin), streamed: rows come from ``iterator(chunk_size=…)`` so memory stays flat at 1,000,000 rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import CharField, Func
from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from complaints.exports import download
from complaints.models import Category, Channel, Priority
from complaints.workflow import ClosureReason, Status
from municipality.models import Department, District, Utility
from municipality.text import INVISIBLE
from municipality.times import RIYADH
from reports import xlsx

CHUNK_SIZE = 5000


class LocalMinute(Func):
    """A timestamp as Asia/Riyadh ``YYYY-MM-DD HH:MM`` text, written by the database (NULL stays NULL).

    Formatting a million timestamps in the database instead of parsing and
    formatting them in Python halves the export's time. SQLite has no time
    zones: it adds Riyadh's offset, which is +3 hours all year (no summer time).
    """

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        template = f"to_char(%(expressions)s AT TIME ZONE '{RIYADH.key}', 'YYYY-MM-DD HH24:MI')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # "YYYY-MM-DD HH:MM" are the first 16 characters of datetime() (no strftime: a "%" in the SQL
        # would have to be escaped differently with and without parameters).
        minutes = int(RIYADH.utcoffset(datetime.now()).total_seconds() // 60)
        template = f"substr(datetime(%(expressions)s, '{minutes:+d} minutes'), 1, 16)"
        return self.as_sql(compiler, connection, template=template, **extra)


def complaint_rows(queryset) -> Iterator[list]:
    """A header row, then one row per complaint, read in chunks (no model instances)."""
    # The labels are translated once here, not once per row (a million rows, four labels each).
    status, channel, priority, reason = ({k: str(v) for k, v in c.choices} for c in (Status, Channel, Priority, ClosureReason))
    yield [
        _("ID"),
        _("Tracking number"),
        _("Received"),
        _("Main type"),
        _("Sub-type"),
        _("Channel"),
        _("Priority"),
        _("Status"),
        _("Closure reason"),
        _("Department"),
        _("Utility"),
        _("District"),
        _("Assignee"),
        _("Response due"),
        _("First response"),
        _("Resolution due"),
        _("Resolved"),
        _("Closed"),
        _("Rating"),
        _("Times reopened"),
        _("Times transferred"),
        _("Duplicate of"),
        _("Escalation level"),
        _("Latitude"),
        _("Longitude"),
    ]
    # Small lookup tables are read once; the big table is read without joins, in chunks.

    def names(model) -> dict:
        return dict(model.objects.values_list("pk", "name_ar"))

    categories = {pk: (name, parent) for pk, name, parent in Category.objects.values_list("pk", "name_ar", "parent_id")}
    departments, districts, utilities = names(Department), names(District), names(Utility)
    from django.contrib.auth import get_user_model

    staff = dict(get_user_model().objects.filter(is_staff=True).values_list("pk", "username"))
    times = ("created_at", "response_due_at", "first_response_at", "resolution_due_at", "resolved_at", "closed_at")
    local = {f"_local_{name}": LocalMinute(name) for name in times}
    fields = [
        "pk",
        "tracking_number",
        "_local_created_at",
        "category_id",
        "channel",
        "priority",
        "status",
        "closure_reason",
        "department_id",
        "utility_id",
        "district_id",
        "assignee_id",
        *(f"_local_{name}" for name in times[1:]),
        "rating",
        "reopen_count",
        "transfer_count",
        "duplicate_of_id",
        "escalation_level",
        "lat",
        "lon",
    ]
    rows = queryset.annotate(**local).order_by("created_at", "pk").values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    for r in rows:
        sub, parent = categories.get(r[3], ("", None))
        main = categories[parent][0] if parent in categories else sub
        yield [
            r[0],
            r[1],
            r[2],
            main,
            sub,
            channel.get(r[4], r[4]),
            priority.get(r[5], r[5]),
            status.get(r[6], r[6]),
            reason.get(r[7], r[7]) if r[7] else "",
            departments.get(r[8], ""),
            utilities.get(r[9], ""),
            districts.get(r[10], ""),
            staff.get(r[11], r[11] or ""),
            r[12] or "",
            r[13] or "",
            r[14] or "",
            r[15] or "",
            r[16] or "",
            r[17] if r[17] is not None else "",
            r[18],
            r[19],
            r[20] or "",
            r[21],
            "" if r[22] is None else r[22],  # no pin yet: still in triage
            "" if r[23] is None else r[23],
        ]


def xlsx_response(rows: Iterable[list], filename: str, *, title: str = "Balagh") -> StreamingHttpResponse:
    """The rows as a spreadsheet, compressed and sent while they are read (:mod:`reports.xlsx`)."""

    note = _("More reports than a spreadsheet holds: this sheet stops here. Download the CSV for all of them.")
    response = StreamingHttpResponse(
        xlsx.stream(
            ([INVISIBLE.sub("", v) if isinstance(v, str) else v for v in row] for row in rows),
            title=title,
            overflow_note=note,
            right_to_left=translation.get_language_bidi(),
        ),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return download(response, f"{filename}.xlsx")


def kpi_table_rows(table: str, rows: list[dict], name_of) -> Iterator[list]:
    """One KPI breakdown (``departments``, ``channels``, …) as a sheet."""
    head = [
        _("Name"),
        _("Received"),
        _("Closed"),
        _("Backlog"),
        _("Overdue"),
        _("Completion %"),
        _("SLA compliance %"),
        _("Response compliance %"),
        _("Average resolution (days)"),
        _("Average resolution (working hours)"),
        _("Mean rating"),
        _("Satisfied %"),
        _("Rated"),
        _("Reopen rate %"),
        _("Duplicate rate %"),
    ]
    extra = []
    if table == "departments":
        extra = [("grade", _("Grade")), ("transfers_out", _("Transfers out"))]
    elif table == "categories":
        extra = [
            ("previous_received", _("Received in the previous period")),
            ("change", pgettext("difference from the previous period", "Change")),
        ]
    yield head + [label for _key, label in extra]
    keys = [
        "received",
        "closed",
        "backlog",
        "overdue",
        "completion_pct",
        "sla_pct",
        "response_pct",
        "avg_days",
        "avg_working_hours",
        "rating_avg",
        "satisfied_pct",
        "rated",
        "reopen_pct",
        "duplicate_pct",
    ]
    for r in rows:
        yield [name_of(r)] + [r.get(k) if r.get(k) is not None else "" for k in keys] + [r.get(k, "") for k, _label in extra]
