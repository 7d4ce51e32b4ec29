"""The tally: the units under every jurisdiction node of depth 1 to 3 (city, county, town or
street), counted by category, industry section, ledger and resumption day, with their
employees and staff back. A city's or a county's figures are then summed from a few thousand
tally rows of its children instead of from every unit under it (docs/statistics.md, "Speed").

The tally is kept by triggers on the units' table (the enterprise table; its name and
columns come from the units' registration, ``fugong.stats.sources``), so that every write,
whichever code makes it (a form, an import, a bulk status change, a confirmed filing, a data
migration, the shell), changes it in the same transaction. A trigger only appends rows: +1 for a unit as it
now is, −1 for the unit as it was. Nothing is updated in place, so concurrent writers never
wait for each other on a shared counter row, and never deadlock. Readers sum the rows of a
key; ``compact`` folds them into one row per key from time to time (queued by a reader that
finds many rows to fold, and nightly by ``fugong snapshot``).

``figures`` reads the tally only for a user who may see the node's whole subtree (it counts
every unit) and checks nothing else: ``tests/stats/test_tally.py`` holds it equal to the
figures computed from the units after every kind of write, on SQLite and PostgreSQL.
"""

# The SQL here is built only from this module's constants and the table and column names of
# the registered models (``_schema``); values are passed as parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from fugong.accounts.choices import LEVEL_DEPTH
from fugong.stats import sources

log = logging.getLogger(__name__)

# The depths whose nodes are tallied: the children of the nodes at depth 0 to 2, whose
# figures are read from the tally (figures.TALLY_NODE_DEPTHS).
TALLY_DEPTHS = (1, 2, 3)
TABLE = "stats_tally"
# A tally row's key, and all its columns.
KEYS = "jurisdiction_id, category, section, ledger, resumed_on"
COLUMNS = "jurisdiction_id, category, section, ledger, resumed_on, units, employees, returned"
TRIGGERS = ("stats_tally_insert", "stats_tally_delete", "stats_tally_update")
# A reader queues a compaction when the rows it summed outnumber the keys by this much.
COMPACT_SLACK = 2_000


@dataclass(frozen=True)
class _Schema:
    """The tables and columns the tally's SQL reads, from the units' registration."""

    units: str  # the units' table (enterprises_enterprise)
    places: str  # accounts_jurisdiction
    industries: str  # enterprises_industry
    place: str  # the units' columns: jurisdiction_id, category, industry_id, ledger, …
    category: str
    industry: str
    ledger: str
    resumed_on: str
    employees: str
    returned: str
    industry_code: str  # the classification's columns: code, parent_id, level
    industry_parent: str
    industry_level: str
    division: str  # the level value of a division, as an SQL literal ('division')

    @property
    def watched(self) -> tuple[str, ...]:
        """The unit columns the tally counts by or sums; a change to any other leaves it be."""
        return (
            self.place,
            self.category,
            self.industry,
            self.ledger,
            self.resumed_on,
            self.employees,
            self.returned,
        )


@functools.cache
def _schema() -> _Schema:
    source = sources.units()
    fields, classification = source.fields, source.industries
    meta = classification.model._meta
    return _Schema(
        units=source.model._meta.db_table,
        places=source.model._meta.get_field(fields.place).related_model._meta.db_table,
        industries=meta.db_table,
        place=source.column(fields.place),
        category=source.column(fields.category),
        industry=source.column(fields.industry),
        ledger=source.column(fields.ledger),
        resumed_on=source.column(fields.resumed_on),
        employees=source.column(fields.employees),
        returned=source.column(fields.returned),
        industry_code=meta.get_field(classification.code).column,
        industry_parent=meta.get_field(classification.parent).column,
        industry_level=meta.get_field(classification.level).column,
        division="'{}'".format(classification.division.replace("'", "''")),
    )


def _rows_of(unit: str, sign: int) -> str:
    """SELECT the tally rows of one unit (``NEW`` or ``OLD`` in a trigger; ``e``: every unit
    of the units' table): one per tallied ancestor of its jurisdiction (itself included),
    found by walking up the parents."""
    t = _schema()
    hops = max(LEVEL_DEPTH.values()) - min(TALLY_DEPTHS)  # from the deepest node to depth 1
    joins = "\n".join(
        f"LEFT JOIN {t.places} p{i} ON p{i}.id = {'j' if i == 1 else f'p{i - 1}'}.parent_id"
        for i in range(1, hops)
    )
    chain = ", ".join(["j.id", *(f"p{i}.id" for i in range(1, hops)), f"p{hops - 1}.parent_id"])
    if unit == "e":
        # Set-wise (rebuild, inserts_counted): the section by joins. As a sub-query it runs
        # once per unit and ancestor (PostgreSQL: 15,000 times, 0.2 s, for 5,000 new units).
        units = (
            f"{t.units} e LEFT JOIN {t.industries} d ON d.id = e.{t.industry} "
            f"AND d.{t.industry_level} = {t.division} "
            f"LEFT JOIN {t.industries} s ON s.id = d.{t.industry_parent} CROSS JOIN "
        )
        section = f"COALESCE(s.{t.industry_code}, '')"
    else:
        units = ""
        section = f"""COALESCE((SELECT s.{t.industry_code} FROM {t.industries} d
                      JOIN {t.industries} s ON s.id = d.{t.industry_parent}
                      WHERE d.id = {unit}.{t.industry} AND d.{t.industry_level} = {t.division}),
                     '')"""
    return f"""
        SELECT a.id AS jurisdiction_id, {unit}.{t.category} AS category, {section} AS section,
            {unit}.{t.ledger} AS ledger, {unit}.{t.resumed_on} AS resumed_on, {sign} AS units,
            {sign} * {unit}.{t.employees} AS employees,
            {sign} * COALESCE({unit}.{t.returned}, 0) AS returned
        FROM {units}{t.places} j
        {joins}
        JOIN {t.places} a ON a.id IN ({chain})
        WHERE j.id = {unit}.{t.place}
          AND a.depth BETWEEN {min(TALLY_DEPTHS)} AND {max(TALLY_DEPTHS)}"""


def _changed(distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in _schema().watched)


def _sqlite_triggers() -> list[str]:
    insert = f"INSERT INTO {TABLE} ({COLUMNS})"
    units = _schema().units
    return [
        f"CREATE TRIGGER IF NOT EXISTS stats_tally_insert AFTER INSERT ON {units} "
        f"BEGIN {insert} {_rows_of('NEW', 1)}; END",
        f"CREATE TRIGGER IF NOT EXISTS stats_tally_delete AFTER DELETE ON {units} "
        f"BEGIN {insert} {_rows_of('OLD', -1)}; END",
        f"CREATE TRIGGER IF NOT EXISTS stats_tally_update AFTER UPDATE OF "
        f"{', '.join(_schema().watched)} ON {units} WHEN {_changed('IS NOT')} "
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
    units = _schema().units
    return [
        function,
        *(f"DROP TRIGGER IF EXISTS {name} ON {units}" for name in TRIGGERS),
        f"CREATE TRIGGER stats_tally_insert AFTER INSERT ON {units} {run}",
        f"CREATE TRIGGER stats_tally_delete AFTER DELETE ON {units} {run}",
        f"CREATE TRIGGER stats_tally_update AFTER UPDATE ON {units} "
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
                [_schema().units, *TRIGGERS],
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
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_schema().units}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS stats_tally_change()")


class BulkInserts:
    """New units inserted without the per-row trigger (``insert``) and counted into the tally
    at once (``flush``), in the same transaction (required: the tally and the units commit or
    roll back together). A bulk load of 100,000 units spends seconds in the per-row trigger;
    this costs one grouped INSERT … SELECT per flush (each builds the places' ancestors anew:
    70 ms on PostgreSQL, so a load in chunks flushes once, not per chunk). Made by
    ``bulk_inserts``."""

    def __init__(self, using: str):
        self.connection = connections[using]
        self.counted = installed(using)  # no tally (a migration before it): nothing to count
        self.pending: list[int] = []
        self.units: list[Mapping] = []  # inserted units given with their values
        self.places: dict[int, tuple[int | None, int]] = {}  # id -> (parent id, depth)

    def insert(
        self, insert: Callable[[], list[int]], units: Iterable[Mapping] | None = None
    ) -> list[int]:
        """Run ``insert``, which inserts units and returns their ids, without the per-row
        trigger; the ids are counted at the next ``flush``. Updates and deletes inside
        ``insert`` are still counted by their triggers; rows that other transactions insert
        meanwhile too (PostgreSQL: the setting is local to this transaction; SQLite: one
        writer at a time). ``units``: the values of the units ``insert`` inserts, by
        attname, when the caller has them: they are then counted from these values
        (``_count``) instead of read back by the SQL count."""
        if not self.counted:
            return insert()
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'on', true)", [BULK_SETTING])
                try:
                    ids = insert()
                finally:
                    cursor.execute("SELECT set_config(%s, 'off', true)", [BULK_SETTING])
            else:
                # Dropped and made again inside this transaction: other connections never
                # see the table without it (SQLite's DDL is transactional, its write lock
                # single).
                cursor.execute("DROP TRIGGER stats_tally_insert")
                try:
                    ids = insert()
                finally:
                    cursor.execute(_sqlite_triggers()[0])
        if units is None:
            self.pending += ids
        else:
            self.units += units
        return ids

    def flush(self) -> None:
        """Count the units inserted since the last flush, as they are now. Call it before any
        other write to the units inside ``bulk_inserts``: an update's trigger takes the unit
        as it was out of the tally, which must hold it by then."""
        ids, self.pending = self.pending, []
        units, self.units = self.units, []
        if units:
            self._count(units)
        if not ids:
            return
        # The ids as one parameter (an array; in SQLite a JSON array).
        if self.connection.vendor == "postgresql":
            among, as_parameter = "e.id = ANY(%s)", list
        else:
            among, as_parameter = "e.id IN (SELECT value FROM json_each(%s))", json.dumps
        with self.connection.cursor() as cursor:
            for start in range(0, len(ids), COUNTED_AT_ONCE):
                cursor.execute(
                    f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEYS}, SUM(units), "
                    f"SUM(employees), SUM(returned) FROM ({_rows_of('e', 1)} AND {among}) r "
                    f"GROUP BY {KEYS}",
                    [as_parameter(ids[start : start + COUNTED_AT_ONCE])],
                )

    def _count(self, units: list[Mapping]) -> None:
        """Insert the tally rows of ``units`` counted from their values: for each unit, one
        row per tallied node among its place and the places above it, by its category, its
        industry's section, ledger and day, summed by key, as the SQL count (``_rows_of``)
        gives them from the table. A 100,000-unit import counts its 50,000 rows here in a
        fraction of the time the join over the places takes, and writes them on the
        other core (``insert_rows``). ``tests/stats/test_tally.py`` holds both equal."""
        from fugong.core.bulk import insert_rows
        from fugong.stats.models import Tally

        source = sources.units()
        f = source.fields
        meta = source.model._meta
        place, category, industry, ledger, day, employees, returned = (
            meta.get_field(name).attname
            for name in (f.place, f.category, f.industry, f.ledger, f.resumed_on,
                         f.employees, f.returned)
        )  # fmt: skip
        tallied = self._tallied({u[place] for u in units if u[place] is not None})
        sections = self._sections()
        sums: dict[tuple, list[int]] = {}
        for unit in units:
            nodes = tallied.get(unit[place])
            if not nodes:
                continue
            rest = (unit[category], sections.get(unit[industry], ""), unit[ledger], unit[day])
            people, back = unit[employees], unit[returned] or 0
            for node in nodes:
                key = (node, *rest)
                total = sums.get(key)
                if total is None:
                    sums[key] = [1, people, back]
                else:
                    total[0] += 1
                    total[1] += people
                    total[2] += back
        columns = ["jurisdiction_id", "category", "section", "ledger", "resumed_on"]
        insert_rows(
            Tally,
            [*columns, "units", "employees", "returned"],
            ((*key, *total) for key, total in sums.items()),
        )

    def _tallied(self, place_ids: set[int]) -> dict[int, list[int]]:
        """Each place's tallied nodes (depth 1 to 3): itself and the places above it, read
        level by level (a query per level, the places kept for the next flush)."""
        known = self.places
        todo = place_ids - known.keys()
        if self.connection.vendor == "postgresql":
            among, as_parameter = "id = ANY(%s)", list
        else:
            among, as_parameter = "id IN (SELECT value FROM json_each(%s))", json.dumps
        with self.connection.cursor() as cursor:
            while todo:
                cursor.execute(
                    f"SELECT id, parent_id, depth FROM {_schema().places} WHERE {among}",
                    [as_parameter(sorted(todo))],
                )
                found = {pk: (parent, depth) for pk, parent, depth in cursor.fetchall()}
                known.update(found)
                todo = {parent for parent, _depth in found.values() if parent is not None}
                todo -= known.keys()
        low, high = min(TALLY_DEPTHS), max(TALLY_DEPTHS)
        out: dict[int, list[int]] = {}
        for pk in place_ids:
            nodes, node = [], pk
            while node is not None and node in known:
                parent, depth = known[node]
                if low <= depth <= high:
                    nodes.append(node)
                node = parent
            out[pk] = nodes
        return out

    def _sections(self) -> dict[int, str]:
        """The section (its code) of each division of the classification."""
        t = _schema()
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, s.{t.industry_code} FROM {t.industries} d "
                f"JOIN {t.industries} s ON s.id = d.{t.industry_parent} "
                f"WHERE d.{t.industry_level} = {t.division}"
            )
            return {pk: code or "" for pk, code in cursor.fetchall()}


@contextmanager
def bulk_inserts(using: str = DEFAULT_DB_ALIAS) -> Iterator[BulkInserts]:
    """Inserts of many units counted at once (``BulkInserts``), flushed at the end; inside a
    transaction. Every other write to the units inside must follow a ``flush``."""
    if not connections[using].in_atomic_block:
        raise transaction.TransactionManagementError("bulk_inserts needs a transaction")
    bulk = BulkInserts(using)
    yield bulk
    bulk.flush()


def inserts_counted(insert: Callable[[], list[int]], using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """Run ``insert`` (which inserts units and returns their ids) without the per-row trigger,
    then count the units it inserted in one statement (``BulkInserts``)."""
    with bulk_inserts(using) as bulk:
        return bulk.insert(insert)


COUNTED_AT_ONCE = 200_000  # new units counted by one statement of inserts_counted


def rebuild(using: str = DEFAULT_DB_ALIAS) -> None:
    """Count the tally again from the units: after installing the triggers, and when
    jurisdictions move (a unit's ancestors change without a write to the unit)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # No unit may change while it is counted (SQLite has one writer at a time anyway).
            cursor.execute(f"LOCK TABLE {_schema().units} IN SHARE MODE")
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
