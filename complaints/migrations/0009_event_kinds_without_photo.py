"""Event.Kind has no "photo": no code ever wrote it (photos arrive with the report or with a resolution)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0008_clock_models_move_to_sla"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Report received"),
                    ("routed", "Routed"),
                    ("assigned", "Assigned"),
                    ("transferred", "Transferred"),
                    ("referred", "Referred to a utility"),
                    ("returned", "Returned to the municipality"),
                    ("acknowledged", "Acknowledged"),
                    ("started", "Work started"),
                    ("held", "Put on hold"),
                    ("resumed", "Resumed"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                    ("reopened", "Reopened"),
                    ("note", "Internal note"),
                    ("update", "Public update"),
                    ("rated", "Rated"),
                    ("priority", "Priority changed"),
                    ("category", "Category changed"),
                    ("merged", "Merged"),
                    ("escalated", "Escalated"),
                    ("at_risk", "At risk of breach"),
                    ("followed", "Followed by another citizen"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
    ]
