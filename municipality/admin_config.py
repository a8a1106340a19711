"""The admin app with Balagh's site (``municipality.admin_site.BalaghAdminSite``).

Its own module: INSTALLED_APPS imports it before the models are ready.
"""

from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_celery_beat.apps import BeatConfig


class BalaghAdminConfig(SimpleAdminConfig):
    default_site = "municipality.admin_site.BalaghAdminSite"


class PeriodicTasksConfig(BeatConfig):
    """django-celery-beat with its admin section named in the reader's language (it ships no Arabic)."""

    verbose_name = _("Periodic tasks")


# django-celery-beat's model names, which its admin section lists: our catalogue gives them Arabic
# (makemessages collects them from here; the library's own catalogue has no Arabic to shadow).
BEAT_MODEL_NAMES = (
    gettext_noop("periodic task"),
    gettext_noop("periodic tasks"),
    gettext_noop("interval"),
    gettext_noop("intervals"),
    gettext_noop("crontab"),
    gettext_noop("crontabs"),
    gettext_noop("solar event"),
    gettext_noop("solar events"),
    gettext_noop("clocked"),
)
