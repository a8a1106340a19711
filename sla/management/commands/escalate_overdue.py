"""``python manage.py escalate_overdue``: run the escalation sweep once (the same code as the beat task)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from sla import ladder
from sla.ladder import STEPS
from sla.sweep import DEFAULT_BATCH, escalate_overdue


class Command(BaseCommand):
    help = "Warn about reports at risk and move overdue reports up the escalation ladder (each step once)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="Reports claimed per transaction.")
        parser.add_argument(
            "--resync",
            action="store_true",
            help="First rebuild the ladder's work queue from the reports (after reports were changed outside Balagh).",
        )

    def handle(self, *args, batch_size: int, resync: bool, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        if resync:
            with transaction.atomic():
                rows = ladder.sync()
            self.stdout.write(_("Ladder queue rebuilt: %(n)d pending steps.") % {"n": rows})
        counts = escalate_overdue(batch_size=batch_size)
        for step in STEPS:
            self.stdout.write(f"{step.name}: {counts.get(step.name, 0)}")
