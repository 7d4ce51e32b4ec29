"""The enterprise list page at 100,000 and 1,000,000 enterprises (issue 11):

- the total count on PostgreSQL reads an index, not the table;
- the list page ≤ 50 ms p95 at 100,000 enterprises and ≤ 100 ms at 1,000,000;
- server CPU per list page ≤ 15 ms.

    .venv/bin/python -m bench.enterprise_list                        # SQLite, 100,000
    .venv/bin/python -m bench.enterprise_list --scale million        # SQLite, 1,000,000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_listing .venv/bin/python -m bench.enterprise_list --explain

The city (100,000) is the demo at scale "city" without its filings and history (the list reads
neither). The million is a copy of the city with each enterprise written nine more times by
one INSERT … SELECT (new credit codes, same places, categories and ledgers), so each grid holds
ten times as many. Both are built once, under var/bench/list-<scale>-<seed>/ (SQLite) or in the
databases <name>_list_<scale>_<seed> (PostgreSQL), and reused.

Per user and page it prints the median and p95 wall time, the median CPU time of the process
(on SQLite this includes the queries, which run in the process), the queries and the time spent
in them (median). ``--explain`` prints the plans of the count and page queries.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

from bench.harness import ROOT, _ensure_postgres_database, percentile

PASSWORD = "Bench-pass-2026"  # noqa: S105
COPIES = 9  # the million: the city and nine copies of it


def setup(scale: str, seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    city_name = f"list-city-{seed}"
    if os.environ.get("DATABASE_URL"):
        base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        db = f"{name}_list_{scale}_{seed}"
        os.environ["DATABASE_URL"] = f"{base}/{db}"
        if scale == "million":
            _pg_copy(base, f"{name}_list_city_{seed}", db)
        else:
            _ensure_postgres_database(base, db, False)
    else:
        where = ROOT / "var" / "bench" / f"list-{scale}-{seed}"
        if scale == "million" and not (where / "fugong.sqlite3").exists():
            source = ROOT / "var" / "bench" / city_name / "fugong.sqlite3"
            if source.exists():
                where.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, where / "fugong.sqlite3")
        where.mkdir(parents=True, exist_ok=True)
        os.environ["FUGONG_DATA_DIR"] = str(where)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    from fugong.demo.generator import demo_loaded

    if not demo_loaded():
        build_city(seed)
    if scale == "million":
        grow_to_million()


def _pg_copy(base: str, source: str, target: str) -> None:
    """The million starts as a copy of the city database (CREATE DATABASE … TEMPLATE)."""
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target]).fetchone():
            return
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
            conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
        else:
            conn.execute(f'CREATE DATABASE "{target}"')


def build_city(seed: int) -> None:
    """The demo city without filings and history: jurisdictions, offices, parks, 100,000
    enterprises (the registry's bulk upsert), users and 包保 assignments."""
    from django.db import transaction

    from fugong.demo.generator import DemoBuilder
    from fugong.stats import tally

    builder = DemoBuilder(scale="city", seed=seed, password=PASSWORD)
    skip = {"build_filings", "build_history"}
    started = time.perf_counter()
    timings = []
    with transaction.atomic():
        for step in builder.steps:
            if step.__name__ in skip:
                continue
            t = time.perf_counter()
            step()
            timings.append(f"{step.__name__.removeprefix('build_')} {time.perf_counter() - t:.1f}")
    tally.compact()
    print(f"built the city in {time.perf_counter() - started:.1f} s ({', '.join(timings)} s)")
    _analyze()


def grow_to_million() -> None:
    """Nine more copies of every enterprise, by one INSERT … SELECT each (the tally triggers
    keep the counts), if not done yet."""
    from django.db import connection, transaction

    from fugong.enterprises.models import Enterprise
    from fugong.stats import tally

    if Enterprise.objects.count() >= 1_000_000:
        return
    table = Enterprise._meta.db_table
    columns = [
        f.column
        for f in Enterprise._meta.local_concrete_fields
        if f.column not in ("id", "credit_code")
    ]
    names = ", ".join(columns)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {table}")
        last = cursor.fetchone()[0]
        for copy in range(1, COPIES + 1):
            # A credit code of its own: the copy's number in place of the first two characters.
            cursor.execute(
                f"INSERT INTO {table} (credit_code, {names}) "
                f"SELECT %s || substr(credit_code, 3), {names} FROM {table} WHERE id <= %s",
                [f"Z{copy}", last],
            )
    tally.compact()
    print(
        f"grew to {Enterprise.objects.count()} enterprises in {time.perf_counter() - started:.1f} s"
    )
    _analyze()


def _analyze() -> None:
    from django.db import connection

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: planner statistics, visibility map.
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"analyzed in {time.perf_counter() - started:.1f} s")


def users() -> list[tuple[str, str]]:
    """(label, user name) of one user of each scope."""
    from fugong.accounts.models import User

    def first(prefix: str) -> str:
        return (
            User.objects.filter(username__startswith=prefix)
            .order_by("username")
            .values_list("username", flat=True)
            .first()
        )

    return [
        ("admin (all)", "admin"),
        ("city/county cmd", "county01_cmd"),
        ("town cmd", "town01_cmd"),
        ("grid cadre", "town01_grid"),
        ("town cadre", "town01_cadre"),
        ("enterprise", first("town01_ent1")),
    ]


PAGES = [
    ("page 1", "/enterprises/"),
    ("deep page", "/enterprises/?page=200"),
    ("last page", "/enterprises/?page=last"),
    ("filters", "/enterprises/?ledger=can_resume&status=not_resumed"),
    ("category+sort", "/enterprises/?category=industry_above&sort=-employee_count&page=20"),
    ("search", "/enterprises/?q=机械"),
    ("ledger view", "/enterprises/view/ledger-can_resume/"),
]


def measure(client, url: str, runs: int) -> dict:
    """Wall and CPU time (ms) of each of ``runs`` requests after a warm-up, queries and the time
    spent in them."""
    from django.db import connection

    queries: list[float] = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started) * 1000)

    status = client.get(url).status_code
    walls, cpus, sql_ms, counts = [], [], [], []
    with connection.execute_wrapper(timer):
        for _ in range(runs):
            queries.clear()
            started, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - started) * 1000)
            sql_ms.append(sum(queries))
            counts.append(len(queries))
    return {
        "status": status,
        "median": statistics.median(walls),
        "p95": percentile(walls, 95),
        "cpu": statistics.median(cpus),
        "queries": max(counts),
        "sql": statistics.median(sql_ms),
    }


def bench(runs: int, only: str | None) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from fugong.accounts.models import User
    from fugong.enterprises.models import Enterprise

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(
        f"database {connection.vendor}: {Enterprise.objects.count()} enterprises, {runs} runs each"
    )
    print(
        f"  {'user':<16} {'page':<14} {'rows':>8} {'median':>8} {'p95':>8} {'cpu':>7} "
        f"{'queries':>7} {'in SQL':>7}"
    )
    for label, username in users():
        if only and only not in username:
            continue
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for page, url in PAGES:
            r = measure(client, url, runs)
            rows = _rows(client, url)
            print(
                f"  {label:<16} {page:<14} {rows:>8} {r['median']:>6.1f}ms {r['p95']:>6.1f}ms "
                f"{r['cpu']:>5.1f}ms {r['queries']:>7} {r['sql']:>5.1f}ms"
                + ("" if r["status"] == 200 else f"  status {r['status']}")
            )


def _rows(client, url: str) -> str:
    import re

    html = client.get(url).content.decode()
    found = re.search(r'data-testid="result-count">([^<]*)<', html)
    return re.sub(r"\D", "", found.group(1)) if found else "?"


def explain() -> None:
    """Plans of the count and page queries of the list for each user (PostgreSQL): the
    queries the page runs, as it runs them."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fugong.accounts.models import User

    if connection.vendor != "postgresql":
        print("--explain: PostgreSQL only")
        return
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    for label, username in users():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for page, url in PAGES[:4]:
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            for query in captured.captured_queries:
                sql = query["sql"]
                if "enterprises_enterprise" not in sql and "stats_tally" not in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = "\n    ".join(row[0] for row in cursor.fetchall())
                print(f"--- {label} {page}: {sql[:160]}\n    {plan}")


def profile(username: str, url: str, runs: int) -> None:
    import cProfile
    import pstats

    from django.conf import settings
    from django.test import Client

    from fugong.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=["city", "million"], default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--user", help="only users whose name holds this")
    parser.add_argument("--explain", action="store_true", help="plans of the count and page")
    parser.add_argument("--profile", metavar="URL", help="cProfile of this page (with --user)")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    setup(args.scale, args.seed)
    if args.build_only:
        return
    if args.profile:
        profile(args.user or "county01_cmd", args.profile, args.runs)
        return
    bench(args.runs, args.user)
    if args.explain:
        explain()


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
