"""One formatter for both formats.

A call builds plain Python data (dicts, lists, strings, numbers, datetimes, ``None``) and
hands it here with the XML names of its root and its items. JSON gets the data as it is
(a list stays a top-level array, a dict an object); XML gets the same tree through
``xml.etree``, which escapes text, with an XML declaration and no namespace.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

# The XML element of each item of a nested list, by the list's own name.
XML_LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}

# Characters XML 1.0 cannot carry at all (control characters, lone surrogates): dropped, not escaped.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def iso(value: datetime | None) -> str | None:
    """W3C ISO-8601 with the time zone, in the municipality's local time: ``2026-12-05T22:47:51+03:00``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _plain(value):
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_fill(element: ET.Element, value, name: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(element, key), item, key)
    elif isinstance(value, list):
        item_name = XML_LIST_ITEMS.get(name, "item")
        for item in value:
            _xml_fill(ET.SubElement(element, item_name), item, item_name)
    else:
        element.text = _xml_text(value)


def to_xml(data, *, root: str, item: str | None = None) -> bytes:
    tree = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _xml_fill(ET.SubElement(tree, item or "item"), entry, item or "item")
    else:
        _xml_fill(tree, data, root)
    return ET.tostring(tree, encoding="utf-8", xml_declaration=True)


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(data, *, fmt: str, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    """``data`` as an Open311 answer in ``fmt``: ``root``/``item`` name the XML elements of a list."""
    data = _plain(data)
    body = to_json(data) if fmt == "json" else to_xml(data, root=root, item=item)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


def render_errors(errors: list[tuple[int | str, str]], *, fmt: str, status: int) -> HttpResponse:
    """``[{code, description}]``, or ``<errors><error>…</error></errors>``."""
    data = [{"code": code, "description": str(description)} for code, description in errors]
    return render(data, fmt=fmt, root="errors", item="error", status=status)
