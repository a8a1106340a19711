"""The beat's X poll runs on the real worker: mentions (the fake X's file) become reports, answered once."""

import json
import shutil
import time
from pathlib import Path

import pytest

from complaints.models import Complaint
from municipality.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_x(tmp_path, monkeypatch):
    """The worker process reads its settings from the environment it inherits: point it at a fake X."""
    mentions = tmp_path / "mentions.json"
    shutil.copy(ROOT / "docs" / "examples" / "x-mentions.json", mentions)
    monkeypatch.setenv("X_BACKEND", "fake")
    monkeypatch.setenv("X_FAKE_MENTIONS_FILE", str(mentions))
    monkeypatch.setenv("X_FAKE_REPLIES_FILE", str(tmp_path / "replies.jsonl"))
    return tmp_path


def wait_for(predicate, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.integration
def test_the_worker_files_mentions_and_answers_each_once(fake_x, real_worker):
    replies_file = fake_x / "replies.jsonl"

    def replies() -> list[dict]:
        return [json.loads(line) for line in replies_file.read_text().splitlines()] if replies_file.exists() else []

    app.send_task("channels.x.tasks.poll_mentions")  # what beat sends, through Redis to the worker
    wait_for(lambda: len(replies()) == 2, "the two answers")
    app.send_task("channels.x.tasks.poll_mentions")  # the next beat: nothing new, nothing re-sent
    wait_for(lambda: Complaint.objects.filter(channel="twitter").count() == 2, "the two reports")
    time.sleep(3)
    assert Complaint.objects.filter(channel="twitter").count() == 2 and len(replies()) == 2
    numbers = set(Complaint.objects.filter(channel="twitter").values_list("tracking_number", flat=True))
    assert {n for n in numbers if any(n in r["text"] for r in replies())} == numbers
