"""Recovery codes for two-factor sign-in, tried by someone holding a copy of the database or a used code."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from municipality.models import RecoveryCode, RecoveryDevice, Role, recovery_code_hash
from municipality.two_factor import recovery_codes_issue
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "the-Right-password-2026"
VERIFY = "/account/2fa/verify/"
CODES = "/account/2fa/recovery-codes/"


@pytest.fixture
def mayor(settings):
    settings.BALAGH_2FA_REQUIRED = True
    user = make_user("mayor", Role.MAYOR, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user


def signed_in(username="mayor") -> Client:
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 302
    return client


def verified_with(code: str) -> bool:
    RecoveryDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    client = signed_in()
    ok = client.post(VERIFY, {"code": code, "next": "/admin/"}).status_code == 302
    return ok and client.get("/reports/").status_code == 200


def test_codes_are_kept_only_as_hashes_and_a_stolen_hash_signs_nobody_in(mayor):
    codes = recovery_codes_issue(user=mayor)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(code in value for code in codes for value in stored)
    # A copy of the table is no use: the stored value is not a code.
    assert not verified_with(stored[0])
    assert RecoveryCode.objects.count() == 10
    assert verified_with(codes[0].upper())  # typed in capitals, still the code


def test_a_code_works_once(mayor):
    codes = recovery_codes_issue(user=mayor)
    assert verified_with(codes[3])
    assert not verified_with(codes[3])
    assert RecoveryCode.objects.count() == 9 and verified_with(codes[4])


def test_new_codes_replace_the_old_ones_and_only_after_a_second_factor(mayor):
    old = recovery_codes_issue(user=mayor)
    # Password only: the page sends to the code page, and nothing is replaced.
    password_only = signed_in()
    assert password_only.get(CODES)["Location"].startswith(VERIFY)
    assert password_only.post(CODES).status_code == 302 and RecoveryCode.objects.count() == 10
    client = signed_in()
    RecoveryDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert client.post(VERIFY, {"code": old[0], "next": "/admin/"}).status_code == 302
    assert 'data-codes-left="9"' in client.get(CODES).content.decode()
    assert CODES in client.get("/reports/").content.decode()  # linked from the staff header
    page = client.post(CODES).content.decode()
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert not verified_with(old[1])
    assert verified_with(new[0])


def test_plain_codes_left_by_django_otps_static_plugin_are_hashed_and_their_tables_dropped(mayor):
    migration = importlib.import_module("municipality.migrations.0004_recovery_codes_kept_hashed")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE otp_static_staticdevice (id integer PRIMARY KEY, user_id integer, name varchar(64))")
        cursor.execute("CREATE TABLE otp_static_statictoken (id integer PRIMARY KEY, device_id integer, token varchar(16))")
        cursor.execute("INSERT INTO otp_static_staticdevice VALUES (1, %s, 'recovery')", [mayor.pk])
        cursor.execute("INSERT INTO otp_static_statictoken VALUES (1, 1, 'abcdefgh'), (2, 1, 'ijklmnop')")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('otp_static', '0001_initial', CURRENT_TIMESTAMP)"
        )
    migration.hash_plain_codes(apps, SimpleNamespace(connection=connection))  # what the migration's RunPython is given
    tables = connection.introspection.table_names()
    assert "otp_static_statictoken" not in tables and "otp_static_staticdevice" not in tables
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'otp_static'")
        assert cursor.fetchone()[0] == 0
    assert set(RecoveryCode.objects.values_list("code_hash", flat=True)) == {
        recovery_code_hash("abcdefgh"),
        recovery_code_hash("ijklmnop"),
    }
    assert verified_with("abcdefgh") and not verified_with("abcdefgh")
