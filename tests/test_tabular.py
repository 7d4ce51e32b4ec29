"""The generic reader for uploaded Excel/CSV ledgers (fugong.core.tabular).

Every file is built here at run time (openpyxl for xlsx, xlwt for legacy xls, plain bytes for
CSV and junk); no binary fixtures are committed. No database is needed.
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
import os
import random
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import xlwt
from django.utils import translation

from fugong.core.tabular import (
    HEADER_SCAN_ROWS,
    Column,
    Limits,
    Table,
    TabularError,
    convert_cell,
    read_table,
)

MB = 1024 * 1024

COLUMNS = [
    Column("name", "企业名称", ("单位名称", "企业(单位)名称"), required=True),
    Column(
        "credit_code",
        "统一社会信用代码",
        ("社会信用代码", "信用代码", "统一代码"),
        kind="code",
        required=True,
    ),
    Column("contact_phone", "联系电话", ("手机",)),
    Column("employee_count", "员工人数", ("职工人数",), kind="int"),
    Column("revenue", "上年营业收入(万元)", ("营业收入",), kind="decimal"),
    Column("resumed_on", "复工日期", kind="date"),
    Column("has_canteen", "是否有食堂", ("食堂",), kind="bool"),
]
BY_FIELD = {c.field: c for c in COLUMNS}
CODE = "91320500MA1MXXXXX1"
HEADER = [
    "企业名称",
    "统一社会信用代码",
    "联系电话",
    "员工人数",
    "上年营业收入(万元)",
    "复工日期",
    "是否有食堂",
]


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in their English source form."""
    with translation.override("en"):
        yield


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def xlsx(rows: list[list[object]], *, merge: str | None = None, sheets=None) -> bytes:
    """An xlsx with ``rows`` appended from A1 (None = empty cell)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    for title, extra in (sheets or {}).items():
        other = wb.create_sheet(title)
        for row in extra:
            other.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read(data: bytes, columns: list[Column] = COLUMNS, **kwargs) -> Table:
    kwargs.setdefault("filename", "台账.xlsx")
    kwargs.setdefault("max_bytes", 5 * MB)
    return read_table(data, columns=columns, **kwargs)


def error_of(data: bytes, **kwargs) -> str:
    with pytest.raises(TabularError) as info:
        read(data, **kwargs)
    message = str(info.value)
    assert message == info.value.message
    assert "\n" not in message and message.endswith(".")
    return message


# --------------------------------------------------------------------------- xlsx


def ledger_xlsx() -> bytes:
    """What an office really sends: a merged title, a date line, a decorated header."""
    return xlsx(
        [
            ["XX镇企业复工复产台账"],
            ["填报日期：2020年2月10日"],
            [
                "序号",
                "*企业名称",
                "统一社会\n信用代码",
                "联系电话",
                "员工人数",
                "上年营业收入　（万元）",
                "复工日期",
                "是否有食堂",
                "备注",
            ],
            [
                1,
                "苏州　某某  科技有限公司 ",
                fullwidth("91320500ma1mxxxxx1"),
                13812345678,
                "1,200",
                1234.5,
                dt.date(2020, 2, 1),
                "是",
                "无",
            ],
            [None] * 9,
            [2, "某某商贸", CODE, "0512-12345678", "１２００人", "abc", "明天", "也许", None],
            [3, "某公司", CODE, 13900000000.0, 1200.0, "1,234.50", 43862, "√", None],
        ],
        merge="A1:I1",
    )


def test_xlsx_ledger_with_title_rows():
    table = read(ledger_xlsx())
    assert table.file_format == "xlsx"
    assert table.header_row == 3
    assert table.columns == {
        "name": 1,
        "credit_code": 2,
        "contact_phone": 3,
        "employee_count": 4,
        "revenue": 5,
        "resumed_on": 6,
        "has_canteen": 7,
    }
    assert table.unknown_headers == ["序号", "备注"]
    assert table.missing_required == []
    assert table.headers[5] == "上年营业收入　（万元）"
    assert inspect.isgenerator(table.rows)

    first, second, third = list(table.rows)
    assert [first.number, second.number, third.number] == [4, 6, 7]  # the empty row 5 is skipped

    assert first.raw == [
        "1",
        "苏州　某某  科技有限公司 ",
        fullwidth("91320500ma1mxxxxx1"),
        "13812345678",
        "1,200",
        "1234.5",
        "2020-02-01",
        "是",
        "无",
    ]
    assert first.values == {
        "name": "苏州 某某 科技有限公司",
        "credit_code": CODE,
        "contact_phone": "13812345678",
        "employee_count": 1200,
        "revenue": Decimal("1234.5"),
        "resumed_on": dt.date(2020, 2, 1),
        "has_canteen": True,
    }
    assert first.errors == {}

    assert second.errors == {
        "employee_count": "员工人数: “１２００人” is not a whole number.",
        "revenue": "上年营业收入(万元): “abc” is not a number.",
        "resumed_on": "复工日期: “明天” is not a date; write it as 2020-02-01.",
        "has_canteen": "是否有食堂: “也许” is not yes or no (是/否).",
    }
    assert {f: second.values[f] for f in second.errors} == dict.fromkeys(second.errors)
    assert second.values["contact_phone"] == "0512-12345678"
    assert second.raw[4] == "１２００人"

    assert third.values["contact_phone"] == "13900000000"
    assert third.values["employee_count"] == 1200
    assert third.values["revenue"] == Decimal("1234.50")
    assert third.values["resumed_on"] == dt.date(2020, 2, 1)  # Excel serial 43862
    assert third.raw[3:7] == ["13900000000", "1200", "1,234.50", "43862"]


def test_xlsx_detected_by_content_not_name():
    table = read(ledger_xlsx(), filename="ledger.csv")
    assert table.file_format == "xlsx"
    assert table.header_row == 3


def test_xlsx_not_starting_at_a1():
    """calamine starts rows at the first used column; indexes must still be sheet columns."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C2"] = "台账"
    for col, text in enumerate(["企业名称", "统一社会信用代码", "员工人数"], start=3):
        ws.cell(row=4, column=col, value=text)
    for col, value in enumerate(["某公司", CODE, 12], start=3):
        ws.cell(row=6, column=col, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)

    table = read(buffer.getvalue())
    assert table.header_row == 4
    assert table.columns == {"name": 2, "credit_code": 3, "employee_count": 4}
    assert table.headers == ["", "", "企业名称", "统一社会信用代码", "员工人数"]
    (row,) = table.rows
    assert row.number == 6
    assert row.raw == ["", "", "某公司", CODE, "12"]
    assert row.values == {"name": "某公司", "credit_code": CODE, "employee_count": 12}


def test_missing_required_and_absent_columns():
    data = xlsx([["单位名称", "联系电话", "员工人数"], ["某公司", "13812345678", "3"]])
    table = read(data)
    assert table.missing_required == ["统一社会信用代码"]
    (row,) = table.rows
    # Columns that are not in the file are not in values at all: an update must not blank them.
    assert row.values == {"name": "某公司", "contact_phone": "13812345678", "employee_count": 3}


def test_repeated_column_keeps_the_first():
    data = xlsx([["企业名称", "联系电话", "手机", "信用代码"], ["甲", "0512-1", "138", CODE]])
    table = read(data)
    assert table.columns == {"name": 0, "contact_phone": 1, "credit_code": 3}
    assert table.unknown_headers == ["手机"]
    assert next(table.rows).values["contact_phone"] == "0512-1"


def test_sheet_by_index_and_name():
    data = xlsx(
        [["说明：数据在第二张表"]],
        sheets={"企业": [["企业名称", "统一社会信用代码"], ["甲", CODE]]},
    )
    assert next(read(data, sheet=1).rows).values["name"] == "甲"
    assert next(read(data, sheet="企业").rows).values["name"] == "甲"
    assert "first 30 rows" in error_of(data)  # sheet 0 has no header
    assert error_of(data, sheet=5) == "The workbook has no sheet number 6."
    assert error_of(data, sheet="没有") == "The workbook has no sheet named “没有”."


def test_header_must_be_in_the_first_rows():
    rows = [["说明"]] * HEADER_SCAN_ROWS + [HEADER, ["甲", CODE]]
    message = error_of(xlsx(rows))
    assert message.startswith("No recognisable header row was found in the first 30 rows")
    assert "“企业名称”、“统一社会信用代码”" in message
    rows = [["说明"]] * (HEADER_SCAN_ROWS - 1) + [HEADER, ["甲", CODE]]
    assert read(xlsx(rows)).header_row == HEADER_SCAN_ROWS


def test_rows_are_lazy():
    data = xlsx([HEADER] + [[f"企业{i}", CODE] for i in range(1000)])
    table = read(data)
    assert inspect.isgenerator(table.rows)
    assert next(table.rows).values["name"] == "企业0"
    assert next(table.rows).number == 3


def test_cell_texts_in_raw():
    data = xlsx(
        [
            HEADER,
            ["甲", CODE, 13812345678.0, 12.0, 0.1 + 0.2, dt.datetime(2020, 2, 1, 8, 30), True],
        ]
    )
    (row,) = read(data).rows
    assert row.raw == ["甲", CODE, "13812345678", "12", "0.3", "2020-02-01 08:30", "TRUE"]
    assert row.values["revenue"] == Decimal("0.3")
    assert row.values["resumed_on"] == dt.date(2020, 2, 1)
    assert row.values["has_canteen"] is True


# --------------------------------------------------------------------------- xls


def test_legacy_xls():
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    sheet.write_merge(0, 0, 0, 6, "XX镇企业复工复产台账")
    for col, text in enumerate(
        ["企业（单位）名称", "社会信用代码", "手机", "职工人数", "营业收入", "复工日期", "食堂"]
    ):
        sheet.write(2, col, text)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    values = ["某某公司", CODE, 13812345678.0, 25, 88.5, dt.date(2020, 2, 3), True]
    for col, value in enumerate(values):
        sheet.write(3, col, value, date_style if col == 5 else xlwt.Style.default_style)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert data[:4] == b"\xd0\xcf\x11\xe0"

    table = read(data, filename="台账.XLS")
    assert table.file_format == "xls"
    assert table.header_row == 3
    assert len(table.columns) == 7
    (row,) = table.rows
    assert row.number == 4
    assert row.raw == ["某某公司", CODE, "13812345678", "25", "88.5", "2020-02-03", "TRUE"]
    assert row.values == {
        "name": "某某公司",
        "credit_code": CODE,
        "contact_phone": "13812345678",
        "employee_count": 25,
        "revenue": Decimal("88.5"),
        "resumed_on": dt.date(2020, 2, 3),
        "has_canteen": True,
    }


def test_xls_with_a_record_cut_short_is_not_a_crash():
    """A BIFF record whose declared size runs past the end of the Workbook stream (a hostile
    or truncated .xls) is left to the reader; the size check must not fail on it (a 500)."""
    import struct

    import olefile

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, "企业名称")
    sheet.write(0, 1, "统一社会信用代码")
    sheet.write(1, 0, "某某公司")
    sheet.write(1, 1, CODE)
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    with olefile.OleFileIO(bytes(data)) as ole:
        stream = ole.openstream("Workbook").read()
    start = bytes(data).find(stream[:512])
    position = 0  # the first padding record after the last EOF, where the walk goes next
    while struct.unpack_from("<HH", stream, position) != (0, 0):
        position += 4 + struct.unpack_from("<HH", stream, position)[1]
    # A MULBLANK declaring 65,520 bytes, in a 4,096-byte stream.
    data[start + position : start + position + 4] = struct.pack("<HH", 0x00BE, 0xFFF0)

    table = read(bytes(data), filename="台账.xls")
    assert [row.values["name"] for row in table.rows] == ["某某公司"]


# --------------------------------------------------------------------------- CSV


def ledger_csv(delimiter: str = ",", name: str = "苏州某某科技有限公司") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["XX镇企业复工复产台账"])
    writer.writerow(
        ["序号", "企业名称", "统一社会信用代码", "联系电话", "员工人数", "营业收入", "复工日期"]
    )
    writer.writerow(["1", name, CODE, "13812345678", "1,200", "1,234.5", "2020/2/1"])
    writer.writerow([])
    writer.writerow(["2", "乙公司", "", "", "", "", "2020年2月3日"])
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "苏州某某科技有限公司"),
        ("utf-8-sig", "苏州某某科技有限公司"),
        ("gbk", "苏州某某科技有限公司"),
        ("gb18030", "苏州𠮷祥科技有限公司"),  # 𠮷 is not in GBK
        ("utf-16", "苏州某某科技有限公司"),  # Excel's "Unicode text"
    ],
)
def test_csv_encodings(encoding, name):
    delimiter = "\t" if encoding == "utf-16" else ","
    data = ledger_csv(delimiter, name).encode(encoding)
    table = read(data, filename="台账.xlsx")
    assert table.file_format == "csv"
    assert table.header_row == 2
    assert table.columns["name"] == 1
    first, second = table.rows
    assert first.number == 3
    assert first.values == {
        "name": name,
        "credit_code": CODE,
        "contact_phone": "13812345678",
        "employee_count": 1200,
        "revenue": Decimal("1234.5"),
        "resumed_on": dt.date(2020, 2, 1),
    }
    assert second.number == 5
    assert second.values["credit_code"] is None
    assert second.values["resumed_on"] == dt.date(2020, 2, 3)


@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_csv_delimiters(delimiter):
    table = read(ledger_csv(delimiter).encode())
    assert table.header_row == 2
    assert next(table.rows).values["employee_count"] == 1200


def test_csv_quotes_padding_and_leading_zeros():
    text = '企业名称,统一社会信用代码,联系电话,员工人数\r\n"上海,浦东某公司",="0913",="0512-1"\r\n'
    table = read(text.encode())
    assert table.headers == ["企业名称", "统一社会信用代码", "联系电话", "员工人数"]
    (row,) = table.rows
    assert row.raw == ["上海,浦东某公司", "0913", "0512-1", ""]  # padded to the header
    assert row.values == {
        "name": "上海,浦东某公司",
        "credit_code": "0913",
        "contact_phone": "0512-1",
        "employee_count": None,
    }


def test_csv_broken_record_fails_when_reached():
    big = "x" * (csv.field_size_limit() + 10)
    good = "".join(f"企业{i},{CODE}\n" for i in range(HEADER_SCAN_ROWS + 10))
    text = f"企业名称,统一社会信用代码\n{good}乙,{big}\n"
    table = read(text.encode())
    assert next(table.rows).values["name"] == "企业0"  # the header scan did not reach the bad row
    with pytest.raises(TabularError, match="Row 42 of the file cannot be read"):
        list(table.rows)


# --------------------------------------------------------------------------- header matching


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("上年营业收入(万元)", "revenue"),
        ("上年营业收入（万元）", "revenue"),
        ("上年营业收入　（ 万元 ）", "revenue"),
        ("上年营业收入\n（万元）", "revenue"),
        ("上年营业收入", "revenue"),
        ("营业收入", "revenue"),
        ("营业收入（万元）", "revenue"),
        ("营业收入（元）", None),  # same name, another unit: not silently taken
        ("*统一社会信用代码", "credit_code"),
        ("＊统一社会\n信用代码", "credit_code"),
        (" 统一　社会信用代码 ", "credit_code"),
        ("企业（单位）名称", "name"),
        ("企业名称（盖章）", "name"),
        ("单位名称", "name"),
        ("联系电话（手机）", "contact_phone"),
        ("企业地址", None),
    ],
)
def test_header_matching(header, field):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["员工人数", "复工日期", header], ["3", "2020-02-01", "x"]])
    table = read(buffer.getvalue().encode())
    expected = {"employee_count": 0, "resumed_on": 1}
    if field:
        expected[field] = 2
    assert table.columns == expected
    assert table.unknown_headers == ([] if field else [" ".join(header.split())])


def test_header_matching_ignores_latin_case():
    columns = [Column("email", "E-mail", ("邮箱",)), Column("qq", "QQ号")]
    table = read("e-MAIL,ｑｑ号\na@b.cn,123\n".encode(), columns=columns)
    assert table.columns == {"email": 0, "qq": 1}


def test_single_column_spec_needs_one_header():
    table = read("说明\n企业名称\n甲\n".encode(), columns=[COLUMNS[0]])
    assert table.header_row == 2


@pytest.mark.parametrize(
    "columns",
    [
        [Column("a", "营业收入"), Column("b", "营业收入(万元)")],
        [Column("a", "企业名称", ("名称",)), Column("b", "单位名称", ("名称",))],
        [Column("a", "企业名称"), Column("a", "单位名称")],
        [Column("a", "企业名称"), Column("b", "＊企业　名称")],
    ],
)
def test_ambiguous_spec_is_a_programming_error(columns):
    with pytest.raises(AssertionError):
        read(ledger_xlsx(), columns=columns)


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown kind"):
        Column("a", "企业名称", kind="money")


# --------------------------------------------------------------------------- cell values


@pytest.mark.parametrize(
    ("kind", "cell", "expected"),
    [
        ("text", 13812345678.0, "13812345678"),
        ("text", 13812345678, "13812345678"),
        ("text", "  苏州\u3000某某\n 公司 ", "苏州 某某 公司"),
        ("text", "ＡＢＣ（１）", "ABC(1)"),
        ("text", "\u200b张三\ufeff", "张三"),
        ("text", dt.date(2020, 2, 1), "2020-02-01"),
        ("text", 12.5, "12.5"),
        ("text", "", None),
        ("text", " \u3000 ", None),
        ("text", None, None),
        ("code", fullwidth("91320500ma1mxxxxx1"), CODE),
        ("code", " 9132 0500\u3000MA1M XXXXX1 ", CODE),
        ("code", 913205001.0, "913205001"),
        ("code", "", None),
        ("int", "1,200", 1200),
        ("int", "1200.0", 1200),
        ("int", "１２００", 1200),
        ("int", "１，２００", 1200),
        ("int", 1200.0, 1200),
        ("int", 7, 7),
        ("int", " -3 ", -3),
        ("int", "", None),
        ("decimal", "1,234.50", Decimal("1234.50")),
        ("decimal", "１２３４．５", Decimal("1234.5")),
        ("decimal", 1234.5, Decimal("1234.5")),
        ("decimal", 0.1 + 0.2, Decimal("0.3")),
        ("decimal", 1500, Decimal(1500)),
        ("decimal", "1.5E3", Decimal(1500)),
        ("decimal", "-0.5", Decimal("-0.5")),
        ("decimal", " ", None),
        ("date", dt.date(2020, 2, 1), dt.date(2020, 2, 1)),
        ("date", dt.datetime(2020, 2, 1, 8, 30), dt.date(2020, 2, 1)),
        ("date", 43862.0, dt.date(2020, 2, 1)),
        ("date", 43862, dt.date(2020, 2, 1)),
        ("date", 43862.75, dt.date(2020, 2, 1)),
        ("date", 61.0, dt.date(1900, 3, 1)),
        ("date", 1.0, dt.date(1900, 1, 1)),
        ("date", 20200201.0, dt.date(2020, 2, 1)),
        ("date", "2020-02-01", dt.date(2020, 2, 1)),
        ("date", "2020/2/1", dt.date(2020, 2, 1)),
        ("date", "2020.2.1", dt.date(2020, 2, 1)),
        ("date", "2020年2月1日", dt.date(2020, 2, 1)),
        ("date", "２０２０年２月１日", dt.date(2020, 2, 1)),
        ("date", "2020 年 2 月 1 日", dt.date(2020, 2, 1)),
        ("date", "20200201", dt.date(2020, 2, 1)),
        ("date", "2020-02-01 08:30:00", dt.date(2020, 2, 1)),
        ("date", "", None),
        ("bool", True, True),
        ("bool", False, False),
        ("bool", 1.0, True),
        ("bool", 0.0, False),
        *(
            ("bool", text, True)
            for text in ["是", "有", "Y", "y", "Ｙ", "yes", "YES", "√", "1", "true"]
        ),
        *(("bool", text, False) for text in ["否", "无", "N", "no", "×", "0", "false", "FALSE"]),
        ("bool", "", None),
    ],
)
def test_convert_cell(kind, cell, expected):
    value, error = convert_cell(Column("x", "列", kind=kind), cell)
    assert error is None
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("kind", "cell", "message"),
    [
        ("int", "１２００人", "员工人数: “１２００人” is not a whole number."),
        ("int", "12.5", "员工人数: “12.5” is not a whole number."),
        ("int", 12.5, "员工人数: “12.5” is not a whole number."),
        ("int", "1_200", "员工人数: “1_200” is not a whole number."),
        ("int", "1,20", "员工人数: “1,20” is not a whole number."),
        ("int", "nan", "员工人数: “nan” is not a whole number."),
        ("int", "1e400", "员工人数: “1e400” is out of range."),
        ("int", True, "员工人数: “TRUE” is not a whole number."),
        ("decimal", "abc", "员工人数: “abc” is not a number."),
        ("decimal", "Infinity", "员工人数: “Infinity” is not a number."),
        ("decimal", "5%", "员工人数: “5%” is not a number."),
        ("decimal", dt.date(2020, 2, 1), "员工人数: “2020-02-01” is not a number."),
        ("date", "明天", "员工人数: “明天” is not a date; write it as 2020-02-01."),
        ("date", "2020-02-30", "员工人数: “2020-02-30” is not a date; write it as 2020-02-01."),
        ("date", "2020年2月", "员工人数: “2020年2月” is not a date; write it as 2020-02-01."),
        ("date", -1.0, "员工人数: “-1” is not a date; write it as 2020-02-01."),
        ("date", 20200231, "员工人数: “20200231” is not a date; write it as 2020-02-01."),
        ("bool", "也许", "员工人数: “也许” is not yes or no (是/否)."),
        ("bool", 2.0, "员工人数: “2” is not yes or no (是/否)."),
    ],
)
def test_convert_cell_errors(kind, cell, message):
    assert convert_cell(Column("x", "员工人数", kind=kind), cell) == (None, message)


def test_long_bad_values_are_shortened_in_messages():
    _value, message = convert_cell(BY_FIELD["revenue"], "很" * 100)
    assert message == f"上年营业收入(万元): “{'很' * 39}…” is not a number."


# --------------------------------------------------------------------------- unusable files


def zip_of(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


NOT_A_SPREADSHEET = "The file is not a spreadsheet; upload an Excel (.xlsx or .xls) or CSV file."
DAMAGED = (
    "The file cannot be read as an Excel workbook, it may be damaged; open it in Excel or WPS, "
    "save it again and upload the new file."
)
NOT_XLSX = (
    "The file is a ZIP archive, not an Excel workbook; open it in Excel or WPS, save it as "
    ".xlsx and upload it again."
)
EMPTY = "The file is empty; check that you uploaded the right file."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", EMPTY, id="empty"),
        pytest.param(b"\r\n \r\n\t\r\n", EMPTY, id="blank-text"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", NOT_A_SPREADSHEET, id="png"
        ),
        pytest.param(
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
            NOT_A_SPREADSHEET,
            id="pdf",
        ),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", NOT_A_SPREADSHEET, id="jpeg"),
        pytest.param(
            bytes([0xAB]) + random.Random(1).randbytes(4096), NOT_A_SPREADSHEET, id="random"
        ),
        pytest.param(b"\x01\x02\x03\x04" * 100, NOT_A_SPREADSHEET, id="control-chars"),
        pytest.param(zip_of(readme__txt=b"hello"), NOT_XLSX, id="zip"),
        pytest.param(zip_of(word__document__xml=b"<w/>"), NOT_XLSX, id="docx"),
        pytest.param(b"PK\x03\x04 truncated download", DAMAGED, id="broken-zip"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024), DAMAGED, id="broken-ole"),
        pytest.param(
            "<html><body><table><tr><td>企业名称</td></tr></table></body></html>".encode(),
            "The file is a web page or XML file, not a real Excel file; open it in Excel or "
            "WPS, save it as .xlsx and upload it again.",
            id="html-saved-as-xls",
        ),
        pytest.param(
            xlsx([]),
            "The sheet “台账” is empty; check that you uploaded the right file.",
            id="xlsx-without-rows",
        ),
        pytest.param(
            xlsx([["说明"], ["企业名称", "地址"], ["甲", "乙"]]),
            "No recognisable header row was found in the first 30 rows; the header should "
            "name columns such as “企业名称”、“统一社会信用代码”、“联系电话”、“员工人数”.",
            id="no-header",
        ),
        pytest.param(
            "标题\n备注\n".encode("gb18030"),
            "No recognisable header row was found in the first 30 rows; the header should "
            "name columns such as “企业名称”、“统一社会信用代码”、“联系电话”、“员工人数”.",
            id="csv-no-header",
        ),
    ],
)
def test_unusable_files(data, message):
    assert error_of(data) == message


def test_xlsx_with_only_empty_cells():
    data = xlsx([[None, ""], ["", " "]])
    assert error_of(data) == "The file has no data; check that you uploaded the right file."


def test_oversized_file():
    limit = int(2.5 * MB)
    data = b"a" * (limit + 1)
    message = error_of(data, max_bytes=limit)
    assert message == "The file is larger than 2.5 MB; split it into smaller files."
    assert read(ledger_xlsx(), max_bytes=len(ledger_xlsx())).header_row == 3
    assert error_of(b"x" * (50 * MB + 1), max_bytes=50 * MB) == (
        "The file is larger than 50 MB; split it into smaller files."
    )


def test_zip_bomb_is_refused():
    with zipfile.ZipFile(io.BytesIO(ledger_xlsx())) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members["xl/media/padding.bin"] = bytes(20 * MB)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    data = buffer.getvalue()
    assert len(data) < 100 * 1024
    assert error_of(data, max_bytes=100 * 1024) == (
        "The workbook holds too much data once unpacked; split it into smaller files."
    )


# --------------------------------------------------------------------------- speed


@pytest.mark.skipif(os.environ.get("FUGONG_SLOW_TESTS") != "1", reason="FUGONG_SLOW_TESTS=1")
def test_speed_100k_rows():
    n_rows = 100_000
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(["XX镇企业复工复产台账"])
    ws.append([*HEADER, *(f"备注{i}" for i in range(8))])
    day = dt.date(2020, 2, 1)
    for i in range(n_rows):
        ws.append(
            [
                f"某某科技有限公司{i}",
                f"91320500MA1M{i:06d}",
                13800000000 + i,
                i % 500,
                1234.5 + i,
                day,
                "是" if i % 2 else "否",
                *(f"文本　{i}" for _ in range(8)),
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()

    start = time.perf_counter()
    table = read(data, max_bytes=50 * MB)
    count = errors = 0
    for row in table.rows:
        count += 1
        errors += bool(row.errors)
    elapsed = time.perf_counter() - start
    print(
        f"\nread_table: {n_rows} rows x 15 columns ({len(data) / MB:.1f} MB xlsx) in {elapsed:.2f}s"
    )
    assert count == n_rows and errors == 0
    assert elapsed < 10


# --------------------------------------------------------------------------- hostile files
# The files themselves are built in tests/hostile/spreadsheets.py (also run through every
# import point by tests/hostile/test_spreadsheets.py); here: the exact messages and limits.


def test_far_cell_is_refused_before_it_is_read():
    from tests.hostile.spreadsheets import declared_dimension, far_cell, wide_sparse

    message = (
        "The sheet uses 16,384 columns, more than the 500 allowed; delete the unused columns "
        "(or copy the data into a new sheet) and upload it again."
    )
    assert error_of(far_cell()) == message
    assert error_of(declared_dimension()) == message
    assert error_of(wide_sparse()) == message


def test_used_area_and_cell_limits():
    data = xlsx([HEADER, *([["某公司", CODE, 1, 2, 3, 4, 5]] * 30)])
    assert read(data, limits=Limits(max_cells=1000)).header_row == 1
    assert error_of(data, limits=Limits(max_cells=100)) == (
        "The sheet's used area is 31 rows by 7 columns, more than the 100 cells allowed; "
        "delete the unused rows and columns (or copy the data into a new sheet), or split "
        "the file."
    )
    assert "uses 7 columns" in error_of(data, limits=Limits(max_columns=6))


def test_cells_without_references_are_bounded_too():
    from tests.hostile.spreadsheets import _header_row, sheet, workbook

    wide = _header_row() + "<row>" + "<c><v>1</v></c>" * 600 + "</row>"
    assert error_of(workbook(sheet(wide))).startswith("The sheet uses 603 columns")
    plain = _header_row() + '<row><c t="inlineStr"><is><t>某公司</t></is></c></row>'
    table = read(workbook(sheet(plain)), columns=COLUMNS[:2])
    assert [row.values["name"] for row in table.rows] == ["某公司"]


def test_namespaced_worksheet_is_scanned():
    from tests.hostile.spreadsheets import _SHEET_START, workbook

    xml = (
        _SHEET_START.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=")
        + '<x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
        + '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
        + "</x:sheetData></x:worksheet>"
    )
    assert "16,384 columns" in error_of(workbook(xml))


def test_zip_bombs_are_refused():
    from tests.hostile.spreadsheets import lying_zip, zip_bomb

    assert error_of(zip_bomb(), max_bytes=50 * MB) == (
        "The workbook holds too much data once unpacked; split it into smaller files."
    )
    assert error_of(zip_bomb(100), max_bytes=50 * MB) == (
        "The workbook is packed abnormally (it may be a zip bomb) and was not read; open it "
        "in Excel or WPS, save it again and upload the new file."
    )
    assert error_of(lying_zip(), max_bytes=50 * MB) == DAMAGED


def test_a_workbook_that_needs_too_much_memory_ends_its_reader_not_us():
    """With the checks lifted, the far cell makes calamine ask for hundreds of GB: the reading
    process dies of its memory cap and the user gets a sentence."""
    from tests.hostile.spreadsheets import far_cell, xls_far_cell

    lifted = Limits(max_columns=20_000, max_cells=10**12, memory_mb=300)
    expected = (
        "Reading the workbook needs more memory than the 300 MB allowed; delete the unused "
        "rows and columns, or split it into smaller files."
    )
    assert error_of(far_cell(), limits=lifted) == expected
    assert error_of(xls_far_cell(), limits=lifted) == expected
    # With room to load it, what calamine found is checked before a row is read.
    assert error_of(xls_far_cell(), limits=Limits(memory_mb=2048)).startswith(
        "The sheet's used area is 65,536 rows by 256 columns"
    )


def test_csv_lines_and_columns_are_bounded():
    from tests.hostile.spreadsheets import csv_million_columns, csv_too_many_columns

    assert error_of(csv_million_columns()) == (
        "Line 2 of the file is longer than 256 KB; check that it is a real CSV file, or save "
        "it as .xlsx in Excel or WPS and upload that."
    )
    assert error_of(csv_too_many_columns()) == (
        "Row 1 of the file has 2000 cells, more than the 500 columns allowed; check that it is "
        "a real CSV file."
    )
    # Trailing empty cells (Excel's CSV of a formatted sheet) do not count.
    padded = ("企业名称,统一社会信用代码" + "," * 800 + "\n某公司," + CODE + "\n").encode()
    assert [row.values["name"] for row in read(padded).rows] == ["某公司"]


def test_limits_come_from_settings(settings):
    settings.FUGONG_IMPORT_MAX_COLUMNS = 5
    settings.FUGONG_IMPORT_MAX_LINE_KB = 1
    assert Limits.from_settings().max_columns == 5
    assert Limits.from_settings().max_line_bytes == 1024
    assert "uses 7 columns" in error_of(xlsx([HEADER, ["某公司", CODE, 1, 2, 3, 4, 5]]))


def test_xls_cells_are_checked_before_the_workbook_is_loaded():
    from fugong.core.tabular import _check_xls
    from tests.hostile.spreadsheets import xls_far_cell

    with pytest.raises(TabularError, match="65,536 rows by 256 columns"):
        _check_xls(xls_far_cell(), Limits())
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for col, text in enumerate(HEADER):
        sheet.write(0, col, text)
    buffer = io.BytesIO()
    book.save(buffer)
    _check_xls(buffer.getvalue(), Limits())  # an ordinary one passes
    with pytest.raises(TabularError, match="uses 7 columns"):
        _check_xls(buffer.getvalue(), Limits(max_columns=6))


def test_how_the_reader_ended_is_told():
    """RLIMIT_CPU ends the reader with SIGXCPU; anything else (an abort when memory ran out,
    the OOM killer) is memory."""
    import signal
    import tempfile

    from fugong.core.tabular import _reader_died

    with tempfile.TemporaryFile() as stderr:
        stderr.write(b"memory allocation of 549755813888 bytes failed\n")
        assert str(_reader_died(-signal.SIGXCPU, Limits(), stderr)).startswith(
            "Reading the workbook took too long"
        )
        for code in (-signal.SIGABRT, -signal.SIGKILL, 3):
            assert "more memory than the 1024 MB" in str(_reader_died(code, Limits(), stderr))


def test_total_lines_and_blank_lines_between_rows_are_skipped_and_numbered():
    table = read(
        xlsx(
            [
                HEADER,
                ["甲公司", CODE, None, 10],
                [None, None],
                [None, "合 计：", None, 10],  # the second filled cell says it
                ["乙公司", CODE, None, 5, None, None, None],
                ["丙公司", "统计局备案", "合计", 5],  # 合计 as a third filled cell: a row
                [None, None],  # after the last row: not counted
            ]
        )
    )
    assert [r.values["name"] for r in table.rows] == ["甲公司", "乙公司", "丙公司"]
    assert table.skipped == [3, 4]


def test_a_mapping_reads_unknown_headers_as_fields_or_ignores_them_and_samples_the_rest():
    from fugong.core.tabular import header_key

    data = xlsx(
        [
            ["企业名称", "纳税人 识别号", "微信", "空列", "另一列"],
            ["甲公司", CODE, "wx1", None, "a"],
            ["乙公司", CODE, None, None, "b"],
            ["丙公司", CODE, None, None, "c"],
            ["丁公司", CODE, None, None, "d"],
        ]
    )
    assert "No recognisable header row" in error_of(data)  # one known header only
    mapping = {header_key("纳税人识别号"): "credit_code", header_key("微信"): ""}
    table = read(data, mapping=mapping)
    assert table.missing_required == [] and table.columns["credit_code"] == 1
    assert table.mapped == {"纳税人 识别号": "credit_code"} and table.ignored == ["微信"]
    assert table.unknown_headers == ["空列", "另一列"]
    rows = list(table.rows)
    assert rows[0].values["credit_code"] == CODE
    assert table.samples["另一列"] == ["a", "b", "c"]  # the first three values
    assert table.samples["空列"] == [] and table.samples["微信"] == ["wx1"]
    assert table.samples["纳税人 识别号"] == [CODE] * 3  # mapped and ignored columns too


def test_a_mapping_never_takes_a_column_the_file_has_under_its_own_name():
    from fugong.core.tabular import header_key

    data = xlsx([["企业名称", "旧编号", "统一社会信用代码"], ["甲公司", "X1", CODE]])
    table = read(data, mapping={header_key("旧编号"): "credit_code"})
    assert table.columns["credit_code"] == 2 and table.mapped == {}
    assert table.unknown_headers == ["旧编号"]
    assert next(table.rows).values["credit_code"] == CODE


def test_a_column_with_data_under_a_blank_header_is_listed_by_its_position_and_mappable():
    """Issue 11: a column whose header cell is blank (or holds only "*") is not dropped
    unseen: it is an unknown column named by its position, with its values, and a mapping
    can read it; a blank header over an empty column is not listed."""
    from fugong.core.tabular import header_key

    rows = [
        ["企业名称", "统一社会信用代码", None, "*", None],
        ["甲公司", CODE, "wx1", None, None, "右边1"],
        ["乙公司", CODE, "wx2", "x", None],
        ["丙公司", CODE, None, None, None, None, "更右"],
    ]
    table = read(xlsx(rows))
    list(table.rows)
    assert sorted(table.unknown_headers) == [
        "第3列（无表头）", "第4列（无表头）", "第6列（无表头）", "第7列（无表头）",
    ]  # fmt: skip
    assert table.samples["第3列（无表头）"] == ["wx1", "wx2"]
    assert table.samples["第7列（无表头）"] == ["更右"]
    mapping = {header_key("第3列（无表头）"): "contact_phone", header_key("第7列（无表头）"): ""}
    table = read(xlsx(rows), mapping=mapping)
    assert [r.values.get("contact_phone") for r in table.rows] == ["wx1", "wx2", None]
    assert table.mapped == {"第3列（无表头）": "contact_phone"}
    assert table.ignored == ["第7列（无表头）"]


def test_total_labels_of_real_ledgers_and_numbered_empty_lines_are_skipped():
    """Issue 11: labels ending with 合计/小计/总计 or starting with one and a bracket, and
    rows holding nothing but a serial number (序号 column, or a lone number first)."""
    table = read(
        xlsx(
            [
                ["序号", "企业名称", "统一社会信用代码", "员工人数"],
                [1, "甲公司", CODE, 10],
                [None, "全镇合计", None, 10],  # row 3
                ["本页小计", None, None, 10],  # row 4
                ["合计（家）", 1, None, None],  # row 5
                ["合 计", None, None, 10],  # row 6
                [2, None, None, None],  # row 7: a serial number only
                ["3", None, None, None],  # row 8
                [2, "合计科技有限公司", CODE, 3],  # a name that starts with 合计: a row
                [3, "联合计算公司", CODE, 4],  # 合计 inside a name: a row
                [None, None, None, 5],  # a lone number elsewhere: a row (an error later)
            ]
        )
    )
    names = [r.values["name"] for r in table.rows]
    assert names == ["甲公司", "合计科技有限公司", "联合计算公司", None]
    assert table.skipped == [3, 4, 5, 6, 7, 8]


def test_a_serial_number_alone_in_the_serial_column_is_skipped_wherever_it_is():
    table = read(
        xlsx([["企业名称", "统一社会信用代码", "序号"], ["甲公司", CODE, 1], [None, None, 2]])
    )
    assert [r.values["name"] for r in table.rows] == ["甲公司"] and table.skipped == [3]


# --------------------------------------------------------------------------- rows converted
# in the workbook's reading process (fugong.core.workbook_reader), CSV's in this one


def _state(table: Table) -> tuple:
    return (
        list(table.skipped),
        {name: list(values) for name, values in table.samples.items()},
        list(table.unknown_headers),
        list(table.headers),
    )


def test_a_workbook_read_by_the_child_gives_what_the_same_rows_give_read_here():
    """Row by row, the rows and what reading them adds to the table (rows left out, samples,
    columns found without a header, the header row's width) are the same whether the
    workbook's process converted them (xlsx) or this one did (the same cells as CSV), across
    the messages the rows come in."""
    from fugong.core.workbook_reader import ROWS_PER_MESSAGE

    header = ["企业名称", "统一社会信用代码", "员工人数", "复工日期", "备注", "备注", "", "其他"]
    rows: list[list[str]] = [["XX镇台账"], header]
    for i in range(1, 2 * ROWS_PER_MESSAGE + 500):
        row = [f"公司{i}", CODE, str(i % 7), "2020-02-01", "", "", "", ""]
        if i % 97 == 0:
            row[2] = "十二"  # not a number
        if i % 311 == 0:
            row[3] = "明天"  # not a date
        if i in (5, ROWS_PER_MESSAGE + 1, ROWS_PER_MESSAGE + 2):
            row[4] = f"备{i}"
        if i in (ROWS_PER_MESSAGE - 1, ROWS_PER_MESSAGE, 2 * ROWS_PER_MESSAGE + 100):
            row = ["", "合计", "", str(i)]  # total lines on both sides of a message's end
        if i in (ROWS_PER_MESSAGE + 3, ROWS_PER_MESSAGE + 4):
            row = []  # blank lines between rows
        if i == ROWS_PER_MESSAGE + 5:
            row[6] = "无表头的值"  # a column without a header shows data
        if i == ROWS_PER_MESSAGE + 50:
            row += ["", "", "更右"]  # right of the header row: the table widens
        rows.append(row)
    rows += [["", "总计", "", "1"], []]  # a total line after the last row, then a blank one
    width = max(map(len, rows))  # as calamine pads the rows: to the used area
    padded = [row + [""] * (width - len(row)) for row in rows]
    book = xlsx([[cell or None for cell in row] for row in padded])
    text = "\n".join(",".join(row) for row in padded).encode()
    columns = [*COLUMNS[:2], BY_FIELD["employee_count"], BY_FIELD["resumed_on"]]
    there, here = read(book, columns=columns), read(text, columns=columns)
    assert (there.file_format, here.file_format) == ("xlsx", "csv")
    assert _state(there) == _state(here)
    count = 0
    for mine, theirs in zip(here.rows, there.rows, strict=True):
        assert (theirs.number, theirs.cells, theirs.width) == (mine.number, mine.cells, mine.width)
        assert (theirs.values, theirs.errors) == (mine.values, mine.errors)
        assert _state(there) == _state(here), theirs.number
        count += 1
    assert _state(there) == _state(here)
    assert there.skipped[-1] == len(rows) - 1  # the total line after the last row
    assert "第7列（无表头）" in there.unknown_headers and len(there.headers) == 11
    assert there.samples["备注"] == [
        "备5",
        f"备{ROWS_PER_MESSAGE + 1}",
        f"备{ROWS_PER_MESSAGE + 2}",
    ]
    assert count == 2 * ROWS_PER_MESSAGE + 499 - 5


def test_the_messages_of_a_workbook_rows_are_in_the_language_of_the_reader():
    """The workbook's process has no Django: it names the message, this process words it."""
    data = xlsx([HEADER, ["甲公司", CODE, None, "十二", "abc", None, None]])
    with translation.override("zh-hans"):
        row = next(read(data).rows)
    assert row.errors == {
        "employee_count": "员工人数：“十二”不是整数。",
        "revenue": "上年营业收入(万元)：“abc”不是数字。",
    }
    assert row.values["employee_count"] is None and row.raw[3] == "十二"


def _many_rows(count: int) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(HEADER)
    for i in range(count):
        ws.append([f"某某科技有限公司{i}", CODE, "13800000000", i, 1.5, "2020-02-01", "是"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_workbook_reader_that_dies_while_rows_are_read_is_the_users_message(readers):
    import signal

    table = read(_many_rows(20_000))
    rows = iter(table.rows)
    next(rows)  # it is now converting the next rows, or waiting for us to read them
    (process,) = readers
    assert process.poll() is None
    process.send_signal(signal.SIGXCPU)  # what RLIMIT_CPU sends
    with pytest.raises(TabularError) as info:
        for _row in rows:
            pass
    assert str(info.value) == (
        "Reading the workbook took too long and was stopped; delete the unused rows and "
        "columns, or split it into smaller files."
    )
    assert process.returncode == -signal.SIGXCPU


def test_a_workbook_reader_ends_when_its_rows_are_no_longer_read(readers):
    import gc

    data = _many_rows(5_000)
    table = read(data)
    next(table.rows)
    table.rows.close()  # the caller had what it needed
    assert readers[0].returncode is not None
    table = read(data)  # and when the rows are dropped without a row read
    del table
    gc.collect()
    assert readers[1].returncode is not None
    with pytest.raises(TabularError):
        read(data, columns=[Column("nothing", "没有这一列")])  # no header: no rows wanted
    assert readers[2].returncode is not None


@pytest.mark.parametrize(
    "garbage", [("rows", [(1, [], [])]), ["end"], ("sheet",), ("rows", "a", "b", "c", "d"), 7]
)
def test_a_message_the_reader_never_sends_refuses_the_file_and_ends_the_reader(
    monkeypatch, readers, garbage
):
    """The reader parses hostile files with a native library: what it sends is checked for
    shape, and anything else ends it with the "damaged" sentence, not a crash."""
    from fugong.core import plain_pickle, tabular

    real, calls = plain_pickle.load, []

    def load(stream):
        calls.append(1)
        return garbage if len(calls) == 2 else real(stream)

    monkeypatch.setattr(tabular.plain_pickle, "load", load)
    data = xlsx([["企业名称", "统一社会信用代码"], ["甲公司", "91330100MA2XXXXX1A"]] * 3)
    with translation.override("en"), pytest.raises(TabularError, match="damaged"):
        list(read(data).rows)
    assert readers and all(p.poll() is not None for p in readers)
