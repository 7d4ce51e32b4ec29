"""The county's dashboard in a real browser: the trend and the chart by town are drawn, a
town's name drills down to the town's dashboard, and a count there opens the enterprise list
with exactly that many rows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fugong.accounts.models import Jurisdiction
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

# ECharts draws into an <svg> inside the element (renderer "svg"); a drawn chart has paths.
DRAWN = "el => el.querySelectorAll('svg path').length"


def expect_drawn(page, testid: str) -> None:
    chart = page.get_by_test_id(testid)
    expect(chart.locator("svg")).to_have_count(1)
    page.wait_for_function(f"() => ({DRAWN})(document.querySelector('[data-testid={testid}]')) > 2")
    assert chart.evaluate(DRAWN) > 2


def test_the_county_dashboard_drills_down_to_a_town_and_its_list(page):
    county = Jurisdiction.objects.get(level="county")
    log_in(page, "county_cmd", next_url="/stats/")
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(county.name)
    expect_drawn(page, "trend-chart")
    expect_drawn(page, "child-chart")

    # Drill down: the first town's name leads to that town's dashboard.
    town_link = page.get_by_test_id("child-table").get_by_test_id("drill-down").first
    town_name = town_link.inner_text().strip()
    with page.expect_navigation():
        town_link.click()
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(town_name)
    expect(page.get_by_test_id("breadcrumb")).to_contain_text(county.name)
    expect_drawn(page, "trend-chart")

    # A count in the town's category table: the first that fits on one page of the list.
    counts = page.get_by_test_id("category-table").locator("a[data-count]")
    target = None
    for i in range(counts.count()):
        n = int(counts.nth(i).get_attribute("data-count"))
        if 0 < n <= 50:
            target, shown = counts.nth(i), n
            break
    assert target is not None, "no count between 1 and 50 in the town's table"
    assert target.inner_text().strip() == str(shown)
    with page.expect_navigation():
        target.click()
    assert re.search(r"/enterprises/\?", page.url)
    rows = page.get_by_test_id("enterprise-table").locator("tbody tr")
    expect(rows).to_have_count(shown)
    expect(page.get_by_test_id("result-count")).to_contain_text(str(shown))
