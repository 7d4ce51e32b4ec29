"""Lean bulk writes for loading data (imports, demo data, audit rows of bulk writes).

Django's bulk_create and bulk_update prepare every field of every object through the generic
field API; for 100,000 rows of 35 columns that alone takes longer than an import may take.
Here each column gets the one conversion its field needs, rows are plain values (no model
instances), and the database gets one statement per batch of rows (COPY on PostgreSQL). Use
only with values that are already validated.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

BATCH = 2000


def _converter(field: models.Field, *, as_text: bool = False) -> Callable[[Any], Any] | None:
    """None when the database driver takes the Python value as it is. A converter remembers
    its last value (columns such as "created at" repeat one value on every row), a day's or
    stamp's converter every value it met. ``as_text``: days and stamps as their ISO text (for
    COPY's text format: the driver formats a datetime anew on every row, 1.4 µs each, a
    string it copies)."""
    if isinstance(
        field, models.BooleanField | models.CharField | models.TextField | models.IntegerField
    ):
        return None
    if isinstance(field, models.ForeignKey):
        return None  # rows carry the id (attname)
    conn = connections[DEFAULT_DB_ALIAS]
    if isinstance(field, models.JSONField):
        # One encoder for every row (Django builds one per value), its text taken as it is
        # by both databases (COPY's text format, SQLite's TEXT); None stays SQL NULL.
        encode = (field.encoder or json.JSONEncoder)(ensure_ascii=False).encode
        return lambda value: None if value is None else encode(value)
    if conn.vendor == "sqlite" and isinstance(field, models.DecimalField):
        return None  # Django registers an adapter for Decimal with sqlite3; values are rounded
    if isinstance(field, models.DecimalField) and _decimals_kept(conn):
        # A finite Decimal becomes itself (the field's to_python is Decimal(value), the
        # backend's adaptation the identity): taken as it is, without the field's three
        # calls (an import's 200,000 amounts: 0.3 s on PostgreSQL). Anything else (None,
        # a float, text) goes through the field.
        prepare = field.get_db_prep_save

        def convert_decimal(value: Any) -> Any:
            if type(value) is Decimal and value.is_finite():
                return value
            return prepare(value, conn)

        return convert_decimal
    if isinstance(field, models.DateField):  # and DateTimeField
        # Days and stamps repeat across rows (a ledger's few resumption days): each distinct
        # value is converted once.
        seen: dict[tuple[type, Any], Any] = {}

        def convert_day(value: Any) -> Any:
            key = (type(value), value)
            if key not in seen:
                if len(seen) > 10_000:
                    seen.clear()
                converted = field.get_db_prep_save(value, conn)
                if as_text and converted is not None:
                    converted = converted.isoformat()
                seen[key] = converted
            return seen[key]

        return convert_day
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        converted = field.get_db_prep_save(value, conn)
        last[0], last[1] = value, converted
        return converted

    return convert


def _decimals_kept(conn) -> bool:
    """Whether the backend takes a Decimal for a decimal column as it is (its
    ``adapt_decimalfield_value`` is the base one, which returns the value)."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    return (
        type(conn.ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value
    )


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT rows of values for ``columns`` (attnames, e.g. "jurisdiction_id"): COPY on
    PostgreSQL, statements of up to ``BATCH`` rows each on SQLite. Neither goes through
    Django's cursor wrappers (no query log, no ``execute_wrapper``)."""
    fields = [model._meta.get_field(_field_name(model, c)) for c in columns]
    copy = connection.vendor == "postgresql"
    converters = [
        (i, conv) for i, f in enumerate(fields) if (conv := _converter(f, as_text=copy)) is not None
    ]
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
        if copy:
            from psycopg.copy import QueuedLibpqWriter  # the driver of this database only

            # Rows are formatted here while a thread sends them: the server inserts and
            # indexes (on another core) as they stream, not after the last one.
            # The driver's cursor (COPY): its errors become Django's (IntegrityError …) as
            # they would through Django's cursor.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(
                    f"COPY {table} ({names}) FROM STDIN", writer=QueuedLibpqWriter(cursor.cursor)
                ) as copy,
            ):
                for values in prepared():
                    copy.write_row(values)
                    count += 1
            return count
        # Many rows a statement (as many as SQLite's limit of parameters allows), not one
        # statement a row: a table with a trigger (the workforce counts, the enterprises'
        # tally) makes every statement open a statement journal of the pages it changes, and
        # under an open savepoint (an importer's call inside its job) SQLite walks the whole
        # in-memory sub-journal to release each one: per row, that grows with the square of
        # the rows (100,000 roster entries: minutes, not seconds).
        import sqlite3  # the driver of this database only

        raw = cursor.cursor  # Django's wrapper of sqlite3's cursor
        limit = raw.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(BATCH, limit // len(fields)))
        one = f"({', '.join(['?'] * len(fields))})"
        full = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * per)}"  # noqa: S608
        # SQLite's own cursor, with its own placeholders: Django's would rewrite each long
        # statement's placeholders by a regular expression (20 ms a statement). Its errors
        # become Django's as through Django's cursor.
        batch: list[Any] = []
        size = 0
        with load_cache(), connection.wrap_database_errors, _Writer(raw) as execute:
            for values in prepared():
                batch += values
                size += 1
                if size == per:
                    execute(full, batch)
                    count += size
                    batch, size = [], 0
            if size:
                sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * size)}"  # noqa: S608
                execute(sql, batch, last=True)
                count += size
    return count


class _Writer:
    """Runs SQLite statements on a thread of its own while the caller makes the next
    statement's rows: sqlite3 lets other threads run while SQLite writes a statement (a
    statement of hundreds of rows: B-trees, indexes, checks), so making the rows (conversions,
    JSON, what the rows' iterable computes) and writing them take two cores instead of
    following each other (and SQLite's work keeps the other core's caches: twice as fast as
    between the rows' making). One statement at a time, in order; the connection is used by
    the writer alone meanwhile (no query in the rows' iterable, as for PostgreSQL's COPY). A
    load of one statement runs on the caller's thread; leaving waits for the last statement
    and raises the writer's error, if any."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.thread = None
        self.queue = None
        self.error: BaseException | None = None
        self.abandoned = False  # the caller failed: the statements left are not run

    def __enter__(self) -> Callable[[str, list[Any]], None]:
        return self.execute

    def execute(self, sql: str, params: list[Any], *, last: bool = False) -> None:
        """Write a statement (on the thread; ``last``, when no thread was needed, here)."""
        if self.thread is None:
            if last:  # a load of one statement starts no thread
                import sqlite3  # the driver of this database only

                sqlite3.Cursor.execute(self.cursor, sql, params)
                return
            import queue
            import threading

            self.queue = queue.Queue(maxsize=1)  # one statement made ahead, no more
            self.thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
            self.thread.start()
        if self.error is not None:
            self._stop()
        self.queue.put((sql, params))

    def _run(self) -> None:
        import sqlite3  # the driver of this database only

        while (item := self.queue.get()) is not None:
            if self.error is None and not self.abandoned:
                try:
                    sqlite3.Cursor.execute(self.cursor, *item)
                except BaseException as exc:  # noqa: BLE001 - raised on the caller's thread
                    self.error = exc

    def _stop(self) -> None:
        """Wait for the statements given so far; raise the writer's error."""
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self._stop()
            return
        self.abandoned = True  # the caller's error is raised, not the writer's
        self.error = None
        with contextlib.suppress(BaseException):
            self._stop()


# SQLite's page cache while rows are loaded, in KiB: the default 2 MB cannot hold the index
# pages that 100,000 new rows of a large table touch, so pages go back and forth to the file
# (a quarter of the time of an import's inserts). Memory is taken only as pages are read.
SQLITE_LOAD_CACHE_KIB = 131072


@contextmanager
def load_cache() -> Iterator[None]:
    """A large SQLite page cache for a bulk load (its inserts and the statements that read
    or count what it inserted), the connection's own again after it; nothing on PostgreSQL."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        if before < 0 and -before >= SQLITE_LOAD_CACHE_KIB:
            yield  # already large (a load inside a load)
            return
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


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


def new_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for rows of ``model`` about to be inserted in this
    transaction, so that a bulk insert need not read its rows back for their ids. PostgreSQL:
    from the table's sequence, in one query (safe beside other writers). SQLite: the ones
    after the highest ever given (AUTOINCREMENT's rule), taken under the write lock, which
    this transaction then holds until it ends: no other connection inserts meanwhile."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("new_ids needs a transaction")
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence's name looked up once: as an argument of nextval the look-up ran
            # for every id (25,000 ids: 80 ms against 9).
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), pk])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # A write (of nothing) first: it takes the write lock before the highest id is read.
        cursor.execute("UPDATE sqlite_sequence SET seq = seq WHERE name = %s", [table])
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"COALESCE((SELECT MAX({quote(pk)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = cursor.fetchone()[0]
    return list(range(start + 1, start + count + 1))


def _field_name(model: type[models.Model], column: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == column or field.name == column:
            return field.name
    raise ValueError(f"{model.__name__} has no field {column!r}")


def rows_by_keys(
    model: type[models.Model], key: str, keys: Sequence[Any], columns: Sequence[str]
) -> list[dict[str, Any]]:
    """The rows whose ``key`` is one of ``keys`` (thousands at once), as dicts of
    ``columns``, with the values the ORM would give. One raw query (per 5,000 keys on
    SQLite): the ORM's per-parameter and per-value machinery cost more than the query (a
    second for 5,000 keys and 13 columns). On PostgreSQL the keys go as one array parameter
    (``= ANY(%s)``), so the driver handles one parameter instead of thousands of placeholders."""
    if not keys:
        return []
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(_field_name(model, c)) for c in columns]
    key_field = model._meta.get_field(_field_name(model, key))
    table = model._meta.db_table
    # SQLite: days as their text, which sqlite3 would parse on every row (its converter for
    # the "date" type); each distinct day is converted once below.
    days = connection.vendor == "sqlite"
    names = ", ".join(
        f"CAST({quote(f.column)} AS TEXT)"
        if days and type(f) is models.DateField
        else quote(f.column)
        for f in fields
    )
    select = f"SELECT {names} FROM {quote(table)} WHERE {quote(key_field.column)}"  # noqa: S608
    # The converters the ORM's compiler applies to each column (backend's, then field's).
    readers = []
    for i, f in enumerate(fields):
        col = f.get_col(table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if converters:
            readers.append((i, col, converters))
    if type(key_field) is not models.CharField or not all(type(k) is str for k in keys):
        keys = [key_field.get_db_prep_value(k, connection) for k in keys]  # text is itself
    fetched: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if all(type(k) is str for k in keys):
                # As one JSON text: the driver dumps a list element by element in Python
                # (0.4 s for an import's 100,000 hashes), json.dumps in C.
                any_of = "ARRAY(SELECT jsonb_array_elements_text(%s::jsonb))"
                cursor.execute(f"{select} = ANY({any_of})", [json.dumps(keys)])
            else:
                cursor.execute(f"{select} = ANY(%s)", [keys])
            fetched = cursor.fetchall()
        else:
            for start in range(0, len(keys), 5000):
                part = keys[start : start + 5000]
                cursor.execute(f"{select} IN ({', '.join(['%s'] * len(part))})", part)
                fetched += cursor.fetchall()
    if not fetched:
        return []
    # Column by column. Days, flags and amounts repeat (SQLite gives them as text, integers
    # and floats; amounts are made Decimals by a float's conversion and a rounding, 3 µs):
    # each distinct stored value of such a column is converted once.
    values = list(zip(*fetched, strict=True))
    for i, col, converters in readers:
        if type(col.target) in _REPEATING:
            values[i] = _converted_repeating(values[i], col, converters)
        else:
            values[i] = _converted(values[i], col, converters)
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


_REPEATING = (models.DateField, models.BooleanField, models.DecimalField)


def _converted(column: Sequence[Any], col, converters: list) -> list[Any]:
    out = list(column)
    for convert in converters:
        out = [convert(value, col, connection) for value in out]
    return out


def _converted_repeating(column: Sequence[Any], col, converters: list) -> list[Any]:
    """``_converted``, each distinct value converted once. Zero is converted every time:
    0 and -0.0 are one key but two Decimals."""
    seen: dict[Any, Any] = {}
    for stored in set(column):
        value = stored
        for convert in converters:
            value = convert(value, col, connection)
        seen[stored] = value
    if type(col.target) is not models.DecimalField or 0 not in seen:
        return [seen[stored] for stored in column]
    return [
        seen[stored] if stored != 0 else _converted([stored], col, converters)[0]
        for stored in column
    ]


def fetchall(sql: str, params: list, *, prepare: bool = False) -> list[tuple]:
    """The rows of ``sql`` (``%s`` placeholders) on the default connection, inside its
    transaction. On PostgreSQL the parameters are bound by the server: Django's cursors bind
    them on the client, quoting each into the statement's text (12 ms for the 300 kB of a
    bulk call's 5,000 check-ins, and the server then parses them as literals); with
    ``prepare`` the statement is also prepared once a connection (planned once: about half
    the database's work for the fast lane's one insert). Errors are Django's."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg  # the driver of this database only

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=prepare or None)
        return cursor.fetchall()
