"""The child process that reads a workbook for :mod:`fugong.core.tabular`.

python-calamine loads a whole sheet into memory, in Rust. A hostile workbook (cells declared
at A1 and XFD1048576, a zip bomb) makes it allocate hundreds of gigabytes, and an allocation
failure in Rust aborts the process: no ``MemoryError`` to catch. So workbooks are read here, in
a process of their own with an address-space and CPU-time limit (``RLIMIT_AS``,
``RLIMIT_CPU``): a workbook that needs too much ends this process, never the web server or the
background worker, and the parent turns that into a message for the user.

This process also converts the cells (:func:`fugong.core.cells.convert_rows`), so that the
parent, which checks each row, gets them ready to use: the two work on two cores at once.

Run as ``python -m fugong.core.workbook_reader '<json options>'``. On stdin: the workbook's
length (8 bytes, little-endian) and the workbook, then, once the parent has found the header
in the first rows, the plan: a pickled ``(header row number, [(column index, field, kind)],
width of the header row, [columns of a lone serial number], Watch)``. It writes pickled
messages to stdout:

* ``("sheet", name, first rows)`` once the sheet is loaded: the first ``head_rows`` rows, cells
  from column A;
* ``("rows", [(number, cells, values), ...], [(position, event), ...], [(position, errors),
  ...])`` in order, the rows below the header (values in plan order): each event (a Watch's,
  or ``("skip", row numbers)``) comes before the row at its position in the list (or after
  the last), and errors (field -> msgid, still to translate) belong to the row at theirs;
* ``("end",)`` at the end;
* or ``("error", code, details)`` instead, ``code`` one of ``password``, ``damaged``,
  ``no_sheet``, ``empty``, ``too_big``, ``memory``.

It imports nothing from Django, so it starts in a few tens of milliseconds. If stdin ends
before the plan (the parent found no header), it stops.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import sys
from collections.abc import Callable, Iterator
from itertools import chain, islice
from typing import IO, Any

from fugong.core.cells import CONVERTERS, Watch, convert_rows

ROWS_PER_MESSAGE = 1000
# Values a column repeats (dates, amounts, yes/no) are converted once and sent as one object
# per message (pickle refers back to it): the parent unpickles each once.
_MEMO_KINDS = frozenset({"int", "decimal", "date", "bool"})
# Texts and codes too (places, industries, ledger names, contacts repeat), remembered by the
# cell itself: a str equals no other type's cell.
_TEXT_KINDS = frozenset({"text", "code"})
_MEMO_SIZE = 4096


def _memoized(convert: Callable[[object], object]) -> Callable[[object], object]:
    """``convert`` remembering what it made of the last few thousand distinct cells (a
    cell's type is part of the key: True == 1 == 1.0, but their texts differ). A cell that
    cannot be converted is tried again each time."""
    memo: dict[tuple[type, object], object] = {}

    def converted(cell: object) -> object:
        key = (cell.__class__, cell)
        try:
            return memo[key]
        except KeyError:
            pass
        value = convert(cell)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = value
        return value

    return converted


def _memoized_text(convert: Callable[[object], object]) -> Callable[[object], object]:
    """``_memoized`` for a column of texts: its text cells remembered by themselves, other
    cells (numbers, dates) converted each time."""
    memo: dict[str, object] = {}
    get = memo.get

    def converted(cell: object) -> object:
        if cell.__class__ is not str:
            return convert(cell)
        value = get(cell, memo)
        if value is memo:
            value = convert(cell)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[cell] = value
        return value

    return converted


def _converter(kind: str) -> Callable[[object], object]:
    if kind in _MEMO_KINDS:
        return _memoized(CONVERTERS[kind])
    if kind in _TEXT_KINDS:
        return _memoized_text(CONVERTERS[kind])
    return CONVERTERS[kind]


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


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the workbook was cut short")
    return data


def _send_rows(
    send: Callable[[tuple], None],
    rows: Iterator[list[Any]],
    after: int,
    kinds: list[tuple[int, str, str]],
    width: int,
    lone: list[int],
    watch: Watch,
) -> None:
    """The rows below sheet row ``after``, converted, in messages of ROWS_PER_MESSAGE rows,
    each with the events and errors that came with its rows. Tuples, not SourceRow objects:
    half the time to pickle, and the parent builds a row as fast as it unpickles one."""
    numbered = enumerate(islice(rows, after, None), start=after + 1)
    plan = [(index, name, _converter(kind)) for index, name, kind in kinds]
    skipped: list[int] = []
    changes = watch.events
    batch: list[tuple[int, list[Any], list[object]]] = []
    events: list[tuple[int, tuple]] = []
    errors: list[tuple[int, dict[str, str]]] = []
    for number, cells, _width, values, wrong in convert_rows(
        numbered, plan, width, skipped, watch, frozenset(lone)
    ):
        if skipped:
            events.append((len(batch), ("skip", skipped[:])))
            skipped.clear()
        if changes:
            events.extend((len(batch), change) for change in changes)
            changes.clear()
        if wrong:
            errors.append((len(batch), wrong))
        batch.append((number, cells, values))
        if len(batch) >= ROWS_PER_MESSAGE:
            send(("rows", batch, events, errors))
            batch, events, errors = [], [], []
    if skipped:  # total lines after the last row
        events.append((len(batch), ("skip", skipped)))
    if batch or events:
        send(("rows", batch, events, errors))
    send(("end",))


def main() -> int:
    options = json.loads(sys.argv[1])
    _limit_resources(options["memory_mb"], options["cpu_seconds"])
    out = sys.stdout.buffer
    stdin = sys.stdin.buffer

    def send(message: tuple) -> None:
        # Flushed: the parent works on each message while this one makes the next.
        out.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        out.flush()

    try:
        (size,) = struct.unpack("<Q", _read_exactly(stdin, 8))
        data = _read_exactly(stdin, size)
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
        # calamine's iter_rows() pads the rows above the used range (so row i is sheet row
        # i) but starts each row at the first used column: put the columns to the left back.
        left = [""] * loaded.start[1]
        rows = (left + cells for cells in loaded.iter_rows()) if left else loaded.iter_rows()
        head = list(islice(rows, options["head_rows"]))
        send(("sheet", loaded.name, head))
        try:
            plan = pickle.load(stdin)  # noqa: S301 - from the parent that started us
        except EOFError:
            return 0  # it needs no rows
        _send_rows(send, chain(head, rows), *plan)
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
