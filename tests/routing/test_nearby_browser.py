"""In real Chromium: the citizen form shows an open report of the same type near the pin, and the citizen follows it."""

from __future__ import annotations

import json
import re

import pytest

from routing.models import Follower
from tests.browser import SCREENSHOTS, js_errors, open_page
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory, submit

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server):
    with open_page(live_server, locale="ar-SA") as page:
        yield page


def test_the_form_offers_to_follow_a_nearby_report(page, live_server, transactional_db, settings, tmp_path):

    settings.BALAGH_SMS_BACKEND = "notifications.backends.FileSMSBackend"
    settings.BALAGH_SMS_FILE = str(tmp_path / "sms.log")

    department = DepartmentFactory(code="roads", name_ar="إدارة الطرق")
    DistrictFactory(code="centre")
    roads = MainCategoryFactory(code="roads", name_ar="الطرق والأرصفة")
    pothole = CategoryFactory(code="pothole", parent=roads, name_ar="حفرة في الطريق", default_department=department)
    existing = submit(pothole, lat=18.30, lon=42.73, phone="0501111111", description="حفرة عميقة أمام المسجد الكبير")

    page.goto(live_server.url + "/")
    page.locator("#step-type").get_by_text("الطرق والأرصفة", exact=True).click()
    page.get_by_text("حفرة في الطريق").click()
    map_box = page.locator("#report-map")
    map_box.wait_for(state="visible")
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    nearby = page.locator("[data-nearby]")
    nearby.wait_for(state="visible")
    text = nearby.inner_text()
    assert "حفرة في الطريق" in text and "حفرة عميقة أمام المسجد الكبير" not in text and existing.tracking_number not in text
    page.screenshot(path=str(SCREENSHOTS / "routing-nearby-form.png"), full_page=True)

    nearby.get_by_role("link").first.click()
    page.locator("#id_phone").fill("0552222222")
    page.locator("form.report-form button[type=submit]").click()
    page.locator("#id_code").wait_for(state="visible")
    [sms] = [json.loads(line) for line in (tmp_path / "sms.log").read_text().splitlines() if "+966552222222" in line]
    code = re.search(r"\d{6}", sms["body"]).group(0)
    page.locator("#id_code").fill(code)
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_selector(".done")
    page.screenshot(path=str(SCREENSHOTS / "routing-follow-done.png"), full_page=True)
    assert Follower.objects.filter(complaint=existing, phone="+966552222222").exists()
    assert js_errors(page) == []


def test_the_nearby_box_speaks_the_pages_language_not_the_browsers(live_server, transactional_db):

    department = DepartmentFactory(code="roads", name_ar="إدارة الطرق", name_en="Roads department")
    DistrictFactory(code="centre")
    roads = MainCategoryFactory(code="roads", name_ar="الطرق والأرصفة", name_en="Roads")
    pothole = CategoryFactory(
        code="pothole", parent=roads, name_ar="حفرة في الطريق", name_en="Pothole", default_department=department
    )
    submit(pothole, lat=18.30, lon=42.73, phone="0501111111", description="حفرة عميقة أمام المسجد الكبير")
    with open_page(live_server, locale="ar-SA") as page:  # an Arabic browser reading the English page
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto(live_server.url + "/")
        page.locator("#step-type").get_by_text("Roads", exact=True).click()
        page.get_by_text("Pothole").first.click()
        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        nearby = page.locator("[data-nearby]")
        nearby.wait_for(state="visible")
        head = nearby.locator("li").first.inner_text()
        assert "Pothole" in head and "حفرة في الطريق" not in head
        assert js_errors(page) == []
