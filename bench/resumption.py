"""Resumption speed target (issue: resumption filings): the reviewer's queue, the queue of
overdue filings and the leadership pipeline ≤ 100 ms server time (p95) with 5,000 filings.

    .venv/bin/python -m bench.resumption                   # SQLite under var/bench/county-1/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong .venv/bin/python -m bench.resumption
    .venv/bin/python -m bench.resumption --explain         # and the plans of each page's queries

It runs on the demo county (5,000 enterprises, built once and kept; on PostgreSQL the database
is the one of DATABASE_URL with "_county_1" appended), whose ~480 filings made through the
services are topped up to --filings with fugong.demo.bulk_filings (bulk inserts, the same
filings for the same seed), and times each page as a town economy-office reviewer, a county
office reviewer, and the town and county command offices.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.harness import setup_django, time_page

TARGET_MS = 100


def county_reviewer() -> str:
    """county_gxj when filings are routed to its office, else the county reviewer with the
    most filings waiting for it."""
    from django.db.models import Count, Q

    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.resumption.choices import PENDING_GOVERNMENT

    waiting = Q(office__filings__status__in=PENDING_GOVERNMENT)
    rows = (
        Membership.objects.filter(
            role=Role.REVIEWER, is_active=True, user__username__startswith="county_"
        )
        .values("user__username")
        .annotate(n=Count("office__filings", filter=waiting))
        .order_by("-n", "user__username")
    )
    counts = {row["user__username"]: row["n"] for row in rows}
    if counts.get("county_gxj"):
        return "county_gxj"
    return next(iter(counts), "county_gxj")


def pages() -> list[tuple[str, str]]:
    county = county_reviewer()
    return [
        ("town01_jmb", "/resumption/queue/"),
        ("town01_jmb", "/resumption/queue/?overdue=1"),
        (county, "/resumption/queue/"),
        (county, "/resumption/queue/?overdue=1"),
        ("county_cmd", "/resumption/queue/"),
        ("town01_cmd", "/resumption/pipeline/"),
        ("county_cmd", "/resumption/pipeline/"),
    ]


def cpu_ms(client, url: str, runs: int) -> float:
    """Median CPU time of this process per request: the Python side (middleware, view, ORM,
    template), which other work on a shared machine does not inflate as it does wall time."""
    import statistics

    samples = []
    for _ in range(runs):
        started = time.process_time()
        client.get(url)
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def sql_ms(client, url: str, runs: int = 5) -> float:
    """Median time spent in the database by one request (queries as the driver reports them)."""
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    totals = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        totals.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return statistics.median(totals)


def explain(client, url: str) -> None:
    """The plan of every query of one request that reads the filings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    for query in captured.captured_queries:
        sql = query["sql"]
        if "resumption_filing" not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        print(f"    -- {query['time']} s: {sql[:600]}{' …' if len(sql) > 600 else ''}")
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            for row in cursor.fetchall():
                print("       ", " ".join(str(c) for c in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--filings", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the plans of the queries")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()
    setup_django(args.scale, args.seed, fresh=args.fresh)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from fugong.accounts.models import User
    from fugong.demo.bulk_filings import bulk_filings
    from fugong.resumption.choices import PENDING_GOVERNMENT
    from fugong.resumption.figures import filing_pipeline
    from fugong.resumption.models import Filing
    from fugong.resumption.selectors import review_queue

    started = time.perf_counter()
    added = bulk_filings(args.filings, args.seed)
    if added:
        print(f"added {added} filings in {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":  # as after the demo's own bulk load
            connection.ensure_connection()
            connection.connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    filings = Filing.objects.all()
    waiting = filings.filter(status__in=PENDING_GOVERNMENT)
    overdue = waiting.filter(stage_due__lt=timezone.localdate())
    print(
        f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']}); "
        f"filings: {filings.count()}; waiting for government: {waiting.count()} "
        f"({overdue.count()} overdue); runs: {args.runs}; target p95 <= {TARGET_MS} ms"
    )
    print(
        f"{'user':<12} {'page':<30} {'rows':>5} {'median ms':>10} {'p95 ms':>8} "
        f"{'queries':>8} {'sql ms':>7} {'cpu ms':>7} {'status':>7}"
    )
    slow = []
    for username, url in pages():
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        median, p95, queries, status = time_page(client, url, args.runs)
        in_sql = sql_ms(client, url)
        in_cpu = cpu_ms(client, url, args.runs)
        if "pipeline" in url:
            rows = filing_pipeline(user=user).total
        else:
            rows = review_queue(user=user, overdue_only="overdue=1" in url).count()
        flag = "" if p95 <= TARGET_MS else "  > target"
        print(
            f"{username:<12} {url:<30} {rows:>5} {median:>10.1f} {p95:>8.1f} {queries:>8} "
            f"{in_sql:>7.1f} {in_cpu:>7.1f} {status:>7}{flag}"
        )
        if flag:
            slow.append((username, url))
        if args.explain:
            explain(client, url)
    print("all pages within the target" if not slow else f"over the target: {slow}")


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
