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
