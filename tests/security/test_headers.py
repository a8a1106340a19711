"""Security headers, seen by a browser: CSP with no inline script on citizen and staff pages, HSTS, policies."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from municipality.models import Role
from notifications.models import MessageTemplate, Outbox
from routing.tokens import follow_token
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, submit
from tests.municipality.test_settings_env import ROOT, SETTINGS_VARIABLES

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=\"", re.I)
PRODUCTION = {
    "SECRET_KEY": "k3y-Th1s-is-a-long-random-production-secret-9f8e7d6c5b4a",
    "ALLOWED_HOSTS": "balagh.example.gov.sa",
    "BALAGH_ENV_FILE": "",  # a checkout's development .env (DEBUG=1) is not production
}


@pytest.fixture
def report():
    DistrictFactory()
    return submit(CategoryFactory(default_department=DepartmentFactory(code="roads")))


def pages(client, report):
    citizen = [
        "/",
        "/track/",
        reverse("citizen:track", args=[report.token]),
        reverse("routing:follow", args=[follow_token(report)]),
        reverse("citizen:my_reports"),
    ]
    for url in citizen:
        yield url, client.get(url)
    # "My reports" after its code: the list itself.
    client.post(reverse("citizen:my_reports"), {"phone": "0501234567"})
    code = Outbox.objects.filter(template=MessageTemplate.Code.PHONE_CODE).latest("pk").context["code"]
    client.post(reverse("citizen:my_reports_code"), {"code": code})
    yield "my reports", client.get(reverse("citizen:my_reports_list"))
    client.force_login(make_user("admin1", Role.ADMIN))
    officer = make_user("roads1", Role.OFFICER, department=report.department)
    staff = [
        "/admin/",
        "/admin/complaints/complaint/",
        reverse("admin:complaints_complaint_change", args=[report.pk]),
        reverse("admin:complaints_complaint_add"),
        reverse("admin:municipality_district_change", args=[report.district_id]),
        reverse("admin:routing_routingrule_changelist"),
        reverse("admin:municipality_department_history", args=[report.department_id]),
        reverse("admin:auth_user_history", args=[officer.pk]),  # with the role history
        reverse("admin:complaints_contactread_changelist"),
        "/reports/",
        "/reports/overdue/",
        "/api/docs/",
    ]
    for url in staff:
        yield url, client.get(url)


def test_citizen_and_staff_pages_have_a_csp_and_no_inline_script(client, report):
    for url, response in pages(client, report):
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not INLINE_HANDLER.search(html), (url, INLINE_HANDLER.search(html).group(0))


def test_only_the_report_form_may_ask_for_the_location(client, report):
    form = client.get("/")
    assert "geolocation=(self)" in form["Permissions-Policy"]
    for url in ("/track/", reverse("citizen:track", args=[report.token]), "/api/v1/categories/"):
        response = client.get(url)
        assert "geolocation=()" in response["Permissions-Policy"] and "camera=()" in response["Permissions-Policy"], url
    assert client.get("/track/")["Referrer-Policy"] == "same-origin"  # tracking links carry secret tokens


def run_production(code: str, **variables) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES and not key.startswith("SECURE_")}
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    env.update(DJANGO_SETTINGS_MODULE="municipality.settings", PYTHONPATH=str(ROOT), **PRODUCTION, **variables)
    env.setdefault("BALAGH_ENV_FILE", "")  # not the .env `make run` leaves in a checkout (it says DEBUG=1)
    return subprocess.run([sys.executable, *code.split("\0")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run_production("manage.py\0check\0--deploy", BALAGH_VAR_DIR=str(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Every deployment check (Django's security.*, django-axes, django-otp, django-csp) is clean;
    # the API schema generator's warnings about views it cannot document are not about deployment.
    issues = [line for line in output.splitlines() if line.startswith("?: (") and "(drf_spectacular." not in line]
    assert issues == [], output


def test_hsts_and_the_https_redirect_come_from_the_environment(tmp_path):
    show = "-c\0import django; django.setup(); from django.conf import settings as s; " + (
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    assert run_production(show, BALAGH_VAR_DIR=str(tmp_path)).stdout.split() == ["True", "31536000", "True"]
    custom = run_production(show, BALAGH_VAR_DIR=str(tmp_path), SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="600")
    assert custom.stdout.split() == ["False", "600", "True"]
    bad = run_production(show, BALAGH_VAR_DIR=str(tmp_path), SECURE_HSTS_SECONDS="a year")
    assert bad.returncode != 0 and "SECURE_HSTS_SECONDS" in bad.stderr
