"""The abnormal and 未报 lists for a county of 600,000 employees (issue 13: ≤ 100 ms p95):
the county office's ``/workforce/health/`` (``checkins.overview``: today's abnormal check-ins
and the enterprises with people not checked in, most first), a town's and a grid chief's, and
an enterprise's ``/workforce/today/`` (``checkins.not_reported``).

    .venv/bin/python -m bench.workforce_county                       # SQLite, var/bench/county-13/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench_wf .venv/bin/python -m bench.workforce_county

The demo county at scale "county" (5,000 enterprises; seed 13, so a database of its own:
var/bench/county-13/ or <DATABASE_URL>_county_13) plus ``--staff`` people on its enterprises'
rosters (a few hundred in some, a handful in most; 92 % expected to check in: at work, under
observation or remote; the rest not back yet or gone), written set-wise once and kept. Each
run writes today's check-ins anew in one INSERT … SELECT a half-day: nine in ten of the
people on the rosters, one in a thousand abnormal; then times each page ``--runs`` times
after a warm-up (the server's time, Django's test client).
"""

from __future__ import annotations

import argparse
import os
import time

from bench.harness import setup_django, time_page

STAFF = 600_000
SEED = 13  # a database of its own: the other benchmarks use the county of seed 1
PREFIX = "县员工"


def _numbers(count: int) -> list[str]:
    """``count`` distinct valid ID numbers of a county the demo's people are not from."""
    import datetime

    from stdnum.cn import ric

    out = []
    for i in range(count):
        born = datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 1000)
        body = f"659001{born:%Y%m%d}{i % 1000:03d}"
        out.append(body + ric.calc_check_digit(body + "0"))
    return out


def build_staff(count: int) -> None:
    """``count`` people on the enterprises' rosters, unless they are there already."""
    from django.db import connection, transaction

    from fugong.core import bulk
    from fugong.core.crypto import encrypt, lookup_hasher
    from fugong.enterprises.models import Enterprise
    from fugong.workforce.choices import Origin, WorkStatus
    from fugong.workforce.models import CheckIn, Employee, Person
    from fugong.workforce.services import ID_PURPOSE

    have = Person.objects.filter(name__startswith=PREFIX).count()
    if have == count:
        return
    started = time.perf_counter()
    CheckIn.objects.filter(employee__person__name__startswith=PREFIX).delete()
    Employee.objects.filter(person__name__startswith=PREFIX).delete()
    Person.objects.filter(name__startswith=PREFIX).delete()
    enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    # A few large employers and many small ones: one enterprise in fifty takes ten shares.
    shares = [pk for i, pk in enumerate(enterprises) for _ in range(10 if i % 50 == 0 else 1)]
    statuses = (
        [WorkStatus.AT_WORK] * 80
        + [WorkStatus.OBSERVING] * 8
        + [WorkStatus.REMOTE] * 4
        + [WorkStatus.NOT_RETURNED] * 6
        + [WorkStatus.LEFT] * 2
    )
    digest = lookup_hasher(ID_PURPOSE)
    numbers = _numbers(count)
    step = 50_000
    for start in range(0, count, step):
        chunk = numbers[start : start + step]
        with transaction.atomic():
            person_ids = bulk.new_ids(Person, len(chunk))
            bulk.insert_rows(
                Person,
                ["id", "name", "id_number", "id_hash", "created_at", "updated_at"],
                (
                    (pk, f"{PREFIX}{start + i}", encrypt(n), digest(n), now, now)
                    for i, (pk, n) in enumerate(zip(person_ids, chunk, strict=True))
                    for now in [_now()]
                ),
            )
            bulk.insert_rows(
                Employee,
                [
                    "enterprise_id",
                    "person_id",
                    "phone",
                    "phone_hash",
                    "origin",
                    "origin_region",
                    "travel_14d",
                    "transport",
                    "dormitory",
                    "work_status",
                    "measure",
                    "measure_reason",
                    "created_at",
                    "updated_at",
                ],
                (
                    (
                        shares[(start + i) * 7919 % len(shares)],
                        pk,
                        "",
                        "",
                        Origin.LOCAL,
                        "",
                        "",
                        "",
                        "",
                        statuses[(start + i) % len(statuses)],
                        "",
                        "",
                        now,
                        now,
                    )
                    for i, pk in enumerate(person_ids)
                    for now in [_now()]
                ),
            )
        print(f"  {start + len(chunk)} people …", flush=True)
    if connection.vendor == "postgresql":
        _vacuum("workforce_person", "workforce_employee")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  {count} people on the rosters in {time.perf_counter() - started:.0f} s")


_NOW = []


def _now():
    from django.utils import timezone

    if not _NOW:
        _NOW.append(timezone.now())
    return _NOW[0]


def _vacuum(*tables: str) -> None:
    from django.db import connection

    connection.ensure_connection()
    autocommit = connection.connection.autocommit
    connection.connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
    finally:
        connection.connection.autocommit = autocommit


def check_in_today() -> int:
    """Today's check-ins anew: nine in ten of the bench's people each half-day (whatever their
    status), one in a thousand abnormal; one INSERT … SELECT a half-day."""
    from django.db import connection, transaction
    from django.utils import timezone

    from fugong.workforce.models import CheckIn, Employee

    today = timezone.localdate()
    started = time.perf_counter()
    CheckIn.objects.filter(employee__person__name__startswith=PREFIX).delete()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    day = connection.ops.adapt_datefield_value(today)
    q = connection.ops.quote_name
    employee, person = Employee._meta.db_table, "workforce_person"
    sql = (
        f"INSERT INTO {q(CheckIn._meta.db_table)} (employee_id, day, half, tenths, symptoms, "  # noqa: S608
        "location, abnormal, source, key, at) "
        "SELECT e.id, %s, %s, CASE WHEN e.id %% 1000 = 7 THEN 381 ELSE 365 END, 0, 2, "
        "e.id %% 1000 = 7, 1, NULL, %s "
        f"FROM {q(employee)} e JOIN {q(person)} p ON p.id = e.person_id "
        "WHERE p.name LIKE %s AND (e.id + %s) %% 10 <> 0"
    )
    if connection.vendor == "sqlite":
        sql = sql.replace("e.id %% 1000 = 7, 1", "CASE WHEN e.id %% 1000 = 7 THEN 1 ELSE 0 END, 1")
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for half in (0, 1):
            cursor.execute(sql, [day, half, now, f"{PREFIX}%", half * 3])
            count += cursor.rowcount
    # As autovacuum soon would after such a load (the counts' tables too: the triggers wrote).
    if connection.vendor == "postgresql":
        _vacuum("workforce_checkin", "workforce_checkintally", "workforce_staffcount")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  {count} check-ins of today written in {time.perf_counter() - started:.0f} s")
    return count


def time_pages(runs: int) -> None:
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership, User
    from fugong.workforce.models import Employee

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # The enterprise with the most people among those with an account of their own.
    owned = set(
        Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).values_list(
            "enterprise_id", flat=True
        )
    )
    biggest = next(
        row
        for row in Employee.objects.filter(person__name__startswith=PREFIX)
        .values("enterprise_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        if row["enterprise_id"] in owned
    )
    owner = (
        Membership.objects.filter(
            role=Role.ENTERPRISE, is_active=True, enterprise_id=biggest["enterprise_id"]
        )
        .select_related("user")
        .first()
    )
    readers = [
        ("county command office", User.objects.get(username="county_cmd"), "/workforce/health/"),
        ("town command office", User.objects.get(username="town01_cmd"), "/workforce/health/"),
        ("grid chief", _grid_chief(), "/workforce/health/"),
    ]
    if owner is not None:
        readers.append((f"enterprise of {biggest['n']} people", owner.user, "/workforce/today/"))
    typical = (
        Membership.objects.filter(role=Role.ENTERPRISE, is_active=True)
        .exclude(enterprise_id=biggest["enterprise_id"])
        .first()
    )
    count = Employee.objects.filter(enterprise_id=typical.enterprise_id).count()
    readers.append((f"enterprise of {count} people", typical.user, "/workforce/today/"))
    for label, user, url in readers:
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        median, p95, queries, status = time_page(client, url, runs)
        assert status == 200, (url, status)
        print(
            f"  {url} as the {label}: median {median:.1f} ms, p95 {p95:.1f} ms, "
            f"{queries} queries (target p95 ≤ 100 ms)"
        )


def _grid_chief():
    from fugong.accounts.choices import CadreTitle, Role
    from fugong.accounts.models import Membership

    found = (
        Membership.objects.filter(role=Role.CADRE, title=CadreTitle.GRID_CHIEF, is_active=True)
        .select_related("user")
        .first()
    )
    return found.user if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=STAFF)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    setup_django("county", SEED)
    from django.db import connection

    print(f"database: {connection.vendor}")
    build_staff(args.staff)
    check_in_today()
    time_pages(args.runs)


if __name__ == "__main__":
    main()
