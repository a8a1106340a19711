"""PDPL retention: the stand-in for a unique id (message id, idempotency key) that named a citizen."""

from __future__ import annotations

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

ERASED = "erased:"  # prefix of the ids erased rows get in place of unique message ids and numbers


def erased_id() -> Concat:
    """``erased:<pk>``: unique like the id it replaces, meaning nothing outside its table."""
    return Concat(Value(ERASED), Cast("pk", output_field=CharField()), output_field=CharField())
