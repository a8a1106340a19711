"""Staff search over reports: one box, three kinds of term, each sent to an index.

- a tracking number (``2611-000123``, without the dash, with spaces, in Arabic digits): equality on
  the unique ``tracking_number``;
- a mobile in any usual form (``05…``, ``9665…``, ``+966 5…``, ``00966…``): equality on the indexed
  ``reporter_phone``, only for the roles shown callers' numbers; for the others a mobile finds
  nothing and no query about numbers is run;
- anything else: every word in the description, letters folded (``municipality.text``) so
  "مدرسة" finds "مدرسه" and "أمانة" finds "امانة". On PostgreSQL a trigram index on the folded
  description answers it (migration 0012); elsewhere the same condition is a scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Expression, QuerySet

from complaints.phones import ARABIC_DIGITS, normalize_phone
from complaints.selectors import normalize_tracking_number
from municipality.text import FoldedForSearch, fold_for_search

#: Digits with the separators people type in a phone number, and nothing else.
PHONE_SHAPE = re.compile(r"^\+?[\d\s\-().]{9,}$")
#: The country code a number typed without ``+`` may start with (``9665…``).
COUNTRY_PREFIXES = ("966",)


@dataclass(frozen=True)
class Term:
    kind: str  # "empty", "tracking", "phone", "text"
    value: str = ""
    words: tuple[str, ...] = ()


def classify(raw: str) -> Term:
    """What a typed term is, from its shape alone (no query)."""
    text = (raw or "").strip()
    if not text:
        return Term("empty")
    number = normalize_tracking_number(text)
    # Numbers are issued ``YYMM-…`` from 2010 on; ten digits starting with 0 are a local mobile (05…).
    if number and not number.startswith("0"):
        return Term("tracking", number)
    digits_form = text.translate(ARABIC_DIGITS)
    if PHONE_SHAPE.match(digits_form):
        return Term("phone", _phone(digits_form))
    return Term("text", words=tuple(fold_for_search(text).split()))


def _phone(typed: str) -> str:
    """The E.164 form of a typed mobile, or ``""`` when it is not one we store."""
    compact = re.sub(r"[\s\-().]", "", typed)
    candidates = [typed]
    if compact.startswith(COUNTRY_PREFIXES):
        candidates.append("+" + compact)
    for candidate in candidates:
        try:
            return normalize_phone(candidate)
        except ValidationError:
            continue
    return ""


def search_complaints(queryset: QuerySet, raw: str, *, with_contact: bool) -> QuerySet:
    """``queryset`` narrowed to the reports matching ``raw``; ``with_contact``: may mobiles be searched."""
    term = classify(raw)
    if term.kind == "empty":
        return queryset
    if term.kind == "tracking":
        return queryset.filter(tracking_number=term.value)
    if term.kind == "phone":
        if not with_contact or not term.value:
            return queryset.none()
        return queryset.filter(reporter_phone=term.value)
    folded = FoldedForSearch("description")
    for word in term.words:
        queryset = queryset.filter(ContainsWord(folded, word))
    return queryset


# --------------------------------------------------------------------------- words: by the index, or newest first

_newest_first = ContextVar("balagh_search_newest_first", default=False)


@contextmanager
def newest_first() -> Iterator[None]:
    """Within this block a word condition is written so that PostgreSQL cannot answer it from the
    trigram index: a list ordered by time then walks the reports newest first and stops at a page.

    For words that match many reports (the list knows it from its capped count) this is the cheap
    plan; the planner would not pick it alone, since it estimates several words together as rare
    (it multiplies their frequencies) and would fetch and sort every match.
    """
    token = _newest_first.set(True)
    try:
        yield
    finally:
        _newest_first.reset(token)


class ContainsWord(Expression):
    """``word`` (already folded) occurs in the folded text: ``LIKE '%word%'`` (trigram index) on PostgreSQL,
    ``strpos`` inside :func:`newest_first` or for a word too short for trigrams, ``instr`` elsewhere."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, folded: Expression, word: str):
        super().__init__()
        self.folded, self.word = folded, word

    def get_source_expressions(self):
        return [self.folded]

    def set_source_expressions(self, exprs):
        (self.folded,) = exprs

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.folded)
        return f"instr({sql}, %s) > 0", (*params, self.word)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.folded)
        # Fewer than 3 letters give no trigram: the index would be read whole for them.
        if _newest_first.get() or len(self.word) < 3:
            return f"strpos({sql}, %s) > 0", (*params, self.word)
        return f"{sql} LIKE %s", (*params, f"%{connection.ops.prep_for_like_query(self.word)}%")
