"""Issue 14's pages for the roles tests/browser/test_cases.py does not drive (point 9): a
cadre plans and records a visit and raises a request from it on a 360 px phone (无事不扰
said and enforced), the county's command office groups common problems and turns one into a
policy question, puts an enterprise on the green channel (first in the queue) and follows
the visits' coverage."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fugong.cases.choices import Source, Status
from fugong.cases.models import Case
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def test_a_cadre_plans_records_and_raises_from_a_visit_in_the_browser(new_page):
    from fugong.cases.models import Visit
    from fugong.enterprises.models import Assignment

    # The demo's first cadre visited this enterprise last week and plans one next week.
    a = Assignment.objects.select_related("user", "enterprise").order_by("pk").first()
    assert Visit.objects.filter(enterprise=a.enterprise).count() == 2
    page = new_page(**PHONE)
    log_in(page, a.user.username)
    page.goto("/cases/visits/")
    expect(page.get_by_test_id("visit-row").first).to_be_visible()
    page.goto(f"/cases/visits/?enterprise={a.enterprise.pk}")
    expect(page.get_by_test_id("quiet")).to_contain_text("2")  # 无事不扰: told when planning
    page.get_by_test_id("visit-plan-submit").click()
    expect(page.locator(".alert-danger")).to_be_visible()  # one more is refused
    assert Visit.objects.filter(enterprise=a.enterprise).count() == 2
    page.locator("#asked").check()  # unless the enterprise asked for it
    page.get_by_test_id("visit-plan-submit").click()
    expect(page.get_by_test_id("visit-state")).to_be_visible()
    visit = Visit.objects.filter(enterprise=a.enterprise).order_by("-pk").first()
    assert visit.asked_by_enterprise and f"/cases/visits/{visit.pk}/" in page.url
    page.locator("#met").fill("李厂长")
    page.locator("#findings").fill("订单恢复，急需叉车司机5名。")
    page.get_by_test_id("visit-record").locator("button[type=submit]").click()
    expect(page.get_by_test_id("visit-findings")).to_contain_text("叉车司机")
    page.get_by_test_id("visit-raise").click()
    page.get_by_label("诉求类别").select_option(label="用工")
    page.get_by_label("标题").fill("急需叉车司机")
    page.get_by_label("诉求内容").fill("走访发现：订单恢复，急需叉车司机5名。")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "submitted")
    case = Case.objects.get(title="急需叉车司机")
    assert case.visit_id == visit.pk and case.source == Source.VISIT
    assert case.enterprise_id == a.enterprise_id
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_command_office_groups_flags_and_follows_coverage_in_the_browser(new_page):
    from fugong.cases.models import CommonProblem
    from fugong.enterprises.models import GreenChannel

    page = new_page()
    log_in(page, "county_cmd")
    # 共性问题: the demo has the same asks from several enterprises, waiting.
    page.goto("/cases/common/")
    page.get_by_test_id("group-now").click()
    page.wait_for_url("**/jobs/**")
    page.goto("/cases/common/")
    problems = page.get_by_test_id("common-problem")
    expect(problems.first).to_be_visible()
    first = CommonProblem.objects.filter(state="open").order_by("pk").first()
    assert first is not None and first.enterprises >= 2
    card = problems.filter(has_text=first.members.first().number)
    card.get_by_role("textbox").fill("返岗员工不足的用工支持政策")
    card.locator("button[value=policy]").click()
    expect(page.get_by_test_id("common-problem").first).to_be_visible()
    first.refresh_from_db()
    assert first.state == "policy" and first.question == "返岗员工不足的用工支持政策"
    # 绿色通道: an enterprise with a request waiting for dispatch, set with the reason.
    waiting = Case.objects.filter(status=Status.SUBMITTED).select_related("enterprise").first()
    page.goto(f"/cases/green/?q={waiting.enterprise.name}")
    page.locator("#enterprise").select_option(str(waiting.enterprise_id))
    page.locator("#reason").fill("防疫物资保供企业")
    page.get_by_test_id("green-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("green-row").filter(has_text="防疫物资保供企业")).to_be_visible()
    green = GreenChannel.objects.get(enterprise=waiting.enterprise_id)
    assert green.is_active and green.set_by.username == "county_cmd"
    page.goto("/cases/queue/")
    row = page.get_by_test_id("case-row").first
    expect(row).to_contain_text(waiting.number)  # first in the queue
    expect(row.get_by_test_id("green")).to_be_visible()
    # 走访覆盖: the rate and those not visited with their cadres.
    page.goto("/cases/visits/coverage/")
    expect(page.get_by_test_id("coverage-rate").first).to_be_visible()
    expect(page.get_by_test_id("coverage-missing").first).to_be_visible()
