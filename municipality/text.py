"""Text typed by the public, made safe to show: no invisible or direction-changing characters.

A right-to-left override (U+202E) makes ``gpj.exe`` read ``exe.jpg`` in the admin and
in spreadsheets; zero-width spaces pad a text past a minimum length while saying
nothing. Bidi embeddings, overrides and isolates and zero-width spaces are removed; the
direction marks (LRM, RLM, ALM) and the joiners (U+200C, U+200D) stay, since Arabic and
Persian text and emoji need them, but like every other format character they do not count
as visible.
"""

from __future__ import annotations

import re
import unicodedata

# Embeddings and overrides, isolates, zero-width space, word joiner, invisible operators, the BOM
# and the Mongolian vowel separator. The marks LRM, RLM and ALM stay: Arabic text typed with
# Latin words needs them, and a mark cannot reverse a run of text as an override does.
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\u180e]")


def strip_invisible(text: str | None) -> str:
    """``text`` without bidi controls and zero-width spaces, trimmed."""
    return INVISIBLE.sub("", text or "").strip()


def visible_length(text: str | None) -> int:
    """How many characters a reader sees: no spaces, control or format characters, no lone combining marks."""
    return sum(1 for ch in text or "" if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Mn", "Me"))
