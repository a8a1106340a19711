"""GET /healthz: the database's and the broker's state as JSON."""
from __future__ import annotations

from django.db import connection
from django.http import JsonResponse


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure is the answer
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}


def _broker() -> dict:
    from municipality.celery import app

    url = app.conf.broker_url or ""
    kind = url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": kind}
    except Exception as exc:
        return {"ok": False, "transport": kind, "error": str(exc)[:200]}


def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
