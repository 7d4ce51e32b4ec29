"""Data scope seen through the browser: each town's command office sees its own town's
enterprises only, and an enterprise user sees its own enterprise only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fugong.accounts.choices import Level
from fugong.accounts.models import Jurisdiction, User
from fugong.enterprises.models import Enterprise
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def town(n: int) -> Jurisdiction:
    return Jurisdiction.objects.filter(level__in=[Level.TOWN, Level.STREET]).order_by("code")[n - 1]


def names_in(jurisdiction: Jurisdiction) -> set[str]:
    qs = Enterprise.objects.filter(jurisdiction__path__startswith=jurisdiction.path)
    return set(qs.values_list("name", flat=True))


def listed_names(page) -> list[str]:
    return page.locator(
        "[data-testid=enterprise-table] tbody a[href^='/enterprises/']"
    ).all_inner_texts()


# The bars grow for about a second (ECharts' entry animation): wait until there are ``n`` of
# them, all taller than zero, and their heights stopped changing.
BARS_SETTLED = """n => {
  const bars = Array.from(document.querySelectorAll('[data-chart] svg path[fill="#0d6efd"]'));
  const heights = bars.map(b => Math.round(b.getBBox().height)).join();
  const settled = bars.length === n && bars.every(b => b.getBBox().height > 0)
    && heights === window.__fugongBars;
  window.__fugongBars = heights;
  return settled;
}"""


def wait_for_bars(page, n: int) -> None:
    page.wait_for_function(BARS_SETTLED, arg=n, polling=150)


def test_each_town_command_office_sees_only_its_own_town(new_page):
    first, second = town(1), town(2)
    assert (first.name, second.name) == ("城关街道", "东湖街道")
    mine = {first: names_in(first), second: names_in(second)}
    assert mine[first] and mine[second] and not mine[first] & mine[second]
    other_detail = {
        first: Enterprise.objects.filter(jurisdiction__path__startswith=second.path).first().pk,
        second: Enterprise.objects.filter(jurisdiction__path__startswith=first.path).first().pk,
    }

    # Two separate browser contexts (own cookies), logged in side by side.
    pages = {first: new_page(), second: new_page()}
    log_in(pages[first], "town01_cmd")
    log_in(pages[second], "town02_cmd")
    for node, page in pages.items():
        page.goto("/enterprises/")
        expect(page.get_by_test_id("enterprise-table")).to_be_visible()
        seen = listed_names(page)
        assert set(seen) == mine[node], node.name
        assert len(seen) == len(mine[node])
        expect(page.get_by_test_id("result-count")).to_contain_text(str(len(mine[node])))

        # The other town's enterprise, opened by its address: the 404 page.
        response = page.goto(f"/enterprises/{other_detail[node]}/")
        assert response.status == 404
        expect(page.locator("h1")).to_have_text("404")
        # Its own enterprise opens.
        own = Enterprise.objects.filter(jurisdiction__path__startswith=node.path).first()
        response = page.goto(f"/enterprises/{own.pk}/")
        assert response.status == 200
        expect(page.locator("main")).to_contain_text(own.name)

    # The sessions did not leak into each other.
    pages[first].goto("/enterprises/")
    assert set(listed_names(pages[first])) == mine[first]


def test_live_search_stays_inside_the_town(page):
    first, second = town(1), town(2)
    own = sorted(names_in(first))[0]
    foreign = sorted(names_in(second))[0]
    log_in(page, "town01_cmd")
    page.goto("/enterprises/")
    table = page.get_by_test_id("enterprise-table")

    # Typing searches as you type (HTMX, no form submission) and pushes the query into the URL.
    page.locator("#q").fill(own)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody a[href^='/enterprises/']")).to_have_text(own)
    expect(page).to_have_url(re.compile(r"[?&]q="))

    # The other town's enterprise is not found, even by its exact name.
    page.locator("#q").fill(foreign)
    expect(table.locator("tbody td a")).to_have_count(0)
    expect(table.locator("tbody tr")).to_have_count(1)  # the "nothing to show" row

    # By credit code too.
    code = Enterprise.objects.get(name=own).credit_code
    page.locator("#q").fill(code)
    expect(table.locator("tbody a[href^='/enterprises/']")).to_have_text(own)


def test_jurisdiction_drill_down(page):
    first = town(1)
    villages = list(first.children.order_by("code"))
    log_in(page, "town01_cmd")
    page.goto("/jurisdictions/")
    table = page.get_by_test_id("jurisdiction-table")
    expect(table.locator("tbody td:first-child a")).to_have_text([first.name])

    # Clicking a node swaps the tree in place (HTMX) and pushes the URL.
    table.get_by_role("link", name=first.name, exact=True).click()
    expect(table.locator("tbody td:first-child a")).to_have_text([v.name for v in villages])
    expect(page).to_have_url(re.compile(rf"[?&]parent={first.pk}$"))
    expect(page.locator(".breadcrumb-item.active")).to_have_text(first.name)

    # Another town's node, asked for by its id, is not shown: back to the user's own roots.
    other = town(2)
    page.goto(f"/jurisdictions/?parent={other.pk}")
    expect(table.locator("tbody td:first-child a")).to_have_text([first.name])


def test_enterprise_user_sees_only_its_own_enterprise(page):
    user = User.objects.get(username="town01_ent1")
    own = user.memberships.get(enterprise__isnull=False).enterprise
    log_in(page, "town01_ent1")
    expect(page.get_by_test_id("own-enterprise")).to_contain_text(own.name)
    page.goto("/enterprises/")
    assert listed_names(page) == [own.name]

    neighbour = Enterprise.objects.exclude(pk=own.pk).filter(jurisdiction=own.jurisdiction).first()
    neighbour = neighbour or Enterprise.objects.exclude(pk=own.pk).first()
    response = page.goto(f"/enterprises/{neighbour.pk}/")
    assert response.status == 404


def test_command_office_home_page_screenshot(page, artifacts):
    first = town(1)
    log_in(page, "town01_cmd")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    area = page.get_by_test_id("area")
    expect(area).to_have_count(1)
    expect(area).to_contain_text(first.name)
    # One row per village, with its enterprise count, and the chart drawn (ECharts SVG).
    counts = area.get_by_test_id("child-count").all_inner_texts()
    assert sum(int(c) for c in counts) == len(names_in(first))
    expect(page.locator("[data-chart][data-drawn] svg")).to_have_count(1)
    wait_for_bars(page, len(counts))
    # Bootstrap's stylesheet is loaded (the navbar is styled, not a bare list).
    assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"
    page.screenshot(path=str(artifacts / "command-home.png"), full_page=True)
