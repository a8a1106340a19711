"""The generic HTTP SMS gateway, against a real HTTP server on 127.0.0.1: delivery, and a gateway that times out."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.models import Outbox
from notifications.services import backoff_seconds, outbox_deliver
from notifications.tasks import deliver_outbox
from tests.factories import CategoryFactory, make_user, submit

pytestmark = pytest.mark.django_db


class Gateway:
    """A tiny SMS gateway: records what it receives; ``delay`` seconds before answering."""

    def __init__(self, delay: float = 0.0, status: int = 200):
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.received.append({"headers": dict(self.headers), "body": body.decode("utf-8")})
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}')
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_sms(settings):
    settings.BALAGH_SMS_BACKEND = "notifications.backends.HTTPSMSBackend"
    settings.BALAGH_SMS_HTTP_AUTH_HEADER = "Authorization: Bearer test-token"
    settings.BALAGH_SMS_HTTP_BODY = '{"to": $to, "text": $body, "sender": "Balagh"}'
    settings.BALAGH_SMS_HTTP_CONTENT_TYPE = "application/json"
    settings.BALAGH_OUTBOX_MAX_ATTEMPTS = 3
    settings.BALAGH_OUTBOX_BACKOFF_SECONDS = 0
    return settings


def pending_sms():
    return Outbox.objects.get(channel="sms", template="created")


def test_the_gateway_gets_the_message_with_its_auth_header(http_sms):
    c = submit(CategoryFactory())
    with Gateway() as gateway:
        http_sms.BALAGH_SMS_HTTP_URL = gateway.url
        http_sms.BALAGH_SMS_HTTP_TIMEOUT = 2.0
        deliver_outbox.delay(pending_sms().pk)
    (request,) = gateway.received
    payload = json.loads(request["body"])
    assert payload["to"] == "+966501234567" and c.tracking_number in payload["text"] and payload["sender"] == "Balagh"
    assert request["headers"]["Authorization"] == "Bearer test-token"
    assert request["headers"]["Idempotency-Key"] == pending_sms().idempotency_key
    row = pending_sms()
    assert row.status == "sent" and row.attempts == 1


def test_a_gateway_that_times_out_is_retried_then_marked_failed_with_the_error_in_the_admin(http_sms, client):
    submit(CategoryFactory())
    with Gateway(delay=1.5) as gateway:
        http_sms.BALAGH_SMS_HTTP_URL = gateway.url
        http_sms.BALAGH_SMS_HTTP_TIMEOUT = 0.2
        deliver_outbox.delay(pending_sms().pk)  # eager: the retries run at once (back-off 0 here)
    row = pending_sms()
    assert len(gateway.received) == 3  # three attempts reached the gateway
    assert row.status == "failed" and row.attempts == 3 and row.sent_at is None
    assert "timed out" in row.last_error

    client.force_login(make_user("root", superuser=True))
    page = client.get("/admin/notifications/outbox/?status__exact=failed").content.decode()
    assert "timed out" in page and "+9665•••••567" in page  # a citizen's number is masked in the list


def test_an_error_answer_is_retried_with_exponential_back_off(http_sms):

    http_sms.BALAGH_OUTBOX_BACKOFF_SECONDS = 30
    submit(CategoryFactory())
    with Gateway(status=503) as gateway:
        http_sms.BALAGH_SMS_HTTP_URL = gateway.url
        http_sms.BALAGH_SMS_HTTP_TIMEOUT = 2.0
        first = outbox_deliver(outbox_id=pending_sms().pk)
        second = outbox_deliver(outbox_id=pending_sms().pk)
    assert (first, second) == (30, 60) == (backoff_seconds(1), backoff_seconds(2))
    row = pending_sms()
    assert row.status == "pending" and row.attempts == 2 and "HTTP 503" in row.last_error and row.next_attempt_at
