"""Requests speed (issue 14): a department's inbox and the overdue list ≤ 100 ms p95 with
200,000 requests.

    .venv/bin/python -m bench.cases                       # SQLite under var/bench/small-5/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench .venv/bin/python -m bench.cases

The data is the demo at scale "small" (its own copy, seed 5) and, inside a transaction rolled
back at the end, ``--requests`` requests of its enterprises written set-wise: two in five with
the county's HR bureau, the rest with the other departments; seven in ten closed, the others
waiting, dispatched, handled or replied, a tenth of the open ones past their reply date. It
prints the median and p95 server time and the queries of the HR bureau's inbox, the county's
overdue list and queue, and an enterprise's list (the Django test client in-process).
"""

from __future__ import annotations

import argparse
import datetime
import random

from bench.harness import setup_django, time_page

REQUESTS = 200_000


def build(n: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from fugong.accounts.models import Office
    from fugong.cases.models import Case, Category
    from fugong.cases.services import town_of
    from fugong.enterprises.models import Enterprise

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
                title="批量诉求",
                text="用于性能测试的诉求。",
                status=status,
                lead_office=office if dispatched else None,
                dispatched_at=now if dispatched else None,
                due=due if dispatched else None,
            )
        )
    Case.objects.bulk_create(rows, batch_size=5000)
    through = Case.offices.through
    ids = Case.objects.filter(title="批量诉求").values_list("pk", "lead_office_id")
    links = [through(case_id=pk, office_id=o) for pk, o in ids if o]
    through.objects.bulk_create(links, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup_django("small", 5)
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from fugong.accounts.models import Membership

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            build(args.requests, random.Random(5))
            hr = Membership.objects.filter(office__kind="hr", is_active=True).first().user
            county = (
                Membership.objects.filter(
                    role="command", jurisdiction__level="county", is_active=True
                )
                .first()
                .user
            )
            enterprise = Membership.objects.filter(role="enterprise", is_active=True).first().user
            for user, url in (
                (hr, "/cases/inbox/"),
                (hr, "/cases/overdue/"),
                (county, "/cases/overdue/"),
                (county, "/cases/queue/"),
                (enterprise, "/cases/"),
            ):
                client = Client()
                client.force_login(user)
                median, p95, queries, status = time_page(client, url, args.runs)
                print(
                    f"{url:18} as {user.username:14} median {median:6.1f} ms  p95 {p95:6.1f} ms"
                    f"  {queries} queries  HTTP {status}"
                )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
