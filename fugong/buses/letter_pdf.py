"""The printable 通勤班车使用意见函 (A4 PDF) with a QR code leading to its public verification
page, drawn as the resumption notice is (``fugong/resumption/notice.py``: reportlab with the
built-in STSong-Light CID font, nothing embedded; the QR code as vector squares). Only what the
public page shows is printed: no driver's phone, no riders."""

from __future__ import annotations

import datetime
import io

import segno
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from fugong.buses.models import Letter

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
TITLE = "通勤班车使用意见函"
REVOKED_MARK = "已撤销"
MARGIN = 25 * mm
QR_SIZE = 36 * mm
QR_QUIET_ZONE = 4


def _font() -> str:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _chinese_date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if (
            line
            and pdfmetrics.stringWidth(line + char, font, size) > width
            and char not in "，。、；：）》”"
        ):
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line or not lines else lines


def _draw_qr(pdf: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    matrix = segno.make(data, error="m").matrix
    module = size / (len(matrix) + 2 * QR_QUIET_ZONE)
    pdf.saveState()
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColorRGB(0, 0, 0)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + QR_QUIET_ZONE) * module
        for c, dark in enumerate(row):
            if dark:
                path.rect(x + (c + QR_QUIET_ZONE) * module, top - module, module, module)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def letter_pdf(letter: Letter, *, verify_url: str, stops: list[str]) -> bytes:
    """The issued letter as an A4 PDF; ``verify_url`` goes into the QR code."""
    bus = letter.bus
    font = _font()
    width, height = A4
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{TITLE} {letter.number}")
    pdf.setAuthor(letter.jurisdiction.name)
    pdf.setSubject(TITLE)
    pdf.setCreator("fugong")

    y = height - MARGIN - 10 * mm
    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, y, TITLE)
    y -= 11 * mm
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, y, letter.number)
    y -= 6 * mm
    pdf.setLineWidth(1.2)
    pdf.setStrokeColorRGB(0.75, 0, 0)
    pdf.line(MARGIN, y, width - MARGIN, y)
    pdf.setStrokeColorRGB(0, 0, 0)
    y -= 12 * mm

    issued_on = timezone.localtime(letter.issued_at).date() if letter.issued_at else None
    text = (
        f"\u3000\u3000{bus.enterprise.name}：经审核，你单位通勤班车（车牌号 {bus.plate}）"
        f"符合疫情防控要求，同意在以下线路上使用。请严格落实车辆消毒、乘车人员佩戴口罩和"
        f"体温检测登记制度，车上配备备用口罩，并将本函随车留存。"
    )
    rows = [
        ("企业名称", bus.enterprise.name),
        ("车牌号", bus.plate),
        ("核定座位", f"{bus.seats}座"),
        ("线路", bus.route_name),
        ("停靠站点", "、".join(stops) or "—"),
        ("有效期", f"{_chinese_date(letter.valid_from)}至{_chinese_date(letter.valid_until)}"),
    ]
    size, label_width = 12, 30 * mm
    value_width = width - 2 * MARGIN - label_width
    for line in _wrap(text, font, size, width - 2 * MARGIN):
        pdf.setFont(font, size)
        pdf.drawString(MARGIN, y, line)
        y -= size * 1.7
    y -= 6 * mm
    for label, value in rows:
        pdf.drawString(MARGIN, y, f"{label}：")
        for line in _wrap(str(value), font, size, value_width)[:4]:
            pdf.drawString(MARGIN + label_width, y, line)
            y -= size * 1.5
        y -= size / 3

    y -= 12 * mm
    pdf.setFont(font, 13)
    pdf.drawRightString(width - MARGIN, y, letter.jurisdiction.name)
    y -= 8 * mm
    pdf.drawRightString(width - MARGIN, y, _chinese_date(issued_on))

    qr_x, qr_y = MARGIN, MARGIN + 14 * mm
    _draw_qr(pdf, verify_url, qr_x, qr_y, QR_SIZE)
    pdf.setFont(font, 9)
    pdf.drawString(
        qr_x + QR_SIZE + 5 * mm,
        qr_y + QR_SIZE - 12,
        "扫描二维码或访问以下网址核验本函真伪及是否有效：",
    )
    pdf.setFont(LATIN_FONT, 8)
    uy = qr_y - 5 * mm
    for line in _wrap(verify_url, LATIN_FONT, 8, width - 2 * MARGIN):
        pdf.drawString(qr_x, uy, line)
        uy -= 10

    if letter.status == "revoked":
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
