"""``python manage.py create_api_key NAME [--channels open311]``: make a key and print it once, on the last line."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from channels.api_keys.models import Scope
from channels.api_keys.services import api_key_create


class Command(BaseCommand):
    help = "Make an API key for an integrating system. The key is printed once, as the last line; only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who uses the key, e.g. 'FixMyStreet Aseer'")
        parser.add_argument(
            "--channels",
            default=Scope.OPEN311.value,
            help=f"comma-separated channels the key may use (default {Scope.OPEN311.value}; known: {', '.join(Scope.values)})",
        )

    def handle(self, *args, name: str, channels: str, **options):
        try:
            api_key, raw = api_key_create(name=name, scopes=channels.split(","))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"API key {api_key.name!r} (starts blg_{api_key.prefix}_) for: {', '.join(api_key.scopes)}.")
        self.stdout.write("Store it now: it is shown only this once and cannot be recovered; revoke it in the admin.")
        self.stdout.write(raw)
