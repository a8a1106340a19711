"""Every task lands in one of the three queues, so a worker per queue covers them all and a long
reports task never waits in front of an SMS (the routes are ``BALAGH_TASK_QUEUES`` in the settings)."""

from fnmatch import fnmatchcase

import pytest
from django.conf import settings

from municipality.celery import app

QUEUES = {"notifications", "escalation", "reports"}


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def project_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(
        name
        for name in app.tasks
        if name.split(".")[0] in {"complaints", "notifications", "channels", "sla", "routing", "reports"}
    )


def test_every_task_of_the_project_is_routed_to_a_named_queue():
    tasks = project_tasks()
    assert len(tasks) >= 15
    # Each matches exactly one pattern of BALAGH_TASK_QUEUES, not only the default queue by falling through.
    matches = {
        name: [q for q, patterns in settings.BALAGH_TASK_QUEUES.items() if any(fnmatchcase(name, p) for p in patterns)]
        for name in tasks
    }
    assert {name: found for name, found in matches.items() if len(found) != 1} == {}
    assert {name: queue_of(name) for name in tasks} == {name: found[0] for name, found in matches.items()}
    assert set(settings.BALAGH_TASK_QUEUES) == QUEUES


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("notifications.tasks.deliver_outbox", "notifications"),
        ("notifications.tasks.deliver_outbox_batch", "notifications"),
        ("channels.whatsapp.tasks.process_inbound", "notifications"),
        ("channels.email.tasks.poll_mailbox", "notifications"),
        ("sla.tasks.escalate_overdue_task", "escalation"),
        ("complaints.tasks.auto_close_resolved", "escalation"),
        ("reports.tasks.compile_and_send_weekly_report", "reports"),
        ("reports.tasks.compile_weekly_report_now", "reports"),
        ("reports.tasks.refresh_dashboard", "reports"),
    ],
)
def test_sms_escalation_and_reports_each_have_their_own_queue(task, queue):
    assert queue_of(task) == queue


def test_a_worker_started_without_queues_consumes_all_three():
    """``make run`` (Procfile: one worker, no -Q) still runs every task."""
    assert set(app.amqp.queues) == QUEUES
    assert set(app.amqp.queues.consume_from) == QUEUES
