from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports import services


class Command(BaseCommand):
    help = "Compile the weekly report (the last whole week by default) and e-mail it unless --no-send."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="The Sunday that starts the week, YYYY-MM-DD (any day of the week is accepted).")
        parser.add_argument("--no-send", action="store_true", help="Compile only; do not e-mail.")
        parser.add_argument(
            "--last", type=int, default=0, metavar="N", help="Compile the last N whole weeks (weeks already compiled are kept)."
        )

    def handle(self, *args, week=None, no_send=False, last=0, **options):
        if last:
            if week or last < 0 or last > 520:
                raise CommandError(_("--last takes a number of weeks from 1 to 520, without --week."))
            newest = services.last_complete_week_start()
            for back in range(last - 1, -1, -1):
                self._compile(newest - timedelta(weeks=back), send=False)
            return
        if week:
            try:
                day = date.fromisoformat(week.strip())
            except ValueError as exc:
                raise CommandError(
                    _("--week: “%(value)s” is not a date; use YYYY-MM-DD, e.g. 2026-11-15.") % {"value": week}
                ) from exc
            start = services.week_start_for(day)
        else:
            start = services.last_complete_week_start()
        self._compile(start, send=not no_send)

    def _compile(self, start: date, *, send: bool) -> None:
        try:
            report = services.weekly_report_compile(week_start=start)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        s = report.kpis["summary"]
        self.stdout.write(
            f"Week {report.week_start} – {report.week_end}: received {s['received']}, closed {s['closed']}, "
            f"backlog {s['backlog']}, completion {s['completion_pct']}%, SLA {s['sla_pct']}%. PDF: {report.pdf.name or '-'}"
        )
        if send:
            sent = services.weekly_report_send(report_id=report.pk)
            self.stdout.write(
                "E-mailed to the mayor and the committee." if sent else "Not e-mailed (already sent, or nobody to send to)."
            )
