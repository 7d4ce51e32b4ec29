"""Bytes on disk of a check-in row on PostgreSQL (issue 13: "a check-in row ≤ 100 bytes on
disk, measured"). Writes ``--rows`` check-ins set-wise (one INSERT … SELECT) into a month
partition of their own, twice: every row with an idempotency key (the phone page sends one),
then none (NULL); VACUUM ANALYZEs; prints bytes per row of the heap (pg_relation_size of the
partition) and with its indexes (pg_total_relation_size), and each index's share.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench_rows .venv/bin/python -m bench.workforce_rows
    DATABASE_URL=... .venv/bin/python -m bench.workforce_rows --rows 1000000

The data is the demo at scale "small" (database ``<name>_small_1``) plus enough people on one
roster for the rows (one check-in each half-day of the month a person); the months measured are January
and February 2000 (their partitions are made again at each run)."""

# ruff: noqa: S608  (the names are the benchmark's constants and the catalog's)

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

from bench.harness import setup_django

ROWS = 200_000
MONTHS = (datetime.date(2000, 1, 1), datetime.date(2000, 2, 1))  # with a key, without


def _people(count: int) -> list[int]:
    """``count`` employees' ids: the demo's, and new people on one roster if too few (their
    ID numbers after any made before)."""
    from bench.workforce import _unique_numbers
    from fugong.core.crypto import lookup_hash
    from fugong.enterprises.models import Enterprise
    from fugong.workforce.choices import Origin, WorkStatus
    from fugong.workforce.models import Employee, Person
    from fugong.workforce.services import ID_PURPOSE

    have = list(Employee.objects.order_by("pk").values_list("pk", flat=True)[:count])
    if len(have) < count:
        enterprise = Enterprise.objects.order_by("pk").first()
        numbers = _unique_numbers(count - len(have), offset=500_000 + Person.objects.count())
        persons = Person.objects.bulk_create(
            [Person(name=f"员工{n[-6:]}", id_number=n, id_hash=lookup_hash(n, ID_PURPOSE)) for n in numbers],
            batch_size=2000,
        )  # fmt: skip
        Employee.objects.bulk_create(
            [
                Employee(enterprise=enterprise, person=p, origin=Origin.LOCAL, work_status=WorkStatus.AT_WORK)
                for p in persons
            ],
            batch_size=2000,
        )  # fmt: skip
        have = list(Employee.objects.order_by("pk").values_list("pk", flat=True)[:count])
    return have


def _write(cursor, first: datetime.date, people: list[int], rows: int, with_key: bool) -> float:
    """``rows`` check-ins of the month of ``first``: person by person, each half-day."""
    from fugong.workforce import partitions

    days = (partitions.next_month(first) - first).days
    key = "gen_random_uuid()" if with_key else "NULL"
    started = time.perf_counter()
    cursor.execute(
        f"""
        INSERT INTO workforce_checkin
            (day, half, tenths, symptoms, location, abnormal, source, key, at, employee_id)
        SELECT %s::date + (n / 2) %% %s, n %% 2, 360 + n %% 10, 0, 2, n %% 1000 = 0, n %% 2,
               {key}, %s::timestamptz + make_interval(mins => n %% 600),
               (%s::bigint[])[1 + n / (2 * %s)]
        FROM generate_series(0, %s - 1) AS n
        """,
        [first, days, first.isoformat() + "T08:00:00+08:00", people, days, rows],
    )
    return time.perf_counter() - started


def _sizes(cursor, part: str) -> tuple[int, int, int, list[tuple[str, int]]]:
    cursor.execute(
        f'SELECT count(*), pg_relation_size(%s), pg_total_relation_size(%s) FROM "{part}"',
        [part, part],
    )
    rows, heap, total = cursor.fetchone()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_relation_size(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass ORDER BY 1",
        [part],
    )
    return rows, heap, total, cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("PostgreSQL only: give DATABASE_URL (see the docstring).")
    setup_django("small", 1)
    from django.db import connection

    from fugong.workforce import partitions

    per_month = min(args.rows, 10_000_000)
    shortest = min((partitions.next_month(m) - m).days for m in MONTHS)
    people = _people(-(-per_month // (2 * shortest)))  # one check-in a half-day a person
    connection.ensure_connection()
    connection.connection.autocommit = True  # VACUUM runs outside a transaction
    with connection.cursor() as cursor:
        for first in MONTHS:
            cursor.execute(f'DROP TABLE IF EXISTS "{partitions.name(first)}"')
        made = partitions.ensure(MONTHS[0])
        assert made == [partitions.name(m) for m in MONTHS], made
        print(f"database: {connection.settings_dict['NAME']}; {per_month:,} rows a month")
        for first, with_key in zip(MONTHS, (True, False), strict=True):
            took = _write(cursor, first, people, per_month, with_key)
            part = partitions.name(first)
            cursor.execute(f'VACUUM ANALYZE "{part}"')
            cursor.execute(f'SELECT avg(pg_column_size(c.*)) FROM "{part}" AS c')
            tuple_bytes = cursor.fetchone()[0]
            rows, heap, total, indexes = _sizes(cursor, part)
            print(
                f"  {part} ({'with' if with_key else 'without'} a key): {rows:,} rows written in "
                f"{took:.1f} s; tuple {tuple_bytes:.0f} B; heap {heap / rows:.1f} B/row "
                f"(target: ≤ 100); with indexes {total / rows:.1f} B/row"
            )
            for index, size in indexes:
                print(f"    {index}: {size / rows:.1f} B/row")
        for first in MONTHS:  # the benchmark's rows go; the demo's stay
            cursor.execute(f'DROP TABLE "{partitions.name(first)}"')


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
