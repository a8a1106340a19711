"""``manage.py poll_x``: read the new X mentions now (the beat task does it every ``X_POLL_SECONDS``)."""

from django.core.management.base import BaseCommand, CommandError

from channels.x.backends import XError
from channels.x.services import x_poll


class Command(BaseCommand):
    help = "Read the new mentions of the municipality's X account, file each as a report and answer it."

    def handle(self, *args, **options):
        try:
            result = x_poll()
        except XError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{action}: {count}" for action, count in sorted(result.counts.items())) or "no new mentions"
        self.stdout.write(summary)
