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


@cache
def _fields_but(model: type[Model], computed: frozenset[str]) -> tuple[Field, ...]:
    """Every stored field, the primary key included, except those named (attname) in ``computed``."""
    meta = model._meta
    return tuple(f for f in meta.concrete_fields if f.attname not in computed and not getattr(f, "generated", False))


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
def _plain_types(fields: tuple[Field, ...]) -> tuple[type | None, ...]:
    """For each of ``fields``, the Python type sent unchanged, or ``None``: ask the field."""
    out: list[type | None] = []
    for field in fields:
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


def _values(objs: Sequence[Model], connection, fields: tuple[Field, ...] | None = None) -> list[Any] | None:
    """The rows' values of ``fields`` (default: :func:`_statement`'s), as the ORM's INSERT sends them;
    ``None`` if a field is left to an expression other than a constant ``db_default``."""
    fields = fields or _fields(type(objs[0]))
    plain_types = _plain_types(fields)
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


@cache
def _statement_with(model: type[Model], alias: str, computed: tuple[tuple[str, str], ...], cte: str, returning: str) -> str:
    quote = connections[alias].ops.quote_name
    fields = _fields_but(model, frozenset(name for name, _sql in computed))
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    columns = [quote(str(f.column)) for f in fields] + [quote(str(by_name[name].column)) for name, _sql in computed]
    values = ["%s"] * len(fields) + [sql for _name, sql in computed]
    return (
        f"WITH {cte} INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {cte.split()[0]} RETURNING {returning}"
    )


def insert_row_with(obj: Model, *, cte: str, cte_params: Sequence[Any], computed: dict[str, str], returning: str) -> Any:
    """INSERT one unsaved instance, its primary key already set, with the columns of ``computed``
    (``{attname: SQL}``) worked out by PostgreSQL from a CTE run in the same statement (``cte``:
    ``"name AS (…)"``, its ``%s`` filled from ``cte_params``; the SQL reads it as ``name``). Returns the
    first column of the ``returning`` SQL. The other columns go as :func:`insert_rows` sends them, and
    the statement is built once per model and shape, and prepared.

    For a value that must be taken in the INSERT itself, such as the next number of a counter whose row
    lock should start as late as possible. PostgreSQL only.
    """
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = _fields_but(model, frozenset(computed))
    params = _values([obj], connection, fields)
    if params is None:
        raise ValueError(f"{model.__name__}: a field is left to an expression; insert_row_with sends values only.")
    with prepared_cursor(alias) as cursor:
        cursor.execute(_statement_with(model, alias, tuple(computed.items()), cte, returning), [*cte_params, *params])
        value = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = alias
    return value
