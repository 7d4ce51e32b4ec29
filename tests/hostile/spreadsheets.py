"""Hostile spreadsheets, built at run time (nothing binary is committed), each small on disk
and quick to build, and each a real attack on a reader that trusts the file:

* ``far_cell``: 1.6 KB; cells at A1 and XFD1048576. A reader that allocates the used area
  wants 17 billion cells (hundreds of GB).
* ``declared_dimension``: a few cells, but a ``<dimension ref="A1:XFD1048576">``.
* ``wide_sparse``: 4,500 rows with a cell in A and one in XFD: 73 million cells to allocate.
* ``zip_bomb``: a worksheet of 520 MB of XML packed into about 500 KB.
* ``zip_bomb(100)``: 100 MB, under the size limit, but packed 1,000 to 1.
* ``lying_zip``: a worksheet whose zip entry declares 1 KB and unpacks to 100 MB.
* ``xls_far_cell``: a legacy .xls with cells at A1 and IV65536 (16.7 million cells).
* ``csv_million_columns``: one CSV line of a million separators.
* ``csv_too_many_columns``: a header of 2,000 columns on a short line.

``HOSTILE_SPREADSHEETS`` lists them as (name, builder, file name); every import point in
``tests/hostile/import_points.py`` is tried with every one of them.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from functools import cache

HEADER = ("企业名称", "统一社会信用代码", "辖区代码")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return (
        '<row r="1">'
        + "".join(_cell(f"{c}1", h) for c, h in zip("ABC", HEADER, strict=True))
        + "</row>"
    )


def workbook(sheet_xml: str | bytes, *, compresslevel: int = 9) -> bytes:
    """An xlsx whose only worksheet is ``sheet_xml`` (the whole worksheet part)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def sheet(rows: str, *, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{_SHEET_START}{dim}<sheetData>{rows}</sheetData></worksheet>"


@cache
def far_cell() -> bytes:
    """Cells at A1 (the header) and XFD1048576: about 1.6 KB."""
    rows = _header_row() + '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"
    return workbook(sheet(rows, dimension="A1:XFD1048576"))


@cache
def declared_dimension() -> bytes:
    """A header and one row, but a declared used area of the whole sheet."""
    rows = _header_row() + '<row r="2">' + _cell("A2", "某公司") + "</row>"
    return workbook(sheet(rows, dimension="A1:XFD1048576"))


@cache
def wide_sparse(rows: int = 4500) -> bytes:
    """``rows`` rows, each with a cell in column A and one in XFD (no declared dimension)."""
    body = [_header_row()]
    for r in range(2, rows + 2):
        body.append(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="XFD{r}"><v>1</v></c></row>')
    return workbook(sheet("".join(body)))


def _raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of already deflated members: (name, raw deflate data, CRC-32, unpacked size)."""
    out = bytearray()
    central = bytearray()
    for name, packed, crc, size in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(packed), size,
                           len(encoded), 0)  # fmt: skip
        out += encoded + packed
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                               len(packed), size, len(encoded), 0, 0, 0, 0, 0, offset)  # fmt: skip
        central += encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central),
                      len(out), 0)  # fmt: skip
    return bytes(out + central + end)


def _deflated(text: str) -> tuple[bytes, int, int]:
    data = text.encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


@cache
def zip_bomb(unpacked_mb: int = 520) -> bytes:
    """A worksheet of ``unpacked_mb`` MB (a header, then whitespace inside the sheet data:
    valid XML) in about 500 KB. One 8 MB block is deflated once after a full flush, which
    resets the compressor, so its packed form can simply be repeated."""
    head = (_SHEET_START + "<sheetData>" + _header_row()).encode()
    tail = b"</sheetData></worksheet>"
    block = b" " * (8 * 1024 * 1024)
    count = max(1, (unpacked_mb * 1024 * 1024) // len(block))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    repeated = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    packed = first + repeated * count + packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + count * len(block) + len(tail)
    members = [
        ("[Content_Types].xml", *_deflated(_CONTENT_TYPES)),
        ("_rels/.rels", *_deflated(_RELS)),
        ("xl/workbook.xml", *_deflated(_WORKBOOK)),
        ("xl/_rels/workbook.xml.rels", *_deflated(_WORKBOOK_RELS)),
        ("xl/worksheets/sheet1.xml", packed, crc, size),
    ]
    return _raw_zip(members)


@cache
def lying_zip() -> bytes:
    """The zip bomb's 100 MB worksheet, its entry saying it unpacks to 1 KB."""
    data = bytearray(zip_bomb(100))
    name = b"xl/worksheets/sheet1.xml"
    for signature, name_at, size_at, start in (
        (b"PK\x03\x04", 26, 22, 30),
        (b"PK\x01\x02", 28, 24, 46),
    ):
        position = data.find(signature)
        while position >= 0:
            name_len = struct.unpack_from("<H", data, position + name_at)[0]
            if data[position + start : position + start + name_len] == name:
                struct.pack_into("<I", data, position + size_at, 1024)
                break
            position = data.find(signature, position + 4)
    return bytes(data)


@cache
def xls_far_cell() -> bytes:
    """A legacy .xls with the header in row 1 and one cell at IV65536."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("台账")
    for col, text in enumerate(HEADER):
        ws.write(0, col, text)
    ws.write(65535, 255, "x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@cache
def csv_million_columns() -> bytes:
    """A header line, then one line of a million separators (1 MB)."""
    return (",".join(HEADER) + "\n" + "," * 1_000_000 + "\n").encode()


@cache
def csv_too_many_columns(columns: int = 2000) -> bytes:
    """A short file whose header has ``columns`` columns (about 10 KB a line)."""
    header = [*HEADER, *(f"列{i}" for i in range(columns - len(HEADER)))]
    return (",".join(header) + "\n" + ",".join(["甲"] * columns) + "\n").encode()


HOSTILE_SPREADSHEETS: list[tuple[str, Callable[[], bytes], str]] = [
    ("far_cell", far_cell, "台账.xlsx"),
    ("declared_dimension", declared_dimension, "台账.xlsx"),
    ("wide_sparse", wide_sparse, "台账.xlsx"),
    ("zip_bomb", zip_bomb, "台账.xlsx"),
    ("zip_ratio", lambda: zip_bomb(100), "台账.xlsx"),
    ("lying_zip", lying_zip, "台账.xlsx"),
    ("xls_far_cell", xls_far_cell, "台账.xls"),
    ("csv_million_columns", csv_million_columns, "台账.csv"),
    ("csv_too_many_columns", csv_too_many_columns, "台账.csv"),
]


def crc_ok(data: bytes) -> bool:
    """Whether every member of a zip unpacks to its declared CRC (for the generators' own
    tests: the lying zip must not)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            crc = 0
            with z.open(info) as stream:
                try:
                    while chunk := stream.read(1 << 20):
                        crc = zlib.crc32(chunk, crc)
                except zipfile.BadZipFile:
                    return False
    return True
