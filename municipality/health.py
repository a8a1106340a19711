"""GET /healthz: the database's and the broker's state as JSON."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse

from municipality.celery import app


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure is the answer
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}


def _broker() -> dict:
    url = app.conf.broker_url or ""
    kind = url.split("://", 1)[0]
    # Bounded waits, so an unreachable broker (a dropped packet, not only a refused port)
    # answers within seconds instead of the operating system's connect timeout.
    options = {**(app.conf.broker_transport_options or {}), "socket_connect_timeout": 2, "socket_timeout": 2}
    try:
        with app.connection_for_write(transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=1, timeout=2)
        return {"ok": True, "transport": kind}
    except Exception as exc:
        return {"ok": False, "transport": kind, "error": str(exc)[:200]}


def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
