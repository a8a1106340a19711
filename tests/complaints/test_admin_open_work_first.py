"""An officer's list opens on open work; one click shows everything, closed too."""

from __future__ import annotations

import pytest

from complaints import services
from complaints.workflow import ClosureReason
from municipality.models import Role
from tests.browser import js_errors, log_in, open_page
from tests.factories import CategoryFactory, make_user, submit

pytestmark = pytest.mark.django_db
LIST = "/admin/complaints/complaint/"


@pytest.fixture
def reports():
    category = CategoryFactory(name_ar="حفرة", name_en="Pothole")
    officer = make_user("roads", Role.OFFICER, department=category.default_department)
    still_open = submit(category)
    done = submit(category)
    services.complaint_close(complaint=done, actor=officer, reason=ClosureReason.DUPLICATE, note="مكرر")
    return officer, still_open, done


def test_the_officers_list_opens_on_open_work(client, reports):
    officer, still_open, done = reports
    client.force_login(officer)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"] == f"{LIST}?due=open"
    page = client.get(response["Location"]).content.decode()
    assert still_open.tracking_number in page and done.tracking_number not in page
    everything = client.get(f"{LIST}?due=all").content.decode()
    assert still_open.tracking_number in everything and done.tracking_number in everything


def test_the_committee_still_opens_on_everything(client, reports):
    _officer, _open, done = reports
    client.force_login(make_user("chair", Role.COMMITTEE))
    response = client.get(LIST)
    assert response.status_code == 200 and done.tracking_number in response.content.decode()


@pytest.mark.browser
def test_one_click_shows_all_reports(live_server, transactional_db, reports):
    officer, still_open, done = reports
    with open_page(live_server, locale="ar", viewport=(1280, 900)) as page:
        log_in(page, live_server, officer)
        page.goto(live_server.url + LIST)
        assert page.url.endswith("?due=open")
        assert page.get_by_role("link", name=still_open.tracking_number).is_visible()
        assert page.get_by_role("link", name=done.tracking_number).count() == 0
        page.get_by_role("link", name="اعرض كل البلاغات، والمغلقة أيضًا").click()
        page.get_by_role("link", name=done.tracking_number).wait_for()
        assert js_errors(page) == []
