"""The client's address, tried with forged headers: throttles and lock-outs key on an address the client cannot choose."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import RequestFactory
from django.urls import reverse

from municipality.client_ip import client_ip
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, submit
from tests.municipality.test_settings_env import last_line, start

LOOKUP = "/track/"


def request(remote: str, forwarded: str | None = None):
    made = RequestFactory().get("/")
    made.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


def proxies(settings, *cidrs):
    settings.BALAGH_TRUSTED_PROXIES = [ipaddress.ip_network(c) for c in cidrs]


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    proxies(settings)  # the default: no proxy is trusted
    assert client_ip(request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    proxies(settings, "10.0.0.0/8")
    assert client_ip(request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client(settings):
    proxies(settings, "10.0.0.0/8", "127.0.0.1/32")
    # The client wrote "6.6.6.6" itself; our proxies appended what they saw.
    assert client_ip(request("10.0.0.2", "6.6.6.6, 198.51.100.4, 10.0.0.1")) == "198.51.100.4"
    assert client_ip(request("127.0.0.1", "198.51.100.4")) == "198.51.100.4"
    assert client_ip(request("127.0.0.1")) == "127.0.0.1"  # no header: the proxy itself
    assert client_ip(request("127.0.0.1", "not-an-ip, 198.51.100.4")) == "198.51.100.4"
    assert client_ip(request("127.0.0.1", "garbage")) == "127.0.0.1"
    assert client_ip(request("127.0.0.1", "2001:db8::1")) == "2001:db8::1"


@pytest.mark.django_db
def test_the_api_throttle_is_not_lifted_by_a_new_forwarded_header_per_request(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min"}}
    url = reverse("api:categories")
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_api_allowance(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min"}}
    proxies(settings, "127.0.0.1/32")
    url = reverse("api:categories")
    first = [client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code for _i in range(3)]
    other = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code
    assert first == [200, 200, 429] and other == 200


@pytest.fixture
def complaint(db):
    DistrictFactory()
    return submit(CategoryFactory(default_department=DepartmentFactory()), phone="0501234567")


def guess(client, number, i, **extra):
    return client.post(LOOKUP, {"tracking_number": number, "phone": f"05599999{i:02d}"}, **extra)


def test_a_forged_header_does_not_escape_the_tracking_lock_out(client, complaint):
    for i in range(10):
        guess(client, complaint.tracking_number, i, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response = client.post(
        LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0501234567"}, HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert response.status_code == 429


def test_one_client_behind_the_proxy_cannot_lock_tracking_for_the_others(client, complaint, settings):
    proxies(settings, "127.0.0.1/32")
    for i in range(10):
        guess(client, complaint.tracking_number, i, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert guess(client, complaint.tracking_number, 11, HTTP_X_FORWARDED_FOR="198.51.100.66").status_code == 429
    # The citizen behind the same proxy, and the attacker's other look-ups, are not locked.
    response = client.post(
        LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0501234567"}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert response.status_code == 302
    assert guess(client, "2001-000001", 1, HTTP_X_FORWARDED_FOR="198.51.100.66").status_code == 400


def test_guesses_spread_over_many_addresses_still_lock_the_number(client, complaint, settings):
    settings.BALAGH_TRACK_MAX_ATTEMPTS_PER_NUMBER = 20
    for i in range(20):
        guess(client, complaint.tracking_number, i % 10, REMOTE_ADDR=f"198.51.100.{i}")
    response = client.post(
        LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0501234567"}, REMOTE_ADDR="198.51.100.200"
    )
    assert response.status_code == 429


def test_the_api_shares_the_tracking_lock_out(client, complaint):
    url = reverse("api:track", args=[complaint.tracking_number])
    for i in range(10):
        assert client.get(url, {"phone": f"05599999{i:02d}"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code == 404
    response = client.get(url, {"phone": "0501234567"})
    assert response.status_code == 429 and response.json()["detail"]
    assert client.post(LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0501234567"}).status_code == 429


def test_a_bad_trusted_proxy_list_stops_start_up(tmp_path):
    result = start(tmp_path, DEBUG="1", BALAGH_TRUSTED_PROXIES="10.0.0.0/8, proxy.local")
    assert result.returncode != 0
    message = last_line(result)
    assert "BALAGH_TRUSTED_PROXIES" in message and "proxy.local" in message and "CIDR" in message
