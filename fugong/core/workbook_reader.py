"""The child process that reads a workbook for :mod:`fugong.core.tabular`.

python-calamine loads a whole sheet into memory, in Rust. A hostile workbook (cells declared
at A1 and XFD1048576, a zip bomb) makes it allocate hundreds of gigabytes, and an allocation
failure in Rust aborts the process: no ``MemoryError`` to catch. So workbooks are read here, in
a process of their own with an address-space and CPU-time limit (``RLIMIT_AS``,
``RLIMIT_CPU``): a workbook that needs too much ends this process, never the web server or the
background worker, and the parent turns that into a message for the user.

Run as ``python -m fugong.core.workbook_reader '<json options>'`` with the workbook on stdin.
It writes pickled messages to stdout:

* ``("sheet", name, first_column)`` once the sheet is loaded (0-based first used column);
* ``("rows", [cells, ...])`` in order, from sheet row 1;
* ``("end",)`` at the end;
* or ``("error", code, details)`` instead, ``code`` one of ``password``, ``damaged``,
  ``no_sheet``, ``empty``, ``too_big``, ``memory``.

It imports nothing from Django, so it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import io
import json
import pickle
import sys

ROWS_PER_MESSAGE = 2000


def _limit_resources(memory_mb: int, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: read without a cap
        return
    for name, value in (("RLIMIT_AS", memory_mb * 1024 * 1024), ("RLIMIT_CPU", cpu_seconds)):
        kind = getattr(resource, name, None)
        if kind is None or value <= 0:
            continue
        try:
            _soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, hard))
        except (ValueError, OSError):
            pass


def main() -> int:
    options = json.loads(sys.argv[1])
    _limit_resources(options["memory_mb"], options["cpu_seconds"])
    out = sys.stdout.buffer

    def send(message: tuple) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        data = sys.stdin.buffer.read()
        from python_calamine import CalamineWorkbook, PasswordError

        sheet = options["sheet"]
        try:
            with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
                names = list(workbook.sheet_names)
                if isinstance(sheet, int):
                    name = names[sheet] if 0 <= sheet < len(names) else None
                else:
                    name = sheet if sheet in names else None
                loaded = None if name is None else workbook.get_sheet_by_name(name)
        except PasswordError:
            send(("error", "password", None))
            return 0
        except MemoryError:
            raise
        except BaseException as exc:
            # CalamineError for files it cannot parse; a Rust panic is pyo3's PanicException,
            # which derives from BaseException.
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            send(("error", "damaged", repr(exc)[:200]))
            return 0
        del data
        if loaded is None:
            send(("error", "no_sheet", sheet))
            return 0
        if loaded.start is None:
            send(("error", "empty", loaded.name))
            return 0
        # What calamine found (it can differ from what the XML declared): the used area.
        height = loaded.end[0] + 1  # rows from the top, as iter_rows pads them
        width = loaded.end[1] - loaded.start[1] + 1
        if width > options["max_columns"] or height * width > options["max_cells"]:
            send(("error", "too_big", (height, loaded.end[1] + 1)))
            return 0
        send(("sheet", loaded.name, loaded.start[1]))
        chunk: list = []
        for cells in loaded.iter_rows():
            chunk.append(cells)
            if len(chunk) >= ROWS_PER_MESSAGE:
                send(("rows", chunk))
                chunk = []
        if chunk:
            send(("rows", chunk))
        send(("end",))
        out.flush()
    except MemoryError:
        try:
            send(("error", "memory", None))
            out.flush()
        except BaseException:  # noqa: BLE001, S110 - the parent reports the exit code instead
            pass
        return 3
    except BrokenPipeError:
        return 0  # the parent stopped reading (it had what it needed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
