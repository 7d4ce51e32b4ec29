"""Server time of the main pages for one user of each role. See bench/README.md."""

from __future__ import annotations

import argparse

from bench.harness import setup_django, time_page

PAGES = [
    ("admin", "/"),
    ("county_cmd", "/"),
    ("county_cmd", "/enterprises/"),
    ("county_cmd", "/enterprises/?q=机械"),
    ("county_cmd", "/jurisdictions/"),
    ("town01_cmd", "/"),
    ("town01_cmd", "/enterprises/"),
    ("town01_jmb", "/"),
    ("town01_cadre", "/enterprises/"),
    ("town01_ent1", "/"),
    ("town01_emp1", "/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_django(args.scale, args.seed)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from fugong.accounts.models import User
    from fugong.enterprises.models import Enterprise

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(
        f"database: {connection.vendor}; enterprises: {Enterprise.objects.count()}; runs: {args.runs}"
    )
    print(f"{'user':<14} {'page':<28} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'status':>7}")
    for username, url in PAGES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        median, p95, queries, status = time_page(client, url, args.runs)
        print(f"{username:<14} {url:<28} {median:>10.1f} {p95:>8.1f} {queries:>8} {status:>7}")


if __name__ == "__main__":
    main()
