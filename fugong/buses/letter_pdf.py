"""The printable 通勤班车使用意见函 (A4 PDF) with a QR code leading to its public verification
page, drawn as the resumption notice is (``fugong/resumption/notice.py``: reportlab with the
built-in STSong-Light CID font, nothing embedded; the QR code as vector squares). Only what the
public page shows is printed: no driver's phone, no riders."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.units import mm

from fugong.buses.models import Letter
from fugong.core.pdf import MARGIN, WIDTH, begin, chinese_date, finish, font, wrap

TITLE = "通勤班车使用意见函"


def letter_pdf(letter: Letter, *, verify_url: str, stops: list[str]) -> bytes:
    """The issued letter as an A4 PDF; ``verify_url`` goes into the QR code."""
    bus = letter.bus
    name = font()
    width = WIDTH
    out = io.BytesIO()
    pdf, y = begin(
        out, title=TITLE, number=letter.number, author=letter.jurisdiction.name, title_size=22
    )

    issued_on = timezone.localtime(letter.issued_at).date() if letter.issued_at else None
    # What the letter certifies, as stored when it was issued (not the bus as edited since).
    plate = letter.issued_plate or bus.plate
    seats = letter.issued_seats or bus.seats
    route = letter.issued_route or bus.route_name
    if letter.needs_approval:
        opening = (
            f"经审核，你单位通勤班车（车牌号 {plate}）符合疫情防控要求，同意在以下线路上使用。"
        )
    else:
        # Issued by the enterprise itself (the place does not review letters): registered.
        opening = f"你单位通勤班车（车牌号 {plate}）已经企业登记备案，在以下线路上使用。"
    text = (
        f"\u3000\u3000{bus.enterprise.name}：{opening}"
        f"请严格落实车辆消毒、乘车人员佩戴口罩和"
        f"体温检测登记制度，车上配备备用口罩，并将本函随车留存。"
    )
    rows = [
        ("企业名称", bus.enterprise.name),
        ("车牌号", plate),
        ("核定座位", f"{seats}座"),
        ("线路", route),
        ("停靠站点", "、".join(stops) or "—"),
        ("有效期", f"{chinese_date(letter.valid_from)}至{chinese_date(letter.valid_until)}"),
    ]
    if not letter.needs_approval:
        rows.append(("签发方式", f"企业登记备案（{letter.jurisdiction.name}未设审核）"))
    size, label_width = 12, 30 * mm
    value_width = width - 2 * MARGIN - label_width
    for line in wrap(text, name, size, width - 2 * MARGIN):
        pdf.setFont(name, size)
        pdf.drawString(MARGIN, y, line)
        y -= size * 1.7
    y -= 6 * mm
    for label, value in rows:
        pdf.drawString(MARGIN, y, f"{label}：")
        for line in wrap(str(value), name, size, value_width)[:4]:
            pdf.drawString(MARGIN + label_width, y, line)
            y -= size * 1.5
        y -= size / 3

    return finish(
        pdf,
        out,
        y=y + 2 * mm,
        issuer=letter.jurisdiction.name,
        day=issued_on,
        verify_url=verify_url,
        verify_hint="扫描二维码或访问以下网址核验本函真伪及是否有效：",
        revoked=letter.status == "revoked",
    )
