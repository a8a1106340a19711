"""Intake under load: citizens' reports through the API behind gunicorn.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/balagh_intake_10m \\
    REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python -m bench intake

Starts gunicorn (``-k gthread``, BENCH_INTAKE_WORKERS × BENCH_INTAKE_THREADS, default 4 × 4) on
the bench database with production settings (DEBUG=0, the Redis of REDIS_URL for the cache,
the throttle and the Celery broker; BENCH_INTAKE_APP_DIR serves another checkout, e.g. an older
commit). As in production, it sits behind a proxy it trusts (``BALAGH_TRUSTED_PROXIES``: the load
generator's 127.0.0.1) and each submission comes from its own citizen's address
(``X-Forwarded-For``, 65,000 of them in turn), so the anonymous throttle runs at its real rate and
counts per citizen. (Until Dec 6 every POST came from 127.0.0.1 under a raised rate: DRF's throttle
then read and wrote the one address's history of the last minute, ten thousand timestamps, on
every request.) Then BENCH_INTAKE_ROUNDS rounds (default 3), each BENCH_INTAKE_SECONDS (default 10) of
``GET /healthz`` (the baseline: a database and a broker round trip) and as long of
``POST /api/v1/complaints/`` from BENCH_INTAKE_CLIENTS concurrent clients (default 8, each on a
kept-alive connection): valid sub-types, points inside the city, mobiles the application accepts.
Prints requests per second, p50 and p95 of both, per round and over all rounds, and the CPU the
whole machine spent per request, the load generator's own left out (from ``/proc/stat``: what
these cores could take if nothing else ran, whatever a noisy neighbour does to the rate); then checks the
database: every 201 is a report, no number twice, and the month's numbers taken during the run
are exactly the ones answered (no gap). The SMS tasks stay queued on the broker (no worker runs).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import Result, interleaved

WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_INTAKE_THREADS", "4"))
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "8"))
ROUNDS = int(os.environ.get("BENCH_INTAKE_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "10"))
ROOT = Path(__file__).resolve().parent.parent
# The code gunicorn serves (default: this checkout); e.g. an export of an older commit, to measure "before".
APP_DIR = Path(os.environ.get("BENCH_INTAKE_APP_DIR") or ROOT)


def _log(msg: str) -> None:
    print(f"  intake: {msg}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _payloads(n: int) -> list[bytes]:
    """Valid submissions: active sub-types that need no photo, points inside the city, accepted mobiles."""
    from shapely.geometry import shape

    from bench.load import NAMES, ensure_seed, valid_mobile_prefixes
    from complaints.models import Category
    from municipality.geo import inside_municipality
    from municipality.models import District

    ensure_seed()
    rng = random.Random(17)
    codes = list(
        Category.objects.filter(parent__isnull=False, active=True, needs_photo=False, parent__active=True).values_list(
            "code", flat=True
        )
    )
    boxes = [shape(p).bounds for p in District.objects.values_list("polygon", flat=True)]
    prefixes = valid_mobile_prefixes()
    points: list[tuple[float, float]] = []
    while len(points) < 200:
        minx, miny, maxx, maxy = rng.choice(boxes)
        lat, lon = round(rng.uniform(miny, maxy), 6), round(rng.uniform(minx, maxx), 6)
        if inside_municipality(lat, lon):
            points.append((lat, lon))
    out = []
    for i in range(n):
        lat, lon = rng.choice(points)
        out.append(
            json.dumps(
                {
                    "category": rng.choice(codes),
                    "description": f"حفرة عميقة في الطريق أمام المنزل رقم {i} تعيق السير",
                    "lat": lat,
                    "lon": lon,
                    "reporter_name": rng.choice(NAMES),
                    "reporter_phone": f"0{rng.choice(prefixes)}{rng.randrange(10**6):06d}",
                },
                ensure_ascii=False,
            ).encode()
        )
    return out


class Server:
    """gunicorn with production settings, on a free port; stopped by its own pid."""

    def __init__(self) -> None:
        self.port = _free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "DEBUG": "0",
            "SECRET_KEY": "bench-intake-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "BALAGH_TRUSTED_PROXIES": "127.0.0.1/32",
            "DJANGO_SETTINGS_MODULE": "municipality.settings",
        }
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "municipality.wsgi",
                "-k",
                "gthread",
                "-w",
                str(WORKERS),
                "--threads",
                str(THREADS),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=APP_DIR,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _body = _request(http.client.HTTPConnection("127.0.0.1", self.port, timeout=5), "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within a minute")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


HEADERS = {"Content-Type": "application/json", "Accept-Language": "ar", "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def _citizen(n: int) -> str:
    """The ``n``-th citizen's address (65,000 in turn: none sends more than the throttle's rate in a run)."""
    n %= 65000
    return f"10.{n // 250 % 250 + 1}.{n % 250 + 1}.7"


def _request(
    conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None, citizen: str = "10.0.0.1"
) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers={**HEADERS, "X-Forwarded-For": citizen})
    response = conn.getresponse()
    return response.status, response.read()


def _machine_cpu() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine so far, from ``/proc/stat`` (Linux)."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:9]]
    except OSError:
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    hz = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / hz, steal / hz


def _phase(port: int, method: str, path: str, payloads: list[bytes] | None, seconds: float) -> dict:
    """``CLIENTS`` threads sending for ``seconds``: requests per second, latencies, answers."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    numbers: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while time.monotonic() < stop_at:
            n = next(counter)
            body = payloads[n % len(payloads)] if payloads else None
            t0 = time.perf_counter()
            try:
                status, data = _request(conn, method, path, body, _citizen(n))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, data = -1, b""
            mine.append((time.perf_counter() - t0) * 1000)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    numbers.append(json.loads(data)["tracking_number"])
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    (busy_before, stolen_before), own_before = _machine_cpu(), time.process_time()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    busy, stolen = _machine_cpu()
    served = max(len(latencies), 1)
    latencies.sort()
    return {
        # The CPU every process spent per request (the site, PostgreSQL, Redis), the load generator's own left out.
        "cpu_ms": (busy - busy_before - (time.process_time() - own_before)) * 1000 / served,
        "steal": (stolen - stolen_before) / elapsed / (os.cpu_count() or 1),
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0,
        "latencies": latencies,
        "statuses": statuses,
        "numbers": numbers,
        "seconds": elapsed,
    }


def _check(numbers: list[str], before: dict[str, int]) -> list[str]:
    """Every 201 is a report; no duplicate; each month's numbers taken during the run are exactly those answered."""
    from complaints.models import Complaint, TrackingSequence

    problems = []
    if len(set(numbers)) != len(numbers):
        problems.append(f"{len(numbers) - len(set(numbers))} numbers answered twice")
    stored = 0
    for start in range(0, len(numbers), 5000):
        stored += Complaint.objects.filter(tracking_number__in=numbers[start : start + 5000]).count()
    if stored != len(set(numbers)):
        problems.append(f"{len(set(numbers)) - stored} answered reports are not in the database")
    after = dict(TrackingSequence.objects.values_list("prefix", "last_number"))
    by_month: dict[str, set[int]] = {}
    for n in numbers:
        by_month.setdefault(n[:4], set()).add(int(n[5:]))
    for month, last in after.items():
        taken = set(range(before.get(month, 0) + 1, last + 1))
        if taken != by_month.get(month, set()):
            problems.append(
                f"month {month}: {len(taken ^ by_month.get(month, set()))} numbers taken but not answered, or the reverse"
            )
    return problems


def bench_tracking() -> Result:
    """A citizen's tracking look-up (number + mobile as typed, then the public timeline) beside a primary-key lookup."""
    from complaints.models import Complaint
    from complaints.selectors import complaint_for_tracking, public_timeline

    rng = random.Random(5)
    last = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = list(
        Complaint.objects.filter(pk__in=[rng.randrange(1, last + 1) for _ in range(400)])
        .exclude(reporter_phone="")
        .values_list("pk", "tracking_number", "reporter_phone")[:200]
    )
    picks = iter(range(10**9))

    def track():
        _pk, number, phone = sample[next(picks) % len(sample)]
        complaint = complaint_for_tracking(tracking_number=number.replace("-", ""), phone="0" + phone[4:])
        assert complaint is not None
        list(public_timeline(complaint))

    def baseline():
        pk = sample[next(picks) % len(sample)][0]
        Complaint.objects.filter(pk=pk).values_list("pk", flat=True).first()

    track_ms, pk_ms = interleaved(track, baseline, repeat=200)
    return Result(
        "tracking: number + mobile, then the timeline",
        track_ms,
        "primary-key lookup (Complaint)",
        pk_ms,
        target="< 50 ms",
        data=f"{Complaint.objects.count():,} reports",
    )


def run() -> list[Result]:
    from complaints.models import Complaint, TrackingSequence

    if os.environ.get("BENCH_INTAKE_ONLY_TRACKING"):
        return [bench_tracking()]
    tracking = bench_tracking()

    if not os.environ.get("REDIS_URL"):
        _log("REDIS_URL is not set: the cache, the throttle and the broker fall back to local stand-ins")
    payloads = _payloads(2000)
    reports = Complaint.objects.count()
    before = dict(TrackingSequence.objects.values_list("prefix", "last_number"))
    _log(f"gunicorn gthread {WORKERS} workers × {THREADS} threads, {CLIENTS} clients, {reports:,} reports")
    server = Server()
    health: list[dict] = []
    posts: list[dict] = []
    warm: dict = {"numbers": [], "statuses": {}}
    try:
        _phase(server.port, "GET", "/healthz", None, 2)  # warm: connections, caches
        warm = _phase(server.port, "POST", "/api/v1/complaints/", payloads, 2)
        for r in range(ROUNDS):
            health.append(_phase(server.port, "GET", "/healthz", None, SECONDS))
            posts.append(_phase(server.port, "POST", "/api/v1/complaints/", payloads, SECONDS))
            h, p = health[-1], posts[-1]
            _log(
                f"round {r + 1}: POST {p['rate']:.0f}/s p50 {p['p50']:.1f} ms p95 {p['p95']:.1f} ms {p['statuses']} "
                f"CPU {p['cpu_ms']:.1f} ms/POST (steal {p['steal']:.0%}) | "
                f"GET /healthz {h['rate']:.0f}/s p50 {h['p50']:.1f} ms p95 {h['p95']:.1f} ms"
            )
    finally:
        server.stop()
    numbers = [n for phase in [warm, *posts] for n in phase["numbers"]]  # the warm-up's reports took numbers too
    problems = _check(numbers, before)
    lost = sum(count for phase in [warm, *posts] for status, count in phase["statuses"].items() if status != 201)
    all_post = sorted(x for p in posts for x in p["latencies"])
    all_health = sorted(x for h in health for x in h["latencies"])
    post_rate = statistics.median(p["rate"] for p in posts)
    health_rate = statistics.median(h["rate"] for h in health)
    p95_post = all_post[int(len(all_post) * 0.95) - 1]
    p95_health = all_health[int(len(all_health) * 0.95) - 1]
    verdict = "ok" if not problems and not lost else f"FAILED: {problems}, {lost} answers not 201"
    _log(
        f"POST median {post_rate:.0f}/s, p50 {statistics.median(all_post):.1f} ms, p95 {p95_post:.1f} ms; "
        f"GET /healthz median {health_rate:.0f}/s, p95 {p95_health:.1f} ms; ratio of rates {health_rate / post_rate:.2f}; "
        f"{len(numbers):,} reports filed; database check: {verdict}"
    )
    cpu_post = statistics.median(p["cpu_ms"] for p in posts)
    cpu_health = statistics.median(h["cpu_ms"] for h in health)
    cores = os.cpu_count() or 1
    _log(
        f"CPU per POST {cpu_post:.1f} ms (site, PostgreSQL, Redis; the generator left out), per GET /healthz "
        f"{cpu_health:.1f} ms: these {cores} cores, all given to the site, take {cores * 1000 / cpu_post:.0f} submissions/s"
    )
    data = f"{reports:,} reports"
    config = f"gthread {WORKERS}×{THREADS}, {CLIENTS} clients"
    return [
        tracking,
        Result(
            f"intake POST p50 ({config})",
            statistics.median(all_post),
            "GET /healthz p50",
            statistics.median(all_health),
            target="≥200/s, p95 < 100 ms",
            data=data,
        ),
        Result(f"intake POST p95 ({post_rate:.0f}/s; {verdict})", p95_post, "GET /healthz p95", p95_health, data=data),
        Result(
            "intake: ms per submission (1000 / req/s)",
            1000 / post_rate,
            f"/healthz ({health_rate:.0f}/s)",
            1000 / health_rate,
            target="≤ 5 ms (200/s)",
            data=data,
        ),
        Result(
            f"intake: CPU per submission, all processes but the generator ({cores} cores: {cores * 1000 / cpu_post:.0f}/s)",
            cpu_post,
            "CPU per GET /healthz",
            cpu_health,
            target=f"≤ {cores * 1000 / 200:.0f} ms (200/s)",
            data=data,
        ),
    ]
