"""Text typed by the public, made safe to show: no invisible or direction-changing characters.

A right-to-left override (U+202E) makes ``gpj.exe`` read ``exe.jpg`` in the admin and
in spreadsheets; zero-width spaces pad a text past a minimum length while saying
nothing. Bidi controls and zero-width spaces are removed; the joiners (U+200C, U+200D)
stay, since Persian script and emoji need them, but like every other format character
they do not count as visible.
"""

from __future__ import annotations

import re
import unicodedata

# Embeddings/overrides, isolates, the marks LRM/RLM/ALM, zero-width space, word joiner,
# invisible operators, the BOM and the Mongolian vowel separator.
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u2060-\u2064\ufeff\u180e]")


def strip_invisible(text: str | None) -> str:
    """``text`` without bidi controls and zero-width spaces, trimmed."""
    return INVISIBLE.sub("", text or "").strip()


def visible_length(text: str | None) -> int:
    """How many characters a reader sees: no spaces, control or format characters, no lone combining marks."""
    return sum(1 for ch in text or "" if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Mn", "Me"))


#: A text cell starting with one of these is a formula to a spreadsheet program opening the CSV.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell for a CSV or XLSX download: no bidi or zero-width characters (older rows may hold them),
    and never run as a formula by the program that opens it (OWASP's "CSV injection")."""
    if not isinstance(value, str):
        return value
    value = INVISIBLE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value
