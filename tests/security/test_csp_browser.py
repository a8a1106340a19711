"""In real Chromium, under the Content Security Policy: the pages work and the browser reports no violation."""

from __future__ import annotations

import pytest

from municipality.models import Role
from tests.browser import js_errors, open_page
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, submit

pytestmark = pytest.mark.browser


def test_citizen_and_staff_pages_run_under_the_policy(live_server, transactional_db):

    DistrictFactory()
    report = submit(CategoryFactory(default_department=DepartmentFactory(code="roads")))
    make_user("csp-admin", Role.ADMIN, password="a-Long-pass-1234")
    with open_page(live_server, locale="ar-SA", viewport=(1280, 900)) as page:
        violations: list[str] = []
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.goto(live_server.url + "/")
        assert page.evaluate("document.documentElement.classList.contains('js')")  # the external has-js script ran
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "csp-admin")
        page.fill("#id_password", "a-Long-pass-1234")
        page.locator("input[type=submit]").click()
        page.wait_for_url("**/admin/")
        page.goto(f"{live_server.url}/admin/complaints/complaint/{report.pk}/change/")
        page.locator("#complaint-map.leaflet-container").wait_for(state="attached")
        assert page.locator("#complaint-map .leaflet-marker-icon").count() == 1
        page.goto(live_server.url + "/reports/")
        page.locator("#rp-hotspot-map.leaflet-container").wait_for(state="attached")
        assert violations == [] and js_errors(page) == []
