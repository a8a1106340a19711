from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from complaints.services import reporters_anonymise


class Command(BaseCommand):
    help = _("Blank the reporter's name, mobile and e-mail of reports closed longer than --older-than days (PDPL retention).")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, help=_("Days since the report was closed."))

    def handle(self, *args, older_than: int, **options):
        if older_than < 1:
            raise CommandError(_("--older-than must be at least 1 day."))
        count = reporters_anonymise(older_than_days=older_than)
        self.stdout.write(_("Reporters' contact details removed from %(count)d reports.") % {"count": count})
