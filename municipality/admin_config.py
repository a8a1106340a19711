"""The admin app with Balagh's site (``municipality.admin_site.BalaghAdminSite``).

Its own module: INSTALLED_APPS imports it before the models are ready.
"""

from django.contrib.admin.apps import SimpleAdminConfig


class BalaghAdminConfig(SimpleAdminConfig):
    default_site = "municipality.admin_site.BalaghAdminSite"
