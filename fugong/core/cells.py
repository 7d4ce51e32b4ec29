"""Turning a spreadsheet's rows into clean values: the part of :mod:`fugong.core.tabular`
that needs neither Django nor the column spec's labels, so that the process reading a workbook
(:mod:`fugong.core.workbook_reader`) runs it on its own core while the importing process
checks the rows it already has.

Nothing here imports Django or translates: a cell that cannot be converted is reported with
its gettext msgid (:class:`Invalid`), and the process that owns the :class:`~fugong.core.
tabular.Table` formats the message in its active language (``tabular._message``). What reading
the rows changes besides the rows themselves (the rows left out, the values sampled from
columns not used, the headers of columns found right of the header row) is recorded as
events for that process to apply (:func:`convert_rows`, :class:`Watch`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import islice
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages, like Django's (which cannot be imported here)."""
    return message


_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's fictional 1900-02-29
_MAX_EXCEL_SERIAL = 2_958_465  # 9999-12-31
MAX_MESSAGE_VALUE = 40  # characters of a bad value quoted in a message (and of a sample)

INVISIBLE_RE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")


@dataclass
class SourceRow:
    """One non-empty data row below the header."""

    number: int
    """1-based row number in the sheet, as the user sees it in Excel (for CSV: the record)."""
    cells: list[Any]
    """The cells as the reader gave them."""
    width: int
    """The width of the header row."""
    values: dict[str, object]
    """Field -> normalised value (``None`` when empty) for every column found in the file;
    fields whose column is absent are not keys at all, so an update never blanks them."""
    errors: dict[str, str] = field(default_factory=dict)
    """Field -> translated message for cells whose conversion failed (their value is ``None``).
    (:func:`convert_rows` gives the untranslated msgid; the table's reader translates it
    before the row is handed out.)"""

    @cached_property
    def raw(self) -> list[str]:
        """The original cells as text, in sheet order: ``raw[i]`` is sheet column ``i``
        (0 = A), so :attr:`Table.columns` indexes it. Padded with ``""`` to the width of the
        header row. Computed when asked for (error files), not for every row."""
        raw = [c if type(c) is str else cell_text(c) for c in self.cells]
        if len(raw) < self.width:
            raw.extend([""] * (self.width - len(raw)))
        else:
            while len(raw) > self.width and not raw[-1]:
                raw.pop()
        return raw


# --------------------------------------------------------------------------- cell conversion


# Per-cell messages: gettext_noop marks them for makemessages, tabular._message() translates
# them.
NOT_NUMBER = gettext_noop("%(label)s: “%(value)s” is not a number.")
NOT_WHOLE = gettext_noop("%(label)s: “%(value)s” is not a whole number.")
OUT_OF_RANGE = gettext_noop("%(label)s: “%(value)s” is out of range.")
NOT_DATE = gettext_noop("%(label)s: “%(value)s” is not a date; write it as 2020-02-01.")
NOT_BOOL = gettext_noop("%(label)s: “%(value)s” is not yes or no (是/否).")


class Invalid(Exception):
    """A cell that cannot be converted; ``message`` is a gettext msgid with
    ``%(label)s`` and ``%(value)s`` placeholders."""

    def __init__(self, message: str) -> None:
        self.message = message


def float_text(value: float) -> str:
    """Whole numbers without ".0"; others with at most 15 significant digits, as Excel shows
    them (so a formula's 0.30000000000000004 reads 0.3)."""
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer():
        return str(int(value))
    return format(value, ".15g")


def cell_text(cell: object) -> str:
    """Any cell as the text a user would recognise."""
    if isinstance(cell, str):
        return cell
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return float_text(cell)
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time():
            return cell.date().isoformat()
        return cell.isoformat(sep=" ", timespec="seconds" if cell.second else "minutes")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, dt.time):
        return cell.isoformat(timespec="seconds" if cell.second else "minutes")
    return str(cell)


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2060\ufeff]")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.ASCII | re.IGNORECASE)
_GROUPED_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)


def clean(text: str) -> str:
    """NFKC, no control or zero-width characters, whitespace runs -> one space, trimmed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if text.isprintable():
        # No control or zero-width character (they are not printable), and no whitespace
        # but " " (the others are not printable either): most cells are clean already.
        if "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text
    elif _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub(" ", text)
    return " ".join(text.split())


def to_text(cell: object) -> str | None:
    text = clean(cell if type(cell) is str else cell_text(cell))
    return (cell if text == cell else text) or None  # the same text: the same object


def to_code(cell: object) -> str | None:
    text = clean(cell if type(cell) is str else cell_text(cell))
    code = text.replace(" ", "").upper()  # clean() leaves no other space
    return (cell if code == cell else code) or None


def _parse_decimal(text: str) -> Decimal | None:
    """A number written as text: full-width digits, spaces and thousands separators allowed.
    None when there is nothing; Invalid when it is not a number."""
    text = "".join(clean(text).split())
    if not text:
        return None
    if "," in text:
        if not _GROUPED_RE.fullmatch(text):
            raise Invalid(NOT_NUMBER)
        text = text.replace(",", "")
    if not _NUMBER_RE.fullmatch(text):
        raise Invalid(NOT_NUMBER)
    number = Decimal(text)
    if number and abs(number.adjusted()) > 20:
        raise Invalid(OUT_OF_RANGE)
    return number


def to_decimal(cell: object) -> Decimal | None:
    if type(cell) is float and cell.is_integer():  # most numbers: Decimal("12") from 12.0
        return Decimal(int(cell))
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise Invalid(NOT_NUMBER)
        return Decimal(float_text(cell))
    if isinstance(cell, int) and not isinstance(cell, bool):
        return Decimal(cell)
    if isinstance(cell, str):
        return _parse_decimal(cell)
    if cell is None:
        return None
    raise Invalid(NOT_NUMBER)


def to_int(cell: object) -> int | None:
    if type(cell) is float and cell.is_integer():  # what to_decimal would make of it
        return int(cell)
    try:
        number = to_decimal(cell)
    except Invalid as exc:
        if exc.message is OUT_OF_RANGE:
            raise
        raise Invalid(NOT_WHOLE) from None
    if number is None:
        return None
    if number != number.to_integral_value():
        raise Invalid(NOT_WHOLE)
    return int(number)


_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
    re.ASCII,
)
_COMPACT_DATE_RE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", re.ASCII)


def _date_from_serial(serial: float) -> dt.date:
    """An Excel (1900 date system) serial number; the time of day, if any, is dropped."""
    days = int(serial)
    # Excel counts a 29 February 1900 that never was; serials before it are one day later.
    base = _EXCEL_EPOCH if days >= 60 else _EXCEL_EPOCH + dt.timedelta(days=1)
    return base + dt.timedelta(days=days)


def to_date(cell: object) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if math.isfinite(cell) and float(cell).is_integer() and 19000101 <= cell <= 99991231:
            return to_date(str(int(cell)))  # 20200201 typed as a number
        if math.isfinite(cell) and 1 <= cell <= _MAX_EXCEL_SERIAL:
            return _date_from_serial(cell)
        raise Invalid(NOT_DATE)
    if cell is None:
        return None
    text = clean(cell_text(cell))
    if not text:
        return None
    m = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if m is not None:
        try:
            return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            pass
    raise Invalid(NOT_DATE)


_TRUE = frozenset({"是", "有", "y", "yes", "√", "✓", "✔", "1", "true", "t"})
_FALSE = frozenset({"否", "无", "没有", "n", "no", "×", "✗", "✘", "0", "false", "f"})
_BOOLS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}  # written as is


def to_bool(cell: object) -> bool | None:
    if type(cell) is str:
        known = _BOOLS.get(cell)
        if known is not None:
            return known
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    text = clean(cell_text(cell)).casefold()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(NOT_BOOL)


CONVERTERS: dict[str, Callable[[object], object]] = {
    "text": to_text,
    "code": to_code,
    "int": to_int,
    "decimal": to_decimal,
    "date": to_date,
    "bool": to_bool,
}


# --------------------------------------------------------------------------- rows


def blank(cell: Any) -> bool:
    return cell is None or (type(cell) is str and not cell.strip())


# A cell that alone makes its row a total line, not a ledger row (spaces left out); so does
# a label that ends with one of TOTAL_ENDINGS (全镇合计, 本页小计) or starts with one and a
# bracket (合计（家）).
TOTAL_LABELS = frozenset({"合计", "小计", "总计", "共计", "累计", "合计数", "小计数"})
TOTAL_ENDINGS = ("合计", "小计", "总计")
_OPENING_BRACKETS = frozenset("(（[【〔")
SERIAL_HEADERS = frozenset({"序号"})  # header keys of a serial-number column
_SERIAL_RE = re.compile(r"\d{1,6}[.、]?")


def _total_label(text: str) -> bool:
    label = INVISIBLE_RE.sub("", text).rstrip(":：")
    return (
        label in TOTAL_LABELS
        or label.endswith(TOTAL_ENDINGS)
        or (label[:2] in TOTAL_ENDINGS and label[2:3] in _OPENING_BRACKETS)
    )


def _is_serial(cell: Any) -> bool:
    kind = type(cell)
    if kind is int or kind is float:
        return True
    text = unicodedata.normalize("NFKC", cell.strip()) if kind is str else ""
    return _SERIAL_RE.fullmatch(text) is not None


def is_total(cells: list[Any], lone: frozenset[int] = frozenset()) -> bool:
    """Whether the row is a total line: one of its first two filled cells is a total label
    (every label has 计: a row without it costs one substring test per cell looked at), or
    its only filled cell is a serial number in a column of ``lone`` (the 序号 column and the
    first one): a numbered line left empty."""
    return _kind(cells, lone) is _TOTAL


_BLANK, _TOTAL, _ROW = "blank", "total", "row"


def _kind(cells: list[Any], lone: frozenset[int]) -> str:
    """Whether the row is blank (every cell ``blank``), a total line (``is_total``) or a
    row, in one look at its first cells: a row's first two filled cells tell."""
    filled = 0
    for c in cells:
        if c is None:
            continue
        if type(c) is str:
            if "计" in c and len(c) <= 20 and _total_label(c):
                return _TOTAL
            if not c.strip():
                continue
        filled += 1
        if filled == 2:
            return _ROW
    if not filled:
        return _BLANK
    # One filled cell (rare): which one.
    first = next((i for i, c in enumerate(cells) if not blank(c)), -1)
    return _TOTAL if first in lone and _is_serial(cells[first]) else _ROW


SAMPLES = 3  # values kept of each column not used (Table.samples)
SAMPLED_COLUMNS = 50  # columns not used that are sampled (a sheet may have hundreds)

# A column whose header cell is blank (or holds nothing a header is compared on) is named by
# its position once it shows data. Like the headers, the name is the file's text, not the
# page's (it is also the key of a remembered mapping).
NO_HEADER = "第{n}列（无表头）"


def no_header_name(index: int) -> str:
    """The name of the column at ``index`` (0 = A) when its header cell is blank."""
    return NO_HEADER.format(n=index + 1)


_EMPTY_CELLS = frozenset({None, ""})


class Watch:
    """The columns not read under their own name whose first values are kept as the rows
    stream by; a column without a header joins the unknown ones when it shows data.

    The values themselves live with the table (``Table.samples``); here each list of values
    is a slot (columns with the same header share one), numbered in the order they are
    made, and what changes is appended to :attr:`events`:

    * ``("headers", n)``: the header row is now ``n`` cells wide (pad it with ``""``);
    * ``("unknown", name)``: the column without a header ``name`` showed data: it is unknown,
      with a new slot, empty so far;
    * ``("sample", slot, text)``: ``text`` is the next value of ``slot``.
    """

    def __init__(self) -> None:
        # [column index, slot (None while a column without a header waits for data), name]
        self.watched: list[list[Any]] = []
        self.names: list[str] = []  # slot -> the header its values are sampled under
        self.sizes: list[int] = []  # slot -> values kept so far
        self.slot_of: dict[str, int] = {}
        self.named_count = 0  # columns with a header watched, and without (each up to
        self.unnamed = 0  # SAMPLED_COLUMNS)
        self.events: list[tuple] = []

    def named(self, index: int, name: str) -> None:
        if self.named_count < SAMPLED_COLUMNS:
            self.named_count += 1
            slot = self.slot_of.get(name)
            if slot is None:
                slot = self.slot_of[name] = self._slot(name)
            self.watched.append([index, slot, name])

    def unnamed_column(self, index: int) -> None:
        if self.unnamed < SAMPLED_COLUMNS:
            self.unnamed += 1
            self.watched.append([index, None, no_header_name(index)])

    def _slot(self, name: str) -> int:
        self.names.append(name)
        self.sizes.append(0)
        return len(self.sizes) - 1

    def widen(self, cells: list[Any], width: int) -> int:
        """A row with data right of the header row's last header: watch those columns too
        (as columns without a header); the new width."""
        if all(blank(c) for c in islice(cells, width, None)):
            return width
        for index in range(width, len(cells)):
            self.unnamed_column(index)
        self.events.append(("headers", len(cells)))
        return len(cells)

    def sample(self, cells: list[Any]) -> None:
        """Keep the first values of the columns watched; a column is watched until it has
        ``SAMPLES`` of them."""
        size = len(cells)
        watched = self.watched
        sizes = self.sizes
        for position in range(len(watched) - 1, -1, -1):
            entry = watched[position]
            index = entry[0]
            if index < size and not blank(cells[index]):
                slot = entry[1]
                if slot is None:
                    slot = entry[1] = self._slot(entry[2])
                    self.events.append(("unknown", entry[2]))
                self.events.append(("sample", slot, cell_text(cells[index])[:MAX_MESSAGE_VALUE]))
                sizes[slot] += 1
                if sizes[slot] >= SAMPLES:
                    del watched[position]


Plan = list[tuple[int, str, Callable[[object], object]]]
"""(0-based column index, field, converter) of every column read."""

Converted = tuple[int, list[Any], int, list[object], "dict[str, str] | None"]
"""(sheet row number, cells, width, values in plan order, field -> msgid or None)."""


def convert_rows(
    source: Iterable[tuple[int, list[Any]]],
    plan: Plan,
    width: int,
    skipped: list[int],
    watch: Watch,
    lone: frozenset[int] = frozenset(),
) -> Iterator[Converted]:
    """The rows of ``source`` (sheet row number, cells) below the header, converted along
    ``plan``: blank rows and total lines left out (their numbers appended to ``skipped`` as
    the next row is produced), columns not read sampled by ``watch``, and the msgid of each
    cell that cannot be converted in the errors, still to translate. A converted text that
    is the cell's own text is the cell's own object (a pickle of the row then holds it
    once)."""
    blanks: list[int] = []
    pairs = [(index, convert) for index, _name, convert in plan]
    names = [name for _index, name, _convert in plan]
    last = max((index for index, _convert in pairs), default=-1)
    for number, cells in source:
        kind = _kind(cells, lone)
        if kind is _BLANK:
            blanks.append(number)
            continue
        if blanks:
            skipped.extend(blanks)
            blanks.clear()
        if kind is _TOTAL:
            skipped.append(number)
            continue
        size = len(cells)
        # Cells right of the last header: mostly empty ones (one set, no call per cell).
        if size > width and not _EMPTY_CELLS.issuperset(cells[width:]):
            width = watch.widen(cells, width)
        if watch.watched:
            watch.sample(cells)
        # A short row: the cells missing are empty.
        cells_read = cells if size > last else cells + [None] * (last + 1 - size)
        values: list[object] = []
        append = values.append
        errors = None
        todo = pairs
        while True:
            try:
                for index, convert in todo:
                    append(convert(cells_read[index]))
                break
            except Invalid as exc:  # the cell of the value that is missing
                position = len(values)
                append(None)
                if errors is None:
                    errors = {}
                errors[names[position]] = exc.message
                todo = pairs[position + 1 :]
        yield number, cells, width, values, errors
