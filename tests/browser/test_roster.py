"""The roster on a phone (issue 13 point 7: mobile-first, 360 px): an enterprise's user opens
员工花名册 from the menu, reads its staff with their numbers, adds a person through the form
(a wrong check digit first: told what is wrong, nothing saved), and the page never needs a
sideways scroll of the whole screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from stdnum.cn import ric

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.workforce.models import Employee
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_an_enterprise_keeps_its_roster_on_a_360_px_phone(new_page, artifacts):
    employee = Employee.objects.select_related("enterprise").order_by("pk").first()
    assert employee is not None, "the demo county has rosters"
    member = Membership.objects.filter(
        role=Role.ENTERPRISE, enterprise=employee.enterprise, is_active=True
    ).first()
    assert member is not None, "the demo's enterprise has a user"
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    log_in(page, member.user.username)
    page.goto("/workforce/")
    rows = page.get_by_test_id("employee-card")
    expect(rows.first).to_be_visible()
    assert rows.count() == Employee.objects.filter(enterprise=employee.enterprise).count()
    expect(rows.filter(has_text=employee.person.id_number)).to_be_visible()  # its own, in clear
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_test_id("employee-new").click()
    body = "42010619850301123"
    good = body + ric.calc_check_digit(body + "0")
    bad = body + ("0" if good[-1] != "0" else "1")
    page.get_by_label("姓名").fill("吴十")
    page.get_by_label("身份证号").fill(bad)
    page.get_by_label("来源地").select_option("out_of_province")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("校验位")
    assert not Employee.objects.filter(person__name="吴十").exists()
    page.get_by_label("身份证号").fill(good)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/workforce/")
    expect(page.get_by_test_id("employee-card").filter(has_text="吴十")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "roster-360.png"), full_page=True)


def test_an_employee_checks_in_on_a_360_px_phone(new_page, artifacts):
    """The employee's own page (issue 13 point 7): their status and a check-in in a few taps;
    an abnormal reading is shown as such."""
    employee = (
        Employee.objects.filter(user__isnull=False).select_related("user").order_by("pk").first()
    )
    assert employee is not None, "the demo's employee accounts are on their rosters"
    employee.checkins.all().delete()
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    log_in(page, employee.user.username)
    page.goto("/workforce/me/")
    expect(page.get_by_test_id("my-status")).to_be_visible()
    page.get_by_label("体温（°C）").fill("37.6")
    page.get_by_role("button", name="打卡").click()
    expect(page.get_by_test_id("checked-in")).to_contain_text("37.6")
    assert employee.checkins.get().abnormal
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "checkin-360.png"), full_page=True)


def test_an_employee_checks_in_from_the_home_page_on_a_360_px_phone(new_page, artifacts):
    """The employee's home page after logging in (issue 13 point 7): their status, the
    check-in form and their pass; checking in from it lands on their own page, done."""
    employee = (
        Employee.objects.filter(user__isnull=False).select_related("user").order_by("-pk").first()
    )
    employee.checkins.all().delete()
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    log_in(page, employee.user.username)
    page.goto("/")
    expect(page.get_by_test_id("my-status")).to_be_visible()
    expect(page.get_by_role("link", name="我的打卡和通行码")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("体温（°C）").fill("36.6")
    page.get_by_role("button", name="打卡").click()
    expect(page.get_by_test_id("checked-in")).to_contain_text("36.6")
    assert "/workforce/me/" in page.url and employee.checkins.count() == 1
    page.goto("/")
    expect(page.get_by_test_id("checked-in")).to_be_visible()
    page.screenshot(path=str(artifacts / "employee-home-360.png"), full_page=True)
