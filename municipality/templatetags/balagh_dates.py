"""``{{ when|date:"DATETIME_FORMAT"|ltr }}``: a date and time that reads the same in an Arabic sentence.

In a right-to-left line, "2026-11-25 14:20" is two runs of digits that the bidirectional
algorithm lays out as "14:20 2026-11-25". A left-to-right isolate (U+2066 … U+2069) keeps it in
the order the lists and the tracking page show (docs/languages.md).
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def ltr(value) -> str:
    text = str(value) if value not in (None, "") else ""
    return f"\u2066{text}\u2069" if text else ""
