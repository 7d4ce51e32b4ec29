"""The public job board's speed (issue 17): ≤ 30 ms p95 server time with 50,000 vacancies for
the board's list and its searches.

    .venv/bin/python -m bench.jobboard                      # SQLite under var/bench/jobboard-1/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench_jobs .venv/bin/python -m bench.jobboard

The data is the demo county (5,000 enterprises; the demo's steps up to its users, built once
and kept: var/bench/jobboard-<seed>/, or the database <name>_<seed>) with ``--vacancies``
vacancies (50,000) made by the demo's own generator (``vacancies.demo.vacancy_rows``, written
by ``services.vacancies_bulk_create``: search keys, audit rows), about 10 per enterprise,
85 % published and most of those open.

Each case is a GET of /open/jobs/ through Django's test client in-process (URL routing,
middleware, view, queries, template rendering; no network), anonymous, after one warm-up:
the first page, the third page, a text search, a pinyin-initials search, a full-pinyin
search, a filtered search (a town and an industry), and a search nothing matches (every open
vacancy's key read: the worst case). It prints the median, p95, the median time in the
database calls and the queries of one request.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from bench.harness import ROOT, _ensure_postgres_database, timed_calls

STEPS = {"build_jurisdictions", "build_offices", "build_parks", "build_enterprises",
         "build_routes", "build_users"}  # fmt: skip


def setup(seed: int) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if os.environ.get("DATABASE_URL"):
        base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        db = f"{name}_{seed}"
        os.environ["DATABASE_URL"] = f"{base}/{db}"
        _ensure_postgres_database(base, db, False)
    else:
        where = ROOT / "var" / "bench" / f"jobboard-{seed}"
        where.mkdir(parents=True, exist_ok=True)
        os.environ["FUGONG_DATA_DIR"] = str(where)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    from fugong.demo.generator import demo_loaded

    if not demo_loaded():
        build_county(seed)
    return connection.vendor


def build_county(seed: int) -> None:
    from django.db import transaction

    from bench.enterprise_list import PASSWORD
    from fugong.demo.generator import DemoBuilder

    builder = DemoBuilder(scale="county", seed=seed, password=PASSWORD)
    started = time.perf_counter()
    with transaction.atomic():
        for step in builder.steps:
            if step.__name__ in STEPS:
                step()
    print(f"built the county in {time.perf_counter() - started:.1f} s")


def fill(count: int, seed: int) -> None:
    """Vacancies up to ``count``, by the demo's generator."""
    from django.db import transaction

    from bench.enterprise_list import _analyze
    from fugong.enterprises.models import Enterprise
    from fugong.vacancies import demo, services
    from fugong.vacancies.models import Vacancy

    have = Vacancy.objects.count()
    if have >= count:
        return
    started = time.perf_counter()
    enterprises = demo.enterprise_sections(Enterprise.objects.all())
    rows = demo.vacancy_rows(random.Random(seed), enterprises, count - have)  # noqa: S311
    with transaction.atomic():
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 10_000:
                services.vacancies_bulk_create(actor="bench", rows=batch, reason="bench")
                batch = []
        services.vacancies_bulk_create(actor="bench", rows=batch, reason="bench")
    print(f"{count - have} vacancies in {time.perf_counter() - started:.1f} s")
    _analyze()


def cases() -> list[tuple[str, str]]:
    from fugong.vacancies import selectors

    places = selectors.place_choices_with_paths()
    town = next(pk for pk, (_name, path) in places if path.count("/") == 5)
    return [
        ("first page", "/open/jobs/"),
        ("third page", "/open/jobs/?page=3"),
        ("text 电焊工", "/open/jobs/?q=电焊工"),
        ("initials dhg", "/open/jobs/?q=dhg"),
        ("initials gjgcs", "/open/jobs/?q=gjgcs"),
        ("full pinyin shukong", "/open/jobs/?q=shukong"),
        ("town + industry C + 工", f"/open/jobs/?place={town}&industry=C&q=工"),
        ("no match", "/open/jobs/?q=zzqxyk"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vacancies", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    vendor = setup(args.seed)
    fill(args.vacancies, args.seed)
    from django.conf import settings
    from django.test import Client

    from fugong.vacancies.models import Vacancy

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    total = Vacancy.objects.count()
    print(f"{vendor}: {total} vacancies; /open/jobs/, anonymous, {args.runs} requests each")
    print(f"{'case':28} {'median':>8} {'p95':>8} {'in SQL':>8} {'queries':>8} {'rows':>5}")
    for name, url in cases():
        result = timed_calls(lambda url=url: client.get(url), args.runs)
        response = result["first"]
        assert response.status_code == 200, (url, response.status_code)
        rows = response.content.count(b'data-testid="board-row"')
        print(
            f"{name:28} {result['median']:8.1f} {result['p95']:8.1f} {result['sql']:8.1f} "
            f"{result['queries']:8d} {rows:5d}"
        )


if __name__ == "__main__":
    main()
