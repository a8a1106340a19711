"""A reader who finds the dashboard's figures old gets them at once; a real worker computes new ones."""

import time

import pytest
from django.core.cache import cache

from municipality.celery import app
from municipality.models import Role
from reports.filters import report_filter
from reports.selectors import dashboard_cache_key
from tests.factories import CategoryFactory, DepartmentFactory, make_user, submit


@pytest.fixture
def shared_cache(settings):
    """The Redis cache the worker writes to (the tests' own default is in-process)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "balagh",
        }
    }
    key = dashboard_cache_key(flt=report_filter())
    cache.delete_many([key, key + ":refreshing"])  # left by an earlier run on the same day
    yield key
    cache.delete_many([key, key + ":refreshing"])


@pytest.fixture
def not_eager():
    old = app.conf.task_always_eager
    app.conf.task_always_eager = False  # .delay() goes through Redis to the worker
    yield
    app.conf.task_always_eager = old


@pytest.mark.integration
def test_a_worker_brings_old_dashboard_figures_up_to_date(real_worker, shared_cache, not_eager, client):
    department = DepartmentFactory(code="roads")
    category = CategoryFactory(default_department=department)
    submit(category)
    client.force_login(make_user("member", Role.COMMITTEE))
    assert client.get("/reports/").context["k"]["summary"]["received"] == 1

    submit(category)
    entry = cache.get(shared_cache)
    cache.set(shared_cache, {**entry, "computed": entry["computed"] - 660})  # computed eleven minutes ago

    stale = client.get("/reports/")
    assert stale.context["k"]["summary"]["received"] == 1 and stale.context["k"]["refreshing"] is True

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        k = client.get("/reports/").context["k"]
        if "refreshing" not in k:
            break
        time.sleep(0.5)
    assert k["summary"]["received"] == 2 and "refreshing" not in k
    assert cache.get(shared_cache + ":refreshing") is None  # the worker released its claim
