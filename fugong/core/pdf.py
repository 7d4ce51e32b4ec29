"""Printable A4 documents with a QR code to their public verification page (the resumption
notice 复工复产通知书, the commuter-bus letter 通勤班车使用意见函): the parts they share.

reportlab with the built-in STSong-Light CID font (every PDF reader has it: nothing is
embedded and the files stay small), lines broken character by character as Chinese is, the
QR code drawn as vector squares. A document is ``begin`` (title, number, red rule), its own
body, then ``finish`` (issuer and date like a letter's signature, the QR code with its address,
a red 已撤销 across a revoked one)."""

from __future__ import annotations

import datetime
import io

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

CJK_FONT = "STSong-Light"  # built into every PDF reader (Adobe-GB1); nothing to embed
LATIN_FONT = "Helvetica"
REVOKED_MARK = "已撤销"
WIDTH, HEIGHT = A4
MARGIN = 25 * mm
QR_SIZE = 36 * mm
QR_QUIET_ZONE = 4  # modules of white around the code, as the standard asks
# Characters a line must not start with (Chinese line-breaking rules, 避头尾).
NO_LINE_START = set("，。、；：？！）》」』〕】”’.,;:?!)]}")


def font() -> str:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def chinese_date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def wrap(text: str, font_name: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width``, character by character (Chinese has
    no spaces to break at); closing punctuation stays on the line before."""
    lines: list[str] = []
    line = ""
    for char in text:
        if (
            line
            and char not in NO_LINE_START
            and pdfmetrics.stringWidth(line + char, font_name, size) > width
        ):
            lines.append(line)
            line = ""
        line += char
    if line or not lines:
        lines.append(line)
    return lines


def draw_qr(pdf: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
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


def begin(
    out: io.BytesIO, *, title: str, number: str, author: str, title_size: int = 24
) -> tuple[canvas.Canvas, float]:
    """A new A4 page with the title, the number under it and a red rule; the canvas and the
    height where the body starts."""
    name = font()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{title} {number}")
    pdf.setAuthor(author)
    pdf.setSubject(title)
    pdf.setCreator("fugong")
    y = HEIGHT - MARGIN - 10 * mm
    pdf.setFont(name, title_size)
    pdf.drawCentredString(WIDTH / 2, y, title)
    y -= title_size / 2 * mm
    pdf.setFont(name, 12)
    pdf.drawCentredString(WIDTH / 2, y, number)
    y -= 6 * mm
    pdf.setLineWidth(1.2)
    pdf.setStrokeColorRGB(0.75, 0, 0)
    pdf.line(MARGIN, y, WIDTH - MARGIN, y)
    pdf.setStrokeColorRGB(0, 0, 0)
    return pdf, y - 12 * mm


def finish(
    pdf: canvas.Canvas,
    out: io.BytesIO,
    *,
    y: float,
    issuer: str,
    day: datetime.date | None,
    verify_url: str,
    verify_hint: str,
    revoked: bool,
) -> bytes:
    """Issuer and date bottom right like a letter's signature (below ``y``), the QR code of
    ``verify_url`` bottom left with the address printed under it, 已撤销 across a revoked
    document; the file's bytes."""
    name = font()
    y -= 14 * mm
    pdf.setFont(name, 13)
    pdf.drawRightString(WIDTH - MARGIN, y, issuer)
    y -= 8 * mm
    pdf.drawRightString(WIDTH - MARGIN, y, chinese_date(day))

    qr_x, qr_y = MARGIN, MARGIN + 14 * mm
    draw_qr(pdf, verify_url, qr_x, qr_y, QR_SIZE)
    pdf.setFont(name, 9)
    pdf.drawString(qr_x + QR_SIZE + 5 * mm, qr_y + QR_SIZE - 12, verify_hint)
    pdf.setFont(LATIN_FONT, 8)
    uy = qr_y - 5 * mm
    for line in wrap(verify_url, LATIN_FONT, 8, WIDTH - 2 * MARGIN):
        pdf.drawString(qr_x, uy, line)
        uy -= 10

    if revoked:
        pdf.saveState()
        pdf.setFillColorRGB(0.8, 0, 0)
        pdf.setFont(name, 72)
        pdf.translate(WIDTH / 2, HEIGHT / 2)
        pdf.rotate(30)
        pdf.drawCentredString(0, 0, REVOKED_MARK)
        pdf.restoreState()

    pdf.showPage()
    pdf.save()
    return out.getvalue()
