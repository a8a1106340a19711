"""Staff sign-in tried by an attacker: password guessing locks out, and powerful roles need a second factor."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from municipality.models import RecoveryDevice, Role
from tests.factories import DepartmentFactory, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "the-Right-password-2026"


@pytest.fixture(autouse=True)
def _language():
    with translation.override("ar"):
        yield


def attempt(client, username, password, address="198.51.100.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(settings):
    settings.AXES_FAILURE_LIMIT = 5
    make_user("roads", Role.OFFICER, department=DepartmentFactory(), password=PASSWORD)
    client = Client()
    statuses = [attempt(client, "roads", f"guess-{i}", address=f"198.51.100.{i}").status_code for i in range(30)]
    assert statuses[:4] == [200] * 4 and set(statuses[5:]) == {429}
    response = attempt(client, "roads", PASSWORD, address="203.0.113.50")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "كلمات مرور خاطئة" in response.content.decode()


def test_one_address_trying_many_names_is_locked_out(settings):
    settings.AXES_FAILURE_LIMIT = 5
    make_user("cleaning", Role.OFFICER, department=DepartmentFactory(), password=PASSWORD)
    client = Client()
    for i in range(5):
        attempt(client, f"user{i}", "x", address="198.51.100.77")
    assert attempt(client, "cleaning", PASSWORD, address="198.51.100.77").status_code == 429
    # A forged X-Forwarded-For is not a new address.
    response = client.post(
        LOGIN, {"username": "cleaning", "password": PASSWORD}, REMOTE_ADDR="198.51.100.77", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert response.status_code == 429


def test_an_administrator_unlocks_an_account(settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("roads", Role.OFFICER, department=DepartmentFactory(), password=PASSWORD)
    for i in range(3):
        attempt(Client(), "roads", "wrong", address=f"198.51.100.{i}")
    assert attempt(Client(), "roads", PASSWORD).status_code == 429
    admin_client = Client()
    admin_client.force_login(make_user("admin1", Role.ADMIN))
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "roads" in listing.content.decode()
    ids = list(AccessAttempt.objects.filter(username="roads").values_list("pk", flat=True))
    admin_client.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert not AccessAttempt.objects.filter(username="roads").exists()
    assert attempt(Client(), "roads", PASSWORD, address="203.0.113.9").status_code == 302
    other = Client()
    other.force_login(make_user("committee", Role.COMMITTEE))
    assert other.get("/admin/axes/accessattempt/").status_code == 403


def wait_out_the_device_throttle():
    """django-otp slows a device after each wrong code (1 s, 2 s, 4 s…); the test does not wait."""
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    RecoveryDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)


def sign_in(username: str) -> Client:
    client = Client()
    assert attempt(client, username, PASSWORD, address="203.0.113.20").status_code == 302
    return client


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COMMITTEE, Role.MAYOR, Role.HEAD])
def test_powerful_roles_must_set_up_and_use_a_second_factor(settings, role):
    settings.BALAGH_2FA_REQUIRED = True
    department = DepartmentFactory() if role == Role.HEAD else None
    user = make_user(f"u-{role}", role, department=department, password=PASSWORD)
    client = sign_in(user.username)
    # With the password alone nothing is reachable but the two-factor pages.
    for url in ("/admin/", "/admin/complaints/complaint/", "/reports/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/2fa/verify/"), url
    setup = client.get("/account/2fa/verify/?next=/admin/", follow=True)
    assert "<svg" in setup.content.decode()  # the QR code to scan
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    assert client.post("/account/2fa/setup/", {"code": wrong}).status_code == 400
    wait_out_the_device_throttle()
    response = client.post("/account/2fa/setup/", {"code": f"{totp(device.bin_key):06d}", "next": "/admin/"})
    assert response.status_code == 200, response.content.decode()[-3000:]
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    # Past the second factor the role's own start page opens (the committee and the mayor land on the dashboard).
    assert client.get("/admin/", follow=True).status_code == 200
    assert client.get("/reports/").status_code == 200
    # Next time: password, then a code; a recovery code works once.
    later = sign_in(user.username)
    assert later.get("/admin/").status_code == 302
    assert later.post("/account/2fa/verify/", {"code": wrong, "next": "/admin/"}).status_code == 400
    wait_out_the_device_throttle()
    assert later.post("/account/2fa/verify/", {"code": codes[0], "next": "/admin/"}).status_code == 302
    assert later.get("/reports/").status_code == 200
    again = sign_in(user.username)
    assert again.post("/account/2fa/verify/", {"code": codes[0]}).status_code == 400


def test_other_roles_and_the_demo_setting_need_no_second_factor(settings):
    settings.BALAGH_2FA_REQUIRED = True
    make_user("roads", Role.OFFICER, department=DepartmentFactory(), password=PASSWORD)
    assert sign_in("roads").get("/admin/").status_code == 200
    settings.BALAGH_2FA_REQUIRED = False
    make_user("committee", Role.COMMITTEE, password=PASSWORD)
    assert sign_in("committee").get("/reports/").status_code == 200


def test_guessing_codes_is_limited(settings):
    settings.BALAGH_2FA_REQUIRED = True
    user = make_user("mayor", Role.MAYOR, password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = sign_in("mayor")
    for i in range(10):
        client.post("/account/2fa/verify/", {"code": f"{i:06d}"})
    wait_out_the_device_throttle()
    response = client.post("/account/2fa/verify/", {"code": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 400 and client.get("/admin/").status_code == 302
