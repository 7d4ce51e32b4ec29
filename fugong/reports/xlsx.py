"""The spreadsheet reports: the daily table (日报), the zero report (零报告) and the four
ledgers of seed 003. Each sheet starts with the line naming who made it and when, the title,
and what the resumption rate divides by; every figure is read from a ``Figures``."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

from django.db.models import Count
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from fugong.accounts.models import Jurisdiction
from fugong.core.scope import scoped, subtree_q
from fugong.core.xlsx import sheet_title
from fugong.enterprises.choices import Ledger
from fugong.enterprises.io import watermark
from fugong.enterprises.models import Enterprise
from fugong.reports import context as C
from fugong.stats import figures as F

FIGURE_HEADERS = [
    "单位数",
    "需复工复产",
    "已复工复产",
    "其中需复工单位已复工",
    "当日新增复工",
    "复工率",
    "从业人数",
    "返岗人数",
    "返工率",
    "春节期间正常生产",
    "节后可生产",
    "节后可能延后生产",
    "不能复产/长期停产",
]
LEDGER_HEADERS = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "所属辖区",
    "统计类别",
    "行业",
    "从业人数",
    "复工日期",
    "返岗人数",
]
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)


def figure_values(cell: F.Cell, denominator: str) -> list:
    """A row's figures in FIGURE_HEADERS order."""
    return [
        cell.units,
        cell.need,
        cell.resumed,
        cell.resumed_need,
        cell.new_resumed,
        C.pct(cell.rate(denominator)),
        cell.employees,
        cell.returned,
        C.pct(cell.return_rate),
        cell.ledger(Ledger.NORMAL),
        cell.ledger(Ledger.CAN_RESUME),
        cell.ledger(Ledger.MAY_DELAY),
        cell.ledger(Ledger.CANNOT_RESUME),
    ]


class _Sheet:
    def __init__(self, book: Workbook, title: str, widths: list[int]) -> None:
        self.ws = book.create_sheet(sheet_title(title))
        for i, width in enumerate(widths):
            self.ws.column_dimensions[chr(65 + i)].width = width

    def styled(self, values: list, font: Font | None = None) -> None:
        cells = []
        for value in values:
            c = WriteOnlyCell(self.ws, value=value)
            if font is not None:
                c.font = font
            cells.append(c)
        self.ws.append(cells)

    def head(self, *, user, title: str, notes: list[str]) -> None:
        self.ws.append([watermark(user)])
        self.styled([title], _TITLE)
        for note in notes:
            self.ws.append([note])

    def append(self, values: list) -> None:
        self.ws.append(values)


def _book() -> Workbook:
    return Workbook(write_only=True)


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _notes(figures: F.Figures) -> list[str]:
    return [C.denominator_note(figures.denominator), C.source_note(figures)]


def row_label(spec: F.RowSpec) -> str:
    if spec.indent:
        return "    " + ("其他服务业" if spec.key == "services_other" else spec.label)
    return C.category_name(spec.categories[0])


def daily(*, user, figures: F.Figures) -> bytes:
    """日报: one sheet by category (规上服务业 by subsector), one by child jurisdiction."""
    node, day, d = figures.node, figures.day, figures.denominator
    title = f"{node.name} 复工复产日报（截至{C.cn_date(day)}）"
    book = _book()
    widths = [24] + [12] * len(FIGURE_HEADERS)
    sheet = _Sheet(book, "分类统计", widths)
    sheet.head(user=user, title=title, notes=_notes(figures))
    sheet.styled(["类别", *FIGURE_HEADERS], _BOLD)
    for spec in F.category_rows():
        sheet.append([row_label(spec), *figure_values(figures.row(spec), d)])
    sheet.styled(["合计", *figure_values(figures.total, d)], _BOLD)

    sheet = _Sheet(book, "分辖区统计", widths)
    sheet.head(user=user, title=title, notes=_notes(figures))
    sheet.styled(["辖区", *FIGURE_HEADERS], _BOLD)
    for child in figures.children:
        sheet.append([child.jurisdiction.name, *figure_values(child.cell, d)])
    sheet.append([f"{node.name}（本级直属）", *figure_values(figures.direct, d)])
    sheet.styled(["合计", *figure_values(figures.total, d)], _BOLD)
    return _bytes(book)


def zero(*, user, figures: F.Figures) -> bytes:
    """零报告: nothing new on the day, with the standing totals."""
    node, day, d = figures.node, figures.day, figures.denominator
    book = _book()
    sheet = _Sheet(book, "零报告", [24] + [14] * 8)
    sheet.head(
        user=user,
        title=f"{node.name} 复工复产零报告（{C.cn_date(day)}）",
        notes=[
            f"报送单位：{node.name}",
            f"报告日期：{C.cn_date(day)}",
            "本日无新增复工复产情况。",
            *_notes(figures),
        ],
    )
    standing = [0, 1, 2, 3, 5, 6, 7, 8]  # FIGURE_HEADERS but the day's new and the ledgers
    sheet.styled(["", *(FIGURE_HEADERS[i] for i in standing)], _BOLD)
    values = figure_values(figures.total, d)
    sheet.styled(["累计", *(values[i] for i in standing)])
    return _bytes(book)


LEDGER_VALUES = [
    "name",
    "credit_code",
    "jurisdiction__name",
    "category",
    "industry__name",
    "employee_count",
    "resumed_on",
    "returned_count",
]


def ledgers(
    *,
    user,
    node: Jurisdiction,
    day: datetime.date,
    progress: Callable[[int, int | None], None] = lambda done, total=None: None,
) -> tuple[bytes, dict[str, int]]:
    """The four ledgers of seed 003, one sheet each: the enterprises as registered now, with
    their resumption date and staff back as of the day (blank if they resumed later). No
    contact phone is listed. Returns the file and the rows per ledger."""
    book = _book()
    counts: dict[str, int] = {}
    units = scoped(Enterprise.objects.filter(subtree_q("jurisdiction__path", node.path)), user)
    by_ledger = dict(units.values_list("ledger").annotate(n=Count("id")).order_by())
    progress(0, sum(by_ledger.get(key, 0) for key in C.LEDGER_TITLES))
    done = 0
    for key, title in C.LEDGER_TITLES.items():
        qs = units.filter(ledger=key).order_by("jurisdiction__path", "name", "pk")
        sheet = _Sheet(book, title, [6, 32, 22, 16, 18, 24, 10, 12, 10])
        sheet.head(
            user=user,
            title=f"{node.name} {title}（截至{C.cn_date(day)}）",
            notes=["按企业当前所在台账列出；复工日期、返岗人数截至报告日期（之后复工的不填）。"],
        )
        sheet.styled(LEDGER_HEADERS, _BOLD)
        n = 0
        for values in qs.values_list(*LEDGER_VALUES).iterator(chunk_size=2000):
            n += 1
            name, code, place, category, industry, employees, resumed_on, returned = values
            resumed = resumed_on is not None and resumed_on <= day
            sheet.append(
                [
                    n,
                    name,
                    code,
                    place,
                    C.category_name(category),
                    industry or "",
                    employees,
                    resumed_on.isoformat() if resumed else "",
                    returned if resumed else None,
                ]
            )
            if n % 2000 == 0:
                progress(done + n)
        counts[str(key)] = n
        done += n
        progress(done)
    return _bytes(book), counts
