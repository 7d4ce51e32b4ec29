"""Notification speed targets (issue 12): one event fanned out to 10,000 people ≤ 5 s to the
queue (its inbox messages written), and the inbox page ≤ 50 ms p95 for a user with 100,000
messages.

    .venv/bin/python -m bench.notifications                      # SQLite under var/bench/small-1/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench .venv/bin/python -m bench.notifications

The data is the demo at scale "small" (built once and kept), and, inside a transaction rolled
back at the end, 10,000 reviewers of one office (for the fan-out of a filing submitted to it)
and 100,000 messages of one user (for the inbox). It prints the fan-out's time and queries, and
median and p95 server time of the inbox's first page, a deep page, the unread filter and the
badge (the Django test client in-process, after a warm-up).
"""

from __future__ import annotations

import argparse
import os
import time

from bench.harness import setup_django, time_page

FANOUT = 10_000
MESSAGES = 100_000


def bench_fanout(people: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership, User
    from fugong.notifications import services
    from fugong.notifications.models import Message
    from fugong.resumption.models import Filing

    filing = Filing.objects.filter(lead_office__isnull=False).select_related("enterprise").first()
    with transaction.atomic():
        password = make_password(None)
        users = User.objects.bulk_create(
            [User(username=f"bench_fan_{i}", password=password) for i in range(people)],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, role=Role.REVIEWER, office_id=filing.lead_office_id)
                for u in users
            ],
            batch_size=2000,
        )
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            event = services.event_raise(
                kind="resumption.filing_submitted",
                subject=filing,
                params={"enterprise": filing.enterprise.name},
            )
            sent = services.event_fan_out(event.pk)
        took = time.perf_counter() - started
        assert sent >= people, sent
        assert Message.objects.filter(event=event).count() == sent
        transaction.set_rollback(True)
    print(
        f"  fan-out of one event to {sent} people: {took:.2f} s, {queries} queries (target ≤ 5 s)"
    )


def bench_inbox(messages: int, runs: int) -> None:
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.test import Client

    from fugong.accounts.models import User
    from fugong.notifications.models import Event, Message
    from fugong.resumption.models import Filing

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.get(username="admin")
    filing = Filing.objects.select_related("enterprise").first()
    ct = ContentType.objects.get_for_model(Filing)
    with transaction.atomic():
        started = time.perf_counter()
        for start in range(0, messages, 10_000):
            events = Event.objects.bulk_create(
                [
                    Event(
                        kind="resumption.filing_submitted",
                        subject_type=ct,
                        subject_id=filing.pk,
                        params={"enterprise": f"{filing.enterprise.name}{i}"},
                    )
                    for i in range(start, min(messages, start + 10_000))
                ],
                batch_size=2000,
            )
            Message.objects.bulk_create(
                [
                    Message(
                        user=user,
                        event=e,
                        kind=e.kind,
                        url=f"/resumption/{filing.pk}/",
                        params=e.params,
                        read_at=None if i % 3 else e.created_at,
                    )
                    for i, e in enumerate(events)
                ],
                batch_size=2000,
            )
        print(f"  {messages} messages of one user written in {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # as autovacuum soon would after such a load
                cursor.execute("ANALYZE notifications_message")
        deep = (
            Message.objects.filter(user=user)
            .order_by("pk")
            .values_list("pk", flat=True)[messages // 10]
        )
        client = Client()
        client.force_login(user)
        print(f"  {'url':<40} {'median':>8} {'p95':>8} {'queries':>8}")
        for url in (
            "/notifications/",
            f"/notifications/?before={deep}",
            "/notifications/?unread=1",
            "/notifications/badge/",
        ):
            median, p95, queries, status = time_page(client, url, runs)
            assert status == 200, (url, status)
            print(f"  {url:<40} {median:>6.1f}ms {p95:>6.1f}ms {queries:>8}  (target p95 ≤ 50 ms)")
        transaction.set_rollback(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=FANOUT)
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_django("small", 1)
    from django.db import connection

    print(f"database: {connection.vendor}")
    bench_fanout(args.people)
    bench_inbox(args.messages, args.runs)


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
