"""X mentions become triage reports, each answered publicly with its tracking number only."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command

from channels.x.backends import APIXBackend, FakeXBackend, XError
from channels.x.models import XCursor, XReply
from channels.x.services import x_poll
from channels.x.tasks import poll_mentions
from complaints.models import Complaint, Event, IncomingMessage
from complaints.workflow import Status
from municipality.models import Role
from notifications.models import Outbox
from tests.factories import INSIDE, OUTSIDE, DistrictFactory, make_user

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "x-mentions.json"


def tweet(id_, text, author="111", *, point=None, replied_to=None, retweet=False, lang="ar"):
    data = {"id": str(id_), "text": text, "author_id": author, "created_at": "2026-12-05T08:30:00.000Z", "lang": lang}
    if point:
        data["geo"] = {"coordinates": {"type": "Point", "coordinates": [point[1], point[0]]}}
    refs = []
    if replied_to:
        refs.append({"type": "replied_to", "id": str(replied_to)})
    if retweet:
        refs.append({"type": "retweeted", "id": "5"})
    if refs:
        data["referenced_tweets"] = refs
    return data


@pytest.fixture
def x(tmp_path, settings):
    """The fake X: write mentions to its file, read what we posted back."""
    settings.X_BACKEND = "fake"
    settings.X_ACCOUNT_ID = "999"
    settings.X_FAKE_MENTIONS_FILE = str(tmp_path / "mentions.json")
    settings.X_FAKE_REPLIES_FILE = str(tmp_path / "replies.jsonl")
    DistrictFactory()

    class Fake:
        backend = FakeXBackend()

        def mentions(self, *tweets, users=None):
            users = users or [{"id": "111", "username": "ahmad_k"}, {"id": "222", "username": "sara"}]
            Path(settings.X_FAKE_MENTIONS_FILE).write_text(
                json.dumps({"data": list(tweets), "includes": {"users": users}}, ensure_ascii=False), encoding="utf-8"
            )

        def replies(self):
            return self.backend.replies()

    return Fake()


def test_a_mention_becomes_a_triage_report_answered_with_its_number_only(x):
    x.mentions(tweet(1001, "@KhamisMunicipality حفرة كبيرة في طريق الملك فيصل قرب الإشارة"))
    assert x_poll().counts == {"filed": 1}
    complaint = Complaint.objects.get()
    assert complaint.channel == "twitter" and complaint.external_id == "1001" and complaint.status == Status.NEW
    assert complaint.description == "حفرة كبيرة في طريق الملك فيصل قرب الإشارة"  # our handle left out
    assert complaint.category is None and complaint.lat is None
    original = IncomingMessage.objects.get(complaint=complaint)
    assert original.sender == "@ahmad_k" and original.data["tweet_id"] == "1001"
    (reply,) = x.replies()
    assert reply["in_reply_to_tweet_id"] == "1001"
    assert complaint.tracking_number in reply["text"]
    # Public: nothing about the citizen or the problem, and no private tracking link.
    assert "ahmad" not in reply["text"] and "حفرة" not in reply["text"] and complaint.token not in reply["text"]
    assert XReply.objects.get().status == XReply.Status.SENT
    assert not Outbox.objects.exists()  # no phone, no e-mail: X is the only way back


def test_a_geotag_inside_the_city_becomes_the_pin(x):
    x.mentions(tweet(1002, "@Khamis إنارة معطلة", point=INSIDE), tweet(1003, "@Khamis إنارة معطلة هنا", point=OUTSIDE))
    x_poll()
    inside, outside = Complaint.objects.order_by("external_id")
    assert (inside.lat, inside.lon) == INSIDE and inside.district is not None
    assert outside.lat is None  # outside the municipality: the agent puts the pin


def test_the_same_mention_twice_files_one_report_and_replies_once(x):
    x.mentions(tweet(1004, "@Khamis النفايات متراكمة منذ أيام"))
    x_poll()
    XCursor.objects.update(since_id="")  # as if the cursor were lost: X hands the same mention again
    assert x_poll().counts == {"duplicate": 1}
    assert Complaint.objects.count() == 1 and len(x.replies()) == 1


def test_the_poll_resumes_after_the_newest_mention_read(x):
    x.mentions(tweet(1005, "@Khamis أول بلاغ عن حفرة"))
    x_poll()
    assert XCursor.objects.get().since_id == "1005"
    x.mentions(tweet(1005, "@Khamis أول بلاغ عن حفرة"), tweet(1006, "@Khamis ثاني بلاغ عن إنارة"))
    assert x_poll().counts == {"filed": 1}
    assert Complaint.objects.count() == 2


def test_our_own_tweets_and_retweets_are_never_answered(x):
    x.mentions(tweet(1007, "@Khamis شكرًا، رقم المتابعة 2612-000001", author="999"), tweet(1008, "RT @x: حفرة", retweet=True))
    assert x_poll().counts == {"ignored": 2}
    assert not Complaint.objects.exists() and not x.replies()


def test_a_mention_with_nothing_but_handles_files_nothing(x):
    x.mentions(tweet(1009, "@Khamis @someone"))
    assert x_poll().counts == {"empty": 1}
    assert not Complaint.objects.exists()


def test_a_reply_in_the_thread_is_a_message_on_the_same_report(x):
    x.mentions(tweet(1010, "@Khamis حفرة أمام المدرسة"))
    x_poll()
    complaint = Complaint.objects.get()
    ours = x.replies()[0]["id"]
    x.mentions(
        tweet(1011, "@Khamis هل من جديد؟", replied_to=ours),
        tweet(1012, "@Khamis وأنا أيضًا عندي حفرة", author="222", replied_to=ours),
    )
    assert x_poll().counts == {"update": 1, "filed": 1}
    assert complaint.events.filter(kind=Event.Kind.CITIZEN_MESSAGE, text="هل من جديد؟").exists()
    assert Complaint.objects.count() == 2  # another account in the thread files its own report


def test_a_failed_reply_is_retried_on_the_next_poll_and_sent_once(x, monkeypatch):
    x.mentions(tweet(1013, "@Khamis انقطاع المياه في الحي"))
    calls = []

    def down(self, **kwargs):
        calls.append(kwargs)
        raise XError("X answered HTTP 503")

    monkeypatch.setattr(FakeXBackend, "reply", down)
    x_poll()
    reply = XReply.objects.get()
    assert reply.status == XReply.Status.PENDING and "503" in reply.last_error
    monkeypatch.undo()
    x_poll()
    reply.refresh_from_db()
    assert reply.status == XReply.Status.SENT and len(x.replies()) == 1


def test_a_broken_mentions_file_is_a_clear_error_and_the_cursor_stays(x, settings):
    Path(settings.X_FAKE_MENTIONS_FILE).write_text("{not json", encoding="utf-8")
    assert poll_mentions() == {"error": 1}
    assert not Complaint.objects.exists()


def test_malformed_entries_are_skipped(x):
    x.mentions({"id": "abc", "text": "x"}, {"id": "1014"}, tweet(1015, "@Khamis بلاغ صحيح عن حفرة"), "not a tweet")
    assert x_poll().counts == {"filed": 1}


def test_the_command_and_the_example_file(x, settings):
    settings.X_FAKE_MENTIONS_FILE = str(EXAMPLE)
    from io import StringIO

    out = StringIO()
    call_command("poll_x", stdout=out)
    assert out.getvalue().strip() == "filed: 2"
    geotagged = Complaint.objects.get(external_id="1864000000000000001")
    assert geotagged.lat is not None and geotagged.language == "ar"
    assert Complaint.objects.get(external_id="1864000000000000002").language == "en"


# --------------------------------------------------------------------------- the API backend over HTTP


class FakeXAPI(BaseHTTPRequestHandler):
    pages: list[dict] = []
    requests: list[tuple[str, str, dict, dict | None]] = []
    fail_post = False

    def log_message(self, *args):
        pass

    def _answer(self, status: int, payload: dict | str):
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        FakeXAPI.requests.append(("GET", self.path, dict(self.headers), None))
        if self.headers.get("Authorization") != "Bearer t0ken":
            return self._answer(401, {"title": "Unauthorized"})
        page = 1 if "pagination_token=p2" in self.path else 0
        return self._answer(200, FakeXAPI.pages[page])

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeXAPI.requests.append(("POST", self.path, dict(self.headers), body))
        if FakeXAPI.fail_post:
            return self._answer(429, {"title": "Too Many Requests"})
        return self._answer(201, {"data": {"id": "7777", "text": body["text"]}})


@pytest.fixture
def api(settings):
    DistrictFactory()
    FakeXAPI.requests, FakeXAPI.fail_post = [], False
    FakeXAPI.pages = [
        {
            "data": [tweet(2002, "@Khamis ثانية عن حفرة", author="111")],
            "includes": {"users": [{"id": "111", "username": "ahmad_k"}]},
            "meta": {"next_token": "p2"},
        },
        {"data": [tweet(2001, "@Khamis أولى عن حفرة", author="111", point=INSIDE)], "meta": {}},
    ]
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeXAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.X_ACCOUNT_ID = "999"
    yield APIXBackend(base_url=f"http://127.0.0.1:{server.server_address[1]}/2", token="t0ken", account_id="999", timeout=5)
    server.shutdown()
    server.server_close()


def test_the_api_backend_reads_every_page_and_replies_over_http(api):
    assert x_poll(backend=api).counts == {"filed": 2}
    gets = [r for r in FakeXAPI.requests if r[0] == "GET"]
    assert gets[0][1].startswith("/2/users/999/mentions?") and "pagination_token=p2" in gets[1][1]
    posts = [r[3] for r in FakeXAPI.requests if r[0] == "POST"]
    assert sorted(p["reply"]["in_reply_to_tweet_id"] for p in posts) == ["2001", "2002"]
    assert XReply.objects.filter(status=XReply.Status.SENT, reply_id="7777").count() == 2
    assert XCursor.objects.get().since_id == "2002"
    x_poll(backend=api)
    resumed = [r for r in FakeXAPI.requests if r[0] == "GET"][-2]
    assert "since_id=2002" in resumed[1]


def test_the_api_backend_reports_a_refusal_clearly(api):
    api.token = "wrong"
    with pytest.raises(XError, match="HTTP 401"):
        x_poll(backend=api)
    assert not Complaint.objects.exists() and XCursor.objects.get().since_id == ""


def test_a_rate_limited_reply_stays_pending(api):
    FakeXAPI.fail_post = True
    x_poll(backend=api)
    assert set(XReply.objects.values_list("status", flat=True)) == {XReply.Status.PENDING}


def test_administrators_see_the_replies_and_an_agent_does_not(x, client):

    x.mentions(tweet(1016, "@Khamis بلاغ عن حفرة كبيرة"))
    x_poll()
    client.force_login(make_user("boss", Role.ADMIN))
    page = client.get("/admin/channels/xreply/")
    assert page.status_code == 200 and "1016" in page.content.decode()
    client.force_login(make_user("agent", Role.AGENT))
    assert client.get("/admin/channels/xreply/").status_code == 403
