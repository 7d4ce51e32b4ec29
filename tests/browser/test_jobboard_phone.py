"""The public job board on a 360 px phone, in the browser (issue 17 point 2): no login, in
Chinese, a search by pinyin initials, "more" loading the next rows in place (htmx), a
vacancy's page; no sideways scroll."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from fugong.enterprises.models import Enterprise
from fugong.vacancies import demo, services

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_job_board_on_a_phone(new_page, artifacts):
    # More vacancies than a page holds, made by the demo's own generator.
    everyone = demo.enterprise_sections(Enterprise.objects.all())
    rows = list(demo.vacancy_rows(random.Random(3), everyone, 120))  # noqa: S311
    services.vacancies_bulk_create(actor=demo.ACTOR, rows=rows)
    page = new_page(**PHONE)
    page.goto("/open/jobs/")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    expect(page.get_by_test_id("board-search")).to_be_visible()
    rows = page.get_by_test_id("board-row")
    expect(rows.first).to_be_visible()
    first = rows.count()
    assert first == 20
    page.screenshot(path=str(artifacts / "jobboard-360.png"), full_page=True)
    assert _width(page) <= 360
    page.get_by_test_id("board-more").click()
    expect(rows.nth(first)).to_be_visible()  # the next rows, on the same page
    assert rows.count() > first

    page.fill("#q", "pg")  # 普工 by its initials
    page.locator("[data-testid=board-search] button[type=submit]").click()
    expect(rows.first).to_be_visible()
    posts = rows.locator(".fw-bold").all_inner_texts()
    # 普工 found by its initials (other rows match "pg" in their enterprise's or place's name).
    assert "普工" in posts and len(posts) < 20, posts
    rows.first.click()
    expect(page.get_by_test_id("board-detail")).to_be_visible()
    page.screenshot(path=str(artifacts / "jobboard-detail-360.png"), full_page=True)
    assert _width(page) <= 360
