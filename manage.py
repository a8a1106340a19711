#!/usr/bin/env python
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line

from municipality.env import start_up_error_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "municipality.settings")
    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a missing one is a line, not a traceback)
    except ImproperlyConfigured as exc:
        sys.stderr.write(start_up_error_line(exc, Path(__file__).resolve().parent / "locale") + "\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
