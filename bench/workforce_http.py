"""Single check-ins over HTTP (issue 13): ≥ 1,000 a second sustained for 60 s on PostgreSQL,
p95 ≤ 50 ms, no error, none lost, none written twice under the clients' retries.

    .venv/bin/python -m bench.workforce_http            # 60 s, 24 connections, 2 workers × 16 threads
    .venv/bin/python -m bench.workforce_http --duration 20 --connections 24 --threads 8

The database is its own (DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/fugong_bench_http, the scale appended as the other
benchmarks do) with the demo at scale "small" and ``--people`` more people on the demo
enterprises' rosters, each with an account and an API token (written set-wise; kept between
runs, their check-ins and tokens made anew each run). gunicorn serves the site as
``fugong serve`` starts it (config.wsgi, the masking access logger writing its access log,
``--workers``, ``--threads``, by default serve's 2 × 16 on PostgreSQL; 1 thread is gunicorn's sync worker,
which closes each connection and waits for the client to close it: ~150 requests a second
even for /healthz here, against ~1,300 with threads and keep-alive; connections to the
database kept through the run, so that each one's CPU is counted), without the background
worker (the alerts' fan-out waits in its queue). wrk (Debian's, with LuaJIT) drives it:
``--connections`` connections, one per wrk thread, each person's token in turn, four
check-ins a person (yesterday and today, morning and afternoon), a thousandth of them
abnormal (the alert and the pass revoked, in one transaction), and after ``--retry`` of the
answers the same request again (same idempotency key), which must answer 200 with the same
id. Then the rows are counted: lost (a 201 whose row is not there), written twice (a key on two
rows, or a retry answered with another id), errors (wrk's and any status but 200/201), and the
rate of each whole second of the run from the rows' own times.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.harness import ROOT, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fugong_bench_http"
PEOPLE = 25_000
PREFIX = "wfhttp"  # the bench's usernames and people's names


def _numbers(count: int) -> list[str]:
    from bench.workforce import _unique_numbers

    return _unique_numbers(count, offset=7_000_000)  # apart from the other benches' people


def prepare_people(count: int) -> list[int]:
    """``count`` people on the demo enterprises' rosters, at work, each with an employee
    account: made set-wise where missing. Returns the users' ids."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership, User
    from fugong.core.crypto import lookup_hasher
    from fugong.enterprises.models import Enterprise
    from fugong.workforce.choices import Origin, WorkStatus
    from fugong.workforce.models import Employee, Person
    from fugong.workforce.services import ID_PURPOSE

    have = User.objects.filter(username__startswith=PREFIX).count()
    if have < count:
        started = time.perf_counter()
        enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
        numbers = _numbers(count)
        digest = lookup_hasher(ID_PURPOSE)
        unusable = make_password(None)
        with transaction.atomic():
            # Whatever a run left half made goes first.
            Employee.objects.filter(user__username__startswith=PREFIX).delete()
            Person.objects.filter(name__startswith=PREFIX).delete()
            User.objects.filter(username__startswith=PREFIX).delete()
            users = User.objects.bulk_create(
                [
                    User(username=f"{PREFIX}{i:06d}", full_name=f"{PREFIX}{i}", password=unusable)
                    for i in range(count)
                ],
                batch_size=5000,
            )
            people = Person.objects.bulk_create(
                [
                    Person(name=f"{PREFIX}{i}", id_number=n, id_hash=digest(n))
                    for i, n in enumerate(numbers)
                ],
                batch_size=5000,
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        user=u, role=Role.EMPLOYEE, enterprise_id=enterprises[i % len(enterprises)]
                    )
                    for i, u in enumerate(users)
                ],
                batch_size=5000,
            )
            Employee.objects.bulk_create(
                [
                    Employee(
                        enterprise_id=enterprises[i % len(enterprises)],
                        person=p,
                        user=u,
                        origin=Origin.LOCAL,
                        work_status=WorkStatus.AT_WORK,
                    )
                    for i, (u, p) in enumerate(zip(users, people, strict=True))
                ],
                batch_size=5000,
            )
        print(f"  {count} people with accounts made in {time.perf_counter() - started:.1f} s")
    return list(
        User.objects.filter(username__startswith=PREFIX).order_by("pk").values_list("pk", flat=True)
    )


def fresh_tokens(user_ids: list[int], path: Path) -> None:
    """A new API token for each person (the old ones deleted), their raw values in ``path``;
    the people's check-ins deleted, the tables vacuumed and analyzed."""
    import secrets
    from datetime import timedelta

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from fugong.accounts.models import ApiToken, hash_token
    from fugong.workforce.models import CheckIn

    CheckIn.objects.filter(employee__user__username__startswith=PREFIX).delete()
    ApiToken.objects.filter(user__username__startswith=PREFIX).delete()
    raws = [secrets.token_urlsafe(32) for _ in user_ids]
    expires = timezone.now() + timedelta(days=settings.FUGONG_API_TOKEN_DAYS)
    ApiToken.objects.bulk_create(
        [
            ApiToken(user_id=u, key_hash=hash_token(r), prefix=r[:8], expires_at=expires)
            for u, r in zip(user_ids, raws, strict=True)
        ],
        batch_size=5000,
    )
    path.write_text("\n".join(raws) + "\n")
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE workforce_checkin, accounts_apitoken, workforce_employee, "
            "accounts_user, notifications_event"
        )


def start_gunicorn(port: int, workers: int, threads: int, log_dir: Path) -> subprocess.Popen:
    """gunicorn as ``fugong serve`` starts it (fugong/core/management/commands/serve.py)."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        str(log_dir / "access.log"),
        "--error-logfile",
        str(log_dir / "error.log"),
        "--logger-class",
        "fugong.core.access_log.GunicornLogger",
        "--log-level",
        "warning",
    ]
    # Connections kept through the run (60 s by default): each one's CPU is then counted.
    env = {**os.environ, "FUGONG_DB_CONN_MAX_AGE": "900"}
    server = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {log_dir / 'error.log'}") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def warm_up(port: int, token: str) -> None:
    """Each worker imports and connects before the timed run (one request each, or so)."""
    for _ in range(20):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/workforce/checkin",
            data=b'{"temperature": "x"}',  # a 422: nothing written
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 - our own server


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _workers(server: subprocess.Popen) -> list[int]:
    found = subprocess.run(  # noqa: S603
        ["pgrep", "-P", str(server.pid)],
        capture_output=True,
        text=True,
        check=False,  # noqa: S607
    )
    return [server.pid, *(int(p) for p in found.stdout.split())]


def _backends() -> list[int]:
    """The PostgreSQL processes serving this database (the workers' connections)."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres"
    ) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [db["NAME"]]
        ).fetchall()
    return [r[0] for r in rows]


def run_wrk(port: int, connections: int, duration: int, retry: float, tokens: Path, out: Path):
    from django.utils import timezone

    today = timezone.localdate()
    env = {
        **os.environ,
        "WF_TOKENS": str(tokens),
        "WF_THREADS": str(connections),
        "WF_DAYS": f"{today - timezone.timedelta(days=1)},{today}",
        "WF_RETRY": str(retry),
        "WF_ABNORMAL": "1000",
        "WF_OUT": str(out),
    }
    argv = [
        shutil.which("wrk") or "wrk",
        f"-t{connections}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "workforce_http.lua"),
        f"http://127.0.0.1:{port}",
    ]
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return json.loads((out / "wrk.json").read_text())


def count_rows(started, out: Path) -> dict:
    """What the database holds of the run, against what the clients were told."""
    from django.db.models import Count

    from fugong.workforce.models import CheckIn

    rows = CheckIn.objects.filter(employee__user__username__startswith=PREFIX, at__gte=started)
    stored = set(rows.values_list("pk", flat=True))
    acked = [int(line) for line in (out / "acked.txt").read_text().split()]
    twice = rows.values("key").annotate(n=Count("pk")).filter(n__gt=1).count()
    seconds = {}
    for at in rows.values_list("at", flat=True):
        second = int(at.timestamp())
        seconds[second] = seconds.get(second, 0) + 1
    whole = sorted(seconds)[1:-1]  # the first and last seconds are partial
    per_second = [seconds[s] for s in whole]
    return {
        "rows": len(stored),
        "acked": len(acked),
        "acked_twice": len(acked) - len(set(acked)),
        "lost": len(set(acked) - stored),
        "unacknowledged_rows": len(stored - set(acked)),
        "keys_on_two_rows": twice,
        "per_second_min": min(per_second) if per_second else 0,
        "per_second_median": statistics.median(per_second) if per_second else 0,
        "seconds": len(per_second),
        "seconds_under_1000": sum(1 for n in per_second if n < 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--connections", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (serve's: 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=16,
        help="threads a worker (serve's on PostgreSQL: 16); 1: sync",
    )
    parser.add_argument("--retry", type=float, default=0.05, help="share of requests resent")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    setup_django("small", 1)
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        raise SystemExit("this benchmark is for PostgreSQL (DATABASE_URL)")
    users = prepare_people(args.people)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)  # a new checkout has none
    work = Path(tempfile.mkdtemp(prefix="workforce_http_", dir=ROOT / "var" / "bench"))
    tokens = work / "tokens.txt"
    fresh_tokens(users, tokens)
    connection.close()
    server = start_gunicorn(args.port, args.workers, args.threads, work)
    try:
        warm_up(args.port, tokens.read_text().split()[0])
        started = timezone.now()
        print(
            f"  wrk: {args.connections} connections, {args.duration} s; gunicorn: "
            f"{args.workers} workers × {args.threads} thread(s); {len(users)} people; "
            f"{args.retry:.0%} resent"
        )
        web, db = _workers(server), _backends()
        cpu_web, cpu_db = _cpu_seconds(web), {pid: _cpu_seconds([pid]) for pid in db}
        cpu_wrk = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = run_wrk(args.port, args.connections, args.duration, args.retry, tokens, work)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {
            "web": _cpu_seconds(web) - cpu_web,
            # The connections made during the run count whole.
            "database": sum(
                _cpu_seconds([p]) - cpu_db.get(p, 0) for p in set(_backends()) | set(db)
            ),
            "wrk": after.ru_utime + after.ru_stime - cpu_wrk.ru_utime - cpu_wrk.ru_stime,
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    counted = count_rows(started, work)
    seconds = result["duration_us"] / 1e6
    latency = {k: v / 1000 for k, v in result["latency_us"].items()}
    errors = sum(result["errors"].values())
    other = {k: v for k, v in result["statuses"].items() if k not in ("200", "201")}
    print(
        f"  {result['requests']} requests in {seconds:.1f} s = "
        f"{result['requests'] / seconds:,.0f}/s ({result['created']} check-ins written = "
        f"{result['created'] / seconds:,.0f}/s; each whole second: min "
        f"{counted['per_second_min']}, median {counted['per_second_median']:.0f} rows; "
        f"{counted['seconds_under_1000']} of {counted['seconds']} under 1,000)"
    )
    print(
        f"  latency: p50 {latency['p50']:.1f} ms, p90 {latency['p90']:.1f} ms, p95 "
        f"{latency['p95']:.1f} ms, p99 {latency['p99']:.1f} ms, max {latency['max']:.1f} ms"
    )
    print(
        f"  errors: {errors} from wrk {result['errors']}, statuses other than 200/201: "
        f"{other or 'none'}"
    )
    print(
        f"  retries: {result['retries']} resent, {result['retried_same']} answered 200 with "
        f"the same id, {result['retried_wrong']} not"
    )
    print(
        f"  rows: {counted['rows']} written, {counted['acked']} acknowledged (201); lost "
        f"{counted['lost']}, written twice {counted['keys_on_two_rows']} (keys on two rows) + "
        f"{result['retried_wrong']} (retries answered otherwise), unacknowledged rows "
        f"{counted['unacknowledged_rows']}"
    )
    per = {k: v / max(1, result["requests"]) * 1000 for k, v in cpu.items()}
    print(
        f"  CPU per request: web {per['web']:.2f} ms, database {per['database']:.2f} ms "
        f"(its connections), wrk {per['wrk']:.2f} ms; the machine's load average: "
        f"{os.getloadavg()[0]:.1f}"
    )
    if result["exhausted"]:
        print(f"  NOTE: {result['exhausted']} times the people ran out: use more --people")
    print(f"  (logs and wrk's results in {work})")


if __name__ == "__main__":
    main()
