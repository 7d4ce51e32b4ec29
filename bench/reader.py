"""Reading a spreadsheet: what ``read_table`` and iterating its rows cost the process that
imports (the parent), for the registry benchmark's 100,000-row, 14-column xlsx.

    .venv/bin/python -m bench.reader                 # 100,000 rows, median of 3
    .venv/bin/python -m bench.reader --rows 20000 --runs 5
    .venv/bin/python -m bench.reader --check-us 22   # and 22 µs of CPU work per row, like the import's check

It prints, per run and as the median, the wall time and the parent's CPU time
(``time.process_time()``) of ``read_table`` plus a loop over all its rows that does nothing
else (or ``--check-us`` of busy work per row, standing for the import's row check), and of
the loop alone (what the import's row check, in the parent, competes with); and
the CPU time of the workbook's reading process (the child: ``RUSAGE_CHILDREN``). On a shared
machine the CPU times are the figures to compare: wall time grows with whatever else runs.
The file is built once under var/bench/.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

from bench.harness import ROOT
from bench.registry import build_import_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--check-us", type=float, default=0, help="CPU work per row in the loop, microseconds"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from fugong.core.tabular import read_table
    from fugong.enterprises.columns import COLUMNS

    path = ROOT / "var" / "bench" / f"reader-{args.rows}.xlsx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        built = build_import_file(path, args.rows, ["110101001001"])
        print(f"built {path.name} in {built:.1f} s")
    data = path.read_bytes()

    work = args.check_us / 1e6
    figures: dict[str, list[float]] = {}
    for run in range(1, args.runs + 1):
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, wall = time.process_time(), time.perf_counter()
        table = read_table(data, filename=path.name, columns=COLUMNS, max_bytes=len(data))
        rows_cpu, rows_wall = time.process_time(), time.perf_counter()
        count = errors = 0
        for row in table.rows:
            count += 1
            errors += bool(row.errors)
            if work:
                until = time.perf_counter() + work
                while time.perf_counter() < until:
                    pass
        end_cpu, end_wall = time.process_time(), time.perf_counter()
        ended = resource.getrusage(resource.RUSAGE_CHILDREN)
        run_figures = {
            "parent CPU": end_cpu - cpu,
            "wall": end_wall - wall,
            "rows: parent CPU": end_cpu - rows_cpu,
            "rows: wall": end_wall - rows_wall,
            "child CPU": ended.ru_utime + ended.ru_stime - child.ru_utime - child.ru_stime,
        }
        for name, value in run_figures.items():
            figures.setdefault(name, []).append(value)
        print(
            f"run {run}: {count:,} rows ({errors} with errors, {len(table.skipped)} skipped): "
            + ", ".join(f"{name} {value:.2f} s" for name, value in run_figures.items())
        )
    print(
        f"read_table + iterate, {args.rows:,} rows"
        + (f" with {args.check_us:g} µs of work each" if work else "")
        + f", median of {args.runs}: "
        + ", ".join(f"{name} {statistics.median(v):.2f} s" for name, v in figures.items())
    )


if __name__ == "__main__":
    main()
