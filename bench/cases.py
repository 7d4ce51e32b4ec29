"""Requests speed (issue 14): a department's inbox and the overdue list ≤ 100 ms p95 with
200,000 requests.

    .venv/bin/python -m bench.cases                       # SQLite under var/bench/small-5/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench .venv/bin/python -m bench.cases
    .venv/bin/python -m bench.cases --keep --explain      # keep the requests; query plans

The data is the demo at scale "small" (its own copy, seed 5) and ``--requests`` requests of
its enterprises written set-wise: two in five with the county's HR bureau, the rest with the
other departments; seven in ten closed, the others waiting, dispatched, handled or replied, a
tenth of the open ones past their reply date; the first of every fifty enterprises (one of
the demo's 48) on the green channel. They are written inside a transaction rolled back at the
end, or with ``--keep`` committed and used again by the next run with ``--keep`` (writing
them takes minutes). For the HR bureau's inbox (its first and its last page), the HR bureau's
and the county's overdue lists, the county's queue and an enterprise's list (the Django test
client in-process) it prints the median and p95 server time, the median CPU time of this
process (the pages and SQLite; PostgreSQL's server is apart), the median time in the
database calls, and the queries; ``--explain`` prints each page's queries with their plans.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time

from bench.harness import setup_django

REQUESTS = 200_000
TITLE = "批量诉求"  # marks the requests written here


def build(n: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from fugong.accounts.models import Office
    from fugong.cases.models import Case, Category
    from fugong.cases.services import town_of
    from fugong.enterprises.models import Enterprise, GreenChannel

    enterprises = list(Enterprise.objects.select_related("jurisdiction")[:2000])
    towns = {e.pk: town_of(e.jurisdiction) for e in enterprises}
    hr = Office.objects.get(kind="hr")
    others = list(
        Office.objects.filter(kind__in=["transport", "finance", "health", "power", "market"])
    )
    categories = list(Category.objects.all())
    today = timezone.localdate()
    now = timezone.now()
    sequences: dict[int, int] = {}
    statuses = ["closed"] * 70 + ["replied"] * 10 + ["handling"] * 10 + ["dispatched"] * 5
    statuses += ["submitted"] * 5
    rows, links = [], []
    for _i in range(n):
        e = rng.choice(enterprises)
        town = towns[e.pk]
        sequences[town.pk] = sequences.get(town.pk, 10_000) + 1
        status = rng.choice(statuses)
        office = hr if rng.random() < 0.4 else rng.choice(others)
        dispatched = status != "submitted"
        late = status in ("handling", "dispatched") and rng.random() < 0.1
        due = (
            today - datetime.timedelta(days=rng.randrange(1, 20))
            if late
            else (today + datetime.timedelta(days=rng.randrange(0, 10)))
        )
        rows.append(
            Case(
                jurisdiction=e.jurisdiction,
                issuer=town,
                year=today.year,
                sequence=sequences[town.pk],
                number=f"B{town.pk}-{sequences[town.pk]}",
                enterprise=e,
                category=rng.choice(categories),
                title=TITLE,
                text="用于性能测试的诉求。",
                status=status,
                lead_office=office if dispatched else None,
                dispatched_at=now if dispatched else None,
                due=due if dispatched else None,
            )
        )
    Case.objects.bulk_create(rows, batch_size=5000)
    through = Case.offices.through
    ids = Case.objects.filter(title=TITLE).values_list("pk", "lead_office_id")
    links = [through(case_id=pk, office_id=o) for pk, o in ids if o]
    through.objects.bulk_create(links, batch_size=10_000)
    # One enterprise in fifty on the green channel: its requests come first in every queue.
    GreenChannel.objects.bulk_create(
        [
            GreenChannel(enterprise=e, why="性能测试")
            for e in enterprises[::50]
            if not GreenChannel.objects.filter(enterprise=e).exists()
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def prepare(n: int, keep: bool) -> None:
    """The requests: written now, or with ``keep`` those of an earlier run if there are
    ``n`` of them (else written again and committed)."""
    from django.db import connection, transaction

    from fugong.cases.models import Case

    if not keep:
        build(n, random.Random(5))
        return
    if Case.objects.filter(title=TITLE).count() == n:
        print(f"using the {n} requests of an earlier run")
        return
    started = time.perf_counter()
    with transaction.atomic():
        old = Case.objects.filter(title=TITLE)
        Case.offices.through.objects.filter(case__in=old).delete()
        old._raw_delete(old.db)
        build(n, random.Random(5))
    if connection.vendor == "postgresql":  # as autovacuum would soon: the visibility map
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"wrote {n} requests in {time.perf_counter() - started:.0f} s, kept")


def timed(client, url: str, runs: int) -> dict:
    """Median and p95 ms of GET url (after one warm-up), the median CPU ms of this process
    (the pages and SQLite; PostgreSQL's server apart), the median ms spent in the database
    calls, the queries and the status."""
    from bench.harness import timed_calls

    figures = timed_calls(lambda: client.get(url).status_code, runs)
    figures["status"] = figures.pop("first")
    return figures


def explain(client, url: str) -> None:
    """Each query of the page with its plan."""
    from django.db import connection

    sqls = []

    def keep(execute, sql, params, many, context):
        sqls.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        client.get(url)
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    for sql, params in sqls:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        print("   ", sql[:2000])
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            for row in cursor.fetchall():
                print("       ", " ".join(str(v) for v in row))


def time_pages(pages, runs: int, *, plans: bool = False, width: int = 24) -> None:
    """Time each (user, url) with ``timed`` and print a line for it (and its plans)."""
    from django.test import Client

    for user, url in pages:
        client = Client()
        client.force_login(user)
        t = timed(client, url, runs)
        print(
            f"{url:{width}} as {user.username:14} median {t['median']:6.1f} ms"
            f"  p95 {t['p95']:6.1f} ms  CPU {t['cpu']:6.1f} ms"
            f"  in the database {t['sql']:6.1f} ms  {t['queries']} queries"
            f"  HTTP {t['status']}"
        )
        if plans:
            explain(client, url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the requests for next time")
    parser.add_argument("--explain", action="store_true", help="print the queries' plans")
    args = parser.parse_args()
    setup_django("small", 5)
    from django.conf import settings
    from django.core.paginator import Paginator
    from django.db import transaction

    from fugong.accounts.models import Membership
    from fugong.cases.selectors import inbox
    from fugong.cases.views import PAGE

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    class Rollback(Exception):
        pass

    if args.keep:
        prepare(args.requests, keep=True)
    try:
        with transaction.atomic():
            if not args.keep:
                prepare(args.requests, keep=False)
            hr = Membership.objects.filter(office__kind="hr", is_active=True).first().user
            county = (
                Membership.objects.filter(
                    role="command", jurisdiction__level="county", is_active=True
                )
                .first()
                .user
            )
            enterprise = Membership.objects.filter(role="enterprise", is_active=True).first().user
            last = Paginator(inbox(hr), PAGE).num_pages
            pages = [
                (hr, "/cases/inbox/"),
                (hr, f"/cases/inbox/?page={last}"),
                (hr, "/cases/overdue/"),
                (county, "/cases/overdue/"),
                (county, "/cases/queue/"),
                (enterprise, "/cases/"),
            ]
            time_pages(pages, args.runs, plans=args.explain)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
