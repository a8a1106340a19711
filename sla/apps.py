from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    label = "sla"
    verbose_name = _("SLA clock and escalation")
    default_auto_field = "django.db.models.BigAutoField"
