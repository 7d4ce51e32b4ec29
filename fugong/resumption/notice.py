"""The printable 复工复产通知书 (A4 PDF) with a QR code that leads to the public verification
page. Only what the public page shows is printed: no phones, no contact person, no staff."""

from __future__ import annotations

import datetime
import io
from typing import TYPE_CHECKING

import segno
from django.urls import reverse
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from fugong.resumption.models import Notice

if TYPE_CHECKING:
    from django.http import HttpRequest


CJK_FONT = "STSong-Light"  # built into every PDF reader (Adobe-GB1); nothing to embed
LATIN_FONT = "Helvetica"

TITLE = "复工复产通知书"
# The standard wording (seed 004).
STANDARD_TEXT = (
    "经审核，你单位复工复产申请符合要求，准予复工复产。"
    "企业应严格按照疫情防控工作方案和复产方案要求组织生产，"
    "落实防控主体责任，做好员工健康监测、场所消毒和防护物资储备，"
    "发现异常情况立即报告属地并启动应急预案。"
)
REVOKED_MARK = "已撤销"

MARGIN = 25 * mm
QR_SIZE = 36 * mm
QR_QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def _font() -> str:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _chinese_date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


# Characters a line must not start with (Chinese line-breaking rules, 避头尾).
NO_LINE_START = set("，。、；：？！）》」』〕】”’.,;:?!)]}")


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width``, character by character (Chinese has
    no spaces to break at); closing punctuation stays on the line before."""
    lines: list[str] = []
    line = ""
    for char in text:
        if (
            line
            and char not in NO_LINE_START
            and pdfmetrics.stringWidth(line + char, font, size) > width
        ):
            lines.append(line)
            line = ""
        line += char
    if line or not lines:
        lines.append(line)
    return lines


def verify_url(request: HttpRequest, notice: Notice) -> str:
    """The absolute address of the public verification page of ``notice``."""
    return request.build_absolute_uri(reverse("public:verify", args=[notice.token]))


def _draw_qr(pdf: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``data`` as vector squares with its lower left corner at (x, y);
    dark modules of a row are merged into runs, so the file stays small and sharp."""
    matrix = segno.make(data, error="m").matrix
    count = len(matrix) + 2 * QR_QUIET_ZONE
    module = size / count
    pdf.saveState()
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColorRGB(0, 0, 0)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + QR_QUIET_ZONE) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            path.rect(
                x + (start + QR_QUIET_ZONE) * module, top - module, (c - start) * module, module
            )
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def notice_pdf(notice: Notice, *, verify_url: str) -> bytes:
    """The notice as an A4 PDF; ``verify_url`` goes into the QR code and is printed under it."""
    filing = notice.filing
    enterprise = filing.enterprise
    font = _font()
    width, height = A4
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{TITLE} {notice.number}")
    pdf.setAuthor(notice.jurisdiction.name)
    pdf.setSubject(TITLE)
    pdf.setCreator("fugong")

    # Title and number.
    y = height - MARGIN - 10 * mm
    pdf.setFont(font, 24)
    pdf.drawCentredString(width / 2, y, TITLE)
    y -= 12 * mm
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, y, notice.number)
    y -= 6 * mm
    pdf.setLineWidth(1.2)
    pdf.setStrokeColorRGB(0.75, 0, 0)
    pdf.line(MARGIN, y, width - MARGIN, y)
    pdf.setStrokeColorRGB(0, 0, 0)
    y -= 12 * mm

    # The particulars.
    issued_on = timezone.localtime(notice.issued_at).date()
    rows = [
        ("企业名称", enterprise.name),
        ("统一社会信用代码", enterprise.credit_code or "—"),
        ("企业地址", enterprise.address or "—"),
        ("计划复工日期", _chinese_date(filing.planned_date)),
        ("发证单位", notice.jurisdiction.name),
        ("发证日期", _chinese_date(issued_on)),
    ]
    label_width = 38 * mm
    value_width = width - 2 * MARGIN - label_width
    text = "\u3000\u3000" + STANDARD_TEXT
    # The body shrinks (down to 8 pt) if very long names or addresses would reach the
    # signature and the QR code at the foot of the page.
    floor = MARGIN + 14 * mm + QR_SIZE + 30 * mm
    for size in (12, 11, 10, 9, 8):
        row_lines = [(label, _wrap(str(value), font, size, value_width)) for label, value in rows]
        text_lines = _wrap(text, font, size, width - 2 * MARGIN)
        leading, gap = size * 1.5, size / 3
        needed = sum(len(lines) * leading + gap for _, lines in row_lines)
        needed += 8 * mm + len(text_lines) * size * 1.65
        if y - needed >= floor:
            break

    pdf.setFont(font, size)
    for label, lines in row_lines:
        pdf.drawString(MARGIN, y, f"{label}：")
        for line in lines:
            pdf.drawString(MARGIN + label_width, y, line)
            y -= leading
        y -= gap

    # The standard text.
    y -= 8 * mm
    for line in text_lines:
        pdf.drawString(MARGIN, y, line)
        y -= size * 1.65

    # Issuer and date, bottom right like a letter's signature.
    y -= 14 * mm
    pdf.setFont(font, 13)
    pdf.drawRightString(width - MARGIN, y, notice.jurisdiction.name)
    y -= 8 * mm
    pdf.drawRightString(width - MARGIN, y, _chinese_date(issued_on))

    # The QR code with its address, bottom left.
    qr_x, qr_y = MARGIN, MARGIN + 14 * mm
    _draw_qr(pdf, verify_url, qr_x, qr_y, QR_SIZE)
    pdf.setFont(font, 9)
    pdf.drawString(
        qr_x + QR_SIZE + 5 * mm, qr_y + QR_SIZE - 12, "扫描二维码或访问以下网址核验本通知书真伪："
    )
    pdf.setFont(LATIN_FONT, 8)
    url_lines = _wrap(verify_url, LATIN_FONT, 8, width - 2 * MARGIN)
    uy = qr_y - 5 * mm
    for line in url_lines:
        pdf.drawString(qr_x, uy, line)
        uy -= 10

    if notice.revoked:
        pdf.saveState()
        pdf.setFillColorRGB(0.8, 0, 0)
        pdf.setFont(font, 72)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(30)
        pdf.drawCentredString(0, 0, REVOKED_MARK)
        pdf.restoreState()

    pdf.showPage()
    pdf.save()
    return out.getvalue()
