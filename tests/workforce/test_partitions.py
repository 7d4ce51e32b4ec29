"""The check-ins' monthly partitions on PostgreSQL (issue 13 point 6): the table is partitioned
by range of day, a row lands in its month's partition (or the default one), the months ahead
are made idempotently (rows waiting in the default partition move in), the purge drops a
month past the retention period whole while its counts are kept and the purge logged, and
the check-in's idempotency (one row per person and half-day) holds on the partitioned table.
On SQLite the partitions' functions do nothing."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from fugong.core.errors import UserError
from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import checkins, partitions, retention, services
from fugong.workforce.choices import Origin, WorkStatus
from fugong.workforce.models import CheckIn, CheckInDay, Purge
from fugong.workforce.testing import id_number

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="monthly partitions of the check-ins: PostgreSQL only (SQLite has none)",
)


def number(i: int) -> str:
    return id_number(i, place="440304", born="0909", first_year=1975)


def hire(c, i):
    return services.employee_create(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        name=f"分区{i}",
        id_number=number(i),
        origin=Origin.LOCAL,
        work_status=WorkStatus.AT_WORK,
    )


def partition_of(row: CheckIn) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM workforce_checkin WHERE id = %s AND day = %s",
            [row.pk, row.day],
        )
        return cursor.fetchone()[0]


def checks_now() -> None:
    """The deferred foreign-key checks of the rows this test wrote, run now: PostgreSQL
    refuses DDL on a table with pending trigger events (never the case in the nightly job,
    which starts its own transactions)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_ensure_and_drop_before_are_idempotent_and_do_nothing_on_sqlite(db):
    partitions.ensure(TODAY)
    assert partitions.ensure(TODAY) == []  # made already (on SQLite: nothing to make)
    assert partitions.drop_before(datetime.date(2000, 1, 1)) == 0
    if connection.vendor != "postgresql":
        assert partitions.drop_before(TODAY) == 0


@postgresql
def test_the_check_ins_are_partitioned_by_month_and_rows_land_in_their_month(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat FROM pg_partitioned_table "
            "WHERE partrelid = 'workforce_checkin'::regclass"
        )
        assert cursor.fetchone() == ("r",)
        made = partitions.partitions(cursor)
    first = TODAY.replace(day=1)
    assert made[partitions.DEFAULT] is None
    assert made[partitions.name(first)] == (first, partitions.next_month(first))
    assert partitions.name(partitions.next_month(first)) in made
    c = add_cast(world, "approval", "partition_land")
    employee = hire(c, 1)
    row, _made = checkins.checkin_record(
        actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="36.5"
    )
    assert partition_of(row) == partitions.name(first)
    stray = CheckIn.objects.create(employee=employee, day=datetime.date(2001, 1, 1), half=0, tenths=365)  # fmt: skip
    assert partition_of(stray) == partitions.DEFAULT  # a month without its partition


@postgresql
def test_ensure_makes_the_months_ahead_once_and_moves_their_rows_out_of_the_default(world):
    c = add_cast(world, "approval", "partition_ensure")
    employee = hire(c, 2)
    later = partitions.next_month(partitions.next_month(partitions.next_month(TODAY)))
    waiting = CheckIn.objects.create(employee=employee, day=later, half=1, tenths=366)
    assert partition_of(waiting) == partitions.DEFAULT
    checks_now()
    made = partitions.ensure(later)
    assert made == [partitions.name(later), partitions.name(partitions.next_month(later))]
    assert partition_of(waiting) == partitions.name(later)  # moved in, the same row
    assert CheckIn.objects.get(pk=waiting.pk).tenths == 366
    assert partitions.ensure(later) == []
    again = CheckIn.objects.create(employee=employee, day=later, half=0, tenths=365)
    assert partition_of(again) == partitions.name(later) and again.pk > waiting.pk


@postgresql
@override_settings(FUGONG_HEALTH_RETENTION_DAYS=30)
def test_the_purge_drops_a_month_past_the_period_and_keeps_its_counts(world):
    c = add_cast(world, "approval", "partition_purge")
    enterprise = c.enterprise.memberships.get().enterprise
    staff = [hire(c, 10 + i) for i in range(3)]
    old = TODAY - datetime.timedelta(days=62)  # its whole month is before the cutoff
    partitions.ensure(old)
    month = partitions.name(old)
    for i, e in enumerate(staff):
        CheckIn.objects.create(employee=e, day=old, half=0, tenths=365 + i, abnormal=i == 2)
        CheckIn.objects.create(employee=e, day=TODAY, half=0, tenths=365)
    assert {partition_of(r) for r in CheckIn.objects.filter(day=old)} == {month}
    checks_now()
    done = retention.purge()
    assert done["checkins"] == 3
    with connection.cursor() as cursor:
        assert month not in partitions.partitions(cursor)  # dropped, not emptied
    assert not CheckIn.objects.filter(day=old).exists()
    assert CheckIn.objects.filter(day=TODAY, employee__in=staff).count() == 3
    kept = CheckInDay.objects.get(enterprise=enterprise, day=old, half=0)
    assert (kept.checked, kept.abnormal) == (3, 1)
    assert Purge.objects.filter(what="checkins", count=3, before=retention.cutoff()).exists()


@postgresql
def test_a_check_in_stays_one_row_per_person_and_half_day_on_the_partitioned_table(world):
    c = add_cast(world, "approval", "partition_once")
    enterprise = c.enterprise.memberships.get().enterprise
    employee = hire(c, 20)
    key = uuid.uuid4()
    first, made = checkins.checkin_record(
        actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="36.5", key=key
    )
    again, made_again = checkins.checkin_record(
        actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="36.5", key=key
    )
    assert made and not made_again and first.pk == again.pk
    with pytest.raises(UserError) as twice:
        checkins.checkin_record(
            actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="36.6"
        )
    assert twice.value.code == "duplicate"
    staff = [hire(c, 21 + i) for i in range(3)]
    items = [
        {"id_number": number(21 + i), "day": TODAY, "half": 1, "temperature": 36.4}
        for i in range(3)
    ]
    out = checkins.checkins_bulk(actor=c.enterprise, enterprise=enterprise, items=items)
    assert (out["accepted"], out["duplicates"]) == (3, 0)
    out = checkins.checkins_bulk(actor=c.enterprise, enterprise=enterprise, items=items)
    assert (out["accepted"], out["duplicates"]) == (0, 3)
    # A row another writer put in meanwhile: the insert's ON CONFLICT skips it.
    mine = CheckIn(employee_id=staff[0].pk, day=TODAY, half=1, tenths=370)
    CheckIn.objects.bulk_create([mine], ignore_conflicts=True)
    rows = CheckIn.objects.filter(employee__in=[employee, *staff])
    assert rows.count() == 4 and rows.get(employee=staff[0]).tenths == 364


@postgresql
def test_the_migration_back_and_forth_keeps_the_rows_and_the_ids(world):
    from django.db.migrations.executor import MigrationExecutor

    c = add_cast(world, "approval", "partition_migrate")
    employee = hire(c, 30)
    row = CheckIn.objects.create(employee=employee, day=TODAY, half=0, tenths=365)
    count = CheckIn.objects.count()
    checks_now()
    executor = MigrationExecutor(connection)
    executor.migrate([("workforce", "0005_retention")])
    with connection.cursor() as cursor:
        assert not partitions._partitioned(cursor)
    assert partitions.ensure(TODAY) == [] and partitions.drop_before(TODAY) == 0
    assert CheckIn.objects.count() == count
    plain = CheckIn.objects.create(employee=employee, day=TODAY, half=1, tenths=365)
    assert plain.pk > row.pk
    checks_now()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        assert partitions._partitioned(cursor)
    assert CheckIn.objects.count() == count + 1
    assert partition_of(CheckIn.objects.get(pk=plain.pk)) == partitions.name(TODAY)
    later = CheckIn.objects.create(employee=hire(c, 31), day=TODAY, half=0, tenths=365)
    assert later.pk > plain.pk
