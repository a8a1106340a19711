"""Photos: too many are refused in the browser, errors follow the selection, and the step bar marks steps with errors."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser import js_errors, open_page
from tests.factories import CategoryFactory, DistrictFactory, MainCategoryFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def pictures(tmp_path):
    paths = []
    for i in range(6):
        path = tmp_path / f"p{i}.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (10 * i, 100, 100)).save(buffer, format="JPEG")
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


def test_more_photos_than_allowed_are_refused_before_sending(live_server, transactional_db, pictures, settings):

    settings.BALAGH_MAX_PHOTOS = 4
    DistrictFactory()
    CategoryFactory(parent=MainCategoryFactory(name_ar="الطرق", name_en="Roads"), name_ar="حفرة", name_en="Pothole")
    with open_page(live_server, locale="ar", viewport=(390, 844)) as page:
        page.goto(live_server.url + "/")
        page.locator("#step-type").get_by_text("الطرق", exact=True).click()
        page.get_by_text("حفرة").first.click()
        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("document.getElementById('id_lat').value !== ''")
        page.locator("[data-step='3'] [data-next]").click()

        # The step bar marks the step whose check failed, and clears it once it passes.
        page.locator("[data-step='4'] [data-next]").click()
        assert "has-error" in page.locator("[data-stepper] li[data-goto='4']").get_attribute("class")
        page.locator("#id_description").fill("حفرة عميقة أمام المسجد تعيق السير")

        page.locator("#id_photos").set_input_files(pictures[:6])
        warning = page.locator("[data-photo-warning]")
        assert warning.is_visible() and "4" in warning.inner_text()
        assert page.evaluate("document.getElementById('id_photos').files.length") == 0  # refused, nothing kept
        assert page.locator("[data-previews] li").count() == 0

        page.locator("#id_photos").set_input_files(pictures[:2])  # a new selection: the error goes
        assert warning.is_hidden()
        assert page.locator("[data-previews] li").count() == 2
        page.locator("[data-step='4'] [data-next]").click()
        assert "has-error" not in (page.locator("[data-stepper] li[data-goto='4']").get_attribute("class") or "")
        assert page.locator("#step-contact").is_visible()
        assert js_errors(page) == []
