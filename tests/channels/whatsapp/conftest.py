"""A citizen on WhatsApp, played through the real webhook with the test client.

Answers go out through the outbox and the file backend; photos come from the folder media backend.
Celery is eager and the after-commit callbacks run, as on the worker.
"""

from __future__ import annotations

import io
import json
import time

import pytest
from PIL import Image

from channels.whatsapp import simulate
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory

WEBHOOK = "/webhooks/whatsapp/"


@pytest.fixture(autouse=True)
def whatsapp_files(settings, tmp_path):
    settings.BALAGH_WHATSAPP_BACKEND = "channels.whatsapp.transport.FileWhatsAppBackend"
    settings.BALAGH_WHATSAPP_FILE = str(tmp_path / "whatsapp.log")
    settings.BALAGH_WHATSAPP_MEDIA_BACKEND = "channels.whatsapp.media.FolderMediaFetcher"
    settings.BALAGH_WHATSAPP_MEDIA_FOLDER = str(tmp_path / "media-in")
    settings.BALAGH_SMS_BACKEND = "notifications.backends.FileSMSBackend"
    settings.BALAGH_SMS_FILE = str(tmp_path / "sms.log")
    settings.WHATSAPP_APP_SECRET = "test-app-secret"
    settings.WHATSAPP_VERIFY_TOKEN = "test-verify-token"
    (tmp_path / "media-in").mkdir()
    return tmp_path


def lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def city(db):
    """One district around the demo point and three sub-types under two main types."""
    DistrictFactory(code="centre")
    roads = DepartmentFactory(code="roads", name_en="Roads", name_ar="الطرق")
    cleaning = DepartmentFactory(code="cleaning", name_en="Cleanliness", name_ar="النظافة")
    road_main = MainCategoryFactory(code="roads", name_en="Roads", name_ar="الطرق")
    clean_main = MainCategoryFactory(code="cleanliness", name_en="Cleanliness", name_ar="النظافة")
    return {
        "pothole": CategoryFactory(
            code="pothole", parent=road_main, default_department=roads, name_en="Pothole", name_ar="حفرة في الطريق"
        ),
        "asphalt": CategoryFactory(
            code="asphalt", parent=road_main, default_department=roads, name_en="Asphalt", name_ar="أسفلت"
        ),
        "garbage": CategoryFactory(
            code="garbage", parent=clean_main, default_department=cleaning, name_en="Garbage", name_ar="نفايات"
        ),
    }


class Citizen:
    """Sends messages as one WhatsApp number and reads what the municipality answered."""

    def __init__(self, client, capture, files, number: str):
        self.client, self.capture, self.files, self.number = client, capture, files, number
        self.clock = int(time.time()) - 600

    def tick(self) -> int:
        self.clock += 5
        return self.clock

    def post(self, *messages, statuses=(), sign=True, body: bytes | None = None, signature: str | None = None):
        body = (
            body if body is not None else simulate.encode(simulate.notification(messages=list(messages), statuses=list(statuses)))
        )
        headers = {}
        if sign:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature if signature is not None else simulate.signed(body)
        with self.capture(execute=True):
            return self.client.post(WEBHOOK, data=body, content_type="application/json", **headers)

    def send(self, message: dict):
        response = self.post(message)
        assert response.status_code == 200, response.content
        return message["id"]

    def says(self, text: str, **kw):
        return self.send(simulate.text(self.number, text, ts=kw.pop("ts", None) or self.tick(), **kw))

    def sends_location(self, lat: float, lon: float, **kw):
        return self.send(simulate.location(self.number, lat, lon, ts=kw.pop("ts", None) or self.tick(), **kw))

    def sends_photo(self, content: bytes | None = None, *, caption: str = "", name: str | None = None, **kw):
        media_id = name or f"m{self.tick()}"
        (self.files / "media-in" / media_id).write_bytes(content if content is not None else jpeg())
        return self.send(simulate.image(self.number, media_id, caption=caption, ts=kw.pop("ts", None) or self.tick(), **kw))

    def chooses(self, row_id: str, **kw):
        return self.send(simulate.list_reply(self.number, row_id, ts=kw.pop("ts", None) or self.tick(), **kw))

    def taps(self, button_id: str, **kw):
        return self.send(simulate.button_reply(self.number, button_id, ts=kw.pop("ts", None) or self.tick(), **kw))

    @property
    def replies(self) -> list[dict]:
        return [line for line in lines(self.files / "whatsapp.log") if line["to"] == f"+{self.number}"]

    @property
    def last(self) -> dict:
        return self.replies[-1]

    @property
    def sms(self) -> list[dict]:
        return [line for line in lines(self.files / "sms.log") if line["to"] == f"+{self.number}"]


def jpeg(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def citizen(client, django_capture_on_commit_callbacks, whatsapp_files, city):
    return Citizen(client, django_capture_on_commit_callbacks, whatsapp_files, "966501234567")


@pytest.fixture
def make_citizen(client, django_capture_on_commit_callbacks, whatsapp_files, city):
    return lambda number: Citizen(client, django_capture_on_commit_callbacks, whatsapp_files, number)
