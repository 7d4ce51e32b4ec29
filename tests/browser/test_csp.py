"""The pages work under the Content-Security-Policy (no inline script, no eval) and the browser
reports no violation of it: the dashboard's charts are drawn (ECharts), the enterprise list
filters through htmx, its "select all" box and the autosubmit selects (status filter,
language) work through behaviours.js. A control proves the policy is enforced: an inline script
added to a page does not run and is reported."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

# Recorded in the page before any of its own scripts run.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
DRAWN = "el => el.querySelectorAll('svg path').length"


def watched(new_page):
    page = new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if "Content Security Policy" in msg.text or msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: console.append(f"page error: {exc}"))
    return page, console


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def expect_drawn(page, testid: str) -> None:
    page.wait_for_function(f"() => ({DRAWN})(document.querySelector('[data-testid={testid}]')) > 2")


def test_pages_work_under_the_policy_without_a_violation(new_page, live_server):
    page, console = watched(new_page)
    log_in(page, "county_cmd", next_url="/stats/")
    response = page.goto("/stats/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy

    # ECharts: the trend and the chart by town are drawn.
    expect_drawn(page, "trend-chart")
    expect_drawn(page, "child-chart")
    assert violations(page) == []

    # htmx: typing a search swaps the list in place.
    page.goto("/enterprises/")
    total = page.get_by_test_id("result-count").inner_text()
    first = page.get_by_test_id("enterprise-table").locator("tbody tr td a").first.inner_text()
    with page.expect_response(
        lambda r: "/enterprises/" in r.url and r.request.headers.get("hx-request")
    ):
        page.fill("#q", first.strip())
    expect(page.get_by_test_id("result-count")).not_to_have_text(total)
    assert page.get_by_test_id("enterprise-table").locator("tbody tr").count() >= 1

    # "Select all" (data-check-all) checks every row's box.
    page.goto("/enterprises/")
    boxes = page.locator("#bulk input[name=ids]")
    assert boxes.count() > 1
    page.locator("[data-check-all]").check()
    assert boxes.evaluate_all("els => els.every(e => e.checked)")
    page.locator("[data-check-all]").uncheck()
    assert boxes.evaluate_all("els => els.every(e => !e.checked)")
    assert violations(page) == []

    # An autosubmit select: the filing list's status filter.
    page.goto("/resumption/")
    select = page.locator("select[name=status]")
    value = select.locator("option").nth(1).get_attribute("value")
    with page.expect_navigation():
        select.select_option(value)
    assert f"status={value}" in page.url

    # The language switch (an autosubmit select in every page's menu).
    with page.expect_navigation():
        page.get_by_test_id("language").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert violations(page) == []
    assert not [m for m in console if "Content Security Policy" in m], console


def test_an_inline_script_is_blocked_and_reported(new_page, live_server):
    """Control: the checks above can see a violation, and the policy is really enforced."""
    page, console = watched(new_page)
    log_in(page, "county_cmd", next_url="/")
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.__ran = true";
            document.body.appendChild(s);
            const b = document.createElement("button");
            b.setAttribute("onclick", "window.__clicked = true");
            b.id = "inline-handler";
            document.body.appendChild(b);
        }"""
    )
    page.click("#inline-handler")
    page.wait_for_function("() => (window.__cspViolations || []).length >= 2")
    assert page.evaluate("window.__ran === undefined && window.__clicked === undefined")
    assert any(v.startswith("script-src") for v in violations(page))
