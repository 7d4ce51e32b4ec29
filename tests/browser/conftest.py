"""Browser (end-to-end) fixtures: one headless Chromium per session, a fresh context per test,
and the demo county loaded into the live server's database.

Run with ``pytest -m browser -p no:xdist``. Playwright's sync API keeps an event loop running in
the test thread, so Django would refuse ORM calls made by the tests (and by pytest-django's
flush) with SynchronousOnlyOperation; the tests in this directory opt out of that check.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fugong.demo.generator import DemoResult
from tests.conftest import DEMO_PASSWORD

CHROMIUM = os.environ.get("FUGONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    """Run browser tests last when one run mixes them with the rest (``pytest`` without
    ``-m``): each of them empties the database on teardown, which would leave the other tests,
    which expect the session's demo county, without data."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """Set before any other fixture of these tests, so the demo loading and the flush that
    follows each test are allowed too; restored when the session ends."""
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Give the live server a SQLite *file*, as production has, instead of the shared in-memory
    database. With the in-memory one every server thread (the page, its HTMX polls, a job run
    on commit) and the test thread share a single connection, and two requests at once fail
    with "database table is locked"; with a file each thread has its own connection, and WAL
    plus the busy timeout of the settings serialise the writers."""
    from django.db import connections

    for alias in connections:
        db = connections[alias]
        test_name = db.settings_dict.get("TEST", {}).get("NAME")
        if db.vendor == "sqlite" and (not test_name or db.creation.is_in_memory_db(test_name)):
            path = tmp_path_factory.mktemp(f"browser-{alias}") / "test.sqlite3"
            db.settings_dict.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set FUGONG_CHROMIUM)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo_data(request, live_server, transactional_db) -> DemoResult:
    """The demo county. The session seeds it once, but Django empties the database after every
    transactional (live server) test, so load it again when it is gone."""
    from fugong.demo.generator import demo_loaded, load_demo

    if not demo_loaded():
        request.config._fugong_demo = load_demo(scale="small", seed=1, password=DEMO_PASSWORD)
    return request.config._fugong_demo


@pytest.fixture
def new_page(browser, live_server, demo_data):
    """Open a page in a new, isolated browser context (own cookies): ``new_page(**options)``."""
    contexts = []

    def make(**options):
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, username: str, password: str = DEMO_PASSWORD, *, next_url: str = "/") -> None:
    """Log in through the real login form and wait for the page behind it."""
    page.goto(f"/account/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "/account/login/" not in page.url, f"login as {username} failed"


@pytest.fixture
def artifacts() -> Iterator[Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    yield ARTIFACTS
