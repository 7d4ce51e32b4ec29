"""Lean bulk writes for loading data (imports, demo data, audit rows of bulk writes).

Django's bulk_create and bulk_update prepare every field of every object through the generic
field API; for 100,000 rows of 35 columns that alone takes longer than an import may take.
Here each column gets the one conversion its field needs, rows are plain values (no model
instances), and the database gets one executemany per batch. Use only with values that are
already validated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

BATCH = 2000


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """None when the database driver takes the Python value as it is. A converter remembers
    its last value: columns such as "created at" repeat one value on every row."""
    if isinstance(
        field, models.BooleanField | models.CharField | models.TextField | models.IntegerField
    ):
        return None
    if isinstance(field, models.ForeignKey):
        return None  # rows carry the id (attname)
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor == "sqlite" and isinstance(field, models.DecimalField):
        return None  # Django registers an adapter for Decimal with sqlite3; values are rounded
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        converted = field.get_db_prep_save(value, conn)
        last[0], last[1] = value, converted
        return converted

    return convert


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT rows of values for ``columns`` (attnames, e.g. "jurisdiction_id"): COPY on
    PostgreSQL, one prepared statement run for every row (executemany) on SQLite."""
    fields = [model._meta.get_field(_field_name(model, c)) for c in columns]
    converters = [(i, conv) for i, f in enumerate(fields) if (conv := _converter(f)) is not None]
    quote = connection.ops.quote_name
    # Names come from the model's metadata, quoted; values are parameters.
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)

    def prepared() -> Iterator[list[Any]]:
        for row in rows:
            values = list(row)
            for i, conv in converters:
                values[i] = conv(values[i])
            yield values

    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in prepared():
                    copy.write_row(values)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        batch: list[list[Any]] = []
        for values in prepared():
            batch.append(values)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """UPDATE by primary key: each row is (pk, *values for ``columns``)."""
    fields = [model._meta.get_field(_field_name(model, c)) for c in columns]
    converters = [
        (i + 1, conv) for i, f in enumerate(fields) if (conv := _converter(f)) is not None
    ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {sets} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    params = []
    for row in rows:
        values = list(row)
        for i, conv in converters:
            values[i] = conv(values[i])
        params.append([*values[1:], values[0]])
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])
    return len(params)


def _field_name(model: type[models.Model], column: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == column or field.name == column:
            return field.name
    raise ValueError(f"{model.__name__} has no field {column!r}")


def rows_by_keys(
    model: type[models.Model], key: str, keys: Sequence[Any], columns: Sequence[str]
) -> list[dict[str, Any]]:
    """The rows whose ``key`` is one of ``keys`` (thousands at once), as dicts of
    ``columns``. On PostgreSQL the keys go as one array parameter (``= ANY(%s)``): the driver
    handles one parameter instead of splitting a statement with thousands of placeholders."""
    if not keys:
        return []
    if connection.vendor != "postgresql":
        return list(model._default_manager.filter(**{f"{key}__in": list(keys)}).values(*columns))
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(_field_name(model, c)) for c in columns]
    key_field = model._meta.get_field(_field_name(model, key))
    names = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {names} FROM {quote(model._meta.db_table)} WHERE {quote(key_field.column)} = ANY(%s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(keys)])
        converters = [
            (i, f.from_db_value) for i, f in enumerate(fields) if hasattr(f, "from_db_value")
        ]
        out = []
        for row in cursor.fetchall():
            values = list(row)
            for i, conv in converters:
                values[i] = conv(values[i], None, connection)
            out.append(dict(zip(columns, values, strict=True)))
        return out
