"""A mail server pipes an e-mail to ``receive_email``; the real worker sends the answer from the outbox."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from complaints.models import Complaint
from notifications.models import Outbox
from tests.channels.mail import example

ROOT = Path(__file__).resolve().parents[2]


def pipe_env() -> dict:
    """The environment a mail server gives the command: the real settings, the test database, Redis."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "municipality.settings",
        "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }


@pytest.mark.integration
def test_a_piped_email_becomes_a_report_and_its_answer_is_sent_by_the_worker(real_worker):
    done = subprocess.run(
        [sys.executable, "manage.py", "receive_email"],
        input=example("arabic-mail.eml"),
        cwd=ROOT,
        env=pipe_env(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    complaint = Complaint.objects.get(channel="email")
    assert done.stdout.decode().strip() == f"filed {complaint.tracking_number}"

    deadline = time.monotonic() + 60
    row = Outbox.objects.get(complaint=complaint, channel="email")
    while time.monotonic() < deadline and row.status != Outbox.Status.SENT:
        time.sleep(0.5)
        row.refresh_from_db()
    assert row.status == Outbox.Status.SENT and row.recipient == "sara.q@example.org"
    assert complaint.tracking_number in row.subject and "letter.pdf" in row.body

    # The same mail piped again (a mail server retry) changes nothing and sends nothing.
    again = subprocess.run(
        [sys.executable, "manage.py", "receive_email"],
        input=example("arabic-mail.eml"),
        cwd=ROOT,
        env=pipe_env(),
        capture_output=True,
        timeout=120,
    )
    assert again.returncode == 0 and again.stdout.decode().startswith("duplicate")
    assert Complaint.objects.count() == 1 and Outbox.objects.filter(channel="email").count() == 1
