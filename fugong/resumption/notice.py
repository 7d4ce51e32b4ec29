"""The printable 复工复产通知书 (A4 PDF) with a QR code that leads to the public verification
page. Only what the public page shows is printed: no phones, no contact person, no staff."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from reportlab.lib.units import mm

from fugong.core.pdf import (
    MARGIN,
    QR_QUIET_ZONE,
    QR_SIZE,
    WIDTH,
    begin,
    chinese_date,
    finish,
    font,
    wrap,
)
from fugong.resumption.models import Notice

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["MARGIN", "QR_QUIET_ZONE", "QR_SIZE", "notice_pdf", "verify_url"]

TITLE = "复工复产通知书"
# The standard wording (seed 004).
STANDARD_TEXT = (
    "经审核，你单位复工复产申请符合要求，准予复工复产。"
    "企业应严格按照疫情防控工作方案和复产方案要求组织生产，"
    "落实防控主体责任，做好员工健康监测、场所消毒和防护物资储备，"
    "发现异常情况立即报告属地并启动应急预案。"
)


def verify_url(request: HttpRequest, notice: Notice) -> str:
    """The absolute address of the public verification page of ``notice``."""
    return request.build_absolute_uri(reverse("public:verify", args=[notice.token]))


def notice_pdf(notice: Notice, *, verify_url: str) -> bytes:
    """The notice as an A4 PDF; ``verify_url`` goes into the QR code and is printed under it."""
    filing = notice.filing
    enterprise = filing.enterprise
    name = font()
    width = WIDTH
    out = io.BytesIO()
    pdf, y = begin(out, title=TITLE, number=notice.number, author=notice.jurisdiction.name)

    # The particulars.
    issued_on = timezone.localtime(notice.issued_at).date()
    rows = [
        ("企业名称", enterprise.name),
        ("统一社会信用代码", enterprise.credit_code or "—"),
        ("企业地址", enterprise.address or "—"),
        ("计划复工日期", chinese_date(filing.planned_date)),
        ("发证单位", notice.jurisdiction.name),
        ("发证日期", chinese_date(issued_on)),
    ]
    label_width = 38 * mm
    value_width = width - 2 * MARGIN - label_width
    text = "\u3000\u3000" + STANDARD_TEXT
    # The body shrinks (down to 8 pt) if very long names or addresses would reach the
    # signature and the QR code at the foot of the page.
    floor = MARGIN + 14 * mm + QR_SIZE + 30 * mm
    for size in (12, 11, 10, 9, 8):
        row_lines = [(label, wrap(str(value), name, size, value_width)) for label, value in rows]
        text_lines = wrap(text, name, size, width - 2 * MARGIN)
        leading, gap = size * 1.5, size / 3
        needed = sum(len(lines) * leading + gap for _, lines in row_lines)
        needed += 8 * mm + len(text_lines) * size * 1.65
        if y - needed >= floor:
            break

    pdf.setFont(name, size)
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

    return finish(
        pdf,
        out,
        y=y,
        issuer=notice.jurisdiction.name,
        day=issued_on,
        verify_url=verify_url,
        verify_hint="扫描二维码或访问以下网址核验本通知书真伪：",
        revoked=notice.revoked,
    )
