"""A request round the loop in the browser (issue 14 point 9): an enterprise's user raises
it from the menu on a phone, the town's command office dispatches it from its queue with the
routing table's department chosen, the department signs for it and replies from its inbox,
the enterprise rates the reply; each page in Chinese, without a sideways scroll on 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.cases import services
from fugong.cases.models import Case
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_request_round_the_loop(new_page, artifacts):
    member = (
        Membership.objects.filter(role=Role.ENTERPRISE, is_active=True, enterprise__isnull=False)
        .select_related("user", "enterprise__jurisdiction")
        .order_by("pk")
        .first()
    )
    page = new_page(**PHONE)
    log_in(page, member.user.username)
    page.goto("/cases/")
    page.get_by_test_id("case-new").click()
    page.get_by_label("诉求类别").select_option(label="用工")
    page.get_by_label("标题").fill("急需电焊工")
    page.get_by_label("诉求内容").fill("新接订单，急需电焊工10名，请协助对接。")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "submitted")
    _fits(page)
    case = Case.objects.get(title="急需电焊工")

    dispatcher = (
        Membership.objects.filter(
            role=Role.COMMAND,
            is_active=True,
            jurisdiction__path=services.town_of(case.jurisdiction).path,
        )
        .select_related("user")
        .first()
    )
    page = new_page()
    log_in(page, dispatcher.user.username)
    page.goto("/cases/queue/")
    page.get_by_test_id("case-row").filter(has_text="急需电焊工").click()
    lead = services.route(case)[0]
    expect(page.locator("#lead")).to_have_value(str(lead.pk))  # the routing table's choice
    page.get_by_test_id("dispatch-form").get_by_role("button", name="转办").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "dispatched")
    page.screenshot(path=str(artifacts / "case-dispatched.png"), full_page=True)

    handler = Membership.objects.filter(office=lead, is_active=True).select_related("user").first()
    page = new_page(**PHONE)
    log_in(page, handler.user.username)
    page.goto("/cases/inbox/")
    page.get_by_test_id("case-row").filter(has_text="急需电焊工").click()
    page.get_by_test_id("step-accept").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "handling")
    page.get_by_label("答复企业").fill("已在人力资源市场发布招聘信息。")
    page.get_by_test_id("reply-form").get_by_role("button", name="答复").click()
    expect(page.get_by_test_id("case-reply")).to_contain_text("人力资源市场")
    _fits(page)

    page = new_page(**PHONE)
    log_in(page, member.user.username)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_label("满意", exact=True).check()
    page.get_by_test_id("rate-form").get_by_role("button", name="提交评价").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "closed")
    expect(page.get_by_test_id("case-rating")).to_contain_text("满意")
    _fits(page)
    page.screenshot(path=str(artifacts / "case-closed-360.png"), full_page=True)
