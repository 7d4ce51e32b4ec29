"""Shared fixtures. The demo generator builds the data the tests use, once per test session
(non-browser tests run in a transaction that is rolled back after each test)."""

from __future__ import annotations

import pytest

from fugong.demo.generator import DemoResult, load_demo

DEMO_PASSWORD = "Demo-pass-2026"  # noqa: S105


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language (Chinese): a request in English leaves
    its language active on the worker's thread, which would otherwise reach the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    with django_db_blocker.unblock():
        from fugong.demo.generator import demo_loaded

        if not demo_loaded():
            request.config._fugong_demo = load_demo(scale="small", seed=1, password=DEMO_PASSWORD)


@pytest.fixture
def demo(request, db) -> DemoResult:
    return request.config._fugong_demo


def _reload_demo_if_emptied(config) -> None:
    from fugong.demo.generator import demo_loaded

    if not demo_loaded():
        config._fugong_demo = load_demo(scale="small", seed=1, password=DEMO_PASSWORD)


@pytest.fixture(scope="class")
def _demo_back_afterwards(django_db_setup, django_db_blocker, request):
    """A transactional test empties the database when it ends (TransactionTestCase's flush);
    load the demo county again so the tests after this class find it."""
    yield
    with django_db_blocker.unblock():
        _reload_demo_if_emptied(request.config)


@pytest.fixture
def committed_demo(_demo_back_afterwards, transactional_db, request):
    """The demo county, committed (an earlier test of the class may have emptied it)."""
    _reload_demo_if_emptied(request.config)


@pytest.fixture
def user(db):
    """A user by name from the demo county."""
    from fugong.accounts.models import User

    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def login(client, user):
    """Log the test client in as a demo user and return that user."""

    def do(username: str):
        u = user(username)
        client.force_login(u)
        return u

    return do


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"fugong: database engine {engine}"


@pytest.fixture
def readers(monkeypatch):
    """The workbook reading processes (fugong.core.workbook_reader) started while the test
    runs, to check that each has ended."""
    import subprocess

    from fugong.core import tabular

    started: list[subprocess.Popen] = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(tabular.subprocess, "Popen", Recorded)
    return started
