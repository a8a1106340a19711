"""The API's JSON parser: DRF's, refusing JSON nested deeper than any request of ours needs.

JSON nested thousands deep overflowed Python's stack in the parser (a 500). Kept apart
from ``municipality.api_errors`` because DRF reads its parser classes while importing
its views.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

MAX_JSON_DEPTH = 32


def _depth(value) -> int:
    """How deeply lists and objects nest in ``value`` (iteratively: no recursion to overflow)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                return level
            stack.extend((child, level + 1) for child in item)
    return deepest


class SafeJSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing JSON nested deeper than any request of ours needs."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = _depth(data) > MAX_JSON_DEPTH
        if too_deep:
            raise exceptions.ParseError(
                _("The JSON is nested too deeply (at most %(depth)d levels).") % {"depth": MAX_JSON_DEPTH}
            )
        return data
