"""The admin app with Balagh's site (``municipality.admin_site.BalaghAdminSite``).

Its own module: INSTALLED_APPS imports it before the models are ready.
"""

from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.translation import gettext_lazy as _
from django_celery_beat.apps import BeatConfig


class BalaghAdminConfig(SimpleAdminConfig):
    default_site = "municipality.admin_site.BalaghAdminSite"


class PeriodicTasksConfig(BeatConfig):
    """django-celery-beat with its admin section named in the reader's language (it ships no Arabic)."""

    verbose_name = _("Periodic tasks")
