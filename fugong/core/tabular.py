"""Reading the Excel and CSV ledgers that offices upload into clean rows.

This is the generic layer under every import: it knows nothing about enterprises or any other
model. The caller describes the columns it wants (:class:`Column`), hands over the uploaded bytes
and gets back a :class:`Table`: where the header is, which columns were found, which were not,
and a lazy iterator of :class:`SourceRow` objects with both the original cell texts (for an error
file the user can fix and upload again) and the values converted to Python types.

What offices actually upload, and what this module copes with:

* ``.xlsx`` (Excel 2007+, WPS), legacy ``.xls`` (Excel 97, WPS), CSV or tab-separated text in
  UTF-8 (with or without BOM), GB18030/GBK, or UTF-16 with a BOM (Excel's "Unicode text").
  The format is detected from the content, never from the file name.
* Title rows, date lines and merged cells above the header; the header is the first of the
  first 30 rows in which at least two known column headers appear.
* Headers written with full-width characters, spaces or line breaks, a leading ``*`` marking a
  required column, and a unit in brackets ("上年营业收入（万元）").
* Numbers where text is expected (phone numbers and credit codes typed as numbers come back as
  ``13812345678.0``), full-width digits, thousands separators, Excel date serial numbers and a
  handful of ways of writing a date or yes/no.

Everything the user sees (:class:`TabularError`, the per-cell messages in
:attr:`SourceRow.errors`) is translated with ``gettext`` in this process, at the moment it is
produced or the row is handed out. Converting the cells (:mod:`fugong.core.cells`) happens
here for CSV and, for a workbook, in the process that reads it, while this one checks the
rows it already has.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import tempfile
import unicodedata
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import IO, Any

from django.utils.translation import gettext as _

from fugong.core import plain_pickle
from fugong.core.cells import (
    CONVERTERS,
    INVISIBLE_RE,
    MAX_MESSAGE_VALUE,
    SERIAL_HEADERS,
    Invalid,
    Plan,
    SourceRow,
    Watch,
    cell_text,
    convert_rows,
    no_header_name,
)

logger = logging.getLogger(__name__)

__all__ = [
    "HEADER_SCAN_ROWS",
    "KINDS",
    "Column",
    "Limits",
    "SourceRow",
    "Table",
    "TabularError",
    "convert_cell",
    "header_key",
    "mapping_key",
    "read_table",
]

#: Column kinds understood by :func:`convert_cell`.
KINDS = frozenset({"text", "code", "int", "decimal", "date", "bool"})

#: How many rows from the top of the sheet are searched for the header.
HEADER_SCAN_ROWS = 30

# How much bigger than ``max_bytes`` the unpacked parts of an xlsx may be. Real ledgers
# compress 10-20 times; a zip bomb compresses thousands of times.
_MAX_UNZIPPED_RATIO = 100

# An unpacked member at least this large must not be compressed more than Limits.max_zip_ratio
# times (small XML parts compress very well and are harmless).
_RATIO_MIN_BYTES = 1024 * 1024
# More members than this is not a workbook anyone saved (Excel writes a few dozen).
_MAX_ZIP_MEMBERS = 10_000
_XLSX_MAX_COLUMNS = 16_384  # XFD
_SCAN_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a spreadsheet may hold; checked before it is read (see :func:`read_table`).

    ``max_cells`` bounds the used area (rows × columns, counted from the top-left of the
    sheet's used area, as the reader allocates it); ``max_unpacked_bytes`` and
    ``max_zip_ratio`` an xlsx's members; ``max_line_bytes`` a CSV line (in characters);
    ``memory_mb`` and ``cpu_seconds`` the process that reads a workbook.
    """

    max_columns: int = 500
    max_cells: int = 10_000_000
    max_unpacked_bytes: int = 500 * 1024 * 1024
    max_zip_ratio: int = 200
    max_line_bytes: int = 256 * 1024
    memory_mb: int = 1024
    cpu_seconds: int = 300

    @classmethod
    def from_settings(cls) -> Limits:
        """The limits configured in settings (``FUGONG_IMPORT_*``), defaults for any unset."""
        from django.conf import settings

        default = cls()

        def get(name: str, fallback: int, scale: int = 1) -> int:
            value = getattr(settings, name, None)
            return fallback if value is None else int(value) * scale

        return cls(
            max_columns=get("FUGONG_IMPORT_MAX_COLUMNS", default.max_columns),
            max_cells=get("FUGONG_IMPORT_MAX_CELLS", default.max_cells),
            max_unpacked_bytes=get(
                "FUGONG_IMPORT_MAX_UNPACKED_MB", default.max_unpacked_bytes, 1024 * 1024
            ),
            max_zip_ratio=get("FUGONG_IMPORT_MAX_ZIP_RATIO", default.max_zip_ratio),
            max_line_bytes=get("FUGONG_IMPORT_MAX_LINE_KB", default.max_line_bytes, 1024),
            memory_mb=get("FUGONG_IMPORT_MEMORY_MB", default.memory_mb),
            cpu_seconds=get("FUGONG_IMPORT_CPU_SECONDS", default.cpu_seconds),
        )


@dataclass(frozen=True)
class Column:
    """One column the caller wants from the file.

    ``label`` is the canonical Chinese header (also used in messages); ``synonyms`` are other
    headers offices write for the same thing. ``kind`` is one of :data:`KINDS`:

    * ``text``: NFKC-normalised, whitespace runs collapsed to one space, trimmed;
    * ``code``: like text, but with all whitespace removed and upper-cased (credit codes,
      ID numbers typed with full-width letters);
    * ``int``, ``decimal``, ``date``, ``bool``: converted to ``int``, ``decimal.Decimal``,
      ``datetime.date`` and ``bool``.

    An empty cell is ``None`` for every kind; ``required`` only affects
    :attr:`Table.missing_required` (whether the *column* is present), not empty cells.
    """

    field: str
    label: str
    synonyms: tuple[str, ...] = ()
    kind: str = "text"
    required: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.field!r}: unknown kind {self.kind!r}")


class TabularError(Exception):
    """One clear, user-facing message (already translated) about the whole file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class Table:
    """What :func:`read_table` found. ``rows`` can be consumed once."""

    columns: dict[str, int]
    """Field -> 0-based index of its column in the sheet (0 = column A)."""
    header_row: int
    """1-based row number of the header in the sheet."""
    unknown_headers: list[str]
    """Non-empty headers that were not used: not recognised, a repeat of a column already
    found, or a recognised name with a different unit (e.g. "营业收入(元)" for "(万元)"); and,
    added as ``rows`` is read, the columns without a header that hold data, named by their
    position (:data:`fugong.core.cells.NO_HEADER`)."""
    missing_required: list[str]
    """Labels of required columns that were not found."""
    rows: Iterator[SourceRow]
    """Non-empty rows below the header, produced lazily and in order."""
    headers: list[str]
    """The header row's cells as text, in sheet order (the first line of an error file)."""
    file_format: str
    """``"xlsx"``, ``"xls"`` or ``"csv"``, as detected from the content."""
    skipped: list[int] = field(default_factory=list)
    """Numbers of the rows left out as ``rows`` is read: 合计/小计 (total) lines, lines that
    hold nothing but a serial number, and blank lines between rows (not the blank lines
    after the last row)."""
    samples: dict[str, list[str]] = field(default_factory=dict)
    """Header not read under its own name (unknown, mapped or ignored) -> the first few values
    found in its column, filled as ``rows`` is read (a header whose column stays empty gets
    none, and so do those after the first 50): what a column not used would drop, and what a
    mapped one reads."""
    mapped: dict[str, str] = field(default_factory=dict)
    """Header -> field, for the headers read through the caller's ``mapping``."""
    ignored: list[str] = field(default_factory=list)
    """Headers the caller's ``mapping`` says to ignore."""


# --------------------------------------------------------------------------- header matching

_UNIT_RE = re.compile(r"^(?P<name>.+?)[(\[【〔](?P<unit>[^()\[\]【】〔〕]*)[)\]】〕]$")


def _header_key(text: str) -> str:
    """Compare headers on this: NFKC, no whitespace or zero-width characters, no ``*``
    required marker, case-insensitive."""
    key = INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
    return key.strip("*").casefold()


header_key = _header_key

_MAPPING_KEY_CHARS = 100  # as long as HeaderMapping.header


def mapping_key(text: str) -> str:
    """The key of a header in a caller's ``mapping`` (read_table): its :func:`header_key`;
    a longer one than a stored key holds keeps its start and a digest of the whole, so that
    two long headers stay apart and the same header always finds its mapping."""
    key = _header_key(text)
    if len(key) <= _MAPPING_KEY_CHARS:
        return key
    return key[:80] + "#" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _split_unit(key: str) -> tuple[str, str | None]:
    """``"上年营业收入(万元)"`` -> ``("上年营业收入", "万元")``; no trailing bracket -> unit None."""
    m = _UNIT_RE.match(key)
    if m is None:
        return key, None
    return m["name"], m["unit"]


@dataclass(frozen=True)
class _HeaderMatcher:
    exact: dict[str, str]  # full key (unit kept) -> field
    stem: dict[str, str]  # key without unit -> field
    units: dict[str, str | None]  # field -> unit of its canonical label

    @classmethod
    def build(cls, columns: list[Column]) -> _HeaderMatcher:
        exact: dict[str, str] = {}
        stem: dict[str, str] = {}
        units: dict[str, str | None] = {}
        for column in columns:
            if column.field in units:
                raise AssertionError(f"Column spec: field {column.field!r} appears twice")
            units[column.field] = _split_unit(_header_key(column.label))[1]
            for name in (column.label, *column.synonyms):
                key = _header_key(name)
                if not key:
                    raise AssertionError(f"Column spec: {column.field!r} has an empty header")
                for index, k in ((exact, key), (stem, _split_unit(key)[0])):
                    other = index.setdefault(k, column.field)
                    # A header that could mean two columns is a bug in the spec, not the file.
                    if other != column.field:
                        raise AssertionError(
                            f"Column spec: header {name!r} matches both {other!r} and "
                            f"{column.field!r}"
                        )
        return cls(exact, stem, units)

    def match(self, header: str) -> str | None:
        key = _header_key(header)
        if not key:
            return None
        found = self.exact.get(key)
        if found is not None:
            return found
        name, unit = _split_unit(key)
        found = self.stem.get(name)
        if found is None:
            return None
        expected = self.units[found]
        if unit is not None and expected is not None and unit != expected:
            return None  # same name, different unit: 营业收入(元) is not 营业收入(万元)
        return found


# --------------------------------------------------------------------------- cell conversion


def _message(template: str, label: str, cell: object) -> str:
    """A per-cell message (a msgid of :mod:`fugong.core.cells`) in the active language."""
    value = " ".join(cell_text(cell).split())  # as the user typed it, to find it again
    if len(value) > MAX_MESSAGE_VALUE:
        value = value[: MAX_MESSAGE_VALUE - 1] + "…"
    return _(template) % {"label": label, "value": value}


def convert_cell(column: Column, cell: object) -> tuple[object, str | None]:
    """Convert one cell (a str, or what calamine returns: float, int, bool, date, datetime...)
    for ``column``. Returns ``(value, None)``, or ``(None, message)`` when it cannot be
    converted; the message names the column label and the bad value."""
    try:
        return CONVERTERS[column.kind](cell), None
    except Invalid as exc:
        return None, _message(exc.message, column.label, cell)


# --------------------------------------------------------------------------- file formats

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 and WPS .xls (and .doc, .ppt...)
_OTHER_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"RIFF",  # WebP, AVI, WAV
    b"Rar!",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\x7fELF",
    b"MZ",  # Windows programs
)
_SNIFF_CHARS = 64 * 1024
_CSV_DELIMITERS = ",\t;"

RowSource = Iterator[tuple[int, list[Any]]]
"""(1-based sheet row number, cells) for every row from the top of the sheet."""


def _megabytes(n_bytes: int) -> str:
    return f"{max(round(n_bytes / (1024 * 1024), 2), 0.01):g}"


def _not_a_spreadsheet() -> TabularError:
    return TabularError(
        _("The file is not a spreadsheet; upload an Excel (.xlsx or .xls) or CSV file.")
    )


def _damaged() -> TabularError:
    return TabularError(
        _(
            "The file cannot be read as an Excel workbook, it may be damaged; open it in "
            "Excel or WPS, save it again and upload the new file."
        )
    )


def _too_much_unpacked() -> TabularError:
    return TabularError(
        _("The workbook holds too much data once unpacked; split it into smaller files.")
    )


def _abnormal_zip() -> TabularError:
    return TabularError(
        _(
            "The workbook is packed abnormally (it may be a zip bomb) and was not read; open it "
            "in Excel or WPS, save it again and upload the new file."
        )
    )


def _zip_member_count(data: bytes) -> int | None:
    """The entry count of the zip's end-of-central-directory record, read before any
    ``infolist()`` builds an object per entry; None if there is no such record."""
    position = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if position < 0 or position + 12 > len(data):
        return None
    return int.from_bytes(data[position + 10 : position + 12], "little")


def spreadsheet_kind(data: bytes) -> str:
    """``"xlsx"``, ``"xls"`` or ``"csv"`` by the first bytes alone (a stored file's extension);
    :func:`read_table` checks the rest before it reads."""
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        return "xls"
    return "csv"


def _detect_format(data: bytes, max_bytes: int, limits: Limits) -> str:
    """``"xlsx"``, ``"xls"`` or ``"csv"`` from the content; TabularError for anything else.
    An xlsx's sizes are checked here too (see :func:`_check_xlsx`)."""
    kind = spreadsheet_kind(data)
    if kind == "xlsx":
        count = _zip_member_count(data)
        if count is not None and count >= min(_MAX_ZIP_MEMBERS, 0xFFFF):
            raise _abnormal_zip()
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if not any(info.filename == "xl/workbook.xml" for info in infos):
                    raise TabularError(
                        _(
                            "The file is a ZIP archive, not an Excel workbook; open it in "
                            "Excel or WPS, save it as .xlsx and upload it again."
                        )
                    )
                _check_xlsx(archive, infos, max_bytes, limits)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise _damaged() from None
        except NotImplementedError:  # a compression method no workbook uses
            raise _damaged() from None
        return "xlsx"
    if kind == "csv" and data.startswith(_OTHER_MAGIC):
        raise _not_a_spreadsheet()
    return kind


def _too_big(rows: int, columns: int, limits: Limits) -> TabularError:
    if columns > limits.max_columns:
        return TabularError(
            _(
                "The sheet uses %(columns)s columns, more than the %(limit)s allowed; delete the "
                "unused columns (or copy the data into a new sheet) and upload it again."
            )
            % {"columns": f"{columns:,}", "limit": f"{limits.max_columns:,}"}
        )
    return TabularError(
        _(
            "The sheet's used area is %(rows)s rows by %(columns)s columns, more than the "
            "%(limit)s cells allowed; delete the unused rows and columns (or copy the data into "
            "a new sheet), or split the file."
        )
        % {"rows": f"{rows:,}", "columns": f"{columns:,}", "limit": f"{limits.max_cells:,}"}
    )


def _check_area(rows: int, columns: int, limits: Limits) -> None:
    if columns > limits.max_columns or rows * columns > limits.max_cells:
        raise _too_big(rows, columns, limits)


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


_REF_RE = re.compile(rb"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_PREFIX_RE = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")


class _SheetScan:
    """Streams a worksheet's XML and checks its declared and actual extent.

    Written for speed on the common shape (what Excel, WPS and openpyxl write: ``<row r="N">``
    and ``<c r="A1" ...>`` with the reference first): literal searches the regex engine does
    in C. Cells whose reference is elsewhere or missing take a slower, still bounded path.
    """

    def __init__(self, prefix: bytes, limits: Limits):
        self.limits = limits
        p = re.escape(prefix)
        self.first_ref = b"<" + prefix + b'c r="'
        self.row_end = b"</" + prefix + b"row>"
        # Cells and rows that do not start with their reference (rare): counted apart.
        self.odd_cell_re = re.compile(b"<" + p + rb'c(?! r=")[\s/>]')
        self.odd_row_re = re.compile(b"<" + p + rb'row(?! r=")[\s/>]')
        self.row_number_re = re.compile(b"<" + p + rb'row r="(\d{1,9})"')
        self.wide_ref_re = re.compile(b"<" + p + rb'c r="([A-Za-z]{2,4})\d')
        self.any_ref_re = re.compile(b"<" + p + rb'c\s[^>]*?\br="\$?([A-Za-z]{1,4})\$?\d')
        self.any_row_number_re = re.compile(b"<" + p + rb'row\s[^>]*?\br="(\d{1,9})"')
        self.cell_re = re.compile(b"<" + p + rb"c[\s/>]")
        self.row_split_re = re.compile(b"</" + p + rb"row>|<" + p + rb"row\b[^>]*/>")
        self.dimension_re = re.compile(b"<" + p + rb'dimension\b[^>]*?\bref="([^"]*)"')
        self.numbered_rows = 0  # highest row number written on a row
        self.unnumbered_rows = 0  # rows without a number (each follows the one before)
        self.ref_columns = 0  # highest column written in a cell reference
        self.widest_row = 0  # most cells in one row (bounds cells without a reference)
        self.cells = 0

    @property
    def rows(self) -> int:
        return self.numbered_rows + self.unnumbered_rows

    @property
    def columns(self) -> int:
        if self.widest_row:
            return min(self.ref_columns + self.widest_row, _XLSX_MAX_COLUMNS + 1)
        return self.ref_columns

    def feed(self, segment: bytes) -> None:
        """A run of whole rows (it ends at a row's end)."""
        limits = self.limits
        if b"dimension" in segment:
            for declared in self.dimension_re.findall(segment):
                refs = _REF_RE.findall(declared)
                if refs:
                    first_col, _first_row = refs[0]
                    last_col, last_row = refs[-1]
                    width = _column_number(last_col) - _column_number(first_col) + 1
                    _check_area(int(last_row), max(width, 1), limits)
        numbers = self.row_number_re.findall(segment)
        odd_rows = self.odd_row_re.findall(segment)
        if odd_rows:  # rows whose number is not first, or missing
            total = len(numbers) + len(odd_rows)
            numbers = self.any_row_number_re.findall(segment)
            self.unnumbered_rows += max(0, total - len(numbers))
        if numbers:
            self.numbered_rows = max(self.numbered_rows, max(map(int, numbers)))
        referenced = segment.count(self.first_ref)
        odd = len(self.odd_cell_re.findall(segment))
        cells = referenced + odd
        if not odd:
            # Every cell starts with its reference: only columns past Z need reading.
            refs = set(self.wide_ref_re.findall(segment))
            if refs:
                self.ref_columns = max(self.ref_columns, max(map(_column_number, refs)))
            elif referenced and self.ref_columns < 26:  # single letters past the last one
                past = re.compile(re.escape(self.first_ref) + b"([%c-Z])" % (65 + self.ref_columns))
                letters = set(past.findall(segment))
                if letters:
                    self.ref_columns = max(map(_column_number, letters))
        else:
            refs = self.any_ref_re.findall(segment)
            if refs:
                self.ref_columns = max(self.ref_columns, max(map(_column_number, set(refs))))
            if len(refs) < cells:
                self.widest_row = max(
                    self.widest_row,
                    max(len(self.cell_re.findall(row)) for row in self.row_split_re.split(segment)),
                )
        self.cells += cells
        _check_area(self.rows, self.columns, limits)
        if self.cells > limits.max_cells:
            raise TabularError(
                _("The sheet has more than %(limit)s cells; split it into smaller files.")
                % {"limit": f"{limits.max_cells:,}"}
            )


def _scan_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Decompress one member as a stream (never more than its declared size: a member that
    lies about its size fails its CRC check) and, for a worksheet, check its extent."""
    worksheet = info.filename.startswith("xl/worksheets/")
    sheet: _SheetScan | None = None
    carry = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            if not worksheet:
                continue
            data = carry + chunk
            if sheet is None:
                found = _PREFIX_RE.search(data)
                if found is None and len(data) < 64 * 1024:
                    carry = data
                    continue
                prefix = found[1] or b"" if found is not None else b""
                sheet = _SheetScan(prefix, limits)
            cut = data.rfind(sheet.row_end)
            cut = cut + len(sheet.row_end) if cut >= 0 else 0
            if cut:
                sheet.feed(data[:cut])
            carry = data[cut:]
            if len(carry) > 16 * _SCAN_CHUNK:
                # One row larger than 16 MB of XML: far too wide, whatever its references.
                sheet.feed(carry)
                _check_area(1, max(len(sheet.cell_re.findall(carry)), 1), limits)
                carry = b""
    if worksheet and carry:
        if sheet is None:
            found = _PREFIX_RE.search(carry)
            sheet = _SheetScan((found[1] or b"") if found else b"", limits)
        sheet.feed(carry)


def _check_xlsx(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], max_bytes: int, limits: Limits
) -> None:
    """Refuse a workbook before calamine reads it: too much unpacked data, or members
    compressed like a zip bomb (the worksheets' extent: :func:`_scan_xlsx`)."""
    unpacked = sum(info.file_size for info in infos)
    if unpacked > min(limits.max_unpacked_bytes, _MAX_UNZIPPED_RATIO * max_bytes):
        raise _too_much_unpacked()
    for info in infos:
        if info.file_size >= _RATIO_MIN_BYTES and info.file_size > limits.max_zip_ratio * max(
            info.compress_size, 1
        ):
            raise _abnormal_zip()


def _scan_xlsx(data: bytes, limits: Limits) -> None:
    """Unpack every member as a stream (a member lying about its size fails its CRC) and
    check each worksheet's declared and actual extent. It runs while the capped child process
    loads the workbook: whichever is first to find the file too big, the user gets this
    check's precise sentence."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    _scan_member(archive, info, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _damaged() from None
    except NotImplementedError:
        raise _damaged() from None


# BIFF records that hold a cell: (row, column) first; MULRK and MULBLANK end with the last column.
_XLS_CELLS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E})
_XLS_MULTI = frozenset({0x00BD, 0x00BE})
_XLS_DIMENSIONS = 0x0200
_XLS_EOF = 0x000A


def _check_xls(data: bytes, limits: Limits) -> None:
    """A legacy workbook's sheets: their declared dimensions and the highest row and column
    of any cell record, against ``limits``, found by walking the BIFF records of its Workbook
    stream (olefile opens the compound file). Runs while the child process loads it."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                return  # not a workbook: the reader says so
            stream = ole.openstream(name).read()
    except Exception:  # noqa: BLE001 - a broken container: the reader says it is damaged
        return
    unpack = struct.unpack_from
    position, end = 0, len(stream) - 4
    rows = columns = cells = 0
    while position <= end:
        kind, size = unpack("<HH", stream, position)
        body = position + 4
        if body + size > len(stream):
            break  # a record cut short: the reader says the file is damaged
        if kind in _XLS_CELLS and size >= 4:
            row, column = unpack("<HH", stream, body)
            rows, columns, cells = max(rows, row + 1), max(columns, column + 1), cells + 1
        elif kind in _XLS_MULTI and size >= 6:
            row, first = unpack("<HH", stream, body)
            (last,) = unpack("<H", stream, body + size - 2)
            rows, columns = max(rows, row + 1), max(columns, last + 1)
            cells += max(0, last - first + 1)
        elif kind == _XLS_DIMENSIONS and size >= 12:
            _first_row, last_row, first_col, last_col = unpack("<IIHH", stream, body)
            _check_area(last_row, max(last_col - first_col, 1), limits)
        elif kind == _XLS_EOF:
            _check_area(rows, columns, limits)
            rows = columns = 0
        if cells > limits.max_cells:
            raise TabularError(
                _("The sheet has more than %(limit)s cells; split it into smaller files.")
                % {"limit": f"{limits.max_cells:,}"}
            )
        position = body + size
    _check_area(rows, columns, limits)


def _workbook_error(code: str, details: object, sheet: str | int, limits: Limits) -> TabularError:
    if code == "password":
        return TabularError(
            _(
                "The workbook is protected with a password; remove the password in Excel or "
                "WPS, save it and upload it again."
            )
        )
    if code == "no_sheet":
        if isinstance(sheet, int):
            return TabularError(
                _("The workbook has no sheet number %(number)s.") % {"number": sheet + 1}
            )
        return TabularError(_("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet})
    if code == "empty":
        return TabularError(
            _("The sheet “%(sheet)s” is empty; check that you uploaded the right file.")
            % {"sheet": details}
        )
    if code == "too_big":
        rows, columns = details  # type: ignore[misc]
        return _too_big(rows, columns, limits)
    if code == "memory":
        return _needs_too_much_memory(limits)
    logger.info("calamine could not read a workbook: %s", details)
    return _damaged()


def _needs_too_much_memory(limits: Limits) -> TabularError:
    return TabularError(
        _(
            "Reading the workbook needs more memory than the %(limit)s MB allowed; delete the "
            "unused rows and columns, or split it into smaller files."
        )
        % {"limit": limits.memory_mb}
    )


def _reader_died(returncode: int, limits: Limits, stderr: IO[bytes]) -> TabularError:
    stderr.seek(0)
    said = stderr.read(2000).decode(errors="replace").strip().splitlines()
    logger.warning(  # the last line: a Rust abort's only line, a traceback's exception
        "the workbook reader ended with code %s: %s", returncode, said[-1] if said else ""
    )
    if returncode == -getattr(signal, "SIGXCPU", 24):  # RLIMIT_CPU (SIGKILL: the OOM killer)
        return TabularError(
            _(
                "Reading the workbook took too long and was stopped; delete the unused rows "
                "and columns, or split it into smaller files."
            )
        )
    return _needs_too_much_memory(limits)


_PIPE_BYTES = 1024 * 1024


def _end_reader(process: subprocess.Popen, stderr: IO[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout, stderr):
        if stream is not None:
            stream.close()


# What the workbook reader sends: each kind of message and its size (fugong.core.workbook_reader).
_MESSAGE_SIZES = {"sheet": 3, "rows": 4, "end": 1, "error": 3}


class _Workbook:
    """One sheet loaded with calamine in a child process with a memory and CPU cap (see
    :mod:`fugong.core.workbook_reader`), eagerly, so a broken file fails when this is made.

    :attr:`head` holds the first rows (for the header); :meth:`rows` then tells the child
    where the header is and what to read, and hands out the rows the child converted while
    this process deals with those it already has. :meth:`close` (or the end of
    :meth:`rows`, or stopping to read them) ends the child.
    """

    def __init__(
        self, data: bytes, sheet: str | int, limits: Limits, check: Callable[[], None] | None
    ) -> None:
        self.sheet = sheet
        self.limits = limits
        options = {
            "sheet": sheet,
            "memory_mb": limits.memory_mb,
            "cpu_seconds": limits.cpu_seconds,
            "max_columns": limits.max_columns,
            "max_cells": limits.max_cells,
            "head_rows": HEADER_SCAN_ROWS,
        }
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list
            [sys.executable, "-m", "fugong.core.workbook_reader", json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env={**os.environ, "RUST_BACKTRACE": "0"},
            bufsize=_PIPE_BYTES,
        )
        # A message of rows fits in the pipe: fewer switches between the two processes. (Not
        # on every system, nor above /proc/sys/fs/pipe-max-size: then the default.)
        with contextlib.suppress(ImportError, AttributeError, OSError):
            import fcntl

            fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        # Also when the rows are dropped unread (a generator never started runs no finally).
        self._end = weakref.finalize(self, _end_reader, self.process, self.stderr)
        try:
            try:
                # Its length first: stdin stays open for the plan (rows()).
                self.process.stdin.write(struct.pack("<Q", len(data)))
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # it died early: _receive() says why
            if check is not None:
                check()  # while the child loads the sheet
            first = self._receive()
            if first[0] == "error":
                raise _workbook_error(first[1], first[2], sheet, limits)
        except BaseException:
            self.close()
            raise
        self.head: list[tuple[int, list[Any]]] = list(enumerate(first[2], start=1))
        """The first rows of the sheet (numbered from 1), cells from column A."""

    def close(self) -> None:
        self._end()

    def _receive(self) -> tuple:
        try:
            # Plain values only: the child parses a hostile file with a native library.
            message = plain_pickle.load(self.process.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            returncode = self.process.wait()
            raise _reader_died(returncode, self.limits, self.stderr) from None
        except Exception as exc:  # noqa: BLE001 - whatever a garbled message makes it raise
            raise self._garbled(repr(exc)) from None
        if type(message) is not tuple or not message or message[0] not in _MESSAGE_SIZES:
            raise self._garbled("a message of another shape")
        if len(message) != _MESSAGE_SIZES[message[0]]:
            raise self._garbled(f"a {message[0]!r} message of another shape")
        return message

    def _garbled(self, what: str) -> TabularError:
        """The child sent what it never sends (a reader taken over, or broken): it is ended,
        and the user reads that the file cannot be read."""
        _end_reader(self.process, self.stderr)
        logger.warning("The workbook reader sent %s; the file is refused.", what)
        return _damaged()

    def rows(
        self,
        after: int,
        kinds: list[tuple[int, str, str]],
        width: int,
        lone: frozenset[int],
        watch: Watch,
        apply: Callable[[tuple], None],
        translate: Callable[[SourceRow], None],
    ) -> Iterator[SourceRow]:
        """The rows below sheet row ``after``, converted by the child along ``kinds``
        ((column index, field, kind), see :func:`fugong.core.cells.convert_rows`); what
        reading them changes (an event of :class:`fugong.core.cells.Watch`, or ``("skip",
        numbers)``) is passed to ``apply`` before the next row is handed out, and a row with
        errors to ``translate``."""
        plan = (after, kinds, width, sorted(lone), watch)
        try:
            pickle.dump(plan, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # it died: _receive() says why
        except BaseException:
            self.close()
            raise
        return self._stream([name for _index, name, _kind in kinds], width, apply, translate)

    def _stream(
        self,
        fields: list[str],
        width: int,
        apply: Callable[[tuple], None],
        translate: Callable[[SourceRow], None],
    ) -> Iterator[SourceRow]:
        try:
            while True:
                message = self._receive()
                if message[0] == "end":
                    return
                if message[0] == "error":
                    raise _workbook_error(message[1], message[2], self.sheet, self.limits)
                _kind, rows, events, errors = message
                if not events and not errors:
                    for number, cells, values in rows:
                        yield SourceRow(
                            number, cells, width, dict(zip(fields, values, strict=False)), {}
                        )
                    continue
                # Both (position in rows, event or errors), in order; an event comes before
                # the row at its position.
                done, count = 0, len(events)
                errors_of = dict(errors)
                for position, (number, cells, values) in enumerate(rows):
                    while done < count and events[done][0] <= position:
                        event = events[done][1]
                        apply(event)
                        if event[0] == "headers":
                            width = event[1]
                        done += 1
                    row = SourceRow(
                        number, cells, width, dict(zip(fields, values, strict=False)), {}
                    )
                    if position in errors_of:
                        row.errors = errors_of[position]
                        translate(row)
                    yield row
                for _position, event in events[done:]:  # after the last row
                    apply(event)
        finally:
            self.close()


def _check_lines(text: str, limits: Limits) -> None:
    """Refuse a text file with a line longer than ``limits.max_line_bytes`` characters (one
    line of a million separators is a million cells)."""
    limit = limits.max_line_bytes
    if len(text) <= limit:
        return
    start = line = 0
    while True:
        line += 1
        end = text.find("\n", start)
        if (len(text) if end < 0 else end) - start > limit:
            raise TabularError(
                _(
                    "Line %(line)s of the file is longer than %(limit)s KB; check that it is a "
                    "real CSV file, or save it as .xlsx in Excel or WPS and upload that."
                )
                % {"line": line, "limit": f"{limit / 1024:g}"}
            )
        if end < 0:
            return
        start = end + 1


def _text_encoding(data: bytes, limits: Limits | None = None) -> tuple[str, str]:
    """(encoding, the first characters) for a text file; TabularError if it is not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's "Unicode text" (tab-separated)
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "gb18030"]  # GB18030 is a superset of GBK and GB2312
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:_SNIFF_CHARS]
        controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\x0c\x1a")
        if "\x00" in sample or controls > len(sample) // 100:
            break  # decodes, but is binary
        if limits is not None:
            _check_lines(text, limits)
        return encoding, sample
    raise _not_a_spreadsheet()


def _header_score(sample: str, delimiter: str, matcher: _HeaderMatcher) -> int:
    """How many of our columns the best of the first rows names, split on ``delimiter``."""
    best = 0
    try:
        for cells in islice(csv.reader(io.StringIO(sample), delimiter=delimiter), HEADER_SCAN_ROWS):
            best = max(best, len({matcher.match(c) for c in cells} - {None}))
    except csv.Error:
        pass
    return best


def _choose_delimiter(sample: str, matcher: _HeaderMatcher) -> str:
    """csv.Sniffer's guess, unless splitting on another delimiter finds more of our headers.

    The sniffer alone gives up on typical ledgers (a title line without delimiters, "1,200" in
    a tab-separated file); knowing the header names we expect settles it.
    """
    if len(sample) == _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # no half line at the end
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    candidates = dict.fromkeys([sniffed, *_CSV_DELIMITERS])  # ordered: the sniffer wins ties
    return max(candidates, key=lambda d: _header_score(sample, d, matcher))


def _csv_rows(data: bytes, matcher: _HeaderMatcher, limits: Limits) -> RowSource:
    encoding, sample = _text_encoding(data, limits)
    if not sample.strip():
        raise TabularError(_("The file is empty; check that you uploaded the right file."))
    if sample.lstrip().startswith("<"):
        raise TabularError(
            _(
                "The file is a web page or XML file, not a real Excel file; open it in Excel "
                "or WPS, save it as .xlsx and upload it again."
            )
        )
    delimiter = _choose_delimiter(sample, matcher)
    logger.debug("CSV: encoding %s, delimiter %r", encoding, delimiter)

    def rows() -> RowSource:
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        reader = csv.reader(stream, delimiter=delimiter)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                if len(cells) > limits.max_columns:
                    while cells and not cells[-1]:
                        cells.pop()
                    if len(cells) > limits.max_columns:
                        raise TabularError(
                            _(
                                "Row %(row)s of the file has %(columns)s cells, more than the "
                                "%(limit)s columns allowed; check that it is a real CSV file."
                            )
                            % {"row": number, "columns": len(cells), "limit": limits.max_columns}
                        )
                # ="0123" is how some systems keep leading zeros in CSV for Excel.
                yield (
                    number,
                    [
                        c[2:-1] if c.startswith('="') and c.endswith('"') and len(c) > 2 else c
                        for c in cells
                    ],
                )
        except csv.Error:
            raise TabularError(
                _(
                    "Row %(row)s of the file cannot be read; open the file in Excel or WPS, "
                    "save it as .xlsx and upload it again."
                )
                % {"row": number + 1}
            ) from None

    return rows()


# --------------------------------------------------------------------------- the table


def _is_empty(cells: Iterable[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _find_header(
    head: list[tuple[int, list[Any]]],
    matcher: _HeaderMatcher,
    columns: list[Column],
    mapping: dict[str, str] | None = None,
) -> int:
    """Position in ``head`` of the first row naming at least two of our columns (a header
    the caller's ``mapping`` reads as a column counts)."""
    needed = min(2, len(columns))
    for position, (_number, cells) in enumerate(head):
        found = set()
        for cell in cells:
            text = cell_text(cell)
            if text:
                # An ignored header ("") is no field: it does not make a row the header row.
                field_name = matcher.match(text) or (mapping or {}).get(mapping_key(text)) or None
                if field_name is not None:
                    found.add(field_name)
        if len(found) >= needed:
            return position
    examples = [c.label for c in sorted(columns, key=lambda c: not c.required)][:4]
    raise TabularError(
        _(
            "No recognisable header row was found in the first %(rows)s rows; the header "
            "should name columns such as %(examples)s."
        )
        % {"rows": HEADER_SCAN_ROWS, "examples": "、".join(f"“{label}”" for label in examples)}
    )


_NO_HEADER_KEY_RE = re.compile(r"第(\d+)列\(无表头\)")


@dataclass
class _Effects:
    """What reading the rows adds to the :class:`Table` (see :class:`fugong.core.cells.Watch`
    for the events), applied in this process whichever process read them."""

    headers: list[str]
    unknown: list[str]
    samples: dict[str, list[str]]
    skipped: list[int]
    slots: list[list[str]]  # a Watch's slot -> its list in samples

    def apply(self, event: tuple) -> None:
        kind = event[0]
        if kind == "sample":
            self.slots[event[1]].append(event[2])
        elif kind == "skip":
            self.skipped.extend(event[1])
        elif kind == "unknown":
            values: list[str] = []
            self.slots.append(values)
            self.unknown.append(event[1])
            self.samples[event[1]] = values
        elif kind == "headers":
            self.headers.extend([""] * (event[1] - len(self.headers)))
        else:
            raise AssertionError(f"unknown event {event!r}")


def _rows_here(
    source: Iterable[tuple[int, list[Any]]],
    plan: Plan,
    width: int,
    lone: frozenset[int],
    watch: Watch,
    effects: _Effects,
    translate: Callable[[SourceRow], None],
) -> Iterator[SourceRow]:
    """:func:`fugong.core.cells.convert_rows` in this process (CSV)."""
    events = watch.events
    fields = [name for _index, name, _convert in plan]
    for number, cells, width_now, values, errors in convert_rows(
        source, plan, width, effects.skipped, watch, lone
    ):
        if events:
            for event in events:
                effects.apply(event)
            events.clear()
        row = SourceRow(number, cells, width_now, dict(zip(fields, values, strict=False)), {})
        if errors:
            row.errors = errors
            translate(row)
        yield row


def read_table(
    data: bytes,
    *,
    filename: str,
    columns: list[Column],
    max_bytes: int,
    sheet: str | int = 0,
    limits: Limits | None = None,
    mapping: dict[str, str] | None = None,
) -> Table:
    """Read an uploaded xlsx, xls or CSV file into a :class:`Table`.

    The format is detected from ``data``; ``filename`` is only used in log messages. ``sheet``
    (an index into all sheets, or a sheet name) is ignored for CSV. Raises
    :class:`TabularError` when the file as a whole cannot be used: too large, empty, not a
    spreadsheet, damaged, no data, no recognisable header. Per-cell problems do not raise; they
    are in :attr:`SourceRow.errors`. For CSV, iterating :attr:`Table.rows` can still raise
    TabularError if a later record is malformed (e.g. a single cell larger than 128 KB).

    A header that would match two of ``columns`` is a bug in the column spec and raises
    AssertionError, whatever the file.

    ``mapping`` (header key, see :func:`mapping_key` -> field, or ``""``) says what headers
    the columns do not recognise mean: a field (read as that column, unless the file has it
    already) or ``""`` (ignore the column: :attr:`Table.ignored`). The other unknown headers
    are in :attr:`Table.unknown_headers`, with sample values in :attr:`Table.samples`.

    Every file is hostile until checked. Before anything is read, ``limits`` (default:
    :meth:`Limits.from_settings`) bound an xlsx's unpacked size, its members' compression
    ratio and its sheets' declared and actual extent (highest row and column, cells), and a
    CSV's line length; while reading, a CSV row's number of cells. A workbook is read in a
    child process with a memory and CPU cap (:mod:`fugong.core.workbook_reader`), so one that
    still needs too much is a TabularError, not a dead process.
    """
    limits = Limits.from_settings() if limits is None else limits
    matcher = _HeaderMatcher.build(columns)
    if len(data) > max_bytes:
        raise TabularError(
            _("The file is larger than %(limit)s MB; split it into smaller files.")
            % {"limit": _megabytes(max_bytes)}
        )
    if not data:
        raise TabularError(_("The file is empty; check that you uploaded the right file."))
    file_format = _detect_format(data, max_bytes, limits)
    logger.debug("Reading %r as %s", filename, file_format)
    workbook = None
    source: RowSource | _Workbook
    if file_format == "csv":
        source = _csv_rows(data, matcher, limits)
        head = list(islice(source, HEADER_SCAN_ROWS))
    else:
        scan = _scan_xlsx if file_format == "xlsx" else _check_xls
        source = workbook = _Workbook(data, sheet, limits, lambda: scan(data, limits))
        head = workbook.head
    try:
        return _table(
            head,
            source,
            file_format,
            columns,
            matcher,
            limits,
            mapping,
        )
    except BaseException:
        if workbook is not None:
            workbook.close()
        raise


def _table(
    head: list[tuple[int, list[Any]]],
    source: RowSource | _Workbook,
    file_format: str,
    columns: list[Column],
    matcher: _HeaderMatcher,
    limits: Limits,
    mapping: dict[str, str] | None,
) -> Table:
    """The :class:`Table` of a file whose first rows are ``head``: where the header is, the
    columns found, and the rows below it, read from ``source`` (the rest of a CSV's rows,
    or the workbook's reader)."""
    if all(_is_empty(cells) for _number, cells in head):
        raise TabularError(_("The file has no data; check that you uploaded the right file."))
    position = _find_header(head, matcher, columns, mapping)
    header_number, header_cells = head[position]

    headers = [cell_text(c) for c in header_cells]
    while headers and not headers[-1].strip():
        headers.pop()
    for key in mapping or ():  # a mapped column without a header, right of the last header
        position_key = _NO_HEADER_KEY_RE.fullmatch(key)
        if position_key and len(headers) < int(position_key[1]) <= limits.max_columns:
            headers.extend([""] * (int(position_key[1]) - len(headers)))
    found: dict[str, int] = {}
    unknown: list[str] = []
    mapped: dict[str, str] = {}
    ignored: list[str] = []
    samples: dict[str, list[str]] = {}
    watch = Watch()
    by_field = {c.field: c for c in columns}
    matched = [matcher.match(text) for text in headers]
    recognised = set(matched)  # a mapping never takes a column the file has under its name
    for index, text in enumerate(headers):
        shown = " ".join(text.split())
        if not _header_key(text):  # no header: named by its position
            shown = text = no_header_name(index)
            if not mapping or mapping.get(mapping_key(text)) is None:
                watch.unnamed_column(index)  # listed once it shows data
                continue
        field_name = matched[index]
        chosen = None
        if field_name is None and mapping:
            chosen = mapping.get(mapping_key(text))
            if chosen == "":
                ignored.append(shown)
            elif chosen in by_field and chosen not in found and chosen not in recognised:
                field_name = mapped[shown] = chosen
        if chosen != "":
            if field_name is None or field_name in found:
                unknown.append(shown)
            else:
                found[field_name] = index
                if matched[index] is not None:
                    continue  # read under its own name
        # Not read under its own name (unknown, mapped or ignored): what it holds is shown
        # beside the choice made.
        samples.setdefault(shown, [])
        watch.named(index, shown)
    kinds = [(index, name, by_field[name].kind) for name, index in found.items()]
    skipped: list[int] = []
    # A row holding only a number in the 序号 column or the first column is a numbered line
    # left empty (skipped, like the totals).
    keys = [_header_key(text) for text in headers]
    lone = frozenset(
        [i for i, key in enumerate(keys) if key in SERIAL_HEADERS]
        + [next((i for i, key in enumerate(keys) if key), 0), 0]
    )
    effects = _Effects(headers, unknown, samples, skipped, [samples[n] for n in watch.names])

    def translate(row: SourceRow) -> None:
        cells = row.cells
        row.errors = {
            name: _message(
                message,
                by_field[name].label,
                cells[found[name]] if found[name] < len(cells) else None,
            )
            for name, message in row.errors.items()
        }

    if isinstance(source, _Workbook):
        rows = source.rows(
            header_number, kinds, len(headers), lone, watch, effects.apply, translate
        )
    else:
        plan: Plan = [(index, name, CONVERTERS[kind]) for index, name, kind in kinds]
        rows = _rows_here(
            chain(head[position + 1 :], source),
            plan,
            len(headers),
            lone,
            watch,
            effects,
            translate,
        )
    return Table(
        skipped=skipped,
        samples=samples,
        mapped=mapped,
        ignored=ignored,
        columns=found,
        header_row=header_number,
        unknown_headers=unknown,
        missing_required=[c.label for c in columns if c.required and c.field not in found],
        rows=rows,
        headers=headers,
        file_format=file_format,
    )
