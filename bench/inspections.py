"""Inspections speed (issue 15): an inspector's list and the rectification overdue list
≤ 100 ms p95 at county scale.

    .venv/bin/python -m bench.inspections                   # SQLite under var/bench/small-5/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench .venv/bin/python -m bench.inspections
    .venv/bin/python -m bench.inspections --explain         # the queries' plans too

The data is the demo at scale "small" (its own copy, seed 5) and ``--inspections``
inspections of its enterprises written set-wise over the past year: on-site inspections of
every kind by the county's inspectors (its cadres and the members of its offices), one in
twenty still planned (spread over the next weeks), one in five failed with its rectification
order (整改通知书), one order in ten still open and a third of those past their deadline. They
are written inside a transaction rolled back at the end. For the busiest inspector's list,
a town office's and the county's overdue lists, the county's list of all inspections and an
enterprise's list (the Django test client in-process) it prints the median and p95 server
time, the median CPU time of this process, the median time in the database calls and the
queries (``bench.cases.timed``).
"""

from __future__ import annotations

import argparse
import datetime
import random
from collections import Counter

from bench.harness import setup_django

INSPECTIONS = 100_000
MARK = "性能测试检查"  # marks the inspections written here


def build(n: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.enterprises.models import Enterprise
    from fugong.inspections.models import ChecklistTemplate, Inspection, Rectification
    from fugong.inspections.services import town_of

    enterprises = list(Enterprise.objects.select_related("jurisdiction"))
    towns = {e.pk: town_of(e.jurisdiction) for e in enterprises}
    members = list(
        Membership.objects.filter(
            is_active=True, role__in=[Role.CADRE, Role.REVIEWER, Role.DEPARTMENT]
        ).select_related("office")
    )
    inspectors = [m.user_id for m in members]
    offices = [m.office_id for m in members if m.office_id]
    templates = list(ChecklistTemplate.objects.filter(is_active=True).exclude(kind="acceptance"))
    kinds = ["scheduled"] * 4 + ["spot"] * 3 + ["unannounced"] * 2 + ["random", "reinspection"]
    today = timezone.localdate()
    now = timezone.now()
    rows = []
    for _i in range(n):
        e = rng.choice(enterprises)
        planned = rng.random() < 0.05
        day = (
            today + datetime.timedelta(days=rng.randrange(0, 30))
            if planned
            else today - datetime.timedelta(days=rng.randrange(1, 365))
        )
        failed = not planned and rng.random() < 0.2
        rows.append(
            Inspection(
                enterprise=e,
                jurisdiction=e.jurisdiction,
                office_id=rng.choice(offices) if offices else None,
                kind=rng.choice(kinds),
                template=rng.choice(templates),
                status="planned" if planned else "done",
                planned_for=day,
                inspector_id=rng.choice(inspectors),
                performed_at=None if planned else now - datetime.timedelta(days=(today - day).days),
                passed=None if planned else not failed,
                score=None if planned else (60 if failed else 100),
                opinion=MARK,
            )
        )
    Inspection.objects.bulk_create(rows, batch_size=5000)
    failed = Inspection.objects.filter(opinion=MARK, passed=False).values_list(
        "pk", "enterprise_id", "jurisdiction_id", "office_id", "planned_for"
    )
    sequences: Counter = Counter()
    orders = []
    for pk, enterprise_id, place_id, office_id, day in failed:
        town = towns[enterprise_id]
        sequences[town.pk] += 1
        open_ = rng.random() < 0.1
        deadline = day + datetime.timedelta(days=5)
        if open_ and rng.random() < 0.66:  # open and not yet due
            deadline = today + datetime.timedelta(days=rng.randrange(0, 10))
        orders.append(
            Rectification(
                inspection_id=pk,
                enterprise_id=enterprise_id,
                jurisdiction_id=place_id,
                office_id=office_id,
                issuer=town,
                year=today.year,
                sequence=100_000 + sequences[town.pk],
                number=f"B{town.pk}-{sequences[town.pk]}",
                issued_at=now,
                items=[],
                deadline=deadline,
                status="open" if open_ else "closed",
                closed_at=None if open_ else now,
                on_time=None if open_ else True,
            )  # fmt: skip
        )
    Rectification.objects.bulk_create(orders, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"wrote {len(rows)} inspections and {len(orders)} rectification orders")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspections", type=int, default=INSPECTIONS)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print the queries' plans")
    args = parser.parse_args()
    setup_django("small", 5)
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Count

    from bench.cases import time_pages
    from fugong.accounts.models import Membership, User
    from fugong.inspections.models import Inspection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            build(args.inspections, random.Random(5))
            busiest = (
                Inspection.objects.filter(status="planned")
                .values("inspector_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .first()
            )
            inspector = User.objects.get(pk=busiest["inspector_id"])
            office = Membership.objects.filter(role="reviewer", is_active=True).first().user
            county = (
                Membership.objects.filter(
                    role="command", jurisdiction__level="county", is_active=True
                )
                .first()
                .user
            )
            enterprise = Membership.objects.filter(role="enterprise", is_active=True).first().user
            print(f"the busiest inspector has {busiest['n']} planned inspections")
            pages = [
                (inspector, "/inspections/"),
                (inspector, "/inspections/?page=3"),
                (office, "/inspections/orders/?overdue=1"),
                (county, "/inspections/orders/?overdue=1"),
                (county, "/inspections/?which=all"),
                (enterprise, "/inspections/?which=all"),
            ]
            time_pages(pages, args.runs, plans=args.explain, width=32)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
