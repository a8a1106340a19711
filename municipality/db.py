"""Statements on the intake's hot path, without compiling and planning each one anew.

``save()`` and ``bulk_create()`` rebuild an INSERT for every call: each field's SQL, placeholder
and quoting, then psycopg's client-side binding quotes every value into the statement's text,
which PostgreSQL parses and plans afresh. :func:`insert_rows` writes the same rows with a
statement built once per model and row count, through :func:`prepared_cursor`: its values travel
apart from the text (server-side binding), so psycopg prepares the statement on each connection
from its third run (``prepare_threshold`` in ``municipality.settings``; not through PgBouncer in
transaction mode) and PostgreSQL plans it once. Values still go through each field's own
``pre_save`` and ``get_db_prep_save``, as in the ORM's INSERT. Other databases get ``bulk_create``
and an ordinary cursor. Measured on a submission (docs/benchmarks.md, "Intake"): the escalation
ladder's INSERT took 0.9 ms of PostgreSQL's time planned afresh and 0.2 ms prepared.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model, Value
from django.db.models.expressions import DatabaseDefault


@cache
def _fields(model: type[Model]) -> tuple[Field, ...]:
    meta = model._meta
    return tuple(f for f in meta.concrete_fields if f is not meta.auto_field and not getattr(f, "generated", False))


# Fields whose value the ORM sends as it is when it has this Python type (their pre_save reads the
# attribute; get_db_prep_save returns such a value unchanged): skipped through, the rest as the ORM does.
_PLAIN = (
    (models.CharField, str),
    (models.TextField, str),
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.FloatField, float),
)


@cache
def _plain_types(model: type[Model]) -> tuple[type | None, ...]:
    """For each field of :func:`_fields`, the Python type sent unchanged, or ``None``: ask the field."""
    out: list[type | None] = []
    for field in _fields(model):
        if field.many_to_one and isinstance(getattr(field, "target_field", None), models.IntegerField):
            out.append(int)  # a foreign key's raw id (auto fields are integer fields too)
        else:
            out.append(next((kind for cls, kind in _PLAIN if isinstance(field, cls) and not field.is_relation), None))
    return tuple(out)


@cache
def _statement(model: type[Model], rows: int, alias: str) -> str:
    """The INSERT of ``rows`` rows of ``model``, RETURNING the primary key if the database makes it."""
    quote = connections[alias].ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(str(f.column)) for f in _fields(model))
    row = "(" + ", ".join(["%s"] * len(_fields(model))) + ")"
    returning = f" RETURNING {quote(str(meta.auto_field.column))}" if meta.auto_field else ""
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}{returning}"


def _values(objs: Sequence[Model], connection) -> list[Any] | None:
    """The rows' values in :func:`_statement`'s order, as the ORM's INSERT sends them; ``None`` if a field
    is left to an expression other than a constant ``db_default``."""
    model = type(objs[0])
    fields, plain_types = _fields(model), _plain_types(model)
    params: list[Any] = []
    for obj in objs:
        for field, plain in zip(fields, plain_types, strict=True):
            if plain is not None:
                value = getattr(obj, field.attname)
                if value is None or type(value) is plain:
                    params.append(value)
                    continue
            value = field.pre_save(obj, True)
            if isinstance(value, DatabaseDefault):  # a constant db_default: the same value, sent like the others
                value = field.db_default.value if isinstance(field.db_default, Value) else field.db_default
            value = field.get_db_prep_save(value, connection)
            if hasattr(value, "resolve_expression"):
                return None
            params.append(value)
    return params


def prepared_cursor(alias: str = DEFAULT_DB_ALIAS) -> CursorWrapper:
    """A cursor whose statements PostgreSQL plans once per connection (from their third run); for hot statements.

    Its values travel apart from the text (server-side binding), so psycopg can prepare the
    statement (``prepare_threshold`` in ``municipality.settings``; nothing is prepared through
    PgBouncer in transaction mode). Django logs and wraps it like any other cursor. Write the
    SQL as for ``connection.cursor()``. Other databases: an ordinary cursor.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(ServerBindingCursor(connection.connection))  # type: ignore[attr-defined, call-arg]


def insert_rows(objs: Sequence[Model]) -> None:
    """INSERT unsaved instances of one model in one statement and set their primary keys.

    No signals are sent (as with ``bulk_create``). A field left to its constant ``db_default`` gets
    that value; one left to another expression (``F()``, a computed default) sends the rows through
    ``bulk_create`` instead.
    """
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    params = _values(objs, connection) if connection.vendor == "postgresql" else None
    if params is None:
        model._default_manager.using(alias).bulk_create(objs)
        return
    with prepared_cursor(alias) as cursor:
        cursor.execute(_statement(model, len(objs), alias), params)
        keys = [row[0] for row in cursor.fetchall()] if model._meta.auto_field else []
    for obj, key in zip(objs, keys, strict=False):
        obj.pk = key
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
