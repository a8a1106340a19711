"""API keys: made once on the command line, stored hashed, scoped, revoked and throttled per key."""

from __future__ import annotations

import hashlib
import io
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from channels.api_keys.models import ApiKey
from channels.api_keys.services import api_key_for, api_key_touch
from tests.factories import DepartmentFactory, Role, UtilityFactory, make_user

pytestmark = pytest.mark.django_db

SERVICES = "/open311/v2/services.json"


def test_create_api_key_prints_the_key_once_on_the_last_line_and_keeps_only_its_hash():
    out = io.StringIO()
    call_command("create_api_key", "FixMyStreet Aseer", "--channels", "open311", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    api_key = ApiKey.objects.get()
    assert api_key.name == "FixMyStreet Aseer" and api_key.scopes == ["open311"]
    assert raw.startswith(f"blg_{api_key.prefix}_") and len(raw) > 40
    assert api_key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = " ".join(str(value) for value in ApiKey.objects.values_list().get())
    assert raw not in stored and raw.split("_", 2)[2] not in stored
    assert api_key_for(raw) == api_key


def test_two_keys_made_with_the_same_name_are_different():
    first, second = io.StringIO(), io.StringIO()
    call_command("create_api_key", "Partner", stdout=first)
    call_command("create_api_key", "Partner", stdout=second)
    assert first.getvalue().splitlines()[-1] != second.getvalue().splitlines()[-1]
    assert ApiKey.objects.filter(scopes=["open311"]).count() == 2


def test_create_api_key_refuses_an_unknown_channel_and_makes_nothing():
    with pytest.raises(CommandError, match="sms"):
        call_command("create_api_key", "Partner", "--channels", "open311,sms", stdout=io.StringIO())
    assert not ApiKey.objects.exists()


def test_a_wrong_a_malformed_or_a_revoked_key_is_not_found(make_key):
    api_key, raw = make_key()
    assert api_key_for(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert api_key_for("not-a-key") is None and api_key_for("") is None
    assert api_key_for(f"blg_{api_key.prefix}_" + "x" * 500) is None
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    assert api_key_for(raw) is None


def test_last_use_is_recorded_by_a_request_and_written_at_most_once_a_minute(client, make_key):
    api_key, raw = make_key()
    assert api_key.last_used_at is None
    assert client.get(SERVICES, {"api_key": raw}).status_code == 200
    api_key.refresh_from_db()
    first = api_key.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)
    assert not api_key_touch(api_key=api_key, at=first + timedelta(seconds=30))
    assert api_key_touch(api_key=api_key, at=first + timedelta(minutes=2))
    api_key.refresh_from_db()
    assert api_key.last_used_at == first + timedelta(minutes=2)


def test_a_revoked_key_gets_403_in_open311_format(client, make_key):
    api_key, raw = make_key()
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    response = client.get(SERVICES, {"api_key": raw}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": "This api_key is not valid or has been revoked."}]


def test_a_key_for_another_channel_is_refused_on_open311(client, make_key, monkeypatch):
    api_key, raw = make_key()
    ApiKey.objects.filter(pk=api_key.pk).update(scopes=["whatsapp"])
    response = client.get(SERVICES, HTTP_X_API_KEY=raw, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()[0]["description"] == "This api_key may not use this channel."


# --------------------------------------------------------------------------- throttling


@override_settings(BALAGH_API_KEY_RATE="3/min")
def test_a_key_over_its_rate_gets_429_and_another_key_is_not_slowed(client, make_key):
    _key, raw = make_key()
    _other, other_raw = make_key(name="Other")
    codes = [client.get(SERVICES, {"api_key": raw}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/open311/v2/services.xml", {"api_key": raw}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert b"<errors><error><code>429</code><description>Too many requests" in refused.content
    assert client.get(SERVICES, {"api_key": other_raw}).status_code == 200


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_throttle_lets_requests_through_when_the_cache_is_down(client, make_key):
    _key, raw = make_key()
    dead_redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead_redis, BALAGH_API_KEY_RATE="1/min"):
        codes = [client.get(SERVICES, {"api_key": raw}).status_code for _ in range(3)]
    assert codes == [200, 200, 200]


# --------------------------------------------------------------------------- admin


@pytest.fixture
def keys(make_key):
    return [make_key(name="FixMyStreet")[0], make_key(name="SeeClickFix")[0]]


def test_an_administrator_lists_rescopes_and_revokes_keys(client, keys):
    client.force_login(make_user("boss", Role.ADMIN))
    listing = client.get(reverse("admin:channels_apikey_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "FixMyStreet" in html and "SeeClickFix" in html and f"blg_{keys[0].prefix}_" in html
    assert keys[0].key_hash not in html
    response = client.post(
        reverse("admin:channels_apikey_change", args=[keys[0].pk]), {"name": "FixMyStreet Aseer", "scopes": ["open311"]}
    )
    assert response.status_code == 302
    keys[0].refresh_from_db()
    assert keys[0].name == "FixMyStreet Aseer"
    response = client.post(
        reverse("admin:channels_apikey_changelist"), {"action": "revoke", "_selected_action": [keys[1].pk]}, follow=True
    )
    assert response.status_code == 200
    keys[1].refresh_from_db()
    assert keys[1].revoked_at is not None and keys[0].revoked_at is None


def test_keys_are_neither_added_nor_deleted_in_the_admin(client, keys):
    client.force_login(make_user("boss", Role.ADMIN))
    assert client.get(reverse("admin:channels_apikey_add")).status_code == 403
    assert client.get(reverse("admin:channels_apikey_delete", args=[keys[0].pk])).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.OFFICER, Role.HEAD, Role.LIAISON, Role.COMMITTEE, Role.MAYOR])
def test_other_roles_get_403_and_do_not_see_api_keys(client, keys, role):
    user = make_user(
        f"user-{role}",
        role,
        department=DepartmentFactory() if role in (Role.OFFICER, Role.HEAD) else None,
        utility=UtilityFactory() if role == Role.LIAISON else None,
    )
    client.force_login(user)
    assert client.get(reverse("admin:channels_apikey_changelist")).status_code == 403
    assert client.get(reverse("admin:channels_apikey_change", args=[keys[0].pk])).status_code == 403
    response = client.post(reverse("admin:channels_apikey_changelist"), {"action": "revoke", "_selected_action": [keys[0].pk]})
    assert response.status_code == 403
    keys[0].refresh_from_db()
    assert keys[0].revoked_at is None
    index = client.get(reverse("admin:index"))
    assert "apikey" not in index.content.decode().lower()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, keys):
    response = client.get(reverse("admin:channels_apikey_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
