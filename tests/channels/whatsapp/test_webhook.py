"""The webhook from Meta's side and from an attacker's: verification, signatures, bad bodies, replays."""

import json

import pytest

from channels.whatsapp import conversation, simulate, tasks
from channels.whatsapp.models import InboundMessage
from complaints.models import Complaint
from notifications.models import Outbox
from tests.channels.whatsapp.conftest import WEBHOOK

pytestmark = pytest.mark.django_db


def test_verification_answers_the_challenge_as_plain_text(client, settings):
    response = client.get(
        WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verification_with_a_wrong_token_or_mode_is_refused(client, params):
    response = client.get(WEBHOOK, params)
    assert response.status_code == 403
    assert b"1" not in response.content.replace(b"403", b"")  # the challenge is never echoed


def test_verification_is_refused_when_no_token_is_configured(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert response.status_code == 403


def test_a_post_without_a_signature_is_refused_and_nothing_is_stored(citizen):
    response = citizen.post(simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة"), sign=False)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists() and not Outbox.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "sha256=",
        "sha1=abc",
        "garbage",
        simulate.signed(b"another body", "test-app-secret"),
    ],
)
def test_a_forged_signature_is_refused_and_nothing_is_stored(citizen, signature):
    response = citizen.post(simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة"), signature=signature)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists() and not Outbox.objects.exists()


def test_a_body_signed_with_another_secret_is_refused(citizen):
    body = simulate.encode(simulate.notification(messages=[simulate.text(citizen.number, "hello there")]))
    response = citizen.post(body=body, signature=simulate.signed(body, "not-our-secret"))
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_the_signature_covers_the_raw_bytes_not_the_parsed_json(citizen):
    body = simulate.encode(simulate.notification(messages=[simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة")]))
    signature = simulate.signed(body)
    reformatted = body.replace(b'{"object"', b'{ "object"')  # same JSON, other bytes
    assert citizen.post(body=reformatted, signature=signature).status_code == 403
    assert citizen.post(body=body, signature=signature).status_code == 200


def test_posts_are_refused_when_no_app_secret_is_configured(citizen, settings):
    settings.WHATSAPP_APP_SECRET = ""
    body = b'{"entry": []}'
    response = citizen.post(body=body, signature=simulate.signed(body, ""))
    assert response.status_code == 403


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"entry": "x"}', b"\xff\xfe", b'"text"'])
def test_malformed_json_with_a_valid_signature_is_a_clear_400(citizen, body):
    response = citizen.post(body=body)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]  # a clear, translated refusal (Arabic first)
    assert not InboundMessage.objects.exists()


def test_a_huge_body_is_refused_before_reading_it(citizen, settings):
    settings.BALAGH_WHATSAPP_MAX_BODY_BYTES = 1024
    message = simulate.text(citizen.number, "x" * 2000)
    response = citizen.post(message)
    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


def test_messages_without_an_id_or_a_sender_are_skipped_the_rest_is_stored(citizen):
    good = simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة")
    no_id = {**simulate.text(citizen.number, "x"), "id": ""}
    no_sender = {**simulate.text("", "x")}
    response = citizen.post(good, no_id, no_sender, "not a dict")
    assert response.status_code == 200
    assert list(InboundMessage.objects.values_list("external_id", flat=True)) == [good["id"]]


def test_other_methods_are_not_allowed(client):
    assert client.put(WEBHOOK).status_code == 405
    assert client.delete(WEBHOOK).status_code == 405


def test_a_valid_post_stores_the_message_and_answers_200(citizen):
    response = citizen.post(simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة"))
    assert response.status_code == 200
    stored = InboundMessage.objects.get()
    assert stored.sender == citizen.number and stored.sender_name == "مواطن"
    assert stored.processed_at is not None  # Celery is eager here: the worker's work already ran


def test_the_same_wamid_sent_twice_is_stored_and_processed_once(citizen, city):
    message = simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة", ts=citizen.tick())
    citizen.send(message)
    citizen.send(message)
    citizen.post(message, message)  # twice in the same notification, too
    assert InboundMessage.objects.count() == 1
    assert len(citizen.replies) == 1  # one answer, not three


def test_a_replayed_conversation_files_one_report(citizen, city):
    sent = [
        simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة", ts=citizen.tick()),
        simulate.location(citizen.number, 18.30, 42.73, ts=citizen.tick()),
        simulate.list_reply(citizen.number, "pothole", ts=citizen.tick()),
        simulate.button_reply(citizen.number, "confirm", ts=citizen.tick()),
    ]
    for message in sent:
        citizen.send(message)
    for message in sent:  # Meta re-delivers everything
        citizen.send(message)
    assert Complaint.objects.count() == 1


def test_the_broker_being_down_loses_nothing(citizen, city, monkeypatch):

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.process_inbound, "delay", broker_down)
    response = citizen.post(simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة"))
    assert response.status_code == 200
    stored = InboundMessage.objects.get()
    assert stored.processed_at is None
    monkeypatch.undo()

    with citizen.capture(execute=True):
        assert tasks.pickup_unprocessed.delay(older_than_seconds=0).get() == 1
    stored.refresh_from_db()
    assert stored.processed_at is not None
    assert citizen.replies  # the citizen was answered, late but once


def test_a_message_whose_processing_fails_is_kept_with_its_error_and_retried_five_times_at_most(citizen, monkeypatch):

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(conversation, "handle", broken)
    assert citizen.post(simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة")).status_code == 200
    stored = InboundMessage.objects.get()
    assert stored.processed_at is None and stored.attempts == 1 and "database went away" in stored.last_error
    InboundMessage.objects.update(attempts=5)
    assert tasks.pickup_unprocessed.delay(older_than_seconds=0).get() == 0  # left for a person (admin)
    monkeypatch.undo()
    InboundMessage.objects.update(attempts=4)
    with citizen.capture(execute=True):
        assert tasks.pickup_unprocessed.delay(older_than_seconds=0).get() == 1
    assert InboundMessage.objects.get().processed_at is not None


def _value(**value) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past the parser's recursion limit
        _value(contacts=[{"wa_id": "966501234567", "profile": "Sara"}], messages=[]),
        _value(contacts=["x", {"wa_id": None, "profile": None}]),
        _value(statuses=[{"id": {"a": 1}, "status": ["sent"]}]),
        _value(messages=[{"id": "wamid.X", "from": "966501234567", "timestamp": "9" * 40, "type": "text"}]),
        _value(messages=[{"id": "wamid.Y", "from": "966501234567", "timestamp": "-99999999999999", "type": "text"}]),
        _value(messages=[{"id": ["wamid.Z"], "from": {"n": 1}, "type": {"t": "text"}}]),
    ],
    ids=["deep", "profile-text", "contacts-junk", "status-ids", "far-future", "far-past", "ids-not-text"],
)
def test_a_signed_notification_of_an_odd_shape_is_answered_never_a_500(citizen, body):
    """Meta's format may change and a leaked secret may be abused: a clear 200 or 400, never a 500."""
    response = citizen.post(body=body)
    assert response.status_code in (200, 400)
