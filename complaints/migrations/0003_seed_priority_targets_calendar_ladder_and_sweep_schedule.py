"""Seed the SLA defaults: priority targets, the business calendar (Sunday–Thursday, 2026–2027 holidays),
the escalation ladder and the beat schedule of the sweep and the outbox re-send. Safe on a filled database:
only missing rows are created, edited ones are left alone."""

import json

from django.db import migrations

from municipality.calendar import seed_calendar

PRIORITY_TARGETS = [
    ("urgent", "wall", "1", "4"),
    ("high", "working", "4", "8"),
    ("normal", "working", "8", "24"),
    ("low", "working", "16", "80"),
]
LADDER = [
    ("At risk (75%) → owner", "at_risk", 75, 0, "owner"),
    ("Breach → department head", "resolution", 100, 1, "head"),
    ("Breach + 50% → follow-up committee", "resolution", 150, 2, "committee"),
    ("Breach + 100% → mayor", "resolution", 200, 3, "mayor"),
    ("Response time breached → department head", "response", 100, 0, "head"),
]
SCHEDULES = [
    ("Escalation sweep (every 5 minutes)", "routing.tasks.escalate_overdue_task", 5),
    ("Re-send pending outbox messages (every 2 minutes)", "notifications.tasks.resend_pending_outbox", 2),
]


def seed(apps, schema_editor):
    PrioritySLA = apps.get_model("complaints", "PrioritySLA")
    for priority, clock, response, resolution in PRIORITY_TARGETS:
        PrioritySLA.objects.get_or_create(
            priority=priority, defaults={"clock": clock, "response_hours": response, "resolution_hours": resolution}
        )
    seed_calendar(
        working_week_model=apps.get_model("municipality", "WorkingWeek"), holiday_model=apps.get_model("municipality", "Holiday")
    )
    EscalationPolicy = apps.get_model("routing", "EscalationPolicy")
    if not EscalationPolicy.objects.exists():
        for name, trigger, percent, level, audience in LADDER:
            EscalationPolicy.objects.create(name=name, trigger=trigger, percent=percent, level=level, audience=audience)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SCHEDULES:
        if PeriodicTask.objects.filter(task=task).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.create(name=name, task=task, interval=interval, args=json.dumps([]), kwargs=json.dumps({}))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_sla_thresholds_and_priority_targets"),
        ("municipality", "0002_business_calendar"),
        ("routing", "0001_rules_and_escalation_ladder"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
