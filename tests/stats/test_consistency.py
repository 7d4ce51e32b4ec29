"""One number, wherever it appears: for the same node and day, the dashboard, the list it
links to, the export of that list, the daily report, the narrative report and the API all
give the figures of fugong.stats.figures."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from fugong.core.models import Job, JobStatus
from fugong.reports import context as C
from fugong.reports.templates import docx_text
from fugong.stats import figures as F
from tests.stats.fixtures import build_hand_town
from tests.stats.test_api import Api
from tests.stats.test_reports import make, sheets

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr\b.*?</tr>", re.S)
CELL = re.compile(r'data-column="(\w+)">(?:<a href="([^"]+)" data-count="(\d+)")?')


def table_rows(html: str, testid: str) -> list[dict[str, tuple[str, int]]]:
    """Each body row of a dashboard table: column -> (list link, count shown)."""
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    out = []
    for tr in ROW.findall(body):
        out.append({col: (href, int(n)) for col, href, n in CELL.findall(tr) if href})
    return out


def list_count(client, href: str) -> int:
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 200
    return response.context["page"].paginator.count


def export_count(client, href: str, capture) -> int:
    query = urlsplit(href.replace("&amp;", "&")).query
    with capture(execute=True):
        response = client.post("/enterprises/export/", {"query": query})
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    data = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return len(rows) - 2  # less the watermark line and the header


@pytest.mark.parametrize("days_ago", [3, 0])
def test_dashboard_list_export_report_and_api_agree(
    days_ago, client, user, django_capture_on_commit_callbacks
):
    import datetime

    hand = build_hand_town()
    day = hand.today - datetime.timedelta(days=days_ago)
    me = user("county_cmd")
    figures = F.compute(user=me, node=hand.town, day=day)
    specs = F.category_rows()

    # The dashboard: every row of the category table, against the figures and the list.
    api = Api(client, "county_cmd")  # the token is issued before the session login
    client.force_login(me)
    html = client.get("/stats/", {"node": hand.town.pk, "day": day.isoformat()}).content.decode()
    rows = table_rows(html, "category-table")
    assert len(rows) >= len(specs)
    for spec, row in zip(specs, rows, strict=False):
        cell = figures.row(spec)
        for column, value in (
            ("units", cell.units),
            ("need", cell.need),
            ("resumed", cell.resumed),
        ):
            if value == 0 and column not in row:
                continue
            href, shown = row[column]
            assert shown == value, (spec.key, column)
            assert list_count(client, href) == value, (spec.key, column)
    # The export of a linked list has exactly as many rows (the resumed units of the town).
    total = table_rows(html, "category-table")[-1]
    href, shown = total["resumed"]
    assert shown == figures.total.resumed
    assert export_count(client, href, django_capture_on_commit_callbacks) == shown
    assert parse_qs(urlsplit(href.replace("&amp;", "&")).query)["as_of"] == [day.isoformat()]

    # The daily report: the category sheet's rows and the total.
    book = sheets(make(me, hand.town, day, "daily"))
    by_label = {r[0]: r for r in book["分类统计"] if r and r[0]}
    total_row = by_label["合计"]
    assert total_row[1:4] == (figures.total.units, figures.total.need, figures.total.resumed)
    assert total_row[7] == figures.total.employees and total_row[8] == figures.total.returned

    # The narrative report states the same totals.
    text = docx_text(make(me, hand.town, day, "narrative_town").result_file.open("rb").read())
    assert C.rate_text(figures.total, figures.denominator) in text
    assert f"总复工人数{figures.total.returned}人" in text
    assert C.pct(figures.total.return_rate) in text

    # The API.
    body = api.get("/api/v1/stats/figures", node=hand.town.pk, day=day.isoformat()).json()
    assert body["totals"]["units"] == figures.total.units
    assert body["totals"]["resumed"] == figures.total.resumed
    assert body["totals"]["returned"] == figures.total.returned
    api_rows = {r["key"]: r for r in body["rows"]}
    for spec in specs:
        assert api_rows[spec.key]["units"] == figures.row(spec).units, spec.key
