"""Small template helpers for the public pages."""

import segno
from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from complaints import files

register = template.Library()


@register.simple_tag
def municipality_name() -> str:
    """The municipality's name in the active language (``BALAGH_MUNICIPALITY_NAME`` overrides it)."""
    return settings.BALAGH_MUNICIPALITY_NAME or _("Khamis Mushait Municipality")


@register.simple_tag
def public_photo_url(attachment) -> str:
    """A signed link to a public photo that expires (``complaints.files``)."""
    return files.public_photo_url(attachment)


@register.simple_tag
def qr_svg(url: str, title: str = "") -> str:
    """``url`` as an inline SVG QR code (segno, pure Python), drawn on the server: no script, no image request."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, border=2, dark="#063d31", light="#ffffff", title=title or None, svgclass="qr-code")
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # segno escapes the title it writes


#: Symbols of static/icons/categories.svg (drawn, not emoji: an office PC without an emoji font shows them too).
CATEGORY_ICONS = frozenset(
    {"lighting", "cleanliness", "roads", "excavations", "floods", "parks", "buildings", "visual", "markets", "env-health"}
)


@register.simple_tag
def category_icon(category) -> str:
    """The main type's SVG icon: its ``icon`` field when that names a symbol, else its code, else a pin."""
    main = getattr(category, "parent", None) or category
    name = next((n for n in (getattr(main, "icon", ""), getattr(main, "code", "")) if n in CATEGORY_ICONS), "pin")
    return format_html(
        '<svg class="cat-icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        static("icons/categories.svg"),
        name,
    )
