"""A minimal streaming .xlsx writer for large exports.

Why not openpyxl or XlsxWriter: measured on this project's export (100,000 rows × 25
columns), openpyxl's write-only mode takes ~16 s and XlsxWriter's constant-memory mode ~11 s
for the writing alone, over the 10 s the export must take in all. This writer streams one
sheet of inline strings, numbers and dates straight into the zip (≈ 4× faster), with memory
that does not grow with the rows. Reading stays with python-calamine and openpyxl.
"""

from __future__ import annotations

import datetime
import zipfile
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape

_EPOCH = datetime.date(1899, 12, 30)
# Characters XML 1.0 does not allow; a cell keeps the rest.
_ILLEGAL = {c: None for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]}

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>'
)
# Style 0: default; style 1: a date (built-in number format 14).
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _column_letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Excel refuses a sheet named with any of these, longer than 31 characters, empty, or
# starting or ending with an apostrophe: it calls the file damaged.
_SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "/\\?*:[]"})


def sheet_title(name: str) -> str:
    """``name`` as Excel accepts a sheet's name (the forbidden characters become spaces, at
    most 31 characters); "Sheet1" when nothing is left."""
    title = str(name).translate(_SHEET_NAME_FORBIDDEN).translate(_ILLEGAL).strip().strip("'")
    return title[:31].strip() or "Sheet1"


class XlsxStreamWriter:
    """Write rows of str / int / float / Decimal / date / None to one sheet, then close()."""

    def __init__(self, out: IO[bytes], *, sheet_name: str = "Sheet1"):
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheet_name = sheet_title(sheet_name)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._sheet.write(
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        )
        self._row = 0
        self._columns: list[str] = []
        self._buffer: list[str] = []

    def append(self, values: list) -> None:
        self._row += 1
        row = str(self._row)
        while len(self._columns) < len(values):
            self._columns.append(_column_letters(len(self._columns)))
        parts = [f'<row r="{row}">']
        for column, value in zip(self._columns, values, strict=False):
            if value is None or value == "":
                continue
            ref = column + row
            if isinstance(value, bool):
                parts.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float | Decimal):
                parts.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif isinstance(value, datetime.date):
                day = value.date() if isinstance(value, datetime.datetime) else value
                serial = (day - _EPOCH).days
                parts.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            else:
                text = escape(str(value).translate(_ILLEGAL))
                parts.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
        parts.append("</row>")
        self._buffer.append("".join(parts))
        if len(self._buffer) >= 500:
            self._flush()

    def _flush(self) -> None:
        self._sheet.write("".join(self._buffer).encode())
        self._buffer.clear()

    def close(self) -> None:
        self._flush()
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        name = escape(self._sheet_name, {'"': "&quot;"})
        self._zip.writestr("[Content_Types].xml", CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", ROOT_RELS)
        self._zip.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        self._zip.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        self._zip.writestr("xl/styles.xml", STYLES)
        self._zip.close()
