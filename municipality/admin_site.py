"""Balagh's admin site, and admin discovery without django-leaflet's admin module.

The committee and the mayor only read: the admin index would offer them one link, so
they land on the committee dashboard instead (``municipality.roles.DASHBOARD_LANDING_ROLES``).

django-leaflet's ``admin.py`` imports GeoDjango (and so GDAL) for its geometry
widgets; Balagh keeps plain lat/lon columns and needs neither, so the admin
is discovered app by app, leaving that one module out.
"""

from importlib import import_module

from django.apps import apps
from django.contrib.admin import AdminSite
from django.shortcuts import redirect
from django.utils.module_loading import module_has_submodule

from municipality.roles import DASHBOARD_LANDING_ROLES, role_of

SKIP = {"leaflet"}


def autodiscover() -> None:
    for config in apps.get_app_configs():
        if config.label in SKIP:
            continue
        if module_has_submodule(config.module, "admin"):
            import_module(f"{config.name}.admin")


class BalaghAdminSite(AdminSite):
    def index(self, request, extra_context=None):
        if role_of(request.user) in DASHBOARD_LANDING_ROLES:
            return redirect("reports:dashboard")
        return super().index(request, extra_context)
