"""Parts for the fault-injection tests: a Redis of their own, the site and a worker as real processes,
a fake SMS gateway, and a way to cut the application's database connections.

Everything here is started by the test and stopped by it, by process id: the shared PostgreSQL and
Redis servers are never stopped or reconfigured (only the test database's own connections are
terminated).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection

from municipality.celery import app
from notifications.models import Outbox
from notifications.tasks import resend_pending_outbox
from tests.integration.brokers import fresh_broker_pools
from tests.integration.workers import BIN, Process, database_url, wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- Redis


class RedisServer:
    """A redis-server of the test's own on a free port (no persistence), started and stopped by pid."""

    def __init__(self):
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def ping(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, 10, f"redis-server on port {self.port}", every=0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


# --------------------------------------------------------------------------- the SMS gateway


class Gateway:
    """An SMS gateway on 127.0.0.1 that de-duplicates by ``Idempotency-Key``, as a careful real one does.

    ``requests`` counts every request per key (what the outbox sent), ``delivered`` the messages
    that reached a phone (once per key). ``delay`` seconds pass between taking a message and
    answering; ``on_request(key)`` runs when a message arrives (e.g. to cut the sender's connections).
    """

    def __init__(self, *, delay: float = 0.0, on_request=None):
        self.requests: Counter[str] = Counter()
        self.delivered: dict[str, str] = {}
        self.first_request_at: dict[str, float] = {}
        self.lock = threading.Lock()
        self.in_flight = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                with gateway.lock:
                    gateway.requests[key] += 1
                    gateway.delivered.setdefault(key, body.get("text", ""))
                    gateway.first_request_at.setdefault(key, time.monotonic())
                gateway.in_flight.set()
                if on_request is not None:
                    on_request(key)
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"status": "accepted"}')
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def doubled(self) -> dict[str, int]:
        """Keys the outbox sent more than once."""
        with self.lock:
            return {key: n for key, n in self.requests.items() if n > 1}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- the application's processes


#: The application_name of the production-like processes' database connections.
APP_NAME = "balagh-fault-app"


def app_env(*, redis_url: str, gateway: Gateway | None, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like process on the test database, the test's Redis and the fake gateway."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_", "CELERY_", "BALAGH_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "municipality.settings",
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "BALAGH_VAR_DIR": str(var_dir),
            "SMS_BACKEND": "http" if gateway else "console",
            "SMS_HTTP_URL": gateway.url if gateway else "",
            "SMS_HTTP_TIMEOUT_MS": "2000",
            "OUTBOX_LEASE_MARGIN_SECONDS": "2",
            "OUTBOX_BACKOFF_SECONDS": "1",
            "BALAGH_API_ANON_RATE": "1000/min",
            "LOG_LEVEL": "WARNING",
            # libpq names these processes' connections, so the cutter terminates only theirs.
            "PGAPPNAME": APP_NAME,
            **extra,
        }
    )
    return env


def start_web(env: dict[str, str], log_dir: Path) -> tuple[Process, str]:
    """The site under gunicorn (gthread, 1 process × 4 threads); returns it and its base URL."""
    port = free_port()
    web = Process(
        "web",
        [str(BIN / "gunicorn"), "municipality.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "-k", "gthread", "--threads", "4"],
        env,
        log_dir,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if not web.alive():
            pytest.fail(f"the site exited: {web.output()}")
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
        except urllib.error.HTTPError:
            return True  # a 503 is an answer
        except OSError:
            return False
        return True

    wait_for(answers, 60, "the site to answer")
    return web, base


@contextlib.contextmanager
def app_on(broker: str):
    """This process's Celery app (the one ``.delay()`` uses) on another broker, not eager; put back afterwards."""
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    app.conf.update(
        broker_url=broker,
        broker_transport_options={"visibility_timeout": 3600, "socket_connect_timeout": 1, "socket_timeout": 10},
        task_always_eager=False,
    )
    fresh_broker_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        fresh_broker_pools()


def resend_until_sent(timeout: float, every: float = 2.0) -> None:
    """Run the periodic re-send (beat's job, every minute) every ``every`` s until no message waits."""

    def done() -> bool:
        resend_pending_outbox(older_than_seconds=0)
        return not Outbox.objects.filter(status__in=["pending", "sending"]).exists()

    wait_for(done, timeout, "every outbox message to be sent", every=every)


# --------------------------------------------------------------------------- what the citizen sees


class Answer:
    def __init__(self, status: int, content_type: str, body: bytes, seconds: float):
        self.status, self.content_type, self.body, self.seconds = status, content_type, body, seconds

    def json(self):
        return json.loads(self.body)

    @property
    def is_json(self) -> bool:
        return self.content_type.startswith("application/json")

    def __repr__(self) -> str:
        return f"<{self.status} {self.content_type} {self.seconds:.2f}s {self.body[:80]!r}>"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(opener, method: str, url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 30):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            body, status, kind = response.read(), response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        body, status, kind = exc.read(), exc.code, exc.headers.get("Content-Type", "")
    return Answer(status, kind, body, time.monotonic() - started)


def api_submit(base: str, *, category: str, external_id: str, phone: str) -> Answer:
    payload = {
        "category": category,
        "description": "حفرة عميقة أمام المسجد تعيق السير",
        "lat": 18.30,
        "lon": 42.73,
        "reporter_phone": phone,
        "external_id": external_id,
    }
    return http(
        urllib.request.build_opener(),
        "POST",
        base + "/api/v1/complaints/",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Accept-Language": "ar"},
    )


def form_submit(base: str, *, main_type: int, category: int, phone: str) -> tuple[Answer, Answer]:
    """The citizen form as a browser sends it: the form, the review, then "send"; returns (review, send)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())
    page = http(opener, "GET", base + "/").body.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, page[:2000]
    token = found.group(1)
    fields = {
        "csrfmiddlewaretoken": token,
        "main_type": main_type,
        "category": category,
        "lat": "18.30",
        "lon": "42.73",
        "description": "حاوية نفايات ممتلئة منذ أيام",
        "reporter_phone": phone,
        "review": "1",
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": base + "/"}
    review = http(opener, "POST", base + "/", data=urllib.parse.urlencode(fields).encode(), headers=headers)
    payload = re.search(r'name="payload" value="([^"]+)"', review.body.decode())
    if payload is None:
        return review, review
    confirm = {"csrfmiddlewaretoken": token, "payload": html.unescape(payload.group(1)), "submit": "1"}
    send = http(opener, "POST", base + "/", data=urllib.parse.urlencode(confirm).encode(), headers=headers)
    return review, send


# --------------------------------------------------------------------------- cutting database connections


class ConnectionCutter:
    """Terminates the application processes' connections to the test database.

    Only those started through :func:`app_env` (their ``application_name``): this test process's
    own connections, the live server's among them, stay open for the tests that follow.
    """

    def __init__(self):
        s = connection.settings_dict
        connection.ensure_connection()
        self.own_pid = connection.connection.info.backend_pid
        self.params = {
            "host": s["HOST"] or "127.0.0.1",
            "port": s["PORT"] or 5432,
            "user": s["USER"] or "postgres",
            "password": s["PASSWORD"] or None,
            "dbname": s["NAME"],
        }
        self.conn = psycopg.connect(**self.params, autocommit=True)
        self.lock = threading.Lock()
        self.cut = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def cut_now(self) -> int:
        with self.lock:
            rows = self.conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND pid <> %s AND application_name = %s",
                [self.own_pid, APP_NAME],
            ).fetchall()
            self.cut += len(rows)
            return len(rows)

    @contextlib.contextmanager
    def cut_when_blocked_on(self, table: str, *, timeout: float = 60):
        """Hold ``table`` locked against writes; the first application connection that waits for it is cut.

        Deterministic where a cut on a timer is not: a sweep may finish between two ticks. The
        application is cut in the middle of its transaction (its earlier statements done, the write
        to ``table`` pending), and the lock is released once it has been cut.
        """
        blocker = psycopg.connect(**self.params)
        blocker.execute(f"LOCK TABLE {table} IN SHARE MODE")  # psycopg opened a transaction: held until rollback
        done = threading.Event()

        def watch():
            deadline = time.monotonic() + timeout
            while not done.is_set() and time.monotonic() < deadline:
                with self.lock:
                    waiting = self.conn.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s "
                        "AND wait_event_type = 'Lock'",
                        [APP_NAME],
                    ).fetchone()
                if waiting:
                    self.cut_now()
                    break
                time.sleep(0.01)
            blocker.rollback()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join(timeout=timeout)
            blocker.close()

    def every(self, seconds: float) -> None:
        """Keep cutting every ``seconds`` in a thread until ``stop()``."""

        def loop():
            while not self._stop.wait(seconds):
                self.cut_now()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def close(self) -> None:
        self.stop()
        self.conn.close()
