"""Policies speed (issue 16): matching every published benefit against 100,000 enterprises
≤ 10 s; the list of enterprises eligible for a benefit ≤ 100 ms p95.

    .venv/bin/python -m bench.policies                      # SQLite under var/bench/policies-city-1/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench_pol .venv/bin/python -m bench.policies

The data is the demo city (100,000 enterprises, ``bench.enterprise_list.build_city`` without
its filings, history and demo policies), built once and kept (var/bench/policies-city-<seed>/,
or the database <name>_city_<seed>), with policy facts for about a third of the enterprises
(``policies.demo.build_facts``) and the demo's two policies made through the services: the
first town's 惠八条 (four articles) and the first county's special support fund (one),
published. Each run forgets every match, then times ``matching.match_all(notify=False)`` on
the empty table (every pair written) and again with nothing changed (nothing written).
``--wide`` times it once more with the same five articles also issued by the top of the tree
(every enterprise within reach), in a transaction rolled back.

The eligible list is timed for the benefit with the most eligible enterprises, read by the
command office of the place that issued it and by a town's below it: the page
``policies:benefit`` and the API ``GET /api/v1/policies/benefits/{id}/eligible`` when they
exist (Django's test client in-process), otherwise what they show, ``selectors.eligible``'s
first 50 rows and ``selectors.eligible_totals``. It prints the median and p95 over
``--requests`` requests after one warm-up, the median time in the database calls and the
queries of one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from bench.harness import ROOT, _ensure_postgres_database

SKIP = {"build_filings", "build_history", "build_policies"}
MARK = "性能测试"  # in the document number of the policies made here


def setup(seed: int) -> str:
    """Django on the bench's own city; returns the database vendor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if os.environ.get("DATABASE_URL"):
        base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        db = f"{name}_city_{seed}"
        os.environ["DATABASE_URL"] = f"{base}/{db}"
        _ensure_postgres_database(base, db, False)
    else:
        where = ROOT / "var" / "bench" / f"policies-city-{seed}"
        where.mkdir(parents=True, exist_ok=True)
        os.environ["FUGONG_DATA_DIR"] = str(where)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    # Always: the pages need the built assets (build/static) in the manifest.
    call_command("collectstatic", verbosity=0, interactive=False)
    from fugong.demo.generator import demo_loaded

    if not demo_loaded():
        build_city(seed)
    build_policies(seed)
    return connection.vendor


def build_city(seed: int) -> None:
    from django.db import transaction

    from bench.enterprise_list import PASSWORD, _analyze
    from fugong.demo.generator import DemoBuilder
    from fugong.stats import tally

    builder = DemoBuilder(scale="city", seed=seed, password=PASSWORD)
    started = time.perf_counter()
    with transaction.atomic():
        for step in builder.steps:
            if step.__name__ not in SKIP:
                step()
    tally.compact()
    print(f"built the city in {time.perf_counter() - started:.1f} s")
    _analyze()


def build_policies(seed: int) -> None:
    """The facts and the two demo policies, once (kept with the city)."""
    from django.db import transaction
    from django.utils import timezone

    from bench.enterprise_list import _analyze
    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.enterprises.models import Enterprise
    from fugong.policies import demo, services
    from fugong.policies.models import Policy

    if Policy.objects.filter(document_number__contains=MARK).exists():
        return
    started = time.perf_counter()

    def command(depth: int):
        return (
            Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__depth=depth)
            .select_related("user", "jurisdiction")
            .order_by("jurisdiction__code", "pk")
            .first()
        )

    town, county = command(3), command(2)
    issued = timezone.localdate()
    with transaction.atomic():
        facts = demo.build_facts(random.Random(seed), Enterprise.objects.order_by("pk").only("pk"))
        for who, short, articles in (
            (town, "惠八条", demo.HUI_BA_TIAO),
            (county, "专项扶持资金", [demo.SUPPORT_FUND]),
        ):
            policy = services.policy_save(
                actor=who.user, issuer=who.jurisdiction, title=f"{who.jurisdiction.name}{short}",
                short_name=short, document_number=f"{MARK}〔{issued.year}〕{short}",
                issued_on=issued, summary=short,
            )  # fmt: skip
            for n, (title, conditions, formula, cap, automatic, text) in enumerate(articles, 1):
                services.benefit_save(
                    actor=who.user, policy=policy, position=n, title=title, text=text,
                    conditions=conditions, formula=formula, cap=cap, automatic=automatic,
                )  # fmt: skip
            services.policy_publish(actor=who.user, policy=policy)
    print(
        f"policy facts for {facts} enterprises, 2 policies in {time.perf_counter() - started:.1f} s"
    )
    _analyze()


def time_matching(runs: int) -> list[tuple[float, float, int]]:
    """(first run s, second run s, pairs) per run, each from an empty match table."""
    from fugong.policies import matching
    from fugong.policies.models import Match

    out = []
    for _ in range(runs):
        Match.objects.all().delete()
        started = time.perf_counter()
        counts = matching.match_all(notify=False)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = matching.match_all(notify=False)
        second = time.perf_counter() - started
        assert again == counts
        out.append((first, second, sum(counts.values())))
    return out


def print_matching(title: str, runs: list[tuple[float, float, int]]) -> None:
    firsts, seconds = [r[0] for r in runs], [r[1] for r in runs]
    print(f"{title}, {runs[0][2]} eligible pairs:")
    print(
        f"  first run (nothing matched)  median {statistics.median(firsts):5.2f} s "
        f"(runs {', '.join(f'{v:.2f}' for v in firsts)})"
    )
    print(
        f"  second run (nothing changed) median {statistics.median(seconds):5.2f} s "
        f"(runs {', '.join(f'{v:.2f}' for v in seconds)})"
    )


def time_wide(runs: int) -> None:
    """The worst case: the same five articles issued once more by the top of the tree, so
    that every enterprise is within reach of five of the ten benefits (in a transaction
    rolled back)."""
    from django.db import transaction

    from fugong.accounts.models import Jurisdiction, User
    from fugong.policies import demo, services

    class Rollback(Exception):
        pass

    top = Jurisdiction.objects.filter(depth=0).order_by("code").first()
    admin = User.objects.get(username="admin")
    try:
        with transaction.atomic():
            policy = services.policy_save(
                actor=admin, issuer=top, title=f"{top.name}惠企政策", short_name="全域",
                document_number=f"{MARK}〔全域〕",
            )  # fmt: skip
            articles = [*demo.HUI_BA_TIAO, demo.SUPPORT_FUND]
            for n, (title, conditions, formula, cap, automatic, _text) in enumerate(articles, 1):
                services.benefit_save(
                    actor=admin, policy=policy, position=n, title=title, conditions=conditions,
                    formula=formula, cap=cap, automatic=automatic,
                )  # fmt: skip
            services.policy_publish(actor=admin, policy=policy)
            print_matching(
                f"match_all with the articles issued by {top.name} too", time_matching(runs)
            )
            raise Rollback
    except Rollback:
        pass


def _timed(call, requests: int) -> dict:
    """Median and p95 ms of one call (after one warm-up), the median ms spent in the
    database calls, and the queries of one."""
    from bench.harness import timed_calls

    return timed_calls(call, requests)


def eligible_calls(user, benefit) -> list[tuple[str, object]]:
    """(what, a function making one request) for the page, the API, or the selectors."""
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    from fugong.policies import selectors

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    calls = []
    try:
        page = reverse("policies:benefit", args=[benefit.pk])
    except NoReverseMatch:
        page = None
    if page:
        calls.append((f"page {page}", lambda: _ok(client.get(page))))
    api = f"/api/v1/policies/benefits/{benefit.pk}/eligible"
    try:
        resolve(api)
    except Resolver404:
        api = None
    if api:
        from bench.enterprise_list import PASSWORD
        from fugong.core.testing.api import bearer, issue_token

        headers = bearer(issue_token(client, user.username, PASSWORD))
        calls.append((f"API {api}", lambda: _ok(client.get(api, headers=headers))))
    if not calls:

        def select():
            rows = list(selectors.eligible(user, benefit)[:50])
            totals = selectors.eligible_totals(user, benefit)
            return rows, totals

        calls.append(("selectors.eligible[:50] + eligible_totals", select))
    return calls


def _ok(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="matching runs")
    parser.add_argument("--requests", type=int, default=100, help="eligible-list requests")
    parser.add_argument("--profile", action="store_true", help="profile one first run")
    parser.add_argument(
        "--wide", action="store_true", help="also with the articles issued by the top place"
    )
    args = parser.parse_args()
    vendor = setup(args.seed)
    from django.db.models import Count

    from bench.enterprise_list import _analyze
    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.enterprises.models import Enterprise
    from fugong.policies import matching
    from fugong.policies.models import Benefit, Match, PolicyFacts

    benefits = Benefit.objects.filter(policy__document_number__contains=MARK).count()
    print(
        f"database: {vendor}; {Enterprise.objects.count()} enterprises, "
        f"{PolicyFacts.objects.count()} with policy facts, {benefits} benefits published"
    )
    if args.profile:
        import cProfile
        import pstats

        Match.objects.all().delete()
        profile = cProfile.Profile()
        profile.runcall(matching.match_all, notify=False)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    print_matching("match_all", time_matching(args.runs))
    if args.wide:
        time_wide(args.runs)
    # What autovacuum does after the runs rewrote the matches (dead rows, planner statistics).
    _analyze()
    biggest = (
        Benefit.objects.filter(policy__document_number__contains=MARK)
        .annotate(n=Count("matches"))
        .select_related("policy__issuer")
        .order_by("-n")
        .first()
    )
    issuer = biggest.policy.issuer
    readers = [
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction=issuer)
        .select_related("user")
        .first()
    ]
    below = (
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__parent=issuer)
        .select_related("user")
        .order_by("jurisdiction__code")
        .first()
    )
    if below is not None:
        readers.append(below)
    print(f"eligible list of “{biggest.title}” ({biggest.n} enterprises eligible):")
    for reader in readers:
        for what, call in eligible_calls(reader.user, biggest):
            t = _timed(call, args.requests)
            print(
                f"  {reader.user.username:14} {what:44} median {t['median']:6.1f} ms  "
                f"p95 {t['p95']:6.1f} ms  in the database {t['sql']:5.1f} ms  "
                f"{t['queries']} queries"
            )


if __name__ == "__main__":
    main()
