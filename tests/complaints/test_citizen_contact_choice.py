"""Going without contact details is an explicit choice, and such a citizen is told how to follow the report."""

from __future__ import annotations

import pytest

from complaints.models import Complaint
from tests.browser import js_errors, open_page
from tests.complaints.test_citizen_form import START, confirm_payload, errors_of, form_data, review
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_category():
    return CategoryFactory(allow_anonymous=True, name_ar="كتابة على الجدران", name_en="Graffiti")


def file_report(client, data):
    payload = confirm_payload(review(client, data))
    return client.post(START, {"payload": payload, "submit": "1"}, follow=True)


def test_an_empty_mobile_is_not_taken_as_a_choice(client, open_category):
    response = review(client, form_data(open_category, reporter_phone="", reporter_name="", is_anonymous="false"))
    assert response.status_code == 400
    assert "بدون بيانات تواصل" in " ".join(errors_of(response)["reporter_phone"])
    assert not Complaint.objects.exists()


def test_without_contact_details_the_done_page_gives_the_link_and_its_qr_code(client, open_category):
    page = file_report(client, form_data(open_category, reporter_phone="", reporter_name="", is_anonymous="true"))
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous and complaint.reporter_phone == ""
    html = page.content.decode()
    assert "احتفظ بهذا الرابط" in html
    assert f'value="http://testserver/track/{complaint.token}/"' in html
    assert '<svg role="img"' in html and "qr-code" in html
    assert "برقم جوالك" not in html.split("follow-link", 1)[1].split("</section>", 1)[0]


def test_with_a_mobile_the_done_page_speaks_of_the_number_and_sms(client, open_category):
    html = file_report(client, form_data(open_category, is_anonymous="false")).content.decode()
    assert "follow-link" not in html and "رسائل نصية" in html


@pytest.mark.browser
def test_a_citizen_chooses_no_contact_details_and_keeps_the_link(live_server, transactional_db):

    DistrictFactory()
    main = MainCategoryFactory(name_ar="التشوه البصري", name_en="Visual pollution")
    CategoryFactory(
        parent=main, name_ar="كتابة على الجدران", name_en="Graffiti", allow_anonymous=True, default_department=DepartmentFactory()
    )
    with open_page(live_server, locale="ar", viewport=(390, 844)) as page:
        page.goto(live_server.url + "/")
        page.locator("#step-type").get_by_text("التشوه البصري", exact=True).click()
        page.get_by_text("كتابة على الجدران").click()
        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("document.getElementById('id_lat').value !== ''")
        page.locator("[data-step='3'] [data-next]").click()
        page.locator("#id_description").fill("كتابة مسيئة على جدار المدرسة الابتدائية")
        page.locator("[data-step='4'] [data-next]").click()
        mobile = page.get_by_label("برقم جوالي")
        assert mobile.is_checked()  # the default asks for a number; going without is chosen, never assumed
        page.get_by_label("بدون بيانات تواصل").check()
        assert page.locator("[data-contact-fields]").is_hidden()
        page.get_by_role("button", name="مراجعة البلاغ").click()
        page.locator("[data-confirm-form] button[name=submit]").click()
        page.get_by_role("heading", name="احتفظ بهذا الرابط: إنه الطريقة الوحيدة لمتابعة بلاغك").wait_for()
        complaint = Complaint.objects.get()
        assert page.locator("#follow-url").input_value().endswith(f"/track/{complaint.token}/")
        assert page.get_by_role("img", name="رمز QR لرابط بلاغك").is_visible()
        assert js_errors(page) == []
