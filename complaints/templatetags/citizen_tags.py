"""Small template helpers for the public pages."""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from complaints import files

register = template.Library()


@register.simple_tag
def municipality_name() -> str:
    """The municipality's name in the active language (``BALAGH_MUNICIPALITY_NAME`` overrides it)."""
    return getattr(settings, "BALAGH_MUNICIPALITY_NAME", "") or _("Khamis Mushait Municipality")


@register.simple_tag
def public_photo_url(attachment) -> str:
    """A signed link to a public photo that expires (``complaints.files``)."""
    return files.public_photo_url(attachment)
