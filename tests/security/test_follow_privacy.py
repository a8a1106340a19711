"""Following a report, tried from the outside: it tells nobody who filed or follows a report.

The mobile is proven with a one-time code sent to it; every number gets the same answer;
codes are limited per number and per client address; every follower's message has a stop
link that works. The nearby answer gives only what is needed to recognise the problem.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from complaints import services
from notifications.models import MessageTemplate, Outbox, PhoneCode
from notifications.services import outbox_deliver
from routing.duplicates import complaint_follow
from routing.models import Follower
from routing.tokens import follow_token
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, submit

pytestmark = pytest.mark.django_db

REPORTER, FOLLOWER, STRANGER = "0501111111", "0552222222", "0553333333"


@pytest.fixture
def report():
    DistrictFactory()
    roads = DepartmentFactory(code="roads")
    pothole = CategoryFactory(default_department=roads, duplicate_radius_m=100)
    complaint = submit(pothole, phone=REPORTER, description="حفرة أمام بيتي، اتصلوا بي على 0501111111")
    complaint_follow(complaint=complaint, phone=FOLLOWER)
    return complaint


def sent_code(phone_e164: str) -> str:
    row = Outbox.objects.filter(template=MessageTemplate.Code.PHONE_CODE, recipient=phone_e164).latest("pk")
    return row.context["code"]


def test_the_follow_page_answers_the_same_for_the_reporter_a_follower_and_a_stranger(client, report):
    token = follow_token(report)
    url = reverse("routing:follow", args=[token])
    answers = []
    for phone in (REPORTER, FOLLOWER, STRANGER):
        response = client.post(url, {"phone": phone})
        answers.append((response.status_code, response.get("Location"), response.content))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 302 and answers[0][1] == reverse("routing:follow_confirm", args=[token])
    # Each number was sent a code, nobody was subscribed yet.
    assert PhoneCode.objects.count() == 3
    assert list(Follower.objects.values_list("phone", flat=True)) == ["+966552222222"]


def test_the_follow_api_answers_the_same_for_the_reporter_a_follower_and_a_stranger(client, report):
    url = reverse("api:complaints-follow", args=[follow_token(report)])
    answers = [
        (r.status_code, r.json())
        for r in (client.post(url, {"phone": p}, content_type="application/json") for p in (REPORTER, FOLLOWER, STRANGER))
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 202 and "tracking_number" not in answers[0][1]


def test_nobody_follows_without_the_code_sent_to_the_mobile(client, report):
    token = follow_token(report)
    url = reverse("routing:follow", args=[token])
    client.post(url, {"phone": STRANGER})
    confirm = reverse("routing:follow_confirm", args=[token])
    page = client.get(confirm).content.decode()
    assert "+9665•••••333" in page and "0553333333" not in page
    code = sent_code("+966553333333")
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(confirm, {"code": wrong})
    assert response.status_code == 400 and not Follower.objects.filter(phone="+966553333333").exists()
    # The code is stored hashed, never as typed.
    row = PhoneCode.objects.get(phone="+966553333333")
    assert code not in row.code_hash and row.attempts == 1
    response = client.post(confirm, {"code": code})
    assert response.status_code == 200 and report.tracking_number in response.content.decode()
    assert Follower.objects.filter(complaint=report, phone="+966553333333").exists()
    # Used once.
    client.post(url, {"phone": STRANGER})
    assert client.post(confirm, {"code": code}).status_code == 400


def test_the_follow_code_form_posts_back_marks_a_refused_code_and_offers_a_new_code(client, report):
    client.cookies["django_language"] = "en"
    token = follow_token(report)
    url, confirm = reverse("routing:follow", args=[token]), reverse("routing:follow_confirm", args=[token])
    client.post(url, {"phone": STRANGER})
    html = client.get(confirm).content.decode()
    # No action: the code goes back to the confirm page itself.
    assert '<form method="post" class="report-form" novalidate>' in html
    assertInHTML(f'<a class="btn btn-ghost" href="{url}">Send a new code</a>', html)
    code = sent_code("+966553333333")
    refused = client.post(confirm, {"code": "000000" if code != "000000" else "111111"})
    html = refused.content.decode()
    assertInHTML(
        '<input id="id_code" name="code" type="text" inputmode="numeric" dir="ltr" autocomplete="one-time-code"'
        ' maxlength="12" required aria-invalid="true" aria-describedby="code-error">',
        html,
    )
    assertInHTML(f'<p class="field-errors" id="code-error" role="alert">{refused.context["error"]}</p>', html)


def test_the_api_confirms_with_the_code_and_refuses_a_guessed_one(client, report):
    url = reverse("api:complaints-follow", args=[follow_token(report)])
    confirm = client.post(url, {"phone": STRANGER}, content_type="application/json").json()["confirm_url"]
    code = sent_code("+966553333333")
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(confirm, {"phone": STRANGER, "code": wrong}, content_type="application/json")
    assert response.status_code == 400 and "code" in response.json()
    # Another number cannot use this number's code.
    assert client.post(confirm, {"phone": "0554444444", "code": code}, content_type="application/json").status_code == 400
    response = client.post(confirm, {"phone": STRANGER, "code": code}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"tracking_number": report.tracking_number, "following": True}
    assert Follower.objects.filter(complaint=report, phone="+966553333333").exists()


def test_a_code_allows_few_guesses_and_expires(client, report, settings):
    settings.BALAGH_PHONE_CODE_ATTEMPTS = 3
    url = reverse("api:complaints-follow", args=[follow_token(report)])
    confirm = client.post(url, {"phone": STRANGER}, content_type="application/json").json()["confirm_url"]
    code = sent_code("+966553333333")
    wrong = "000000" if code != "000000" else "111111"
    for _i in range(3):
        client.post(confirm, {"phone": STRANGER, "code": wrong}, content_type="application/json")
    response = client.post(confirm, {"phone": STRANGER, "code": code}, content_type="application/json")
    assert response.status_code == 400 and not Follower.objects.filter(phone="+966553333333").exists()
    # A new code, but too late.
    client.post(url, {"phone": STRANGER}, content_type="application/json")
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(confirm, {"phone": STRANGER, "code": sent_code("+966553333333")}, content_type="application/json")
    assert response.status_code == 400 and not Follower.objects.filter(phone="+966553333333").exists()


def test_codes_are_limited_per_number_from_any_address(client, report, settings):
    settings.BALAGH_PHONE_CODES_PER_NUMBER = 2
    url = reverse("api:complaints-follow", args=[follow_token(report)])
    statuses = [
        client.post(url, {"phone": STRANGER}, content_type="application/json", REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(1, 5)
    ]
    assert statuses == [202, 202, 429, 429]
    assert PhoneCode.objects.filter(phone="+966553333333").count() == 2
    body = client.post(url, {"phone": STRANGER}, content_type="application/json", REMOTE_ADDR="10.0.0.9").json()
    assert body["detail"]  # a translated sentence, not a DRF default


def test_codes_are_limited_per_address_for_any_number_and_a_forged_header_does_not_help(client, report, settings):
    settings.BALAGH_PHONE_CODES_PER_ADDRESS = 3
    url = reverse("routing:follow", args=[follow_token(report)])
    statuses = [
        client.post(
            url, {"phone": f"055000000{i}"}, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]
    assert PhoneCode.objects.count() == 3


def test_every_follower_message_has_a_stop_link_that_works(client, report, settings):
    officer = make_user("roads_officer", "officer", department=report.department)
    # Even if an administrator edits the text and leaves the link out.
    MessageTemplate.objects.update_or_create(
        code="in_progress", channel="sms", language="ar", defaults={"body": "بلاغ {{ tracking_number }} قيد المعالجة"}
    )
    services.complaint_start(complaint=report, actor=officer)
    row = Outbox.objects.get(recipient="+966552222222", template="in_progress")
    outbox_deliver(outbox_id=row.pk)
    row.refresh_from_db()
    stop = next(word for word in row.body.split() if "/routing/follow/stop/" in word)
    assert stop.startswith(settings.SITE_URL)
    # The reporter's own messages carry no stop link.
    assert "/follow/stop/" not in Outbox.objects.get(recipient="+966501111111", template="in_progress").context.get(
        "stop_link", ""
    )
    path = stop[len(settings.SITE_URL) :]
    assert client.get(path).status_code == 200 and Follower.objects.filter(complaint=report).exists()  # a preview stops nothing
    assert client.post(path).status_code == 200
    assert not Follower.objects.filter(complaint=report).exists()
    assert client.post(path).status_code == 200  # twice is harmless
    assert client.get(path[:-3] + "xx/").status_code == 404
    services.complaint_resolve(complaint=report, actor=officer, note="تم الإصلاح")
    assert not Outbox.objects.filter(recipient="+966552222222", template="resolved").exists()


def test_a_sent_code_is_not_kept_in_the_outbox(report, client):
    client.post(reverse("routing:follow", args=[follow_token(report)]), {"phone": STRANGER})
    row = Outbox.objects.get(template=MessageTemplate.Code.PHONE_CODE)
    code = row.context["code"]
    outbox_deliver(outbox_id=row.pk)
    row.refresh_from_db()
    assert row.status == "sent" and code not in row.body and code not in str(row.context)


def test_the_nearby_answer_gives_no_descriptions_and_no_tracking_numbers(client, report):
    response = client.get(
        reverse("api:complaints-nearby"), {"category": report.category.code, "lat": report.lat, "lon": report.lon}
    )
    [item] = response.json()["results"]
    assert set(item) == {"category", "status", "status_label", "distance_m", "age_days", "follow_url", "follow_api_url"}
    text = response.content.decode()
    assert report.tracking_number not in text and "0501111111" not in text and "حفرة أمام بيتي" not in text
    # The follow page behind the link does not show the tracking number either.
    page = client.get(item["follow_url"]).content.decode()
    assert report.tracking_number not in page and "حفرة أمام بيتي" not in page
