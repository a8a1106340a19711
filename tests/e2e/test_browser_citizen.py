"""A citizen walks the report form in real Chromium, from the type cards to a tracking number."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from complaints.models import Complaint
from tests.browser import SCREENSHOTS, js_errors, open_page
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server):
    # The browser asks for English (en-US): the citizen pages still open in Arabic.
    with open_page(live_server, locale="en-US") as page:
        yield page


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "pothole.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 110, 100)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_citizen_files_a_report_and_gets_its_tracking_number(page, live_server, transactional_db, photo):

    department = DepartmentFactory(code="roads", name_ar="إدارة الطرق", name_en="Roads department")
    DistrictFactory(code="centre", name_ar="حي المركز", name_en="Centre")
    roads = MainCategoryFactory(code="roads", name_ar="الطرق والأرصفة", name_en="Roads", icon="🛣️")
    MainCategoryFactory(code="lighting", name_ar="الإنارة", name_en="Lighting", icon="💡")
    CategoryFactory(code="pothole", parent=roads, name_ar="حفرة في الطريق", name_en="Pothole", default_department=department)
    CategoryFactory(
        code="sidewalk", parent=roads, name_ar="رصيف متضرر", name_en="Damaged sidewalk", default_department=department
    )

    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.screenshot(path=str(SCREENSHOTS / "citizen-1-types.png"), full_page=True)

    # 1. main type → 2. sub-type (each choice moves on by itself)
    page.locator("#step-type").get_by_text("الطرق والأرصفة", exact=True).click()
    assert page.locator("#step-subtype").is_visible()
    assert page.get_by_text("حفرة في الطريق").is_visible()
    page.get_by_text("حفرة في الطريق").click()

    # 3. the pin: a click in the middle of the map (the district covers it)
    map_box = page.locator("#report-map")
    map_box.wait_for(state="visible")
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    page.screenshot(path=str(SCREENSHOTS / "citizen-2-map.png"), full_page=True)
    page.locator("#step-location [data-next]").click()

    # 4. description and a photo
    page.locator("#id_description").fill("حفرة عميقة في منتصف الطريق أمام المسجد")
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("#step-details [data-next]").click()

    # 5. contact, then review: a wrong mobile first
    page.locator("#id_reporter_name").fill("محمد الشهري")
    page.locator("#id_reporter_phone").fill("12345")
    page.locator('button[name="review"]').click()

    # The form comes back on the contact step with the error; nothing typed or uploaded is lost.
    page.wait_for_selector("[data-form-has-errors]")
    assert page.locator("#step-contact").is_visible()
    assert "ليس رقم جوال صحيحًا" in page.locator("#step-contact .field-errors").inner_text()
    assert page.locator("#id_reporter_name").input_value() == "محمد الشهري"
    assert page.locator("#id_description").input_value() == "حفرة عميقة في منتصف الطريق أمام المسجد"
    assert page.locator(".photo-list.kept img").count() == 1
    page.wait_for_timeout(300)  # let the step fade in
    page.screenshot(path=str(SCREENSHOTS / "citizen-3-contact-error.png"), full_page=True)
    page.locator("#id_reporter_phone").fill("0501234567")
    page.locator('button[name="review"]').click()

    # The confirm page shows everything; nothing is saved yet.
    page.wait_for_selector("[data-confirm-form]")
    assert page.get_by_text("حفرة عميقة في منتصف الطريق أمام المسجد").is_visible()
    assert page.get_by_text("+966501234567").is_visible()
    assert Complaint.objects.count() == 0
    page.screenshot(path=str(SCREENSHOTS / "citizen-4-confirm.png"), full_page=True)
    page.locator('button[name="submit"]').click()

    # The done page: the number shown is the one in the database.
    number = page.locator("[data-tracking-number]")
    number.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "citizen-5-done.png"), full_page=True)
    complaint = Complaint.objects.get()
    assert number.inner_text().strip() == complaint.tracking_number
    assert complaint.category.code == "pothole"
    assert complaint.reporter_phone == "+966501234567"
    assert complaint.district is not None and complaint.attachments.count() == 1
    assert 18.27 < complaint.lat < 18.33 and 42.70 < complaint.lon < 42.76

    # And the tracking page opens from there.
    page.get_by_role("link", name="متابعة البلاغ").click()
    page.wait_for_selector(".timeline")
    page.screenshot(path=str(SCREENSHOTS / "citizen-6-track.png"), full_page=True)
    assert complaint.tracking_number in page.content()
    assert js_errors(page) == []
