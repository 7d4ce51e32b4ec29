"""Every workforce page of each role on a 360 px phone (issue 13 point 7): the enterprise's
today's check-ins, gate and pass pages, the grid chief's approvals and health of the day, the
town's and county's staff figures and dashboard: each opens with its content and never needs a
sideways scroll of the whole screen (wide tables scroll inside their own box)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.workforce.models import Employee
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _member(role: str, **filters) -> Membership:
    member = (
        Membership.objects.filter(role=role, is_active=True, **filters)
        .select_related("user", "jurisdiction")
        .order_by("pk")
        .first()
    )
    assert member is not None, f"the demo county has a {role} user ({filters})"
    return member


def _fits(page, path: str, testid: str | None, artifacts, name: str) -> None:
    page.goto(path)
    expect(page.get_by_test_id(testid).first if testid else page.locator("h1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / f"{name}-360.png"), full_page=True)
    assert width <= 360, f"{path} is {width} px wide on a 360 px phone"


def test_the_enterprise_pages_fit_a_phone(new_page, artifacts):
    employee = Employee.objects.select_related("enterprise").order_by("pk").first()
    member = _member(Role.ENTERPRISE, enterprise=employee.enterprise)
    page = new_page(**PHONE)
    log_in(page, member.user.username)
    _fits(page, "/workforce/today/", "checkin-counts", artifacts, "today")
    _fits(page, "/workforce/gate/", None, artifacts, "gate")
    _fits(page, f"/workforce/{employee.pk}/pass/", "employee-measure", artifacts, "pass")


def test_the_grid_chief_pages_fit_a_phone(new_page, artifacts):
    member = _member(Role.CADRE)
    page = new_page(**PHONE)
    log_in(page, member.user.username)
    _fits(page, "/workforce/passes/approvals/", None, artifacts, "approvals")
    _fits(page, "/workforce/health/", None, artifacts, "health")


def test_the_town_and_county_pages_fit_a_phone(new_page, artifacts):
    for level in ("town", "county"):
        member = _member(Role.COMMAND, jurisdiction__level=level)
        page = new_page(**PHONE)
        log_in(page, member.user.username)
        _fits(page, "/workforce/figures/", "staff-table", artifacts, f"figures-{level}")
        _fits(page, "/workforce/health/", None, artifacts, f"health-{level}")
        _fits(page, "/stats/", "staff-compare", artifacts, f"dashboard-{level}")
