from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo.data import DEMO_PASSWORD, USERS
from demo.seed import seed_demo


class Command(BaseCommand):
    help = _("Create (or refresh) the demo municipality, its staff and about 200 demo reports. Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=200, help=_("How many demo reports to make the first time."))
        parser.add_argument(
            "--weeks", type=int, default=4, help=_("How many of the last whole weeks' weekly reports to compile (0: none).")
        )

    def handle(self, *args, complaints: int, weeks: int, **options):
        if complaints < 0 or complaints > 100_000:
            raise CommandError(_("--complaints must be between 0 and 100000 (use generate_load for more)."))
        report = seed_demo(complaints=complaints)
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if weeks > 0:
            # By name, not by import: the organisation sits below the reports app. Not e-mailed.
            call_command("compile_weekly_report", last=weeks, no_send=True, stdout=self.stdout)
        logins = ", ".join(username for username, *_rest in USERS)
        self.stdout.write(
            self.style.SUCCESS(_("Demo ready. Logins: %(logins)s — password: %(pw)s") % {"logins": logins, "pw": DEMO_PASSWORD})
        )
        if settings.BALAGH_2FA_REQUIRED:
            self.stdout.write(
                _(
                    "Two-step sign-in is on (BALAGH_2FA_REQUIRED): admin, committee, mayor and roads_head scan a QR code "
                    "with an authenticator app at their first sign-in. Set BALAGH_2FA_REQUIRED=0 to try the demo with "
                    "passwords only."
                )
            )
        else:
            self.stdout.write(_("Two-step sign-in is off (BALAGH_2FA_REQUIRED=0, the DEBUG default): passwords are enough."))
