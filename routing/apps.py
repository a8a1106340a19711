from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = _("Routing")

    def ready(self):
        # Imported here, not at the top: models and services load only once the app registry is ready.
        from complaints import hooks
        from routing.rules import route_decision

        hooks.router.plug(hooks.Router(decide=route_decision))
