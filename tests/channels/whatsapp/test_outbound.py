"""A WhatsApp citizen hears back on WhatsApp: updates through the outbox, delivery statuses, SMS when it fails."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from channels.whatsapp import simulate
from channels.whatsapp.media import GraphMediaFetcher, MediaError
from channels.whatsapp.models import InboundMessage
from channels.whatsapp.transport import ConsoleWhatsAppBackend, GraphWhatsAppBackend, SendError
from complaints import services
from complaints.models import Complaint
from complaints.workflow import ClosureReason
from municipality.models import Role
from notifications.backends import PermanentSendError
from notifications.models import Outbox
from tests.channels.whatsapp.conftest import jpeg
from tests.factories import make_user, submit

pytestmark = pytest.mark.django_db


def file_by_whatsapp(citizen) -> Complaint:
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.sends_location(18.30, 42.73)
    citizen.chooses("pothole")
    citizen.taps("confirm")
    return Complaint.objects.get()


@pytest.fixture
def officer(city):
    return make_user("roads-officer", Role.OFFICER, department=city["pothole"].default_department)


def test_updates_reach_the_whatsapp_citizen_on_whatsapp_through_the_outbox(citizen, officer):
    complaint = file_by_whatsapp(citizen)
    with citizen.capture(execute=True):
        services.complaint_start(complaint=complaint, actor=officer)
        services.complaint_add_note(complaint=complaint, actor=officer, text="الفريق في الموقع الآن", public=True)
        services.complaint_add_note(complaint=complaint, actor=officer, text="internal only", public=False)
        services.complaint_resolve(complaint=complaint, actor=officer, note="تم ردم الحفرة")
        services.complaint_close(complaint=complaint, actor=officer, reason=ClosureReason.FIXED)
    rows = Outbox.objects.filter(complaint=complaint, is_citizen=True).order_by("pk")
    assert [(r.channel, r.template) for r in rows] == [
        ("whatsapp", "created"),
        ("whatsapp", "in_progress"),
        ("whatsapp", "update"),
        ("whatsapp", "resolved"),
        ("whatsapp", "closed"),
    ]
    assert all(r.status == "sent" and r.provider_id.startswith("wamid.") for r in rows)
    bodies = [r["body"] for r in citizen.replies]
    assert any("الفريق في الموقع الآن" in b for b in bodies)  # the staff's reply, on WhatsApp
    assert not any("internal only" in b for b in bodies)
    assert not citizen.sms


def test_a_web_citizen_still_gets_sms_and_no_public_update_messages(citizen, officer, city):
    complaint = submit(city["pothole"], phone="0501112222")
    with citizen.capture(execute=True):
        services.complaint_add_note(complaint=complaint, actor=officer, text="الفريق في الموقع الآن", public=True)
    rows = Outbox.objects.filter(complaint=complaint, is_citizen=True)
    assert {(r.channel, r.template) for r in rows} == {("sms", "created")}


def test_delivery_statuses_move_the_outbox_row_forward_only(citizen):
    complaint = file_by_whatsapp(citizen)
    row = Outbox.objects.get(complaint=complaint, template="created")
    wamid = row.provider_id
    citizen.post(statuses=[simulate.status(wamid, "sent")])
    assert Outbox.objects.get(pk=row.pk).delivery == "sent"
    citizen.post(statuses=[simulate.status(wamid, "read")])
    citizen.post(statuses=[simulate.status(wamid, "delivered")])  # late: read already
    row.refresh_from_db()
    assert row.delivery == "read" and row.status == "sent"


def test_a_failed_whatsapp_message_falls_back_to_sms_once(citizen):
    complaint = file_by_whatsapp(citizen)
    row = Outbox.objects.get(complaint=complaint, template="created")
    failed = simulate.status(row.provider_id, "failed", error="Re-engagement message")
    citizen.post(statuses=[failed])
    citizen.post(statuses=[{**failed, "timestamp": str(int(failed["timestamp"]) + 1)}])  # a repeat
    row.refresh_from_db()
    assert row.status == "failed" and row.delivery == "failed" and "Re-engagement" in row.last_error
    sms = Outbox.objects.filter(complaint=complaint, channel="sms")
    assert [(s.template, s.recipient, s.status) for s in sms] == [("created", "+966501234567", "sent")]
    assert complaint.tracking_number in citizen.sms[0]["body"]


def test_a_failed_conversation_prompt_is_not_sent_by_sms(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    prompt = Outbox.objects.get(template="chat")
    citizen.post(statuses=[simulate.status(prompt.provider_id, "failed", error="undeliverable")])
    assert Outbox.objects.get(pk=prompt.pk).status == "failed"
    assert not Outbox.objects.filter(channel="sms").exists()


def test_a_status_for_an_unknown_message_is_kept_for_a_later_try(citizen):

    citizen.post(statuses=[simulate.status("wamid.unknown", "delivered")])
    stored = InboundMessage.objects.get(kind="status")
    assert stored.processed_at is None  # the send may not have recorded the id yet: the pick-up retries


class Refusing(ConsoleWhatsAppBackend):
    def send(self, **kwargs):
        raise PermanentSendError("WhatsApp answered HTTP 400: outside the 24-hour window")


def test_a_message_whatsapp_refuses_for_good_goes_by_sms_at_once(citizen, officer, settings):
    complaint = file_by_whatsapp(citizen)
    settings.BALAGH_WHATSAPP_BACKEND = f"{__name__}.Refusing"
    with citizen.capture(execute=True):
        services.complaint_start(complaint=complaint, actor=officer)
    whatsapp = Outbox.objects.get(complaint=complaint, template="in_progress", channel="whatsapp")
    assert whatsapp.status == "failed" and whatsapp.attempts == 1
    assert Outbox.objects.get(complaint=complaint, template="in_progress", channel="sms").status == "sent"


# --------------------------------------------------------------------------- the Graph API, faked locally


class FakeGraph:
    """A local HTTP server answering like the Graph API; records what it received."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answer_status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body: bytes, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "json": json.loads(self.rfile.read(length))}
                )
                if fake.answer_status != 200:
                    return self._reply(fake.answer_status, b'{"error": {"message": "nope"}}')
                self._reply(200, json.dumps({"messages": [{"id": "wamid.GRAPH1"}]}).encode())

            def do_GET(self):
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
                if self.path == "/v21.0/media-1":
                    url = f"http://127.0.0.1:{fake.port}/download/media-1"
                    return self._reply(200, json.dumps({"url": url, "mime_type": "image/jpeg"}).encode())
                if self.path == "/download/media-1":
                    return self._reply(200, jpeg(), "image/jpeg")
                self._reply(404, b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v21.0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph(settings):
    with FakeGraph() as fake:
        settings.WHATSAPP_GRAPH_URL = fake.url
        settings.WHATSAPP_ACCESS_TOKEN = "token-123"
        settings.WHATSAPP_PHONE_NUMBER_ID = "555"
        yield fake


def test_the_graph_backend_posts_a_text_message_with_the_token(graph):
    message_id = GraphWhatsAppBackend().send(to="+966501234567", body="مرحبا", key="k1")
    assert message_id == "wamid.GRAPH1"
    (request,) = graph.requests
    assert request["path"] == "/v21.0/555/messages" and request["auth"] == "Bearer token-123"
    assert request["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "966501234567",
        "type": "text",
        "text": {"body": "مرحبا", "preview_url": False},
    }


def test_the_graph_backend_sends_lists_and_buttons_as_interactive_messages(graph):
    interactive = {"type": "button", "action": {"buttons": [{"type": "reply", "reply": {"id": "confirm", "title": "تأكيد"}}]}}
    GraphWhatsAppBackend().send(to="+966501234567", body="راجع بلاغك", interactive=interactive)
    sent = graph.requests[0]["json"]
    assert sent["type"] == "interactive"
    assert sent["interactive"]["body"] == {"text": "راجع بلاغك"}
    assert sent["interactive"]["action"]["buttons"][0]["reply"]["id"] == "confirm"


def test_a_graph_refusal_is_final_and_a_graph_outage_is_retried(graph):
    graph.answer_status = 400
    with pytest.raises(PermanentSendError):
        GraphWhatsAppBackend().send(to="+966501234567", body="x")
    graph.answer_status = 503
    with pytest.raises(SendError):
        GraphWhatsAppBackend().send(to="+966501234567", body="x")


def test_an_unreachable_graph_is_retried(settings):
    settings.WHATSAPP_HTTP_TIMEOUT = 0.5
    with pytest.raises(SendError):
        GraphWhatsAppBackend(base_url="http://127.0.0.1:9", token="t", phone_number_id="1").send(to="+9665", body="x")


def test_the_graph_media_fetcher_downloads_with_the_token(graph):
    photo = GraphMediaFetcher().fetch("media-1")
    assert photo.read()[:2] == b"\xff\xd8"
    assert [r["path"] for r in graph.requests] == ["/v21.0/media-1", "/download/media-1"]
    assert all(r["auth"] == "Bearer token-123" for r in graph.requests)
    with pytest.raises(MediaError):
        GraphMediaFetcher().fetch("media-2")


def test_the_console_backend_prints_the_message_and_its_choices(capsys):
    interactive = {"type": "list", "action": {"sections": [{"title": "x", "rows": [{"id": "pothole", "title": "Pothole"}]}]}}
    assert ConsoleWhatsAppBackend().send(to="+966501234567", body="Choose", interactive=interactive).startswith("wamid.")
    out = capsys.readouterr().out
    assert "WhatsApp to +966501234567: Choose" in out and "[pothole] Pothole" in out
