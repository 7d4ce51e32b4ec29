"""The roster import of issue 13: a roster xlsx of 100,000 new people checked and committed
through the core import engine (target ≤ 10 s), on an enterprise of the demo at scale "small".

    .venv/bin/python -m bench.workforce_import                  # SQLite under var/bench/small-3/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench_imp .venv/bin/python -m bench.workforce_import
    .venv/bin/python -m bench.workforce_import --rows 20000 --runs 2 --profile

The file (姓名, 身份证号码, 联系电话, 来源地, 在岗状态, as ``bench.workforce`` writes it) is
built once under var/bench/. Each run starts the batch, times the check job and the commit
job apart (wall and this process's CPU; the workbook's reader is a child process, its CPU
printed beside), then deletes the people it imported (their audit rows stay; on PostgreSQL
then VACUUM ANALYZE and CHECKPOINT, so that every run starts alike).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from bench.harness import ROOT, setup_django
from bench.workforce import _unique_numbers

ROWS = 100_000
OFFSET = 5_000_000  # ID numbers none of the demo's people has


def build_file(rows: int):
    """The roster file of ``rows`` new people, built once."""
    path = ROOT / "var" / "bench" / f"roster-{rows}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["姓名", "身份证号码", "联系电话", "来源地", "在岗状态"])
    for i, n in enumerate(_unique_numbers(rows, offset=OFFSET)):
        ws.append([f"导入{i}", n, f"138{i:08d}", "本地", "在岗"])
    wb.save(path)
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _server_cpu() -> float:
    """The CPU time of this connection's PostgreSQL backend (a server on this machine: read
    from /proc), 0 on SQLite or when it cannot be read."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(function, argument, profiled: str | None) -> tuple[float, float, float, float]:
    """(wall, this process's CPU, children's CPU, the database server's CPU) of
    ``function(argument)``; under cProfile when ``profiled`` names the step (times then
    inflated)."""
    server = _server_cpu()
    wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
    if profiled is None:
        function(argument)
    else:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(function, argument)
        wall_profiled = time.perf_counter() - wall
        print(f"--- profile of {profiled} ({wall_profiled:.1f} s under the profiler)")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"fugong|bulk|copy|sqlite3|psycopg", 40)
        stats.sort_stats("tottime").print_stats(25)
    return (
        time.perf_counter() - wall,
        time.process_time() - cpu,
        _children_cpu() - child,
        _server_cpu() - server,
    )


def _cleanup(enterprise_id: int) -> None:
    from django.db import connection, transaction

    from fugong.workforce.models import Employee, Person

    with transaction.atomic():
        Employee.objects.filter(
            enterprise_id=enterprise_id, person__name__startswith="导入"
        ).delete()
        Person.objects.filter(name__startswith="导入").delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would between two imports (the 100,000 rows just deleted no
            # longer in the way), and the WAL checkpointed, so that each run starts as the
            # first did (a checkpoint that the WAL of earlier runs set off slowed later runs
            # by a second or two).
            cursor.execute("VACUUM ANALYZE workforce_employee, workforce_person, core_auditlog")
            cursor.execute("CHECKPOINT")


def run_once(path, profile: bool) -> dict[str, float]:
    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.core.imports import services
    from fugong.core.imports.models import ImportBatch, ImportStatus
    from fugong.core.jobs import execute
    from fugong.workforce.importer import KIND

    member = Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).order_by("-pk").first()
    _cleanup(member.enterprise_id)  # a run stopped half-way
    batch = services.batch_start(
        kind=KIND,
        user=member.user,
        filename="花名册.xlsx",
        content=path.read_bytes(),
        mode="all",
        place=member.enterprise_id,
        enqueue=False,
    )
    try:
        check = _timed(execute, batch.check_job_id, "check" if profile else None)
        batch.refresh_from_db()
        assert batch.status == ImportStatus.READY, (batch.status, batch.message)
        batch = services.batch_confirm(user=member.user, batch=batch, enqueue=False)
        commit = _timed(execute, batch.import_job_id, "commit" if profile else None)
        batch = ImportBatch.objects.get(pk=batch.pk)
        assert batch.status == ImportStatus.DONE, (batch.status, batch.message)
    finally:
        _cleanup(member.enterprise_id)
    server = f", server {check[3] + commit[3]:.1f} s" if check[3] + commit[3] else ""
    served = f", server {commit[3]:.1f} s" if commit[3] else ""
    print(
        f"  check {check[0]:.1f} s (CPU {check[1]:.1f} s, reader {check[2]:.1f} s), "
        f"commit {commit[0]:.1f} s (CPU {commit[1]:.1f} s{served}), "
        f"total {check[0] + commit[0]:.1f} s (CPU {check[1] + commit[1]:.1f} s{server}); "
        f"{batch.result}"
    )
    return {
        "check": check[0],
        "check CPU": check[1],
        "commit": commit[0],
        "commit CPU": commit[1],
        "total": check[0] + commit[0],
        "total CPU": check[1] + commit[1],
        "server CPU": check[3] + commit[3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile each step (one run)")
    args = parser.parse_args()
    setup_django("small", 3)
    from django.db import connection

    path = build_file(args.rows)
    print(f"database: {connection.vendor}; roster import of {args.rows:,} new people")
    figures: dict[str, list[float]] = {}
    for _run in range(1 if args.profile else args.runs):
        for name, value in run_once(path, args.profile).items():
            figures.setdefault(name, []).append(value)
    if len(figures["total"]) > 1:
        print(
            "  best: "
            + ", ".join(f"{name} {min(values):.1f} s" for name, values in figures.items())
            + " (target: total ≤ 10 s for 100,000)"
        )


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
