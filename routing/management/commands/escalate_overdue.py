"""``python manage.py escalate_overdue``: run the escalation sweep once (the same code as the beat task)."""
from django.core.management.base import BaseCommand

from routing.escalation import STEPS, escalate_overdue


class Command(BaseCommand):
    help = "Warn about reports at risk and move overdue reports up the escalation ladder (each step once)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=10000, help="Reports claimed per transaction.")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            from django.core.management.base import CommandError

            raise CommandError("--batch-size must be at least 1.")
        counts = escalate_overdue(batch_size=batch_size)
        for step in STEPS:
            self.stdout.write(f"{step.name}: {counts.get(step.name, 0)}")
