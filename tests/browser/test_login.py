"""Logging in and out, the lockout after repeated wrong passwords, the language switch and
the phone-width layout, in a real browser."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOGIN_URL = re.compile(r"/account/login/(\?.*)?$")


def submit_login(page, username: str, password: str):
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation() as navigation:
        page.click("form button[type=submit]")
    return navigation.value


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page):
    page.goto("/account/login/")
    response = submit_login(page, "town01_cmd", "not-the-password")
    assert response.status == 200
    expect(page).to_have_url(LOGIN_URL)
    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(str(settings.AXES_FAILURE_LIMIT))  # "after 5 wrong tries…"
    expect(page.get_by_test_id("lockout")).to_have_count(0)
    expect(page.locator("input[name=username]")).to_have_value("town01_cmd")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)


def test_lockout_after_the_failure_limit(page):
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    page.goto("/account/login/")
    for _ in range(limit - 1):
        submit_login(page, "town01_cmd", "not-the-password")
        expect(page.get_by_test_id("login-error")).to_be_visible()
        expect(page.get_by_test_id("lockout")).to_have_count(0)

    response = submit_login(page, "town01_cmd", "not-the-password")
    assert response.status == 429
    expect(page).to_have_url(LOGIN_URL)
    lockout = page.get_by_test_id("lockout")
    expect(lockout).to_be_visible()
    expect(page.get_by_test_id("login-error")).to_have_count(0)
    minutes = [int(n) for n in re.findall(r"\d+", lockout.inner_text())]
    assert minutes and 1 <= minutes[0] <= cool_off, lockout.inner_text()

    # Locked means locked: the right password does not get in either.
    submit_login(page, "town01_cmd", DEMO_PASSWORD)
    expect(page.get_by_test_id("lockout")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)

    # The lock is on that user name: another account still logs in from the same browser.
    submit_login(page, "town02_cmd", DEMO_PASSWORD)
    expect(page.get_by_test_id("user-menu")).to_be_visible()


def test_logout_through_the_user_menu(page):
    log_in(page, "town01_cmd")
    page.get_by_test_id("user-menu").click()
    logout = page.locator("form[action$='/account/logout/'] button[type=submit]")
    expect(logout).to_be_visible()
    with page.expect_navigation():
        logout.click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)

    # The session is gone: a page behind the login sends us back to the form.
    page.goto("/enterprises/")
    expect(page).to_have_url(re.compile(r"/account/login/\?next=/enterprises/$"))


@pytest.mark.parametrize("locale", ["zh-CN", "fr-FR"])
def test_default_language_is_chinese(new_page, locale):
    # A Chinese browser, and one that asks for a language the platform does not offer.
    page = new_page(locale=locale)
    page.goto("/account/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("language")).to_have_value("zh-hans")


def test_switching_the_language_to_english_and_back(page):
    page.goto("/account/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    with page.expect_navigation():
        page.get_by_test_id("language").select_option("en")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("language")).to_have_value("en")

    # The choice outlives logging in, and the navbar's select switches back.
    submit_login(page, "town01_cmd", DEMO_PASSWORD)
    expect(page.get_by_test_id("user-menu")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.get_by_test_id("language").select_option("zh-hans")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_phone_width_collapses_the_navbar(new_page):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, "town01_cmd")
    expect(page.get_by_test_id("area")).to_be_visible()
    toggler = page.locator("nav .navbar-toggler")
    expect(toggler).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_be_hidden()
    # Nothing spills sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    toggler.click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_test_id("user-menu")).to_be_visible()
    expect(page.locator("#mainnav a[href='/enterprises/']")).to_be_visible()
