from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = _("Intake channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry is ready.
        from channels.whatsapp.retention import whatsapp_erase
        from channels.x.retention import x_erase
        from complaints import hooks

        hooks.retention_erasers.plug("whatsapp", whatsapp_erase)
        hooks.retention_erasers.plug("x", x_erase)
