"""Small helpers for the committee pages and the weekly report."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()


def _english() -> bool:
    return (get_language() or "ar").startswith("en")


@register.filter
def bi(row: dict, field: str = "name") -> str:
    """``row["<field>_en"]`` in English, else ``row["<field>_ar"]`` (snapshots keep both)."""
    if not isinstance(row, dict):
        return ""
    value = row.get(f"{field}_en") if _english() else row.get(f"{field}_ar")
    return value or row.get(f"{field}_ar") or ""


@register.filter
def num(value, digits: int = 0) -> str:
    """A number with thousands separators, or "—" when there is none."""
    if value is None or value == "":
        return "—"
    try:
        return formats.number_format(
            value, decimal_pos=int(digits) if isinstance(value, float) else None, use_l10n=True, force_grouping=True
        )
    except (TypeError, ValueError):
        return str(value)


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{formats.number_format(value, decimal_pos=1, use_l10n=True)}%"


@register.filter
def signed(value) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


@register.filter
def isodate(value):
    if not value:
        return None
    if isinstance(value, (date, datetime)):
        return value
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


@register.filter
def share(value, whole) -> str:
    """``value`` as a percentage of ``whole`` for CSS bar widths: "0.0"–"100.0", never localised."""
    try:
        ratio = 100.0 * float(value or 0) / float(whole) if whole else 0.0
    except (TypeError, ValueError):
        ratio = 0.0
    return f"{ratio:.1f}"


def _css(value: float) -> str:
    """A number for SVG/CSS: a dot as decimal separator whatever the language."""
    return f"{value:.1f}"


@register.filter
def max_of(rows, field: str) -> float:
    values = [r.get(field) or 0 for r in rows or []]
    return max(values) if values else 0


@register.simple_tag
def admin_change_url(pk) -> str:
    return f"/admin/complaints/complaint/{pk}/change/"


@register.inclusion_tag("reports/_trend.html")
def trend_chart(points, height: int = 160):
    """Received and closed per bucket as an inline SVG column chart (no JavaScript)."""
    points = points or []
    top = max([max(p["received"], p["closed"]) for p in points] + [1])
    n = max(len(points), 1)
    width = max(n * 24, 320)
    slot = width / n
    bar = max(min(slot * 0.38, 18), 1.5)
    bars = []
    for i, p in enumerate(points):
        x = i * slot + slot * 0.1
        hr = round(p["received"] / top * (height - 20), 1)
        hc = round(p["closed"] / top * (height - 20), 1)
        bars.append(
            {
                "day": p["day"],
                "received": p["received"],
                "closed": p["closed"],
                "x_r": _css(x),
                "x_c": _css(x + bar),
                "y_r": _css(height - hr),
                "y_c": _css(height - hc),
                "h_r": _css(hr),
                "h_c": _css(hc),
                "label": p["day"][5:] if p.get("step") != "month" else p["day"][:7],
                "x_label": _css(i * slot + slot / 2),
                "show_label": n <= 14 or i % max(n // 10, 1) == 0,
            }
        )
    return {
        "bars": bars,
        "width": _css(width),
        "height": height,
        "height_box": height + 22,
        "label_y": height + 14,
        "bar": _css(bar),
        "top": top,
    }
