""" "My reports", tried from the outside: a citizen sees their own reports after a code sent to their
mobile, and nobody learns anything about another number — not whether it filed anything, not its reports."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertInHTML

from complaints.my_reports import GRANT
from notifications.models import MessageTemplate, Outbox, PhoneCode
from notifications.verification import phone_code_send
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, submit

pytestmark = pytest.mark.django_db

MINE, THEIRS, NOBODY = "0501111111", "0552222222", "0553333333"
ASK, CODE, LIST = reverse("citizen:my_reports"), reverse("citizen:my_reports_code"), reverse("citizen:my_reports_list")


@pytest.fixture
def reports():
    DistrictFactory()
    pothole = CategoryFactory(default_department=DepartmentFactory(code="roads"))
    mine = [submit(pothole, phone=MINE, description=f"حفرة رقم {i} أمام بيتي تعيق السير") for i in range(2)]
    theirs = submit(pothole, phone=THEIRS, description="إنارة مطفأة في شارعنا منذ أسبوع")
    return mine, theirs


def sent_code(e164: str) -> str:
    return Outbox.objects.filter(template=MessageTemplate.Code.PHONE_CODE, recipient=e164).latest("pk").context["code"]


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def signed_in(client: Client, phone: str, e164: str):
    assert client.post(ASK, {"phone": phone}).status_code == 302
    return client.post(CODE, {"code": sent_code(e164)})


def test_the_page_answers_the_same_whether_or_not_the_number_filed_reports(reports):
    answers = []
    for phone in (MINE, THEIRS, NOBODY):
        client = Client()
        first = client.post(ASK, {"phone": phone})
        page = client.get(CODE)
        masked = page.context["masked_phone"]
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode()).replace(masked, "")
        answers.append((first.status_code, first["Location"], page.status_code, html))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][:3] == (302, CODE, 200)
    # Every number was sent a code: the SMS only reaches whoever holds the mobile.
    assert PhoneCode.objects.filter(purpose=PhoneCode.Purpose.MY_REPORTS).count() == 3


def test_the_right_code_lists_the_numbers_own_reports_and_nothing_of_anyone_else(client, reports):
    mine, theirs = reports
    response = signed_in(client, MINE, "+966501111111")
    assert response.status_code == 302 and response["Location"] == LIST
    page = client.get(LIST)
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    for report in mine:
        assert report.tracking_number in html and reverse("citizen:track", args=[report.token]) in html
        assert report.get_status_display() in html
    assert theirs.tracking_number not in html and theirs.token not in html
    # Nothing the citizen typed (descriptions hold phone numbers and names), and no full mobile.
    assert "حفرة رقم" not in html and "0501111111" not in html and "+966501111111" not in html
    assert "+9665•••••111" in html


def test_a_number_without_reports_sees_an_empty_list(client, reports):
    signed_in(client, NOBODY, "+966553333333")
    html = client.get(LIST).content.decode()
    assert reports[1].tracking_number not in html and "data-my-reports>" not in html


def test_without_the_code_nothing_is_listed(client, reports):
    assert client.get(LIST)["Location"] == ASK
    assert client.get(CODE)["Location"] == ASK  # no number asked for yet
    client.post(ASK, {"phone": MINE})
    assert client.get(LIST)["Location"] == ASK
    # A code for another number's request does not open this one's.
    other = Client()
    other.post(ASK, {"phone": THEIRS})
    response = client.post(CODE, {"code": sent_code("+966552222222")})
    assert response.status_code == 400 and client.get(LIST)["Location"] == ASK


def test_a_wrong_code_is_refused_and_allows_few_tries(client, reports, settings):
    settings.BALAGH_PHONE_CODE_ATTEMPTS = 3
    client.post(ASK, {"phone": MINE})
    code = sent_code("+966501111111")
    for _i in range(3):
        response = client.post(CODE, {"code": wrong(code)})
        assert response.status_code == 400 and response.context["error"]
    # The right code after too many wrong ones opens nothing.
    assert client.post(CODE, {"code": code}).status_code == 400
    assert client.get(LIST)["Location"] == ASK


def test_the_code_form_posts_back_marks_a_refused_code_on_its_field_and_offers_a_new_code(client, reports):
    client.cookies["django_language"] = "en"
    client.post(ASK, {"phone": MINE})
    page = client.get(CODE)
    assertContains(page, f'<form method="post" action="{CODE}"')
    assertInHTML(
        '<input id="id_code" name="code" type="text" inputmode="numeric" dir="ltr"'
        ' autocomplete="one-time-code" maxlength="12" required>',
        page.content.decode(),
    )
    assertInHTML(f'<a class="btn btn-ghost" href="{ASK}">Send a new code</a>', page.content.decode())
    refused = client.post(CODE, {"code": wrong(sent_code("+966501111111"))})
    html = refused.content.decode()
    assertInHTML(
        '<input id="id_code" name="code" type="text" inputmode="numeric" dir="ltr" autocomplete="one-time-code"'
        ' maxlength="12" required aria-invalid="true" aria-describedby="code-error">',
        html,
    )
    assertInHTML(f'<p class="field-errors" id="code-error" role="alert">{refused.context["error"]}</p>', html)
    assert refused.context["error"] and f'href="{ASK}"' in html


def test_an_expired_code_is_refused(client, reports):
    client.post(ASK, {"phone": MINE})
    code = sent_code("+966501111111")
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(CODE, {"code": code}).status_code == 400
    assert client.get(LIST)["Location"] == ASK


def test_a_code_works_once(reports):
    first = Client()
    signed_in(first, MINE, "+966501111111")
    code = sent_code("+966501111111")
    replay = Client()
    replay.post(ASK, {"phone": MINE})
    PhoneCode.objects.filter(confirmed_at__isnull=True).delete()  # only the used code is left to replay
    assert replay.post(CODE, {"code": code}).status_code == 400
    assert replay.get(LIST)["Location"] == ASK


def test_a_follow_code_does_not_open_my_reports(client, reports):
    client.post(ASK, {"phone": MINE})
    PhoneCode.objects.all().delete()
    phone_code_send(phone="+966501111111", purpose=PhoneCode.Purpose.FOLLOW, complaint=reports[0][0])
    assert client.post(CODE, {"code": sent_code("+966501111111")}).status_code == 400


def test_the_access_is_short_lived_and_bound_to_the_session(client, reports, settings):
    signed_in(client, MINE, "+966501111111")
    assert client.get(LIST).status_code == 200
    # Another browser (no session cookie) sees nothing.
    assert Client().get(LIST)["Location"] == ASK
    session = client.session
    session[GRANT] = {**session[GRANT], "until": time.time() - 1}
    session.save()
    assert client.get(LIST)["Location"] == ASK


def test_the_session_key_changes_at_the_code_so_a_planted_session_opens_nothing(reports):
    victim = Client()
    victim.post(ASK, {"phone": MINE})
    planted = victim.cookies["sessionid"].value
    victim.post(CODE, {"code": sent_code("+966501111111")})
    assert victim.cookies["sessionid"].value != planted
    attacker = Client()
    attacker.cookies["sessionid"] = planted
    assert attacker.get(LIST)["Location"] == ASK


def test_done_forgets_the_number_at_once(client, reports):
    signed_in(client, MINE, "+966501111111")
    assert client.post(reverse("citizen:my_reports_leave")).status_code == 302
    assert client.get(LIST)["Location"] == ASK


def test_codes_are_throttled_per_number_from_any_address(reports, settings):
    settings.BALAGH_PHONE_CODES_PER_NUMBER = 2
    statuses = [Client().post(ASK, {"phone": MINE}, REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(1, 5)]
    assert statuses == [302, 302, 429, 429]
    assert PhoneCode.objects.filter(phone="+966501111111").count() == 2


def test_codes_are_throttled_per_address_and_a_forged_header_does_not_help(client, reports, settings):
    settings.BALAGH_PHONE_CODES_PER_ADDRESS = 3
    statuses = [
        client.post(
            ASK, {"phone": f"055000000{i}"}, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]
    assert PhoneCode.objects.count() == 3


def test_a_bad_or_foreign_number_gets_a_translated_error_not_a_500(client, reports):
    client.cookies["django_language"] = "ar"
    for phone in ("", "123", "+12025550100", "٠٥٠١٢٣" * 20):
        response = client.post(ASK, {"phone": phone}, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 400 and response.context["error"], phone
    assert not PhoneCode.objects.exists()


def test_the_tracking_page_and_the_done_page_link_to_my_reports(client, reports):
    assert ASK in client.get(reverse("citizen:track_lookup")).content.decode()
    session = client.session
    session["citizen_done"] = reports[0][0].token
    session.save()
    assert ASK in client.get(reverse("citizen:done")).content.decode()


def test_the_pages_speak_arabic_and_english(client):
    assert "بلاغاتي" in client.get(ASK, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    assert "My reports" in client.get(ASK).content.decode()
