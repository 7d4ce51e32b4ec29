"""The printed 复工复产通知书 and the public page its QR code leads to."""

from __future__ import annotations

import io
import re

import pytest
import segno
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from fugong.resumption.models import Notice
from fugong.resumption.notice import QR_QUIET_ZONE, notice_pdf, verify_url


@pytest.fixture
def notice(demo) -> Notice:
    notice = Notice.objects.select_related("filing__enterprise", "jurisdiction").first()
    assert notice is not None, "the demo county has issued notices"
    return notice


@pytest.fixture
def url(notice) -> str:
    return verify_url(RequestFactory().get("/"), notice)


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def qr_rects(data: bytes) -> tuple[float, float, float, list[tuple[float, ...]]]:
    """The QR code's rectangles on the page: the first is its white square (size and lower
    left corner are returned), the others are runs of dark modules."""
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    rects = [
        tuple(float(v) for v in m.groups())
        for m in re.finditer(r"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re\b", content)
    ]
    (x0, y0, size, _), runs = rects[0], rects[1:]
    return size, x0, y0, runs


def test_verify_url_is_the_absolute_public_address(notice, url):
    assert url == f"http://testserver/v/{notice.token}/"
    assert reverse("public:verify", args=[notice.token]) == f"/v/{notice.token}/"


def test_notice_pdf_has_the_particulars(notice, url):
    data = notice_pdf(notice, verify_url=url)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    flat = text.replace("\n", "")
    enterprise = notice.filing.enterprise
    assert "复工复产通知书" in text
    assert notice.number in text
    assert enterprise.name in flat
    assert enterprise.credit_code in text
    assert notice.jurisdiction.name in text
    assert "疫情防控工作方案和复产方案" in flat
    assert url in text
    planned = notice.filing.planned_date
    assert f"{planned.year}年{planned.month}月{planned.day}日" in text
    # Nothing private.
    for private in (enterprise.contact_phone, enterprise.contact_name):
        assert private and private not in flat
    assert "已撤销" not in text


def test_notice_pdf_qr_code_encodes_the_verify_url(notice, url):
    data = notice_pdf(notice, verify_url=url)
    size, x0, y0, runs = qr_rects(data)
    expected = segno.make(url, error="m").matrix
    count = len(expected) + 2 * QR_QUIET_ZONE
    module = size / count
    dark = set()
    for x, y, w, h in runs:
        assert h == pytest.approx(module, rel=1e-3)
        row = round((y0 + size - (y + h)) / module) - QR_QUIET_ZONE
        first = round((x - x0) / module) - QR_QUIET_ZONE
        dark |= {(row, col) for col in range(first, first + round(w / module))}
    wanted = {(r, c) for r, line in enumerate(expected) for c, v in enumerate(line) if v}
    assert dark == wanted


def test_revoked_notice_pdf_is_marked(notice, url):
    notice.revoked = True
    assert "已撤销" in pdf_text(notice_pdf(notice, verify_url=url))


def test_verify_page_valid_for_anyone(english, notice):
    response = english.get(f"/v/{notice.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="valid"' in html
    assert "This notice is valid." in html
    assert notice.number in html
    assert notice.filing.enterprise.name in html
    assert notice.jurisdiction.name in html
    assert '<meta name="robots" content="noindex' in html
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert 'data-testid="user-menu"' not in html  # no navigation for the anonymous visitor


def test_verify_page_shows_nothing_private(english, notice):
    enterprise = notice.filing.enterprise
    filing = notice.filing
    html = english.get(f"/v/{notice.token}/").content.decode()
    private = [enterprise.contact_name, enterprise.contact_phone, enterprise.legal_representative]
    # The leading group's names and phones (one member per line: name, post, phone).
    private += [part for line in filing.leading_group.splitlines() for part in line.split()[::2]]
    for value in filter(None, private):
        assert value not in html, value
    assert "/media/" not in html and "filings/" not in html


def test_verify_page_revoked(english, notice):
    Notice.objects.filter(pk=notice.pk).update(revoked=True, revoked_reason="内部原因")
    response = english.get(f"/v/{notice.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="revoked"' in html
    assert "This notice has been revoked." in html
    assert "This notice is valid." not in html
    assert notice.number in html
    assert "内部原因" not in html


def test_verify_page_suspended_while_an_order_to_stop_is_in_force(client, notice):
    """A checkpoint scanning the notice of an enterprise ordered to stop must see it."""
    from fugong.accounts.models import Membership
    from fugong.core import tree
    from fugong.inspections import services
    from fugong.inspections.choices import StopStatus

    enterprise = notice.filing.enterprise
    command = Membership.objects.filter(
        role="command", jurisdiction__path__in=tree.ancestor_paths(enterprise.jurisdiction)
    ).first()
    stop = services.stop_issue(actor=command.user, enterprise=enterprise, facts="无证经营")
    html = client.get(f"/v/{notice.token}/").content.decode()
    assert 'data-state="suspended"' in html
    assert stop.number in html and "暂停有效" in html
    assert 'data-state="valid"' not in html
    type(stop).objects.filter(pk=stop.pk).update(status=StopStatus.LIFTED)
    assert 'data-state="valid"' in client.get(f"/v/{notice.token}/").content.decode()


def test_verify_page_unknown_token_is_404(english, demo):
    response = english.get("/v/no-such-notice-token/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-state="unknown"' in html
    assert "No resumption notice matches this address." in html
    assert "noindex" in html


def test_verify_page_in_chinese_by_default(client, notice):
    response = client.get(f"/v/{notice.token}/")
    assert response.status_code == 200
    assert notice.number in response.content.decode()


def test_verify_page_is_read_only(client, notice):
    assert client.post(f"/v/{notice.token}/").status_code == 405


def test_notice_pdf_long_particulars_stay_clear_of_the_qr_code(notice, url):
    from reportlab.lib.units import mm

    from fugong.resumption.notice import MARGIN, QR_SIZE

    enterprise = notice.filing.enterprise
    enterprise.name = "青溪县" + "超长名称实业发展" * 24 + "有限公司"
    enterprise.address = "青溪县桃源镇" + "某某路某某号某某大厦" * 19
    data = notice_pdf(notice, verify_url=url)
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    texts = re.findall(r"1 0 0 1 [\d.]+ ([\d.]+) Tm (?:/F\d ([\d.]+) Tf)?.*?\((.)", content)
    url_line = next(i for i, t in enumerate(texts) if t[2] == "h")  # Helvetica: http://...
    body = texts[: url_line - 1]  # all but the QR caption and the address
    qr_top = MARGIN + 14 * mm + QR_SIZE
    assert len(body) >= 20  # the long name and address take several lines each
    assert min(float(y) for y, _, _ in body) > qr_top + 5 * mm
    assert 8 <= min(float(size) for _, size, _ in body if size) < 12  # shrunk to fit
    assert "超长名称实业发展" in pdf_text(data).replace("\n", "")
