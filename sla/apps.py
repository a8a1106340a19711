from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    label = "sla"
    verbose_name = _("SLA clock and escalation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry is ready.
        from complaints import hooks
        from sla import clock, ladder

        hooks.clock.plug(
            hooks.Clock(
                due_times=clock.sla_fields, hold_pushback=clock.hold_pushback, fresh_ladder=clock.reset_fields, sync=ladder.sync
            )
        )
