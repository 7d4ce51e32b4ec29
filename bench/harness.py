"""Shared pieces for benchmarks: a database of their own, seeded by the demo generator,
and server-time measurement of pages."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(scale: str, seed: int, *, fresh: bool = False) -> None:
    """Django on a benchmark database of its own holding the demo at ``scale``: SQLite under
    var/bench/<scale>-<seed>/, or DATABASE_URL with the scale appended to the database name.
    ``fresh`` starts from an empty database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        base, name = url.rsplit("/", 1)
        name = f"{name}_{scale}_{seed}"
        os.environ["DATABASE_URL"] = f"{base}/{name}"
        _ensure_postgres_database(base, name, fresh)
    else:
        data_dir = ROOT / "var" / "bench" / f"{scale}-{seed}"
        if fresh and data_dir.exists():
            import shutil

            shutil.rmtree(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        os.environ["FUGONG_DATA_DIR"] = str(data_dir)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    from fugong.demo.generator import demo_loaded, load_demo

    if not demo_loaded():
        started = time.perf_counter()
        load_demo(scale=scale, seed=seed, password="Bench-pass-2026")
        print(f"seeded scale={scale} seed={seed} in {time.perf_counter() - started:.1f} s")
        from django.db import connection

        if connection.vendor == "postgresql":
            # What autovacuum does soon after a bulk load in production: planner statistics
            # and the visibility map (index-only scans).
            connection.ensure_connection()
            connection.connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_page(client, url: str, runs: int) -> tuple[float, float, int, int]:
    """(median ms, p95 ms, queries, status) of GET url, after one warm-up request."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    client.get(url)
    with connection.execute_wrapper(counter):
        status = client.get(url).status_code
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 95), count, status


def timed_calls(call, runs: int) -> dict:
    """Median and p95 ms of ``call()`` over ``runs`` (after one warm-up), the median CPU ms of
    this process (PostgreSQL's server apart), the median ms spent in the database calls, the
    queries of one call and what the first measured call returned (``first``)."""
    from django.db import connection

    call()  # warm-up
    count, in_sql = 0, 0.0

    def counter(execute, sql, params, many, context):
        nonlocal count, in_sql
        count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql += time.perf_counter() - started

    with connection.execute_wrapper(counter):
        first = call()
        queries = count
        walls, cpus, sqls = [], [], []
        for _ in range(runs):
            in_sql = 0.0
            wall, cpu = time.perf_counter(), time.process_time()
            call()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
            sqls.append(in_sql * 1000)
    return {
        "median": statistics.median(walls),
        "p95": percentile(walls, 95),
        "cpu": statistics.median(cpus),
        "sql": statistics.median(sqls),
        "queries": queries,
        "first": first,
    }


def _ensure_postgres_database(base: str, name: str, fresh: bool) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
