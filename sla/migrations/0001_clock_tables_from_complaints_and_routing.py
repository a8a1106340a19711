"""The clock's models move here from complaints (PrioritySLA, LadderStep → PendingStep) and routing
(EscalationPolicy → EscalationStep). State only: the tables keep their names (``db_table``), so an
existing database changes nothing and keeps every row; complaints 0008 and routing 0003 drop the old
models from their apps' state after this one."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("complaints", "0007_event_indexes_for_what_is_looked_up"),
        ("routing", "0002_rule_change_marker_and_followers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PrioritySLA",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "priority",
                            models.CharField(
                                choices=[("urgent", "Urgent"), ("high", "High"), ("normal", "Normal"), ("low", "Low")],
                                max_length=10,
                                unique=True,
                                verbose_name="priority",
                            ),
                        ),
                        (
                            "clock",
                            models.CharField(
                                choices=[
                                    ("working", "Working hours (Sunday–Thursday, minus holidays)"),
                                    ("wall", "Wall-clock hours, 24/7"),
                                ],
                                default="working",
                                max_length=10,
                                verbose_name="clock",
                            ),
                        ),
                        (
                            "response_hours",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=7,
                                validators=[django.core.validators.MinValueValidator(0.01)],
                                verbose_name="response target (hours)",
                            ),
                        ),
                        (
                            "resolution_hours",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=7,
                                validators=[django.core.validators.MinValueValidator(0.01)],
                                verbose_name="resolution target (hours)",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "priority target",
                        "verbose_name_plural": "priority targets",
                        "db_table": "complaints_prioritysla",
                        "ordering": ["pk"],
                    },
                ),
                migrations.CreateModel(
                    name="EscalationStep",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        (
                            "trigger",
                            models.CharField(
                                choices=[
                                    ("at_risk", "At risk (before the resolution breach)"),
                                    ("resolution", "Resolution time"),
                                    ("response", "Response time"),
                                ],
                                default="resolution",
                                max_length=20,
                                verbose_name="measured against",
                            ),
                        ),
                        (
                            "percent",
                            models.PositiveIntegerField(
                                help_text="75 = three quarters of the time; 100 = the breach; 150 = breach + 50%.",
                                verbose_name="percent of the target",
                            ),
                        ),
                        (
                            "level",
                            models.PositiveSmallIntegerField(
                                default=0, help_text="0 for a warning; 1–3 for the ladder.", verbose_name="escalation level"
                            ),
                        ),
                        (
                            "audience",
                            models.CharField(
                                choices=[
                                    ("owner", "The owning department or utility"),
                                    ("head", "Department head"),
                                    ("committee", "Follow-up committee"),
                                    ("mayor", "Mayor"),
                                ],
                                max_length=20,
                                verbose_name="who is told",
                            ),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                    ],
                    options={
                        "verbose_name": "escalation step",
                        "verbose_name_plural": "escalation ladder",
                        "db_table": "routing_escalationpolicy",
                        "ordering": ["trigger", "percent"],
                        "constraints": [
                            models.UniqueConstraint(fields=("trigger", "percent"), name="escalationpolicy_unique_step"),
                            models.CheckConstraint(condition=models.Q(("level__lte", 3)), name="escalationpolicy_level_0_to_3"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PendingStep",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "step",
                            models.CharField(
                                choices=[
                                    ("at_risk", "at-risk warning"),
                                    ("response", "response alert"),
                                    ("level1", "level 1: department head"),
                                    ("level2", "level 2: follow-up committee"),
                                    ("level3", "level 3: mayor"),
                                ],
                                max_length=10,
                                verbose_name="step",
                            ),
                        ),
                        ("due_at", models.DateTimeField(verbose_name="due at")),
                        (
                            "complaint",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="pending_steps",
                                to="complaints.complaint",
                                verbose_name="report",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "pending escalation step",
                        "verbose_name_plural": "pending escalation steps",
                        "db_table": "complaints_ladderstep",
                        "indexes": [models.Index(fields=["step", "due_at", "id"], name="ladderstep_due")],
                        "constraints": [models.UniqueConstraint(fields=("complaint", "step"), name="ladderstep_once_per_report")],
                    },
                ),
            ],
        )
    ]
