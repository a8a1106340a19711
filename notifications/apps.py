from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Imported here, not at the top: models and services load only once the app registry is ready.
        from complaints import hooks
        from notifications import verification
        from notifications.services import complaint_event_messages, notify_complaint_event, outbox_write

        hooks.notifier.plug(
            hooks.Notifier(complaint_event=notify_complaint_event, messages=complaint_event_messages, write=outbox_write)
        )
        hooks.reporter_codes.plug(
            hooks.ReporterCodes(
                allowed=verification.phone_code_allowed,
                send=verification.my_reports_code_send,
                confirm=verification.my_reports_code_confirm,
            )
        )
