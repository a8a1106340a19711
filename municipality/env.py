"""Typed, validated settings from the environment.

Every helper raises ``SettingError`` (an ``ImproperlyConfigured``) with a message that
names the variable and what is wrong, so a bad value stops start-up at once. The message is
kept as a catalogue msgid plus its values, so ``manage.py`` can print it as one line in the
operator's language before Django (and its translation machinery) is set up.

``load_env_file`` reads the ``.env`` that ``make`` writes (DEBUG, the generated development
SECRET_KEY, SITE_URL): a management command run by hand sees what ``make run`` configured.
Variables set in the environment win over the file.
"""

from __future__ import annotations

import gettext
import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import phonenumbers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from dj_database_url import DBConfig

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class SettingError(ImproperlyConfigured):
    """A setting that stops start-up; ``msgid % params`` is the English message."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(msgid % params if params else msgid)

    def translated(self, language: str, locale_dir: Path) -> str:
        catalogue = gettext.translation("django", localedir=str(locale_dir), languages=[language], fallback=True)
        text = catalogue.gettext(self.msgid)
        return text % self.params if self.params else text


def operator_language() -> str:
    """The language of a command-line message: English when the shell's locale says so, else Arabic (the site's)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (os.environ.get(name) or "").lower()
        if value and value not in ("c", "posix") and not value.startswith("c."):
            return "en" if value.startswith("en") else "ar"
    return "ar"


def start_up_error_line(exc: ImproperlyConfigured, locale_dir: Path) -> str:
    """One line for the operator: the setting's message in their language, without a traceback."""
    message = exc.translated(operator_language(), locale_dir) if isinstance(exc, SettingError) else str(exc)
    return "Balagh: " + " ".join(message.split())


def load_env_file(path: Path | None) -> None:
    """``KEY=VALUE`` lines (``#`` comments, optional quotes) into ``os.environ`` where not already set."""
    if path is None or not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key, value)


def env_file(base_dir: Path) -> Path | None:
    """``BALAGH_ENV_FILE`` (empty: none), else ``.env`` beside ``manage.py``."""
    raw = os.environ.get("BALAGH_ENV_FILE")
    if raw is None:
        return base_dir / ".env"
    return Path(raw) if raw.strip() else None


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
    raise SettingError(
        gettext_noop("%(name)s=%(value)r is not a boolean; use 1/0, true/false, yes/no or on/off."), name=name, value=raw
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(gettext_noop("%(name)s=%(value)r is not a whole number."), name=name, value=raw) from None
    if minimum is not None and value < minimum:
        raise SettingError(
            gettext_noop("%(name)s=%(value)s must be at least %(minimum)s."), name=name, value=value, minimum=minimum
        )
    return value


def env_thresholds(name: str, default: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """``metric=90/75/60,other=80/60/40``: per metric, the limits of grades A, B and C, highest first."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    thresholds: dict[str, tuple[int, ...]] = {}
    for part in raw.split(","):
        metric, _, limits = part.partition("=")
        try:
            values = tuple(int(v) for v in limits.split("/"))
        except ValueError:
            values = ()
        if not metric.strip() or len(values) != 3 or list(values) != sorted(values, reverse=True):
            raise ImproperlyConfigured(
                f"{name}={raw!r}: write metric=A/B/C with three whole numbers, highest first, e.g. sla_pct=90/75/60."
            )
        thresholds[metric.strip()] = values
    return thresholds


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of CIDR networks (``10.0.0.0/8, 2001:db8::/32``; a bare address is one host)."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(
                gettext_noop("%(name)s: %(value)r is not an address or a CIDR network (e.g. 10.0.0.0/8 or 127.0.0.1)."),
                name=name,
                value=item,
            ) from None
    return networks


def env_regions(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of ISO 3166 country codes that phone numbers can belong to (``SA,AE``)."""
    regions = [item.upper() for item in env_list(name, default)]
    unknown = [item for item in regions if item not in phonenumbers.SUPPORTED_REGIONS]
    if unknown or not regions:
        raise SettingError(
            gettext_noop("%(name)s: %(value)s — use two-letter country codes such as SA or SA,AE,BH."),
            name=name,
            value=", ".join(unknown) or "empty",
        )
    return regions


def database_from_url(url: str, base_dir: Path) -> DBConfig:
    import dj_database_url

    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise SettingError(
            gettext_noop(
                "DATABASE_URL=%(value)r: the scheme %(scheme)r is not supported; "
                "use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:5432/dbname."
            ),
            value=redact(url),
            scheme=scheme,
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60 if scheme != "sqlite" else 0)
    except Exception as exc:  # dj_database_url raises several kinds, some without a message
        raise SettingError(
            gettext_noop(
                "DATABASE_URL=%(value)r cannot be read (%(reason)s); "
                "expected postgres://user:password@host:5432/dbname or sqlite:///path/to/file.sqlite3."
            ),
            value=redact(url),
            reason=f"{type(exc).__name__}{': ' + str(exc) if str(exc) else ''}",
        ) from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise SettingError(
            gettext_noop(
                "DATABASE_URL=%(value)r has no database name; add it at the end, e.g. postgres://user@host:5432/balagh."
            ),
            value=redact(url),
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


def database_pool(config: DBConfig, max_size: int) -> None:
    """Give a PostgreSQL database a connection pool of at most ``max_size`` per process (0: none)."""
    if not max_size:
        return
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SettingError(
            gettext_noop("DATABASE_POOL_MAX_SIZE=%(value)s: the connection pool is for PostgreSQL; set it to 0 on SQLite."),
            value=max_size,
        )
    # A pooled connection goes back to the pool at the end of each request or task, never kept open.
    config["CONN_MAX_AGE"] = 0
    config["OPTIONS"]["pool"] = {"min_size": 1, "max_size": max_size, "timeout": 10}


def replica_database(url: str, primary: DBConfig, base_dir: Path) -> DBConfig:
    """``DATABASE_REPLICA_URL``: a read replica of the primary, both on PostgreSQL."""
    if urlparse(url).scheme not in {"postgres", "postgresql", "pgsql"} or primary["ENGINE"] != "django.db.backends.postgresql":
        raise SettingError(
            gettext_noop(
                "DATABASE_REPLICA_URL=%(value)r: a read replica needs PostgreSQL, in DATABASE_URL too; "
                "e.g. postgres://user:password@replica-host:5432/balagh."
            ),
            value=redact(url),
        )
    return database_from_url(url, base_dir)


def redis_url(name: str = "REDIS_URL") -> str | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"redis", "rediss"} or not parsed.hostname:
        raise SettingError(
            gettext_noop("%(name)s=%(value)r is not a redis:// URL (e.g. redis://127.0.0.1:6379/0)."),
            name=name,
            value=redact(raw),
        )
    return raw


def mailbox_url(name: str = "IMAP_URL") -> str:
    """A mailbox to poll: ``imaps://user:password@host[:port]/FOLDER``, ``imap://…`` or ``maildir:///path``; ``""`` when unset."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in ("imap", "imaps", "maildir"):
        raise SettingError(
            gettext_noop("%(name)s=%(value)r: use imaps://user:password@host/INBOX or maildir:///path."),
            name=name,
            value=redact(raw),
        )
    if parsed.scheme == "maildir":
        if not parsed.path or parsed.path == "/":
            raise SettingError(
                gettext_noop("%(name)s=%(value)r needs a folder: maildir:///path/to/Maildir."), name=name, value=raw
            )
        return raw
    if not (parsed.hostname and parsed.username):
        raise SettingError(
            gettext_noop("%(name)s=%(value)r needs a user and a host: imaps://user:password@host/INBOX."),
            name=name,
            value=redact(raw),
        )
    try:
        _port = parsed.port  # raises for a port that is not a number
    except ValueError:
        raise SettingError(gettext_noop("%(name)s=%(value)r: the port is not a number."), name=name, value=redact(raw)) from None
    return raw


RATE_UNITS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def env_rate(name: str, default: str) -> str:
    """A throttle rate as DRF reads it: ``NUMBER/UNIT`` (``600/min``, ``10/s``, ``5000/day``)."""
    raw = (os.environ.get(name) or "").strip() or default
    number, _slash, unit = raw.partition("/")
    if not number.isdigit() or int(number) < 1 or unit not in RATE_UNITS:
        raise SettingError(
            gettext_noop("%(name)s=%(value)r is not a rate; write it as NUMBER/UNIT, e.g. 600/min, 10/s or 5000/day."),
            name=name,
            value=raw,
        )
    return raw


def cache_config(redis: str | None, directory) -> dict:
    """``CACHES``: one cache for all processes on Redis (failing open, see ``municipality.failopen_cache``), else files."""
    if redis:
        return {
            "default": {"BACKEND": "municipality.failopen_cache.FailOpenRedisCache", "LOCATION": redis, "KEY_PREFIX": "balagh"}
        }
    return {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(directory)}}
