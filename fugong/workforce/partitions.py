"""The check-ins' monthly partitions on PostgreSQL (issue 13 point 6, PIPL retention; the
table is partitioned by migration 0006): ``workforce_checkin_YYYYMM`` holds a month's rows,
``workforce_checkin_default`` any row of a month without its partition (an insert never
fails). ``ensure`` makes the partitions of the current and the next month ahead (nightly,
with the purge, and when the server starts); ``drop_before`` drops the months past the
retention period whole, which deletes their rows at once. On SQLite (and on a table that is
not partitioned) both do nothing."""

# ruff: noqa: S608  (the names are this module's constants and the catalog's)

from __future__ import annotations

import datetime
import logging
import re

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from fugong.workforce.models import CheckIn

log = logging.getLogger(__name__)

TABLE = CheckIn._meta.db_table
DEFAULT = f"{TABLE}_default"
COLUMNS = ", ".join(f'"{f.column}"' for f in CheckIn._meta.concrete_fields)
LOCK = "fugong.workforce.partitions"  # one ensure or drop at a time (the server, cron)
LOCK_TIMEOUT = "10s"  # dropping waits this long at most for the readers and writers
BOUNDS = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)")


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def name(first: datetime.date) -> str:
    return f"{TABLE}_{first:%Y%m}"


def _partitioned(cursor) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [f'"{TABLE}"']
    )
    return cursor.fetchone() is not None


def partitions(cursor) -> dict[str, tuple[datetime.date, datetime.date] | None]:
    """Each partition's name and range [from, to), None for the default partition."""
    cursor.execute(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
        [f'"{TABLE}"'],
    )
    out = {}
    for relname, bound in cursor.fetchall():
        found = BOUNDS.search(bound)
        out[relname] = (
            tuple(datetime.date.fromisoformat(d) for d in found.groups()) if found else None
        )
    return out


def _lock(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [LOCK])


def _waiting(cursor, start: datetime.date, end: datetime.date) -> bool:
    """Whether the default partition holds rows of [start, end)."""
    cursor.execute(f'SELECT 1 FROM "{DEFAULT}" WHERE day >= %s AND day < %s LIMIT 1', [start, end])
    return cursor.fetchone() is not None


def ensure(today: datetime.date | None = None) -> list[str]:
    """The partitions of the month of ``today`` and the next, made if missing (idempotent);
    rows of those months waiting in the default partition move into them. Returns the names
    of the partitions made."""
    if connection.vendor != "postgresql":
        return []
    first = (today or timezone.localdate()).replace(day=1)
    made = []
    with transaction.atomic(), connection.cursor() as cursor:
        if not _partitioned(cursor):
            return []
        _lock(cursor)
        existing = partitions(cursor)
        ranges = [r for r in existing.values() if r]
        for start in (first, next_month(first)):
            end, part = next_month(start), name(start)
            if part in existing or any(s < end and start < e for s, e in ranges):
                continue
            bounds = f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            if DEFAULT in existing and _waiting(cursor, start, end):
                # PostgreSQL refuses a partition whose rows wait in the default one: the
                # month is made apart, its rows moved in, then it is attached.
                cursor.execute(
                    f'CREATE TABLE "{part}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                )
                cursor.execute(
                    f'WITH moved AS (DELETE FROM "{DEFAULT}" WHERE day >= %s AND day < %s '
                    f'RETURNING {COLUMNS}) INSERT INTO "{part}" ({COLUMNS}) SELECT {COLUMNS} FROM moved',
                    [start, end],
                )
                cursor.execute(f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{part}" {bounds}')
            else:
                cursor.execute(
                    f'CREATE TABLE IF NOT EXISTS "{part}" PARTITION OF "{TABLE}" {bounds}'
                )
            made.append(part)
            ranges.append((start, end))
    return made


def drop_before(day: datetime.date) -> int:
    """Drop the month partitions whose every day is before ``day``; returns how many rows
    they held (counted under the table's lock, before dropping). Does nothing, returning 0,
    when the lock is not had within LOCK_TIMEOUT: the caller's deletes then remove the rows."""
    if connection.vendor != "postgresql":
        return 0
    dropped = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if not _partitioned(cursor):
            return 0
        _lock(cursor)
        old = sorted(p for p, r in partitions(cursor).items() if r and r[1] <= day)
        if not old:
            return 0
        try:
            with transaction.atomic():
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
                # What DROP TABLE of a partition takes anyway: nothing is written meanwhile.
                cursor.execute(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')
                for part in old:
                    cursor.execute(f'SELECT count(*) FROM "{part}"')
                    dropped += cursor.fetchone()[0]
                    cursor.execute(f'DROP TABLE "{part}"')
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
        except OperationalError:
            log.warning("check-in partitions not dropped: %s busy beyond %s", TABLE, LOCK_TIMEOUT)
            return 0
    return dropped
