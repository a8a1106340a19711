"""Play a citizen on WhatsApp: sign and POST one message to the running site's webhook.

    python manage.py whatsapp_simulate --text "حفرة كبيرة أمام المدرسة"
    python manage.py whatsapp_simulate --location 18.30,42.73
    python manage.py whatsapp_simulate --choose roads     (a main type, then)
    python manage.py whatsapp_simulate --choose pothole
    python manage.py whatsapp_simulate --confirm
    python manage.py whatsapp_simulate --photo path/to/photo.jpg   (folder media backend)
    python manage.py whatsapp_simulate --text "any news?"

The answers appear where WHATSAPP_BACKEND writes them (the worker's console by default, or
var/whatsapp.log with WHATSAPP_BACKEND=file).
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from channels.whatsapp import simulate
from channels.whatsapp.transport import SIGNATURE_HEADER


class Command(BaseCommand):
    help = "Sign and POST one simulated WhatsApp message to /webhooks/whatsapp/ (for demos)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="sender", default="966501234567", help="the citizen's WhatsApp number")
        parser.add_argument("--name", default="مواطن", help="the citizen's profile name")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--text")
        what.add_argument("--location", help="LAT,LON")
        what.add_argument("--choose", metavar="CODE", help="a row of the type list (a sub-type or main type code)")
        what.add_argument("--confirm", action="store_true", help="tap the Confirm button")
        what.add_argument("--photo", type=Path, help="an image file (copied to WHATSAPP_MEDIA_FOLDER)")
        what.add_argument("--sticker", action="store_true", help="a message type the service does not read")
        parser.add_argument("--url", default="", help="the webhook (default SITE_URL/webhooks/whatsapp/)")

    def handle(self, *args, sender, name, url, **options):
        message = self._message(sender, options)
        body = simulate.encode(simulate.notification(messages=[message], name=name))
        url = url or f"{settings.SITE_URL}/webhooks/whatsapp/"
        header = SIGNATURE_HEADER.removeprefix("HTTP_").replace("_", "-").title()
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json", header: simulate.signed(body)}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise CommandError(f"{url} answered HTTP {exc.code}: {exc.read(300).decode(errors='replace')}") from None
        except OSError as exc:
            raise CommandError(f"{url} is not reachable ({exc}); is the site running (make run)?") from None
        self.stdout.write(f"{message['type']} {message['id']} → HTTP {status}")

    def _message(self, sender: str, options: dict) -> dict:
        if options["text"] is not None:
            return simulate.text(sender, options["text"])
        if options["location"]:
            try:
                lat, lon = (float(x) for x in options["location"].split(","))
            except ValueError:
                raise CommandError("--location takes LAT,LON, e.g. 18.30,42.73") from None
            return simulate.location(sender, lat, lon)
        if options["choose"]:
            return simulate.list_reply(sender, options["choose"])
        if options["confirm"]:
            return simulate.button_reply(sender, "confirm", "Confirm")
        if options["photo"]:
            source: Path = options["photo"]
            if not source.is_file():
                raise CommandError(f"{source} is not a file")
            media_id = f"sim{uuid.uuid4().hex}"
            folder = Path(settings.BALAGH_WHATSAPP_MEDIA_FOLDER)
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / media_id)
            return simulate.image(sender, media_id)
        return simulate.other(sender, "sticker")
