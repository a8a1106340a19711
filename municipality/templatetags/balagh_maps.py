"""``{% staff_map "complaint-map" "balaghComplaintMap" %}``: a Leaflet map without an inline script.

django-leaflet's ``{% leaflet_map %}`` writes an inline ``<script>`` per map, which the
Content Security Policy refuses; this writes a ``<div>`` whose data attributes
``static/js/staff-maps.js`` reads to make the map and hand it to the callback.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def staff_map(element_id: str, callback: str):
    lat, lon = settings.BALAGH_MAP_CENTER
    return format_html(
        '<div id="{}" class="leaflet-container-default" data-staff-map data-callback="{}" data-tiles="{}" '
        'data-center-lat="{}" data-center-lon="{}" data-zoom="13" data-zoom-in="{}" data-zoom-out="{}"></div>',
        element_id,
        callback,
        settings.BALAGH_TILE_URL,
        lat,
        lon,
        # Leaflet's own zoom tooltips are English: the page's language instead.
        pgettext("map", "Zoom in"),
        pgettext("map", "Zoom out"),
    )
