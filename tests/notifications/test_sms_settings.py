"""A bad SMS configuration stops start-up with a message that names the variable."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "OUTBOX_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="municipality.settings", DEBUG="1", BALAGH_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT), **variables
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_http_gateway_needs_its_url(tmp_path):
    result = start(tmp_path, SMS_BACKEND="http")
    assert result.returncode != 0 and "SMS_HTTP_URL" in result.stderr


def test_an_unknown_backend_is_refused(tmp_path):
    result = start(tmp_path, SMS_BACKEND="carrier-pigeon")
    assert result.returncode != 0 and "SMS_BACKEND" in result.stderr


def test_a_bad_timeout_is_refused(tmp_path):
    result = start(tmp_path, SMS_BACKEND="http", SMS_HTTP_URL="https://sms.example.com/send", SMS_HTTP_TIMEOUT_MS="soon")
    assert result.returncode != 0 and "SMS_HTTP_TIMEOUT_MS" in result.stderr


def test_a_good_gateway_configuration_starts(tmp_path):
    result = start(
        tmp_path,
        SMS_BACKEND="http",
        SMS_HTTP_URL="https://sms.example.com/send",
        SMS_HTTP_AUTH_HEADER="Authorization: Bearer x",
        SMS_HTTP_TIMEOUT_MS="3000",
    )
    assert result.returncode == 0, result.stderr
