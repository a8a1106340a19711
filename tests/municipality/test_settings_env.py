"""A bad environment stops start-up at once, with a message that names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Everything the settings read, so the machine's own environment cannot leak into these checks.
SETTINGS_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "MEDIA_ROOT",
    "BALAGH_MAX_PHOTOS",
    "BALAGH_MAX_PHOTO_MB",
    "BALAGH_REOPEN_DAYS",
    "BALAGH_AUTO_CLOSE_DAYS",
    "BALAGH_PHONE_REGION",
    "BALAGH_TRACK_MAX_ATTEMPTS",
    "BALAGH_KPI_GRADE_THRESHOLDS",
    "BALAGH_MUNICIPALITY_NAME",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_BACKEND",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "LOG_LEVEL",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SMS_BACKEND",
    "SMS_HTTP_URL",
    "BROKER_CONNECT_TIMEOUT_MS",
    "EMAIL_TIMEOUT_SECONDS",
    "OUTBOX_LEASE_MARGIN_SECONDS",
    "DATABASE_REPLICA_URL",
    "DATABASE_POOL_MAX_SIZE",
    "DATABASE_TRANSACTION_POOLING",
]


def start(tmp_path, **variables: str) -> subprocess.CompletedProcess:
    """Load the production settings module in a fresh interpreter, as `manage.py` or gunicorn would."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="municipality.settings", BALAGH_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT), BALAGH_ENV_FILE=""
    )
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


PRODUCTION = {"SECRET_KEY": "a-long-random-production-secret", "ALLOWED_HOSTS": "balagh.example.gov.sa"}


@pytest.mark.parametrize(
    "variables, named, hint",
    [
        ({}, "SECRET_KEY", "DEBUG=1"),
        ({"SECRET_KEY": ""}, "SECRET_KEY", "DEBUG=1"),
        ({"SECRET_KEY": "x" * 40}, "ALLOWED_HOSTS", "host"),
        ({"DEBUG": "maybe"}, "DEBUG", "true/false"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://root@db/balagh"}, "DATABASE_URL", "postgres://"),
        ({**PRODUCTION, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "DATABASE_URL", "database name"),
        ({**PRODUCTION, "REDIS_URL": "http://x"}, "REDIS_URL", "redis://"),
        ({**PRODUCTION, "REDIS_URL": "redis://"}, "REDIS_URL", "redis://"),
        ({"DEBUG": "1", "BALAGH_MAX_PHOTOS": "abc"}, "BALAGH_MAX_PHOTOS", "whole number"),
        ({"DEBUG": "1", "BALAGH_MAX_PHOTOS": "-1"}, "BALAGH_MAX_PHOTOS", "at least 0"),
        ({"DEBUG": "1", "BALAGH_REOPEN_DAYS": "seven"}, "BALAGH_REOPEN_DAYS", "whole number"),
        ({"DEBUG": "1", "EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS", "true/false"),
        ({"DEBUG": "1", "BALAGH_TRACK_MAX_ATTEMPTS": "0"}, "BALAGH_TRACK_MAX_ATTEMPTS", "at least 1"),
        ({"DEBUG": "1", "BALAGH_KPI_GRADE_THRESHOLDS": "sla_pct=60/75/90"}, "BALAGH_KPI_GRADE_THRESHOLDS", "highest first"),
        ({"DEBUG": "1", "BALAGH_KPI_GRADE_THRESHOLDS": "sla_pct=90"}, "BALAGH_KPI_GRADE_THRESHOLDS", "three whole numbers"),
        ({"DEBUG": "1", "BROKER_CONNECT_TIMEOUT_MS": "0"}, "BROKER_CONNECT_TIMEOUT_MS", "at least 1"),
        ({"DEBUG": "1", "EMAIL_TIMEOUT_SECONDS": "0"}, "EMAIL_TIMEOUT_SECONDS", "at least 1"),
        ({"DEBUG": "1", "OUTBOX_LEASE_MARGIN_SECONDS": "soon"}, "OUTBOX_LEASE_MARGIN_SECONDS", "whole number"),
        ({"DEBUG": "1", "DATABASE_REPLICA_URL": "postgres://reader@replica/balagh"}, "DATABASE_REPLICA_URL", "PostgreSQL"),
        (
            {"DEBUG": "1", "DATABASE_URL": "postgres://u@db/balagh", "DATABASE_REPLICA_URL": "sqlite:///x.sqlite3"},
            "DATABASE_REPLICA_URL",
            "postgres://",
        ),
        ({"DEBUG": "1", "DATABASE_POOL_MAX_SIZE": "4"}, "DATABASE_POOL_MAX_SIZE", "PostgreSQL"),
        ({"DEBUG": "1", "DATABASE_POOL_MAX_SIZE": "many"}, "DATABASE_POOL_MAX_SIZE", "whole number"),
    ],
    ids=[
        "no secret key in production",
        "empty secret key",
        "no allowed hosts in production",
        "debug not a boolean",
        "mysql database",
        "postgres without a database name",
        "redis url over http",
        "redis url without host",
        "max photos not a number",
        "max photos negative",
        "reopen days not a number",
        "tls not a boolean",
        "no tracking attempts at all",
        "grade limits lowest first",
        "one grade limit",
        "broker connect timeout zero",
        "e-mail timeout zero",
        "lease margin not a number",
        "replica of a sqlite database",
        "replica on sqlite",
        "pool on sqlite",
        "pool size not a number",
    ],
)
def test_bad_environment_stops_start_up_naming_the_variable(tmp_path, variables, named, hint):
    result = start(tmp_path, **variables)
    assert result.returncode != 0
    message = last_line(result)
    # SettingError is an ImproperlyConfigured that manage.py can also print as one translated line.
    assert message.startswith(("django.core.exceptions.ImproperlyConfigured", "municipality.env.SettingError")), result.stderr[
        -2000:
    ]
    assert named in message and hint in message, message


def test_a_database_password_is_never_echoed(tmp_path):
    result = start(tmp_path, **PRODUCTION, DATABASE_URL="mysql://balagh:Sup3rS3cret@db/balagh")
    assert result.returncode != 0
    assert "DATABASE_URL" in last_line(result)
    assert "Sup3rS3cret" not in result.stderr


def test_a_replica_and_a_pool_on_postgresql_are_configured_at_start_up(tmp_path):
    code = (
        "import municipality.settings as s; d = s.DATABASES; "
        "print(s.BALAGH_READ_REPLICA, d['replica']['HOST'], d['default']['CONN_MAX_AGE'], d['replica']['OPTIONS']['pool']['max_size'], "
        "d['default']['DISABLE_SERVER_SIDE_CURSORS'], d['replica']['DISABLE_SERVER_SIDE_CURSORS'], "
        "d['default']['OPTIONS'].get('prepare_threshold'))"
    )
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(
        BALAGH_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
        BALAGH_ENV_FILE="",
        DEBUG="1",
        DATABASE_URL="postgres://balagh@primary:5432/balagh",
        DATABASE_REPLICA_URL="postgres://balagh@standby:5432/balagh",
        DATABASE_POOL_MAX_SIZE="8",
        DATABASE_TRANSACTION_POOLING="1",
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    # Through PgBouncer in transaction mode nothing is prepared (municipality.db); straight to PostgreSQL it is.
    assert result.stdout.split() == ["replica", "standby", "0", "8", "True", "True", "None"]
    env["DATABASE_TRANSACTION_POOLING"] = "0"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["replica", "standby", "0", "8", "False", "False", "2"], result.stderr[-2000:]


def test_settings_load_with_the_settings_module_alone(tmp_path):
    """The module itself imports cleanly with a minimal production environment and with DEBUG=1."""
    code = "import municipality.settings as s; print(s.DEBUG, s.CELERY_BROKER_URL.split(':')[0])"
    for variables, expected in (
        (PRODUCTION, "False filesystem"),
        ({"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/2"}, "True redis"),
    ):
        env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
        env.update(BALAGH_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT), BALAGH_ENV_FILE="", **variables)
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == expected


def test_grade_thresholds_from_the_environment(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(DEBUG="1", BALAGH_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT), BALAGH_KPI_GRADE_THRESHOLDS="sla_pct=95/85/70")
    code = "import municipality.settings as s; print(s.BALAGH_KPI_GRADE_THRESHOLDS)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "{'sla_pct': (95, 85, 70)}", result.stderr[-2000:]
