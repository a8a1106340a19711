"""GET /healthz: the database's and the broker's state, for load balancers and monitoring."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings
from django.db import connection

from municipality.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_ok_on_the_running_configuration(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    # SQLite + the filesystem broker by default; PostgreSQL + Redis when DATABASE_URL / REDIS_URL say so.
    expected_transport = "redis" if settings.REDIS_URL else "filesystem"
    assert body["broker"] == {"ok": True, "transport": expected_transport}


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_healthz_pings_the_real_redis_when_configured(client):
    body = client.get("/healthz").json()
    assert body["broker"]["transport"] == "redis" and body["broker"]["ok"] is True


@pytest.fixture
def broker_on_a_closed_port():
    """Point the Celery app at a Redis port nobody listens on; put everything back afterwards."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
    port = closed.getsockname()[1]
    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_transport_options")}
    celery_app.conf.broker_url = f"redis://127.0.0.1:{port}/2"
    celery_app.conf.broker_transport_options = {}
    try:
        yield port
    finally:
        for key, value in saved.items():
            celery_app.conf[key] = value
        closed.close()


def test_healthz_is_503_with_the_broker_error_when_redis_is_unreachable(client, broker_on_a_closed_port):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["broker"]["error"]


def test_broker_override_was_restored(client):
    """The previous test's override does not leak into the rest of the suite."""
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert client.get("/healthz").status_code == 200
