"""The inspection checklist on a 360 px phone (issue 15 point 7): it fits the screen, and what
the inspector types is kept when the connection drops (on the phone at once, on the server as
soon as it is back), so a reload or a dead zone loses nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fugong.inspections.models import Inspection
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def test_the_checklist_keeps_answers_when_the_connection_drops(new_page, artifacts):
    inspection = (
        Inspection.objects.filter(status="planned", inspector__isnull=False)
        .exclude(kind="self_check")
        .select_related("inspector", "template")
        .order_by("pk")
        .first()
    )
    assert inspection is not None, "the demo county has a planned inspection with an inspector"
    first, second = list(inspection.template.items.filter(kind="check").order_by("position")[:2])
    page = new_page(**PHONE)
    log_in(page, inspection.inspector.username)
    page.goto(f"/inspections/{inspection.pk}/fill/")
    expect(page.get_by_test_id("checklist")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Offline: the answers stay on the phone, the page says so.
    page.context.set_offline(True)
    page.locator(f'input[name="item_{first.pk}"][value="fail"]').check()
    page.locator(f'input[name="item_{first.pk}_text"]').fill("消毒台账缺失")
    expect(page.get_by_test_id("draft-status")).to_contain_text("离线", timeout=10_000)
    page.screenshot(path=str(artifacts / "inspection-offline-360.png"), full_page=True)
    inspection.refresh_from_db()
    assert inspection.draft == {}  # the server never heard of them
    # Back online, the page reloaded: the phone's copy fills the form again.
    page.context.set_offline(False)
    page.reload()
    expect(page.locator(f'input[name="item_{first.pk}"][value="fail"]')).to_be_checked()
    expect(page.locator(f'input[name="item_{first.pk}_text"]')).to_have_value("消毒台账缺失")
    # ...and what was restored reaches the server at once, before any new answer.
    expect(page.get_by_test_id("draft-status")).to_contain_text("草稿", timeout=10_000)
    inspection.refresh_from_db()
    assert inspection.draft[f"item_{first.pk}_text"] == "消毒台账缺失"
    # The next answer reaches the server's draft too (another phone would find them).
    page.get_by_test_id("draft-status").evaluate("el => { el.textContent = ''; }")
    page.locator(f'input[name="item_{second.pk}"][value="pass"]').check()
    expect(page.get_by_test_id("draft-status")).to_contain_text("草稿", timeout=10_000)
    inspection.refresh_from_db()
    assert inspection.draft[f"item_{first.pk}"] == "fail"
    assert inspection.draft[f"item_{first.pk}_text"] == "消毒台账缺失"
    assert inspection.draft[f"item_{second.pk}"] == "pass"
