"""WhatsApp benchmarks: the webhook's latency while the worker is busy, and a burst of conversations.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/balagh_whatsapp_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 python -m bench whatsapp

What it does, against a real Celery worker it starts (threads pool, 2 threads, as in the
Procfile) on the bench database and the configured broker (Redis with REDIS_URL, else the
filesystem broker):

1. **The form, for comparison**: BENCH_WHATSAPP_CITIZENS (250) reports filed one after another
   through the citizen form (review, then submit: two POSTs each, the report filed in the request).
2. **The burst**: 4 messages from each of the same number of WhatsApp citizens (description,
   location, type from the list, the confirm button: 1,000 messages for 250 citizens), each
   posted as its own signed webhook notification, back to back. Then it waits until every
   message is processed and checks: every message stored once and processed once, one report
   per citizen (no loss, no duplicate).
3. **The webhook while the worker is busy**: right after the burst, while the worker still has
   a backlog, signed POSTs of new messages are timed interleaved with a primary-key lookup of one
   report (the baseline); the backlog is counted before and after to show the worker was busy.

The webhook is called through Django's test client in this process (the whole middleware stack,
the signature check, the INSERT and the hand-off to the broker; no HTTP server in between).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import Result, interleaved

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "9665900"  # the bench's citizens: +9665900xxxxx
LATENCY_PREFIX = "9665901"


def _log(text: str) -> None:
    print(f"  [whatsapp] {text}", file=sys.stderr, flush=True)


def _start_worker(tmp: Path) -> subprocess.Popen:
    from django.db import connection

    from municipality.celery import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "municipality.settings",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "WHATSAPP_BACKEND": "file",
        "WHATSAPP_FILE_PATH": str(tmp / "whatsapp.log"),
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(tmp / "sms.log"),
    }
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "municipality", "worker", "--pool=threads", "--concurrency=2",
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "-n", f"bench-whatsapp-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "worker.log", "w"),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the worker exited: " + (tmp / "worker.log").read_text()[-2000:])
        if app.control.ping(timeout=1.0):
            return proc
    proc.terminate()
    raise RuntimeError("the worker did not answer a ping within 60 s")


def _stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _clean() -> None:
    """Forget an earlier run's citizens, so every run starts from the same state."""
    from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
    from complaints.models import Complaint
    from notifications.models import Outbox

    for prefix in (PREFIX, LATENCY_PREFIX):
        InboundMessage.objects.filter(sender__startswith=prefix).delete()
        Conversation.objects.filter(contact__wa_id__startswith=prefix).delete()
        WhatsAppContact.objects.filter(wa_id__startswith=prefix).delete()
        Outbox.objects.filter(recipient__startswith=f"+{prefix}").delete()
        Complaint.objects.filter(reporter_phone__startswith=f"+{prefix}").delete()


def _post(client, message: dict) -> float:
    from channels.whatsapp import simulate

    body = simulate.encode(simulate.notification(messages=[message]))
    t0 = time.perf_counter()
    response = client.post(
        "/webhooks/whatsapp/", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=simulate.signed(body)
    )
    elapsed = (time.perf_counter() - t0) * 1000
    assert response.status_code == 200, response.content[:300]
    return elapsed


def _form_reports(client, category, n: int) -> float:
    """File ``n`` reports through the citizen form; returns the wall time in seconds."""
    payload_re = re.compile(r'name="payload" value="([^"]+)"')
    t0 = time.perf_counter()
    for i in range(n):
        review = client.post(
            "/",
            {
                "main_type": category.parent_id,
                "category": category.pk,
                "lat": "18.30",
                "lon": "42.73",
                "description": f"حفرة عميقة أمام المسجد تعيق السير رقم {i}",
                "reporter_name": "مواطن",
                "reporter_phone": f"+{PREFIX}{i:05d}",
                "review": "1",
            },
        )
        match = payload_re.search(review.content.decode())
        assert match, f"the form refused the report (HTTP {review.status_code})"
        done = client.post("/", {"payload": match.group(1).replace("&quot;", '"'), "submit": "1"})
        assert done.status_code == 302, done.content[:300]
    return time.perf_counter() - t0


def _backlog(senders_prefix: str) -> int:
    from channels.whatsapp.models import InboundMessage

    return InboundMessage.objects.filter(sender__startswith=senders_prefix, processed_at__isnull=True).count()


def run() -> list[Result]:
    from django.conf import settings
    from django.test import Client

    from channels.whatsapp import simulate
    from channels.whatsapp.models import InboundMessage
    from complaints.models import Category, Complaint
    from demo.seed import SeedReport, seed_districts, seed_organisation
    from municipality.models import District

    settings.DEBUG = False  # as in production: no per-query logging
    citizens = int(os.environ.get("BENCH_WHATSAPP_CITIZENS", 250))
    latency_samples = int(os.environ.get("BENCH_WHATSAPP_LATENCY_SAMPLES", 100))
    if not Category.objects.filter(parent__isnull=False).exists():
        seed_organisation(SeedReport())
    if not District.objects.exists():
        seed_districts(SeedReport())
    # A sub-type the form takes without a photo (the bench sends none on either channel).
    category = Category.objects.active().sub_types().filter(needs_photo=False).order_by("code").first()
    _clean()
    tmp = Path(tempfile.mkdtemp(prefix="bench-whatsapp-"))
    worker = _start_worker(tmp)
    client = Client()
    results: list[Result] = []
    try:
        # 1. The form, one report after another.
        form_s = _form_reports(client, category, citizens)
        form_rate = citizens / form_s
        _log(f"form: {citizens} reports in {form_s:.1f} s ({form_rate:.1f} reports/s)")
        Complaint.objects.filter(reporter_phone__startswith=f"+{PREFIX}").delete()  # the same numbers file on WhatsApp

        # 2. The burst: 4 messages per citizen, posted back to back.
        run_id = uuid.uuid4().hex[:8].upper()
        clock = int(time.time()) - 3600
        messages = []
        for i in range(citizens):
            number = f"{PREFIX}{i:05d}"
            ts = clock + i
            messages += [
                simulate.text(number, f"حفرة كبيرة أمام المدرسة رقم {i}", wamid=f"wamid.B{run_id}{i:05d}A", ts=ts),
                simulate.location(number, 18.30, 42.73, wamid=f"wamid.B{run_id}{i:05d}B", ts=ts + 1),
                simulate.list_reply(number, category.code, wamid=f"wamid.B{run_id}{i:05d}C", ts=ts + 2),
                simulate.button_reply(number, "confirm", wamid=f"wamid.B{run_id}{i:05d}D", ts=ts + 3),
            ]
        # Each citizen's four messages, then the next citizen's: a burst as WhatsApp would deliver it.
        t0 = time.perf_counter()
        burst_ms = [_post(client, m) for m in messages]
        posted_s = time.perf_counter() - t0
        _log(f"burst: {len(messages)} POSTs in {posted_s:.1f} s (median {statistics.median(burst_ms):.1f} ms)")

        # 3. The webhook while the worker works through the burst.
        backlog_before = _backlog(PREFIX)
        counter = iter(range(10**6))
        one = Complaint.objects.values_list("pk", flat=True).first()

        def post_one():
            n = next(counter)
            _post(client, simulate.text(f"{LATENCY_PREFIX}{n % 50:05d}", "حفرة كبيرة أمام المدرسة", ts=clock + n))

        def pk_lookup():
            Complaint.objects.filter(pk=one).values_list("tracking_number", flat=True).first()

        busy_ms, base_ms = interleaved(post_one, pk_lookup, repeat=latency_samples, warmup=3)
        backlog_after = _backlog(PREFIX)
        _log(f"webhook while busy: {busy_ms:.1f} ms median; burst backlog {backlog_before} → {backlog_after} messages")

        deadline = time.monotonic() + max(600, citizens * 4)
        while _backlog(PREFIX) and time.monotonic() < deadline:
            time.sleep(0.5)
        done_s = time.perf_counter() - t0
        stored = InboundMessage.objects.filter(sender__startswith=PREFIX)
        reports = Complaint.objects.filter(channel="whatsapp", reporter_phone__startswith=f"+{PREFIX}")
        lost = len(messages) - stored.filter(processed_at__isnull=False).count()
        per_citizen = reports.values("reporter_phone").distinct().count()
        duplicates = reports.count() - per_citizen
        _log(
            f"burst processed: {stored.count()} stored, {lost} unprocessed, {reports.count()} reports for "
            f"{per_citizen} citizens ({duplicates} duplicates) in {done_s:.1f} s"
        )
        assert stored.count() == len(messages) and lost == 0, "messages lost"
        assert per_citizen == citizens and duplicates == 0, "a report missing or filed twice"
        wa_rate = citizens / done_s
        _log(
            f"throughput: WhatsApp {len(messages) / done_s:.1f} messages/s = {wa_rate:.1f} reports/s; form {form_rate:.1f} reports/s"
        )

        data = f"{citizens} citizens, {len(messages)} msgs"
        results.append(
            Result(
                "webhook POST while the worker is busy (vs primary-key lookup)",
                busy_ms,
                "primary-key lookup",
                base_ms,
                target="< 50 ms",
                data=f"backlog {backlog_before}→{backlog_after}",
            )
        )
        results.append(
            Result(
                "WhatsApp burst: wall ms per report (vs the form's)",
                done_s * 1000 / citizens,
                "form: wall ms per report",
                form_s * 1000 / citizens,
                target="no loss, no duplicate",
                data=data,
            )
        )
    finally:
        _stop_worker(worker)
        _clean()
    return results
