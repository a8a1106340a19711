"""The tracking page and the API find a report the same way and lock out the same way."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import CategoryFactory, DistrictFactory, submit

pytestmark = pytest.mark.django_db
PHONE = "0501234567"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def complaint():
    DistrictFactory()
    return submit(CategoryFactory(), phone=PHONE)


def test_the_number_typed_without_the_dash_is_found_by_the_page_and_the_api(client, complaint):
    bare = complaint.tracking_number.replace("-", "")
    page = client.post("/track/", {"tracking_number": bare, "phone": PHONE})
    assert page.status_code == 302
    api = APIClient().get(f"/api/v1/track/{bare}/", {"phone": PHONE})
    assert api.status_code == 200, api.content
    assert api.json()["tracking_number"] == complaint.tracking_number


@override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": {"anon": "1000/minute"}}, BALAGH_TRACK_MAX_ATTEMPTS=3)
def test_the_api_locks_out_after_failed_attempts_like_the_page(complaint):
    api = APIClient()
    for i in range(3):
        assert api.get(f"/api/v1/track/{complaint.tracking_number}/", {"phone": f"05599999{i:02d}"}).status_code == 404
    blocked = api.get(f"/api/v1/track/{complaint.tracking_number}/", {"phone": PHONE})
    assert blocked.status_code == 429


@override_settings(BALAGH_TRACK_MAX_ATTEMPTS=3)
def test_failures_on_the_api_count_on_the_page_too(client, complaint):
    api = APIClient()
    for i in range(3):
        api.get(f"/api/v1/track/{complaint.tracking_number}/", {"phone": f"05599999{i:02d}"})
    page = client.post("/track/", {"tracking_number": complaint.tracking_number, "phone": PHONE})
    assert page.status_code == 429
