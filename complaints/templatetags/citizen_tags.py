"""Small template helpers for the public pages."""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def municipality_name() -> str:
    """The municipality's name in the active language (``BALAGH_MUNICIPALITY_NAME`` overrides it)."""
    return settings.BALAGH_MUNICIPALITY_NAME or _("Khamis Mushait Municipality")
