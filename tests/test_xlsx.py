"""The streaming xlsx writer: files that Excel readers (openpyxl, calamine) read back exactly."""

from __future__ import annotations

import datetime
import io
import warnings
from decimal import Decimal

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from fugong.core.xlsx import XlsxStreamWriter, _column_letters


def written(rows: list[list]) -> bytes:
    out = io.BytesIO()
    sheet = XlsxStreamWriter(out, sheet_name="企业台账")
    for row in rows:
        sheet.append(row)
    sheet.close()
    return out.getvalue()


def test_values_read_back_exactly():
    rows = [
        [
            '文字 & <标签> "引号"',
            "13800000000",
            120,
            Decimal("2500.50"),
            1.5,
            datetime.date(2026, 2, 25),
            None,
            "是",
        ],
        ["\x01控制字符被去掉\x0b", "", 0, Decimal("0"), -3, None, "末尾", True],
    ]
    data = written(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["企业台账"]
    got = list(book.active.iter_rows(values_only=True))
    assert got[0][:6] == (
        '文字 & <标签> "引号"',
        "13800000000",
        120,
        2500.5,
        1.5,
        datetime.datetime(2026, 2, 25),
    )
    assert got[0][6] is None and got[0][7] == "是"
    assert got[1][0] == "控制字符被去掉" and got[1][6] == "末尾" and got[1][7] is True
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[0][5] == datetime.date(2026, 2, 25) and sheet[0][1] == "13800000000"


def test_column_letters_beyond_z():
    assert [_column_letters(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
    data = written([list(range(30))])
    row = next(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert list(row) == list(range(30))


def test_a_sheet_name_excel_refuses_is_made_acceptable():
    """A batch named 贵州/遵义:红花岗[区] made a file Excel called damaged."""
    import io

    import openpyxl

    from fugong.core.xlsx import XlsxStreamWriter, sheet_title

    assert sheet_title("贵州/遵义:红花岗[区]*?\\") == "贵州 遵义 红花岗 区"
    assert sheet_title("'/'") == "Sheet1" and len(sheet_title("长" * 40)) == 31
    out = io.BytesIO()
    sheet = XlsxStreamWriter(out, sheet_name="乘客 A&B/贵州:遵义[1]")
    sheet.append(["姓名"])
    sheet.close()
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["乘客 A&B 贵州 遵义 1"]
