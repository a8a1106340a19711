"""Helpers for the tests that talk to a real broker."""

from municipality.celery import app


def fresh_broker_pools():
    """Drop this process's broker connection pools (kombu keeps them in a global registry per URL)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()
