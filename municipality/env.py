"""Typed, validated settings from the environment.

Every helper raises ``ImproperlyConfigured`` with a message that names the
variable and what is wrong, so a bad value stops start-up at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from dj_database_url import DBConfig

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def redact(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``, for error messages."""
    try:
        parsed = urlparse(url)
        password = parsed.password
    except ValueError:
        return url.split("@", 1)[-1] if "@" in url else url
    if not password:
        return url
    netloc = parsed.netloc.replace(f":{password}@", ":***@", 1)
    return parsed._replace(netloc=netloc).geturl()


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, base_dir: Path) -> DBConfig:
    import dj_database_url

    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL={redact(url)!r}: the scheme {scheme!r} is not supported; "
            "use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:5432/dbname."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60 if scheme != "sqlite" else 0)
    except Exception as exc:  # dj_database_url raises several kinds, some without a message
        raise ImproperlyConfigured(
            f"DATABASE_URL={redact(url)!r} cannot be read ({type(exc).__name__}{': ' + str(exc) if str(exc) else ''}); "
            "expected postgres://user:password@host:5432/dbname or sqlite:///path/to/file.sqlite3."
        ) from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={redact(url)!r} has no database name; add it at the end, e.g. postgres://user@host:5432/balagh."
        )
    if scheme == "sqlite":
        if not config["NAME"] or config["NAME"] == ":memory:":
            config["NAME"] = str(base_dir / "var" / "balagh.sqlite3")
        # Two processes at once (site + worker + beat): wait instead of "database is locked".
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    else:
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    return config


def redis_url(name: str = "REDIS_URL") -> str | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"redis", "rediss"} or not parsed.hostname:
        raise ImproperlyConfigured(f"{name}={redact(raw)!r} is not a redis:// URL (e.g. redis://127.0.0.1:6379/0).")
    return raw


def mailbox_url(name: str = "IMAP_URL") -> str:
    """A mailbox to poll: ``imaps://user:password@host[:port]/FOLDER``, ``imap://…`` or ``maildir:///path``; ``""`` when unset."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in ("imap", "imaps", "maildir"):
        raise ImproperlyConfigured(f"{name}={redact(raw)!r}: use imaps://user:password@host/INBOX or maildir:///path.")
    if parsed.scheme == "maildir":
        if not parsed.path or parsed.path == "/":
            raise ImproperlyConfigured(f"{name}={raw!r} needs a folder: maildir:///path/to/Maildir.")
        return raw
    if not (parsed.hostname and parsed.username):
        raise ImproperlyConfigured(f"{name}={redact(raw)!r} needs a user and a host: imaps://user:password@host/INBOX.")
    try:
        _port = parsed.port  # raises for a port that is not a number
    except ValueError:
        raise ImproperlyConfigured(f"{name}={redact(raw)!r}: the port is not a number.") from None
    return raw


RATE_UNITS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def env_rate(name: str, default: str) -> str:
    """A throttle rate as DRF reads it: ``NUMBER/UNIT`` (``600/min``, ``10/s``, ``5000/day``)."""
    raw = (os.environ.get(name) or "").strip() or default
    number, _slash, unit = raw.partition("/")
    if not number.isdigit() or int(number) < 1 or unit not in RATE_UNITS:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate; write it as NUMBER/UNIT, e.g. 600/min, 10/s or 5000/day.")
    return raw
