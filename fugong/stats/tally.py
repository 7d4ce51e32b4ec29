"""The tally: the units under every jurisdiction node of depth 1 to 3 (city, county, town or
street), counted by category, industry section, ledger and resumption day, with their
employees and staff back. A city's or a county's figures are then summed from a few thousand
tally rows of its children instead of from every unit under it (docs/statistics.md, "Speed").

The tally is kept by triggers on the enterprise table, so that every write, whichever code
makes it (a form, an import, a bulk status change, a confirmed filing, a data migration, the
shell), changes it in the same transaction. A trigger only appends rows: +1 for a unit as it
now is, −1 for the unit as it was. Nothing is updated in place, so concurrent writers never
wait for each other on a shared counter row, and never deadlock. Readers sum the rows of a
key; ``compact`` folds them into one row per key from time to time (queued by a reader that
finds many rows to fold, and nightly by ``fugong snapshot``).

``figures`` reads the tally only for a user who may see the node's whole subtree (it counts
every unit) and checks nothing else: ``tests/stats/test_tally.py`` holds it equal to the
figures computed from the units after every kind of write, on SQLite and PostgreSQL.
"""

# The SQL here is built only from this module's constants (table and column names); values
# are passed as parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from fugong.accounts.choices import LEVEL_DEPTH

log = logging.getLogger(__name__)

# The depths whose nodes are tallied: the children of the nodes at depth 0 to 2, whose
# figures are read from the tally (figures.TALLY_NODE_DEPTHS).
TALLY_DEPTHS = (1, 2, 3)
TABLE = "stats_tally"
ENTERPRISE = "enterprises_enterprise"
JURISDICTION = "accounts_jurisdiction"
INDUSTRY = "enterprises_industry"
# A tally row's key, and all its columns.
KEYS = "jurisdiction_id, category, section, ledger, resumed_on"
COLUMNS = "jurisdiction_id, category, section, ledger, resumed_on, units, employees, returned"
# The enterprise columns the tally counts by or sums; a change to any other leaves it be.
WATCHED = (
    "jurisdiction_id",
    "category",
    "industry_id",
    "ledger",
    "resumed_on",
    "employee_count",
    "returned_count",
)
TRIGGERS = ("stats_tally_insert", "stats_tally_delete", "stats_tally_update")
# A reader queues a compaction when the rows it summed outnumber the keys by this much.
COMPACT_SLACK = 2_000


def _rows_of(unit: str, sign: int) -> str:
    """SELECT the tally rows of one unit (``NEW`` or ``OLD`` in a trigger; ``e``: every unit
    of the enterprise table): one per tallied ancestor of its jurisdiction (itself included),
    found by walking up the parents."""
    hops = max(LEVEL_DEPTH.values()) - min(TALLY_DEPTHS)  # from the deepest node to depth 1
    joins = "\n".join(
        f"LEFT JOIN {JURISDICTION} p{i} ON p{i}.id = {'j' if i == 1 else f'p{i - 1}'}.parent_id"
        for i in range(1, hops)
    )
    chain = ", ".join(["j.id", *(f"p{i}.id" for i in range(1, hops)), f"p{hops - 1}.parent_id"])
    units = f"{ENTERPRISE} e CROSS JOIN " if unit == "e" else ""
    return f"""
        SELECT a.id AS jurisdiction_id, {unit}.category AS category,
            COALESCE((SELECT s.code FROM {INDUSTRY} d JOIN {INDUSTRY} s ON s.id = d.parent_id
                      WHERE d.id = {unit}.industry_id AND d.level = 'division'), '') AS section,
            {unit}.ledger AS ledger, {unit}.resumed_on AS resumed_on, {sign} AS units,
            {sign} * {unit}.employee_count AS employees,
            {sign} * COALESCE({unit}.returned_count, 0) AS returned
        FROM {units}{JURISDICTION} j
        {joins}
        JOIN {JURISDICTION} a ON a.id IN ({chain})
        WHERE j.id = {unit}.jurisdiction_id
          AND a.depth BETWEEN {min(TALLY_DEPTHS)} AND {max(TALLY_DEPTHS)}"""


def _changed(distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in WATCHED)


def _sqlite_triggers() -> list[str]:
    insert = f"INSERT INTO {TABLE} ({COLUMNS})"
    return [
        f"CREATE TRIGGER IF NOT EXISTS stats_tally_insert AFTER INSERT ON {ENTERPRISE} "
        f"BEGIN {insert} {_rows_of('NEW', 1)}; END",
        f"CREATE TRIGGER IF NOT EXISTS stats_tally_delete AFTER DELETE ON {ENTERPRISE} "
        f"BEGIN {insert} {_rows_of('OLD', -1)}; END",
        f"CREATE TRIGGER IF NOT EXISTS stats_tally_update AFTER UPDATE OF {', '.join(WATCHED)} "
        f"ON {ENTERPRISE} WHEN {_changed('IS NOT')} "
        f"BEGIN {insert} {_rows_of('OLD', -1)}; {insert} {_rows_of('NEW', 1)}; END",
    ]


# A transaction that set this (SET LOCAL) counts the rows it inserts itself, set-wise
# (``inserts_counted``); the PostgreSQL trigger then skips inserted rows.
BULK_SETTING = "fugong.tally_bulk"


def _postgresql_triggers() -> list[str]:
    insert = f"INSERT INTO {TABLE} ({COLUMNS})"
    function = f"""
        CREATE OR REPLACE FUNCTION stats_tally_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' AND current_setting('{BULK_SETTING}', true) = 'on' THEN
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {insert} {_rows_of("OLD", -1)};
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                {insert} {_rows_of("NEW", 1)};
            END IF;
            RETURN NULL;
        END $$"""
    run = "FOR EACH ROW EXECUTE FUNCTION stats_tally_change()"
    return [
        function,
        *(f"DROP TRIGGER IF EXISTS {name} ON {ENTERPRISE}" for name in TRIGGERS),
        f"CREATE TRIGGER stats_tally_insert AFTER INSERT ON {ENTERPRISE} {run}",
        f"CREATE TRIGGER stats_tally_delete AFTER DELETE ON {ENTERPRISE} {run}",
        f"CREATE TRIGGER stats_tally_update AFTER UPDATE ON {ENTERPRISE} "
        f"FOR EACH ROW WHEN ({_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION stats_tally_change()",
    ]


def _triggers(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return _sqlite_triggers()
    if vendor == "postgresql":
        return _postgresql_triggers()
    raise NotImplementedError(f"the tally has no triggers for {vendor}")


def installed(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the table and all three triggers exist."""
    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
                TRIGGERS,
            )
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid = %s::regclass AND tgname IN (%s, %s, %s)",
                [ENTERPRISE, *TRIGGERS],
            )
            if cursor.fetchone()[0] != len(TRIGGERS):
                return False
            # A function from before set-wise inserts is replaced (at the next migrate).
            cursor.execute(
                "SELECT COUNT(*) FROM pg_proc WHERE proname = 'stats_tally_change' "
                "AND prosrc LIKE %s",
                [f"%{BULK_SETTING}%"],
            )
            return cursor.fetchone()[0] == 1
        return cursor.fetchone()[0] == len(TRIGGERS)


def install(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Create the triggers where they are missing and, if any was, count the tally again from
    the units. Returns True when it had to. Run by the migration that makes the tally and after
    every ``migrate``: on SQLite, a migration that alters the enterprise table copies it into
    a new one, and the old table's triggers go with it."""
    connection = connections[using]
    if TABLE not in connection.introspection.table_names() or installed(using):
        return False
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for sql in _triggers(connection.vendor):
            cursor.execute(sql)
        rebuild(using)
    log.info("statistics tally: triggers installed and tally counted again")
    return True


def uninstall(using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {ENTERPRISE}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS stats_tally_change()")


def inserts_counted(insert: Callable[[], list[int]], using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """Run ``insert``, which inserts enterprises and returns their ids, without the per-row
    trigger, then count those units into the tally in one set-wise statement, in the same
    transaction (required: the tally and the units commit or roll back together). A bulk
    load of 100,000 units spends seconds in the per-row trigger; this costs one grouped
    INSERT … SELECT per call. Updates and deletes inside ``insert`` are still counted by
    their triggers; rows that other transactions insert meanwhile too (PostgreSQL: the
    setting is local to this transaction; SQLite: one writer at a time)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("inserts_counted needs a transaction")
    if not installed(using):
        return insert()  # no tally (a migration before it): nothing to count
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [BULK_SETTING])
            try:
                ids = insert()
            finally:
                cursor.execute("SELECT set_config(%s, 'off', true)", [BULK_SETTING])
        else:
            # Dropped and made again inside this transaction: other connections never see
            # the table without it (SQLite's DDL is transactional, its write lock single).
            cursor.execute("DROP TRIGGER stats_tally_insert")
            try:
                ids = insert()
            finally:
                cursor.execute(_sqlite_triggers()[0])
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEYS}, SUM(units), SUM(employees), "
                f"SUM(returned) FROM ({_rows_of('e', 1)} AND e.id IN ({marks})) r GROUP BY {KEYS}",
                chunk,
            )
    return ids


def rebuild(using: str = DEFAULT_DB_ALIAS) -> None:
    """Count the tally again from the units: after installing the triggers, and when
    jurisdictions move (a unit's ancestors change without a write to the unit)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # No unit may change while it is counted (SQLite has one writer at a time anyway).
            cursor.execute(f"LOCK TABLE {ENTERPRISE} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(
            f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEYS}, SUM(units), SUM(employees), "
            f"SUM(returned) FROM ({_rows_of('e', 1)}) r GROUP BY {KEYS}"
        )


def read(jurisdiction_ids: list[int], using: str = DEFAULT_DB_ALIAS) -> tuple[list[tuple], int]:
    """The tally of these jurisdictions, summed by key, without the keys that sum to nothing:
    rows of (jurisdiction_id, category, section, ledger, resumed_on, units, employees,
    returned), and how many stored rows were summed. A raw query: a city's thousands of rows
    are read without the ORM's per-value converters, which cost more than the query."""
    if not jurisdiction_ids:
        return [], 0
    marks = ", ".join(["%s"] * len(jurisdiction_ids))
    with connections[using].cursor() as cursor:
        cursor.execute(
            # The day as text: a date converter per value costs more than parsing each once.
            f"SELECT jurisdiction_id, category, section, ledger, CAST(resumed_on AS TEXT), "
            f"CAST(SUM(units) AS BIGINT), CAST(SUM(employees) AS BIGINT), "
            f"CAST(SUM(returned) AS BIGINT), COUNT(*) FROM {TABLE} "
            f"WHERE jurisdiction_id IN ({marks}) GROUP BY {KEYS}",
            list(jurisdiction_ids),
        )
        fetched = cursor.fetchall()
    days: dict = {}
    rows, summed = [], 0
    for place, category, section, ledger, on, units, employees, returned, n in fetched:
        summed += n
        if units or employees or returned:
            if on is not None:
                on = days.get(on) or days.setdefault(on, datetime.date.fromisoformat(on))
            rows.append((place, category, section, ledger, on, units, employees, returned))
    return rows, summed


def compact(using: str = DEFAULT_DB_ALIAS) -> int:
    """Fold the tally into one row per key, dropping keys that sum to nothing. Concurrent
    writers are not blocked (their rows, not yet committed or committed later, are left as
    they are). Returns the number of rows left."""
    connection = connections[using]
    sums = "SUM(units), SUM(employees), SUM(returned)"
    nonzero = "HAVING SUM(units) <> 0 OR SUM(employees) <> 0 OR SUM(returned) <> 0"
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Exactly the rows deleted are summed, whatever commits meanwhile.
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TABLE} RETURNING {COLUMNS}) "
                f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEYS}, {sums} FROM gone "
                f"GROUP BY {KEYS} {nonzero}"
            )
        else:
            # SQLite's transaction holds the one write lock from its start (IMMEDIATE).
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {TABLE}")
            last = cursor.fetchone()[0]
            cursor.execute(
                f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEYS}, {sums} FROM {TABLE} "
                f"WHERE id <= %s GROUP BY {KEYS} {nonzero}",
                [last],
            )
            cursor.execute(f"DELETE FROM {TABLE} WHERE id <= %s", [last])
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]
