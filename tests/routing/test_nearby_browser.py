"""In real Chromium: the citizen form shows an open report of the same type near the pin, and the citizen follows it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("BALAGH_SCREENSHOTS", "/tmp"))

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(live_server):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(locale="ar-SA", viewport={"width": 412, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url) else route.abort())
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        yield page
        context.close()
        browser.close()


def test_the_form_offers_to_follow_a_nearby_report(page, live_server, transactional_db):
    from routing.models import Follower
    from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory, submit

    department = DepartmentFactory(code="roads", name_ar="إدارة الطرق")
    DistrictFactory(code="centre")
    roads = MainCategoryFactory(code="roads", name_ar="الطرق والأرصفة")
    pothole = CategoryFactory(code="pothole", parent=roads, name_ar="حفرة في الطريق", default_department=department)
    existing = submit(pothole, lat=18.30, lon=42.73, phone="0501111111", description="حفرة عميقة أمام المسجد الكبير")

    page.goto(live_server.url + "/")
    page.get_by_text("الطرق والأرصفة", exact=True).click()
    page.get_by_text("حفرة في الطريق").click()
    map_box = page.locator("#report-map")
    map_box.wait_for(state="visible")
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    nearby = page.locator("[data-nearby]")
    nearby.wait_for(state="visible")
    assert "حفرة عميقة أمام المسجد الكبير" in nearby.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "routing-nearby-form.png"), full_page=True)

    nearby.get_by_role("link").first.click()
    page.locator("#id_phone").fill("0552222222")
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_selector(".done")
    page.screenshot(path=str(SCREENSHOTS / "routing-follow-done.png"), full_page=True)
    assert Follower.objects.filter(complaint=existing, phone="+966552222222").exists()
    assert page.js_errors == []
