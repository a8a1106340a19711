"""Shared by the integration tests: a real Celery worker process on the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from municipality.celery import app
from tests.integration.brokers import fresh_broker_pools, stop_worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_worker(transactional_db):
    fresh_broker_pools()  # another test may have re-pointed and closed them
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "municipality.settings",
        "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "municipality",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"ci-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("the worker exited: " + proc.stdout.read().decode(errors="replace")[-2000:])
            if app.control.ping(timeout=1.0):
                break
        else:
            pytest.fail("the worker did not answer a ping within 60 s")
        yield proc
    finally:
        stop_worker(proc)
