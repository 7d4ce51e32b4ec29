"""举报 on a 360 px phone, in the browser: the public page (no login) in Chinese, the CAPTCHA
picture drawn, a tip sent, its receipt, and the lookup by the code; no sideways scroll."""

from __future__ import annotations

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_tip_from_a_phone(new_page, artifacts):
    page = new_page(**PHONE)
    page.goto("/tips/")
    expect(page.get_by_test_id("tip-form")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    picture = page.get_by_test_id("captcha-image")
    expect(picture).to_be_visible()
    assert page.evaluate("document.querySelector('[data-testid=captcha-image]').naturalWidth") > 0
    page.screenshot(path=str(artifacts / "tip-new-360.png"), full_page=True)
    assert _width(page) <= 360
    page.select_option("#id_place", index=1)
    page.fill("#id_enterprise_name", "某某电子厂")
    page.fill("#id_text", "车间未测体温，员工未戴口罩。")
    page.fill("#id_contact_phone", "13912345678")
    key = page.input_value("input[name=captcha_0]")
    page.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)
    page.get_by_test_id("tip-submit").click()
    expect(page.get_by_test_id("tip-code")).to_be_visible()
    code = page.get_by_test_id("tip-code").inner_text()
    page.screenshot(path=str(artifacts / "tip-done-360.png"), full_page=True)
    assert _width(page) <= 360
    page.goto("/tips/lookup/")
    page.fill("#id_code", code)
    page.locator("[data-testid=lookup-form] button").click()
    expect(page.get_by_test_id("tip-status")).to_be_visible()
    page.screenshot(path=str(artifacts / "tip-lookup-360.png"), full_page=True)
    assert _width(page) <= 360
