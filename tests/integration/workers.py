"""The one way the integration tests start a Celery worker: a real process on the test database,
consuming the queues asked for (all of them by default, as ``make run``'s worker does), and
answering a ping by its own name before the test goes on. Stopped by its process id.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.db import connection

from municipality.celery import app

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def wait_for(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


def database_url() -> str:
    """The test database, as a child process's ``DATABASE_URL``."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER'] or 'postgres'}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    """This process's environment for a worker on the test database, not eager, plus ``extra``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "municipality.settings",
        "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url(),
        **extra,
    }


class Process:
    """A child process of the test, with its output kept in a file for the failure message."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self.handle = self.log.open("ab")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def kill_9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Politely (a worker finishes its task), then for good after 20 s."""
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.handle.close()


def celery_command(*args: str) -> list[str]:
    if (BIN / "celery").exists():
        return [str(BIN / "celery"), "-A", "municipality", *args]
    return [sys.executable, "-m", "celery", "-A", "municipality", *args]


def start_worker(
    env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    name: str = "worker",
    *,
    queues: Iterable[str] | None = None,
) -> Process:
    """A worker (solo pool: one task at a time) consuming ``queues`` (default: every queue).

    ``env`` defaults to :func:`worker_env`; this process's Celery app must point at the same
    broker, since the worker is pinged through it.
    """
    node = f"{name}-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"
    argv = ["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    if queues is not None:
        argv += ["-Q", ",".join(queues)]
    log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
    worker = Process(name, celery_command(*argv, "-n", node), env if env is not None else worker_env(), log_dir)
    wait_for(lambda: not worker.alive() or bool(app.control.ping(destination=[node], timeout=0.5)), 60, f"the {name} to answer")
    if not worker.alive():
        worker.stop()
        pytest.fail(f"the {name} exited: {worker.output()}")
    return worker
