"""Two Celery beats started by mistake: each periodic task is sent once, and the second takes over when the first dies.

Two real ``celery beat`` processes on the test database (the lock is a PostgreSQL advisory lock)
and a Redis of the test's own, with a task due every second; what they send is counted in Redis.
"""

from __future__ import annotations

import json
import time

import pytest
import redis
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from municipality.celery import app
from tests.integration.faults import RedisServer, app_env
from tests.integration.workers import Process, celery_command, wait_for

PROBE = "tests.beat_probe_every_second"


def sent(server: RedisServer) -> int:
    """How many probe tasks the beats have sent (they wait in Redis: no worker runs)."""
    messages = redis.Redis(port=server.port).lrange(app.conf.task_default_queue, 0, -1)
    return sum(json.loads(message)["headers"]["task"] == PROBE for message in messages)


@pytest.mark.integration
@pytest.mark.postgres
def test_two_beats_send_each_periodic_task_once_and_the_second_takes_over(transactional_db, tmp_path):
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="probe", task=PROBE, interval=every_second)
    server = RedisServer()
    server.start()
    env = app_env(redis_url=server.url, gateway=None, var_dir=tmp_path / "var")
    beats = [
        Process(f"beat-{n}", celery_command("beat", "--loglevel=WARNING", "-s", str(tmp_path / f"beat-{n}")), env, tmp_path)
        for n in (1, 2)
    ]
    try:
        wait_for(lambda: sent(server) >= 2, 60, "the first probes")
        leaders = wait_for(lambda: [b for b in beats if "holding the lock" in b.output()], 10, "a beat to hold the lock")
        time.sleep(2)  # both beats are up by now
        start, started = sent(server), time.monotonic()
        time.sleep(6)
        rate = (sent(server) - start) / (time.monotonic() - started)
        assert len(leaders) == 1 and all(b.alive() for b in beats)
        assert 0.5 < rate < 1.5, f"{rate:.2f} probes a second (two beats each sending would be about 2)"

        [leader] = leaders
        [standby] = [b for b in beats if b is not leader]
        leader.kill_9()
        before = sent(server)
        wait_for(lambda: "holding the lock" in standby.output(), 20, "the second beat to take over")
        wait_for(lambda: sent(server) >= before + 2, 20, "the second beat to send")
        print(f"\ntwo beats: {rate:.2f} probes a second; the second beat took over after the first was killed")
    finally:
        for beat in beats:
            beat.stop()
        server.stop()
