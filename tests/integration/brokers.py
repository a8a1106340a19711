"""Helpers for the tests that talk to a real broker."""

import subprocess

from municipality.celery import app


def fresh_broker_pools():
    """Drop this process's broker connection pools (kombu keeps them in a global registry per URL)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


def stop_worker(proc: subprocess.Popen) -> None:
    """Stop a worker process: politely, then for good after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
