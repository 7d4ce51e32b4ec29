"""Workforce speed (issue 13): the bulk check-in API's rate, the roster import, and the
enterprise's today page (its 未报 and abnormal lists) with many staff.

    .venv/bin/python -m bench.workforce                      # SQLite under var/bench/small-1/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench .venv/bin/python -m bench.workforce
    .venv/bin/python -m bench.workforce --staff 100000 --import-rows 100000

Targets (issue 13): bulk API ≥ 20,000 check-ins a second; the roster import of 100,000 people
≤ 10 s; the abnormal and 未报 lists ≤ 100 ms p95 (the issue asks it for a county of 600,000
employees: ``bench.workforce_county``; this one times one enterprise's today page with
``--staff`` people). The data is the demo at scale "small" plus ``--staff`` people on one
enterprise's roster (written set-wise, encrypted as any other; deleted at the end, with their
check-ins). Nine tenths check in, a thousandth abnormal, in calls of 5,000, each committed:
through ``checkins.checkins_bulk`` and through ``POST /api/v1/workforce/checkins`` (Django's
test client: the middleware, the token, the JSON and its schema), each ``--repeat`` times, and
each batch sent again. The import runs on its own and its rows are deleted afterwards.
"""

from __future__ import annotations

import argparse
import io
import os
import time

from bench.harness import setup_django, time_page

STAFF = 20_000
IMPORT_ROWS = 20_000


def _unique_numbers(count: int, offset: int = 0) -> list[str]:
    """``count`` distinct valid ID numbers: a birth day per thousand, a sequence within it."""
    import datetime

    from stdnum.cn import ric

    out = []
    for i in range(offset, offset + count):
        born = datetime.date(1970, 1, 1) + datetime.timedelta(days=i // 1000)
        body = f"110105{born:%Y%m%d}{i % 1000:03d}"
        out.append(body + ric.calc_check_digit(body + "0"))
    return out


def _staff(enterprise, count: int):
    from fugong.core.crypto import lookup_hash
    from fugong.workforce.choices import Origin, WorkStatus
    from fugong.workforce.models import Employee, Person
    from fugong.workforce.services import ID_PURPOSE

    numbers = _unique_numbers(count)
    started = time.perf_counter()
    persons = Person.objects.bulk_create(
        [
            Person(name=f"员工{i}", id_number=n, id_hash=lookup_hash(n, ID_PURPOSE))
            for i, n in enumerate(numbers)
        ],
        batch_size=2000,
    )
    Employee.objects.bulk_create(
        [
            Employee(
                enterprise=enterprise,
                person=p,
                origin=Origin.LOCAL,
                work_status=WorkStatus.AT_WORK,
            )
            for p in persons
        ],
        batch_size=2000,
    )
    print(f"  {count} people put on one roster in {time.perf_counter() - started:.1f} s")
    return numbers


def _cleanup_staff() -> None:
    """The bench's people (named 员工…) and their check-ins, from an earlier run too."""
    from fugong.workforce.models import CheckIn, Employee, Person

    CheckIn.objects.filter(employee__person__name__startswith="员工").delete()
    Employee.objects.filter(person__name__startswith="员工").delete()
    Person.objects.filter(name__startswith="员工").delete()


def _vacuum(connection) -> None:
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        autocommit = connection.connection.autocommit
        connection.connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE workforce_checkin")
        finally:
            connection.connection.autocommit = autocommit


def bench_bulk_and_lists(count: int, runs: int, repeat: int) -> None:
    """The bulk check-ins through the service and through the endpoint (each call its own
    transaction, committed, as in production: the deferred foreign key checks and the alerts
    of the abnormal readings run), then the today page."""
    import json

    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.accounts.services import api_token_issue
    from fugong.workforce import checkins
    from fugong.workforce.models import CheckIn

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    member = Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).first()
    enterprise, user = member.enterprise, member.user
    today = timezone.localdate()
    _cleanup_staff()
    try:
        numbers = _staff(enterprise, count)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # as autovacuum soon would after such a load
                cursor.execute("ANALYZE workforce_employee, workforce_person")
        items = [
            {
                "id_number": n,
                "day": today,
                "half": 0,
                "temperature": 37.5 if i % 1000 == 0 else 36.5,
                "symptoms": 0,
                "location": 2,
            }
            for i, n in enumerate(numbers[: count - count // 10])  # a tenth will not report
        ]
        calls = [items[s : s + checkins.BULK_MAX] for s in range(0, len(items), checkins.BULK_MAX)]
        bodies = [json.dumps({"enterprise": enterprise.pk, "items": c}, default=str) for c in calls]
        _token, raw = api_token_issue(user=user)
        client = Client(headers={"Authorization": f"Bearer {raw}"})

        def by_service(call_index: int) -> dict:
            with transaction.atomic():
                return checkins.checkins_bulk(
                    actor=user, enterprise=enterprise, items=calls[call_index]
                )

        def by_endpoint(call_index: int) -> dict:
            answer = client.post(
                "/api/v1/workforce/checkins", bodies[call_index], content_type="application/json"
            )
            assert answer.status_code == 200, answer.content[:300]
            return answer.json()

        # Once untimed (no item: refused, nothing written): a server process builds the
        # endpoint's validators once, at its first call, not at every call.
        client.post(
            "/api/v1/workforce/checkins",
            json.dumps({"enterprise": enterprise.pk, "items": []}),
            content_type="application/json",
        )
        print(
            f"  {len(items)} check-ins in {len(calls)} calls of at most {checkins.BULK_MAX} "
            "(target ≥ 20,000/s), each call committed:"
        )
        for way, send in (("checkins.checkins_bulk", by_service), ("POST endpoint", by_endpoint)):
            for attempt in range(repeat):
                CheckIn.objects.filter(employee__enterprise=enterprise, day=today).delete()
                _vacuum(connection)  # no dead rows of the last attempt in the indexes
                started = time.perf_counter()
                accepted = sum(send(i)["accepted"] for i in range(len(calls)))
                took = time.perf_counter() - started
                assert accepted == len(items), accepted
                started = time.perf_counter()
                again = sum(send(i)["duplicates"] for i in range(len(calls)))
                took_again = time.perf_counter() - started
                assert again == len(items), again
                print(
                    f"    {way} #{attempt + 1}: {len(items) / took:,.0f}/s written, "
                    f"{len(items) / took_again:,.0f}/s sent again (all counted as duplicates)"
                )
        assert CheckIn.objects.filter(employee__enterprise=enterprise, day=today).count() == len(
            items
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE workforce_employee, workforce_checkin, workforce_person")
        page = Client()
        page.force_login(user)
        median, p95, queries, status = time_page(page, "/workforce/today/", runs)
        assert status == 200, status
        print(
            f"  /workforce/today/ ({count} staff, {count // 10} not reported): median "
            f"{median:.1f} ms, p95 {p95:.1f} ms, {queries} queries (target p95 ≤ 100 ms)"
        )
    finally:
        _cleanup_staff()


def bench_import(rows: int) -> None:
    from openpyxl import Workbook

    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.core.imports.models import ImportStatus
    from fugong.core.testing import run_import
    from fugong.workforce.importer import KIND
    from fugong.workforce.models import Employee, Person

    member = Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).order_by("-pk").first()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["姓名", "身份证号码", "联系电话", "来源地", "在岗状态"])
    numbers = _unique_numbers(rows, offset=5_000_000)  # none of them on a roster already
    for i, n in enumerate(numbers):
        ws.append([f"导入{i}", n, f"138{i:08d}", "本地", "在岗"])
    out = io.BytesIO()
    wb.save(out)
    started = time.perf_counter()
    batch = run_import(
        KIND, member.user, out.getvalue(), place=member.enterprise_id, filename="花名册.xlsx"
    )
    took = time.perf_counter() - started
    try:
        assert batch.status == ImportStatus.DONE, batch.message
        print(
            f"  roster import of {rows} people (check and commit): {took:.1f} s "
            f"(target 100,000 ≤ 10 s), {batch.result}"
        )
    finally:
        Employee.objects.filter(
            enterprise_id=member.enterprise_id, person__name__startswith="导入"
        ).delete()
        Person.objects.filter(name__startswith="导入").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=STAFF)
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="bulk runs of each way")
    args = parser.parse_args()
    setup_django("small", 1)
    from django.db import connection

    print(f"database: {connection.vendor}")
    bench_bulk_and_lists(args.staff, args.runs, args.repeat)
    bench_import(args.import_rows)


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
