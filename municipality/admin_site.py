"""Admin discovery without django-leaflet's admin module.

django-leaflet's ``admin.py`` imports GeoDjango (and so GDAL) for its geometry
widgets; Balagh keeps plain lat/lon columns and needs neither, so the admin
is discovered app by app, leaving that one module out.
"""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

SKIP = {"leaflet"}


def autodiscover() -> None:
    for config in apps.get_app_configs():
        if config.label in SKIP:
            continue
        if module_has_submodule(config.module, "admin"):
            import_module(f"{config.name}.admin")
