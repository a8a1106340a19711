"""After rating, the tracking page thanks the citizen and stops asking them to confirm the fix."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints import services
from municipality.models import Role
from tests.browser import js_errors, open_page
from tests.complaints.test_citizen_tracking import _fresh_rate_limit, complaint, officer, resolved  # noqa: F401
from tests.factories import CategoryFactory, make_user, submit

pytestmark = pytest.mark.django_db

ASKING = "نرجو أن تؤكد لنا ذلك"


def test_before_rating_the_page_asks_and_after_it_thanks(client, complaint, officer):  # noqa: F811
    resolved(complaint, officer)
    url = reverse("citizen:track", args=[complaint.token])
    before = client.get(url).content.decode()
    assert ASKING in before and 'id="rate"' in before
    response = client.post(url, {"action": "rate", "rate-rating": "4"}, follow=True)
    after = response.content.decode()
    assert ASKING not in after
    assert 'id="rate"' not in after and "data-rated" in after
    assert "شكرًا لتقييمك" in after
    assert "يُغلق البلاغ تلقائيًا" in after  # what the workflow does next
    assert 'id="reopen"' in after  # the problem may still come back within the window


@pytest.mark.browser
def test_in_chromium_the_rating_turns_into_thanks(live_server, transactional_db):

    report = submit(CategoryFactory(name_ar="إنارة معطلة", name_en="Broken light"), phone="0501234567")
    worker = make_user("k.otaibi", Role.OFFICER, department=report.department)
    services.complaint_start(complaint=report, actor=worker)
    services.complaint_resolve(complaint=report, actor=worker, note="تم إصلاح الإنارة", photo=None)
    with open_page(live_server, locale="ar", viewport=(390, 844)) as page:
        page.goto(live_server.url + reverse("citizen:track", args=[report.token]))
        page.locator("label[for=star-5]").click()
        page.get_by_role("button", name="إرسال التقييم").click()
        page.locator("[data-rated]").wait_for()
        assert ASKING not in page.locator("main").inner_text()
        assert page.get_by_role("heading", name="شكرًا لتقييمك").is_visible()
        assert js_errors(page) == []


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ar", "en"])
def test_on_a_phone_the_status_steps_do_not_run_together(live_server, transactional_db, language):

    report = submit(CategoryFactory())
    with open_page(live_server, locale="ar", viewport=(390, 844)) as page:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(live_server.url + reverse("citizen:track", args=[report.token]))
        boxes = page.evaluate(
            "() => [...document.querySelectorAll('.progress .label')].map(e => { const r = e.getBoundingClientRect(); "
            "return [r.left, r.right]; })"
        )
        boxes.sort()
        assert len(boxes) == 5
        for (_left_a, right_a), (left_b, _right_b) in zip(boxes, boxes[1:], strict=False):
            assert right_a <= left_b + 0.5, boxes  # no label overlaps the next
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
