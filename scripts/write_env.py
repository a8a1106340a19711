"""Write the development ``.env`` that the settings read (``municipality.env.load_env_file``).

``make`` calls it with what it configured (``DEBUG=1``, ``SITE_URL=…``): those keys are set to
the values given; a ``SECRET_KEY`` is generated once and then kept; any other line is left alone.
A management command run by hand afterwards (``.venv/bin/python manage.py escalate_overdue``)
then starts with the same settings as the site.

    python scripts/write_env.py [--file .env] KEY=VALUE ...
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

HEADER = "# Written by `make` for development (git-ignored). The environment wins over this file.\n"


def write_env(path: Path, values: dict[str, str]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else HEADER.splitlines()
    present: set[str] = set()
    out = []
    for line in lines:
        key = line.split("=", 1)[0].strip() if "=" in line and not line.lstrip().startswith("#") else None
        if key in values:
            line = f"{key}={values[key]}"
        if key:
            present.add(key)
        out.append(line)
    out += [f"{key}={value}" for key, value in values.items() if key not in present]
    if "SECRET_KEY" not in present and "SECRET_KEY" not in values:
        out.append(f"SECRET_KEY=dev-{secrets.token_urlsafe(40)}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    path.chmod(0o600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(Path(__file__).resolve().parent.parent / ".env"))
    parser.add_argument("pairs", nargs="*", metavar="KEY=VALUE")
    args = parser.parse_args()
    values = dict(pair.split("=", 1) for pair in args.pairs if "=" in pair)
    write_env(Path(args.file), values)


if __name__ == "__main__":
    main()
