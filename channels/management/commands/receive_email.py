"""``manage.py receive_email < message.eml``: file one e-mail read from standard input.

For a mail server's pipe (Postfix ``pipe``, Exim ``pipe`` transport, procmail, a .forward
``|command``). The exit status follows sysexits.h, which mail servers understand:

- 0: filed, added to the report it answers, a repeat, or automatic mail deliberately ignored;
- 65 (EX_DATAERR): the message cannot be read or has nothing in it; the server bounces it;
- 66 (EX_NOINPUT): nothing on standard input;
- 75 (EX_TEMPFAIL): the database is unavailable; the server keeps the mail and tries again.
"""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.utils.translation import gettext as _

from channels.email.parsing import MAX_MAIL_BYTES, MailError
from channels.email.services import email_receive

EX_OK, EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 0, 65, 66, 75


class Command(BaseCommand):
    help = "Read one RFC 822 e-mail on standard input and file it as a report (or an update of one)."
    stealth_options = ("stdin",)  # tests hand the bytes in: call_command("receive_email", stdin=BytesIO(...))

    def handle(self, *args, **options):
        stream = options.get("stdin") or getattr(sys.stdin, "buffer", sys.stdin)
        raw = stream.read(MAX_MAIL_BYTES + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw.strip():
            self.stderr.write(_("receive_email: nothing on standard input."))
            sys.exit(EX_NOINPUT)
        try:
            outcome = email_receive(raw=raw)
        except MailError as exc:
            self.stderr.write(_("receive_email: refused: %(error)s") % {"error": exc})
            sys.exit(EX_DATAERR)
        except ValidationError as exc:
            self.stderr.write(_("receive_email: refused: %(error)s") % {"error": " ".join(exc.messages)})
            sys.exit(EX_DATAERR)
        except DatabaseError as exc:
            self.stderr.write(_("receive_email: the database is unavailable, try again later: %(error)s") % {"error": exc})
            sys.exit(EX_TEMPFAIL)
        if outcome.complaint is not None:
            self.stdout.write(f"{outcome.action} {outcome.complaint.tracking_number}")
        else:
            self.stdout.write(f"{outcome.action}: {outcome.reason}")
