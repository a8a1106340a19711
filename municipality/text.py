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
from typing import Any

from django.db.models import Func, TextField, Value
from django.db.models.functions import Lower, Replace

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


# --------------------------------------------------------------------------- search folding

#: Letters a search treats as one: the forms of alef, taa marbuta and haa, alef maksura and yaa;
#: tatweel and the short-vowel marks (tashkeel, U+064B–U+0652, and the dagger alef) are dropped.
#: "مدرسة" finds "مدرسه", "أمانة" finds "امانة". The Python function and the SQL expression
#: below are both made from this one table, so a stored text and a typed term fold alike.
SEARCH_FOLDS: dict[str, str] = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ة": "ه",
    "ى": "ي",
    "ـ": "",
    **{chr(code): "" for code in range(0x064B, 0x0653)},
    "\u0670": "",
}
_FOLD_TABLE = str.maketrans({k: v or None for k, v in SEARCH_FOLDS.items()})


def fold_for_search(text: str | None) -> str:
    """``text`` as searches compare it: lower case, Arabic letter forms folded, marks dropped."""
    return (text or "").lower().translate(_FOLD_TABLE)


class FoldedForSearch(Func):
    """The SQL of :func:`fold_for_search` over a text expression: ``translate(lower(x), …)`` on PostgreSQL
    (one immutable call, so an expression index can hold it), nested ``REPLACE`` elsewhere."""

    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(Lower(expression), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        expression: Any = self.get_source_expressions()[0]
        for old, new in SEARCH_FOLDS.items():
            expression = Replace(expression, Value(old), Value(new))
        return compiler.compile(expression)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        # Literal (not parameter) characters: the index's expression and the query's must read the same.
        source = "".join(SEARCH_FOLDS)
        target = "".join(SEARCH_FOLDS[ch] for ch in source if SEARCH_FOLDS[ch])
        ordered = [ch for ch in source if SEARCH_FOLDS[ch]] + [ch for ch in source if not SEARCH_FOLDS[ch]]
        return f"translate({sql}, '{''.join(ordered)}', '{target}')", params
