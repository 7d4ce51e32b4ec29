"""Registry speed targets (issue: enterprise registry and ledgers):

- import a 100,000-row xlsx with validation ≤ 15 s;
- the list page over 100,000 enterprises, filtered and paginated ≤ 100 ms server time (p95);
- export 100,000 rows ≤ 10 s, with memory that does not grow with the row count.

    .venv/bin/python -m bench.registry                     # SQLite under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fugong_bench .venv/bin/python -m bench.registry

The list and export run on the demo city (100,000 enterprises, built once and kept); the
import runs into a fresh copy of the small demo county each time.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

from bench.harness import setup_django, time_page


def build_import_file(path, rows: int, grids: list[str]) -> float:
    from openpyxl import Workbook
    from stdnum.cn import uscc

    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(["XX县企业复工复产台账"])
    ws.append(
        [
            "企业名称",
            "统一社会信用代码",
            "辖区代码",
            "联系人",
            "联系电话",
            "行业代码",
            "员工人数",
            "上年营业收入(万元)",
            "上年纳税(万元)",
            "台账类别",
            "复工日期",
            "返岗人数",
            "有食堂",
            "地址",
        ]
    )
    ledgers = ["节后可生产", "春节期间正常生产", "节后可能延后生产", "不能复产"]
    for i in range(rows):
        body = f"91339899{i:09d}"
        ws.append(
            [
                f"基准测试企业{i}有限公司",
                body + uscc.calc_check_digit(body),
                grids[i % len(grids)],
                "张三",
                f"138{i:08d}",
                ["34", "52", "62", "72"][i % 4],
                10 + i % 500,
                100 + (i % 5000),
                (i % 90) / 2,
                ledgers[i % 4],
                46077 + i % 30,
                5 + i % 5,
                "是" if i % 3 else "否",
                f"测试路{i}号",
            ]
        )
    wb.save(path)
    return time.perf_counter() - started


def bench_import(rows: int) -> None:
    import tempfile
    from pathlib import Path

    from fugong.accounts.models import Jurisdiction, User
    from fugong.core.jobs import execute
    from fugong.enterprises import io
    from fugong.enterprises.models import ImportBatch

    admin = User.objects.get(username="admin")
    grids = list(Jurisdiction.objects.filter(level="grid").values_list("code", flat=True))
    path = Path(tempfile.mkdtemp()) / "import.xlsx"
    made = build_import_file(path, rows, grids)
    print(f"import file: {rows} rows, {path.stat().st_size / 1e6:.1f} MB (built in {made:.1f} s)")
    for attempt in ("first import (all new)", "same file again (all unchanged)"):
        batch = io.import_start(
            user=admin, filename=path.name, content=path.read_bytes(), mode="all", enqueue=False
        )
        started = time.perf_counter()
        execute(batch.check_job_id)
        checked = time.perf_counter() - started
        batch = io.import_confirm(
            user=admin, batch=ImportBatch.objects.get(pk=batch.pk), enqueue=False
        )
        started = time.perf_counter()
        execute(batch.import_job_id)
        imported = time.perf_counter() - started
        batch.refresh_from_db()
        print(
            f"  {attempt}: check (preview) {checked:.1f} s; import with validation {imported:.1f} s; "
            f"result {batch.result or batch.message}"
        )


def bench_list(runs: int) -> None:
    from django.conf import settings
    from django.test import Client

    from fugong.accounts.models import User
    from fugong.enterprises.models import Enterprise

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"list page: {Enterprise.objects.count()} enterprises, {runs} runs each")
    print(f"  {'user':<14} {'url':<52} {'median':>7} {'p95':>7} {'queries':>7}")
    for username, url in [
        ("admin", "/enterprises/"),
        ("admin", "/enterprises/?ledger=can_resume&status=not_resumed"),
        ("admin", "/enterprises/?category=industry_above&sort=-employee_count&page=20"),
        ("admin", "/enterprises/?q=机械"),
        ("admin", "/enterprises/view/unassigned/"),
        ("county01_cmd", "/enterprises/?industry=C&status=resumed"),
        ("town01_cmd", "/enterprises/?tier=major"),
    ]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        median, p95, queries, status = time_page(client, url, runs)
        assert status == 200, (url, status)
        print(f"  {username:<14} {url:<52} {median:>6.1f}ms {p95:>6.1f}ms {queries:>7}")


def bench_export() -> None:
    """Time (without tracing) and then peak Python memory (traced: slower) of each export;
    memory that does not grow from 1,800 to 100,000 rows shows the export streams."""
    from fugong.accounts.models import User
    from fugong.core.jobs import execute, job_start
    from fugong.core.models import Job

    for username in ("town01_cmd", "county01_cmd", "admin"):
        user = User.objects.get(username=username)
        timings = []
        for _ in range(3):
            job = job_start(
                kind="enterprises.export", title="bench", user=user, params={}, enqueue=False
            )
            started = time.perf_counter()
            execute(job.pk)
            timings.append(time.perf_counter() - started)
        job = Job.objects.get(pk=job.pk)
        traced = job_start(
            kind="enterprises.export", title="bench", user=user, params={}, enqueue=False
        )
        tracemalloc.start()
        execute(traced.pk)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  export as {username:<13} {job.total:>7} rows: median {sorted(timings)[1]:5.1f} s "
            f"(runs {', '.join(f'{t:.1f}' for t in timings)}); peak Python memory {peak / 1e6:5.1f} MB; "
            f"file {job.result_file.size / 1e6:.1f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "part", nargs="?", choices=["all", "import", "list", "export"], default="all"
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if args.part in ("import",):
        setup_django("small", 1, fresh=True)
        bench_import(args.rows)
        return
    setup_django("city", 1)
    from django.db import connection

    print(f"database: {connection.vendor}")
    if args.part in ("all", "list"):
        bench_list(args.runs)
    if args.part in ("all", "export"):
        print("export:")
        bench_export()
    if args.part == "all":
        print("import: run `python -m bench.registry import` (it needs a fresh database)")


if __name__ == "__main__":
    os.environ.setdefault("FUGONG_LOG_LEVEL", "WARNING")
    main()
