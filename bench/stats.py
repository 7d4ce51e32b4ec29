"""Statistics speed targets (issue 5, "Speed"): any dashboard ≤ 100 ms server time (p95) at
county scale (5,000 enterprises, 60 days of history) and ≤ 300 ms at city scale (100,000
enterprises); the narrative report for a county ≤ 3 s.

    .venv/bin/python -m bench.stats                        # SQLite under var/bench/county-1/
    .venv/bin/python -m bench.stats --scale city           # var/bench/city-1/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench .venv/bin/python -m bench.stats
    .venv/bin/python -m bench.stats --data-dir /tmp/bench-stats --fresh   # a database of its own

The data is the demo at that scale, built once and kept (on PostgreSQL the database of
DATABASE_URL with "_<scale>_<seed>" appended). The county is the demo county as ``make demo``
builds it; the city is built the fast way: the demo without the filings made through the
services, topped up to as many filings with ``fugong.demo.bulk_filings`` (bulk inserts). The
demo's build takes the end-of-day snapshots of the last 60 days; days that passed since the
database was built are taken on start (``ensure_snapshots``).

It prints, per page and user: median and p95 server time over --runs requests after a
warm-up (the Django test client in-process: routing, middleware, view, queries, template),
the number of queries and the time spent in them; the statistics engine alone
(``figures.compute`` and ``figures.trend``); and the time of the narrative reports (starting
the job and running it, as the worker would).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time
from pathlib import Path

from bench.harness import ROOT, _ensure_postgres_database, percentile, time_page

DASHBOARD_TARGET_MS = {"small": 100, "county": 100, "city": 300}
REPORT_TARGET_S = 3.0
PAST_DAYS_AGO = 20  # a day in the middle of the demo's season, with its snapshot
PASSWORD = "Bench-pass-2026"  # noqa: S105


def setup(scale: str, seed: int, *, fresh: bool, data_dir: str | None) -> None:
    """Django on the benchmark database, built if it is empty."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if os.environ.get("DATABASE_URL"):
        base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        name = f"{name}_{scale}_{seed}"
        os.environ["DATABASE_URL"] = f"{base}/{name}"
        _ensure_postgres_database(base, name, fresh)
        if data_dir:  # uploaded and generated files
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            os.environ["FUGONG_DATA_DIR"] = data_dir
    else:
        where = Path(data_dir) if data_dir else ROOT / "var" / "bench" / f"{scale}-{seed}"
        if fresh and where.exists():
            import shutil

            shutil.rmtree(where)
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
        build(scale, seed)
    from fugong.stats.tasks import ensure_snapshots

    started = time.perf_counter()
    taken = ensure_snapshots()
    if taken:
        print(
            f"took the missing snapshots of {len(taken)} day(s) in "
            f"{time.perf_counter() - started:.1f} s"
        )


def build(scale: str, seed: int) -> None:
    """The demo at ``scale``; above county scale its filings are bulk-inserted instead of
    made through the services (minutes saved; the statistics do not read filings)."""
    from django.db import connection, transaction

    from fugong.demo.generator import DemoBuilder

    builder = DemoBuilder(scale=scale, seed=seed, password=PASSWORD)
    bulk = scale not in ("small", "county")
    steps = [s for s in builder.steps if not (bulk and s.__name__ == "build_filings")]
    timings = []
    started = time.perf_counter()
    with transaction.atomic():
        for step in steps:
            t = time.perf_counter()
            step()
            timings.append(f"{step.__name__.removeprefix('build_')} {time.perf_counter() - t:.1f}")
    if bulk:
        from fugong.demo.bulk_filings import bulk_filings

        t = time.perf_counter()
        target = builder.scale.filings_per_town * len(builder.towns)
        bulk_filings(target, seed)
        timings.append(f"bulk filings {time.perf_counter() - t:.1f}")
    from fugong.stats import tally

    t = time.perf_counter()
    tally.compact()
    timings.append(f"tally compacted {time.perf_counter() - t:.1f}")
    print(
        f"built the demo at scale={scale} seed={seed} in {time.perf_counter() - started:.1f} s "
        f"({', '.join(timings)} s)"
    )
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: planner statistics, visibility map.
        t = time.perf_counter()
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE in {time.perf_counter() - t:.1f} s")


def sql_ms(client, url: str, runs: int = 5) -> float:
    """Median time one request spends in the database (queries as the driver reports them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    totals = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        totals.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return statistics.median(totals)


def cpu_ms(func, runs: int) -> float:
    """Median CPU time of this process per call: the Python side (and SQLite's, which runs in
    the process), which other work on a shared machine does not inflate as much as wall time."""
    samples = []
    for _ in range(runs):
        started = time.process_time()
        func()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def time_call(func, runs: int) -> tuple[float, float, int]:
    """(median ms, p95 ms, queries) of func(), after one warm-up call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    func()
    with CaptureQueriesContext(connection) as captured:
        func()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 95), len(captured.captured_queries)


def people(scale: str) -> dict[str, str]:
    """The demo's user names at this scale (more than one county: county01_…)."""
    from fugong.accounts.models import Jurisdiction

    counties = Jurisdiction.objects.filter(level="county").count()
    return {
        "county": "county_cmd" if counties == 1 else "county01_cmd",
        "town": "town01_cmd",
        "admin": "admin",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--report-runs", type=int, default=5)
    parser.add_argument("--data-dir", help="SQLite (and files) here instead of var/bench/…")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()
    setup(args.scale, args.seed, fresh=args.fresh, data_dir=args.data_dir)

    from django.conf import settings
    from django.db import connection
    from django.db.models import Count, Max, Min, Sum
    from django.test import Client
    from django.utils import timezone

    from fugong.accounts.models import Jurisdiction, User
    from fugong.accounts.services import api_token_issue
    from fugong.enterprises.models import Enterprise
    from fugong.stats import figures as F
    from fugong.stats.models import Snapshot

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    target = DASHBOARD_TARGET_MS.get(args.scale, 300)
    today = timezone.localdate()
    past = today - datetime.timedelta(days=PAST_DAYS_AGO)
    names = people(args.scale)
    users = {role: User.objects.get(username=name) for role, name in names.items()}
    county = users["county"].memberships.filter(jurisdiction__isnull=False).first().jurisdiction
    town = users["town"].memberships.filter(jurisdiction__isnull=False).first().jurisdiction
    city = Jurisdiction.objects.get(level="city")

    units = Enterprise.objects.aggregate(n=Count("id"), e=Sum("employee_count"))
    in_county = Enterprise.objects.filter(jurisdiction__path__startswith=county.path).aggregate(
        n=Count("id"), e=Sum("employee_count")
    )
    snaps = Snapshot.objects.aggregate(n=Count("id"), first=Min("day"), last=Max("day"))
    print(
        f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']}); "
        f"scale {args.scale}: {units['n']:,} enterprises, {units['e'] or 0:,} employees "
        f"(county {county.name}: {in_county['n']:,} enterprises, {in_county['e'] or 0:,} "
        f"employees); snapshots: {snaps['n']:,} from {snaps['first']} to {snaps['last']}; "
        f"runs: {args.runs}; target p95 <= {target} ms"
    )

    rows: list[tuple] = []
    notes: list[str] = []

    # The statistics engine alone, as the dashboard calls it.
    engine = [
        (
            names["county"],
            f"compute {county.name} today",
            lambda: F.compute(user=users["county"], node=county, day=today),
        ),
        (
            names["county"],
            f"trend {county.name} 60 days",
            lambda: F.trend(user=users["county"], node=county, end=today, days=60),
        ),
        (
            names["town"],
            f"compute {town.name} today",
            lambda: F.compute(user=users["town"], node=town, day=today),
        ),
        (
            names["admin"],
            f"compute {city.name} today",
            lambda: F.compute(user=users["admin"], node=city, day=today),
        ),
        (
            names["admin"],
            f"trend {city.name} 60 days",
            lambda: F.trend(user=users["admin"], node=city, end=today, days=60),
        ),
        (
            "-",
            f"snapshot_get {county.name} past",
            lambda: F.snapshot_get(node=county, day=past),
        ),
    ]
    for who, label, func in engine:
        median, p95, queries = time_call(func, args.runs)
        cpu = cpu_ms(func, args.runs)
        rows.append((who, label, median, p95, queries, None, cpu, "-", p95 <= target))

    pages = [
        ("county", f"/stats/?node={county.pk}&day={today}"),
        ("county", f"/stats/?node={county.pk}&day={past}"),
        ("town", f"/stats/?node={town.pk}&day={today}"),
        ("town", f"/stats/?node={town.pk}&day={past}"),
        ("admin", f"/stats/?node={city.pk}&day={today}"),
        ("admin", f"/stats/?node={city.pk}&day={past}"),
    ]
    api = [
        ("county", f"/api/v1/stats/figures?node={county.pk}&day={today}"),
        ("county", f"/api/v1/stats/figures?node={county.pk}&day={past}"),
        ("town", f"/api/v1/stats/figures?node={town.pk}&day={today}"),
        ("admin", f"/api/v1/stats/figures?node={city.pk}&day={today}"),
        ("county", f"/api/v1/stats/trend?node={county.pk}&day={today}&days=60"),
    ]
    clients: dict[str, Client] = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    api_clients = {
        role: Client(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=user)[1]}")
        for role, user in users.items()
    }
    for group, chosen in ((pages, clients), (api, api_clients)):
        for role, url in group:
            client = chosen[role]
            if client.get(url).status_code == 404 and "?" in url:
                probe = client.get(url.split("?")[0]).status_code
                if probe == 404:
                    notes.append(f"{url.split('?')[0]} does not exist yet; skipped")
                    continue
            median, p95, queries, status = time_page(client, url, args.runs)
            in_sql = sql_ms(client, url)
            cpu = cpu_ms(lambda c=client, u=url: c.get(u), args.runs)
            rows.append(
                (names[role], url, median, p95, queries, in_sql, cpu, status, p95 <= target)
            )

    print()
    print(
        f"{'user':<13} {'page or call':<58} {'median ms':>9} {'p95 ms':>8} {'queries':>7} "
        f"{'sql ms':>7} {'cpu ms':>7} {'status':>6}"
    )
    slow = []
    for who, what, median, p95, queries, in_sql, cpu, status, ok in rows:
        sql = "-" if in_sql is None else f"{in_sql:.1f}"
        print(
            f"{who:<13} {what:<58} {median:>9.1f} {p95:>8.1f} {queries:>7} {sql:>7} "
            f"{cpu:>7.1f} {status!s:>6}{'' if ok else '  > target'}"
        )
        if not ok or status not in ("-", 200):
            slow.append(what)

    print()
    report_rows = bench_reports(users["county"], county, today, past, args.report_runs, notes)
    if report_rows:
        print(f"{'report':<50} {'median s':>9} {'max s':>7} {'queries':>8}  (target <= 3 s)")
        for label, median, worst, queries, ok in report_rows:
            print(
                f"{label:<50} {median:>9.2f} {worst:>7.2f} {queries:>8}{'' if ok else '  > target'}"
            )
            if not ok:
                slow.append(label)
    for note in notes:
        print(f"note: {note}")
    print("all within the targets" if not slow else f"over the target or failing: {slow}")


def bench_reports(user, county, today, past, runs: int, notes: list[str]) -> list[tuple]:
    """Time the county's narrative reports: start_report and the job run synchronously."""
    try:
        from fugong.reports.jobs import start_report
    except ImportError as exc:
        notes.append(f"fugong.reports is not there yet ({exc}); reports not timed")
        return []
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fugong.core.jobs import execute
    from fugong.core.models import Job, JobStatus

    out = []
    for kind in ("narrative_county", "narrative_town"):
        for day in (today, past):
            samples, queries, failed = [], 0, ""
            for i in range(runs + 1):  # the first is a warm-up
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    job = start_report(user=user, node=county, day=day, kind=kind, enqueue=False)
                    job = execute(job.pk)
                    elapsed = time.perf_counter() - started
                if job.status != JobStatus.SUCCEEDED:
                    failed = job.error or job.status
                if job.result_file:
                    job.result_file.delete(save=False)
                Job.objects.filter(pk=job.pk).delete()
                if failed:
                    break
                if i:
                    samples.append(elapsed)
                    queries = len(captured.captured_queries)
            label = f"{kind} {county.name} {'today' if day == today else day}"
            if failed:
                notes.append(f"{label} failed: {failed}")
                continue
            median = statistics.median(samples)
            out.append((label, median, max(samples), queries, median <= REPORT_TARGET_S))
    return out


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
