"""The inbox in a real browser (issue 12): a reviewer's page is open when a filing of their
office is submitted; the bell's badge shows it within the poll, the message opens the filing,
and the badge is gone once it is read."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from fugong.notifications.models import Message
from fugong.notifications.services import event_raise
from fugong.resumption.choices import Status
from fugong.resumption.models import Filing
from fugong.resumption.testing import reviewer_of
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@override_settings(FUGONG_INBOX_POLL_SECONDS=1)
def test_the_badge_shows_a_new_message_and_opening_it_reads_it(page):
    filing = (
        Filing.objects.filter(status=Status.SUBMITTED, lead_office__isnull=False)
        .select_related("enterprise")
        .first()
    )
    assert filing is not None, "the demo county has a submitted filing"
    reviewer = reviewer_of(filing)
    # From no unread message (the demo's own are read), so that the badge's count is known.
    Message.objects.filter(user=reviewer).update(read_at=timezone.now())
    log_in(page, reviewer.username)
    page.goto("/work/")
    badge = page.get_by_test_id("inbox-badge")
    expect(page.get_by_test_id("inbox-badge-slot")).to_be_attached()  # the first poll answered
    expect(badge).to_have_count(0)
    event_raise(
        kind="resumption.filing_submitted",
        subject=filing,
        params={"enterprise": filing.enterprise.name},
    )
    expect(badge).to_contain_text("1", timeout=10_000)
    page.get_by_test_id("inbox-link").click()
    page.wait_for_url("**/notifications/")
    message = page.get_by_test_id("message").first
    expect(message).to_contain_text(filing.enterprise.name)
    expect(message).to_contain_text("提交了复工申请")
    message.click()
    page.wait_for_url(f"**/resumption/{filing.pk}/")
    expect(page.get_by_test_id("inbox-badge")).to_have_count(0, timeout=10_000)


def test_a_command_office_sets_up_a_robot_tests_it_and_adds_who_receives(page, artifacts):
    """Issue 12 point 4 in the browser: the town's command office opens 通知配置 from the
    menu, adds a WeCom robot by pasting its webhook address, sends a test message (the fake
    WeCom service receives it, the page shows it sent), and has a recipient group receive the
    filings submitted in the town."""
    from fugong.notifications.models import RecipientGroup, RobotWebhook, Subscription
    from tests.notifications.fakes import fake_robots

    with fake_robots() as wecom:
        log_in(page, "town01_cmd")
        page.get_by_role("link", name="通知配置").first.click()
        page.wait_for_url("**/notifications/setup/")
        page.get_by_test_id("robot-new").click()
        page.get_by_label("群/组名称").fill("镇复工专班群")
        page.get_by_label("平台").select_option("wecom")
        page.get_by_label("Webhook 地址或密钥").fill(
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=browser-key-2468"
        )
        page.locator("input[name=kinds][value='resumption.filing_submitted']").check()
        page.get_by_role("button", name="保存").click()
        page.wait_for_url("**/notifications/setup/robots/*/")
        expect(page.get_by_test_id("robot-key")).to_have_text("…2468")
        page.get_by_test_id("robot-test").click()
        expect(page.get_by_test_id("robot-post-status").first).to_contain_text(
            "已发送", timeout=10_000
        )
        page.screenshot(path=str(artifacts / "notification-robot.png"), full_page=True)
    [posted] = wecom.requests
    assert "key=browser-key-2468" in posted["path"]
    assert "群机器人测试消息" in posted["json"]["text"]["content"]
    robot = RobotWebhook.objects.get(name="镇复工专班群")
    assert robot.kinds == ["resumption.filing_submitted"]

    page.get_by_role("link", name="通知配置").first.click()
    group = RecipientGroup.objects.filter(jurisdiction=robot.jurisdiction).first()
    form = page.get_by_test_id("subscription-form")
    form.get_by_label("事件").select_option("resumption.notice_issued")
    form.get_by_label("同时通知").select_option(f"group:{group.pk}")
    form.get_by_role("button", name="添加").click()
    expect(page.get_by_test_id("subscription").filter(has_text=group.name)).to_have_count(2)
    assert Subscription.objects.filter(group=group, kind="resumption.notice_issued").exists()
    page.screenshot(path=str(artifacts / "notification-setup.png"), full_page=True)
