"""Small template helpers for the public pages."""

import segno
from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def municipality_name() -> str:
    """The municipality's name in the active language (``BALAGH_MUNICIPALITY_NAME`` overrides it)."""
    return settings.BALAGH_MUNICIPALITY_NAME or _("Khamis Mushait Municipality")


@register.simple_tag
def qr_svg(url: str, title: str = "") -> str:
    """``url`` as an inline SVG QR code (segno, pure Python), drawn on the server: no script, no image request."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, border=2, dark="#063d31", light="#ffffff", title=title or None, svgclass="qr-code")
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # segno escapes the title it writes
