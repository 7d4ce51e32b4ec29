"""SQLite under concurrent writers: writers wait for the write lock, pages that only read do
not need it, and a writer that still loses the race gets a sentence (503 page, JSON
``{"code": "busy"}``, a command-line message), never a 500, a 400 "session interrupted" or a
traceback.

Real concurrent writers: separate processes (tests/sqlite_actor.py) on a file SQLite database
copied from the test database, as gunicorn's workers, the background worker and ``fugong
import`` would be. One of them holds the write lock, as a long atomic import does.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from fugong.core.busy import is_database_busy
from tests.conftest import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
ACTOR = ROOT / "tests" / "sqlite_actor.py"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TIMEOUT = 120  # seconds a step may take on a loaded machine before the test gives up

# The actors use their own file database; the mark makes pytest-django set up the test
# database that demo_file copies (before any test's transaction: it is module-scoped).
pytestmark = pytest.mark.django_db


class Actor:
    """A child process whose output lines can be awaited."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr = ""
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, wanted: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            if line == wanted:
                return
        self.finish()
        pytest.fail(f"never said {wanted!r}: {self.stderr[-2000:]}")

    def result(self) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            if line.startswith("{"):
                self.finish()
                return json.loads(line)
        self.finish()
        pytest.fail(f"no result: {self.stderr[-2000:]}")

    def finish(self) -> int:
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr = self.process.stderr.read()
        return self.process.returncode


@pytest.fixture(scope="module")
def demo_file(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database (demo county included) copied into a file, once, outside any test's
    transaction."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    path = tmp_path_factory.mktemp("busy") / "demo.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
    return path


@pytest.fixture
def file_db(demo_file, tmp_path):
    path = tmp_path / "fugong.sqlite3"
    shutil.copyfile(demo_file, path)
    return path


@pytest.fixture
def actors(file_db, tmp_path):
    started: list[Actor] = []
    release = tmp_path / "release"

    def start(*args: str, busy_timeout: int = 1) -> Actor:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"sqlite:///{file_db}",
            "FUGONG_DB_BUSY_TIMEOUT": str(busy_timeout),
        }
        actor = Actor(list(args), env)
        started.append(actor)
        return actor

    start.release = release  # type: ignore[attr-defined]
    start.tmp = tmp_path  # type: ignore[attr-defined]
    yield start
    release.touch()
    for actor in started:
        actor.finish()


def test_writers_that_lose_the_race_get_a_sentence(actors):
    go = str(actors.tmp / "go")
    page = actors(str(ACTOR), "request", go, "GET", "/", "--login", "town01_cmd")
    login = actors(
        str(ACTOR), "request", go, "POST", "/account/login/",
        "username=town01_cmd", f"password={DEMO_PASSWORD}",
    )  # fmt: skip
    api = actors(
        str(ACTOR), "request", go, "POST", "/api/v1/auth/token", "--json",
        "username=town01_cmd", f"password={DEMO_PASSWORD}",
    )  # fmt: skip
    for actor in (page, login, api):
        actor.expect("ready")

    holder = actors(str(ACTOR), "hold", str(actors.release))  # e.g. a long atomic import
    holder.expect("locked")
    ledger = actors.tmp / "台账.csv"
    ledger.write_text(
        "企业名称,统一社会信用代码,辖区代码\n某公司,91339821MA0000000X,339821001001001\n"
    )
    cli = actors("-m", "fugong.cli", "import", "enterprises", str(ledger), "--user", "town01_cmd")
    (actors.tmp / "go").touch()

    # Reading a page needs no write: the session's refresh waits for a later request.
    shown = page.result()
    assert shown["status"] == 200, shown["body"]

    refused = login.result()
    assert refused["status"] == 503, refused["body"]
    assert "系统繁忙" in refused["body"]

    answer = api.result()
    assert answer["status"] == 503
    body = json.loads(answer["body"])
    assert body["code"] == "busy" and CHINESE.search(body["message"])

    assert cli.finish() != 0
    assert "Traceback" not in cli.stderr and "系统繁忙" in cli.stderr, cli.stderr[-2000:]


def test_writers_wait_for_the_lock(actors):
    go = str(actors.tmp / "go")
    login = actors(
        str(ACTOR), "request", go, "POST", "/account/login/",
        "username=town01_cmd", f"password={DEMO_PASSWORD}", busy_timeout=TIMEOUT,
    )  # fmt: skip
    login.expect("ready")
    holder = actors(str(ACTOR), "hold", str(actors.release))
    holder.expect("locked")
    (actors.tmp / "go").touch()
    login.expect("requesting")  # its writes now wait for the holder
    time.sleep(0.5)
    actors.release.touch()
    assert holder.finish() == 0
    done = login.result()
    assert done["status"] == 302, done["body"]  # logged in once the lock was free


def test_busy_errors_are_recognised():
    from django.db import OperationalError

    assert is_database_busy(OperationalError("database is locked"))
    wrapped = RuntimeError("session")
    wrapped.__context__ = OperationalError("database is locked")
    assert is_database_busy(wrapped)
    assert not is_database_busy(OperationalError("no such table: x"))

    class LockTimeout(Exception):
        sqlstate = "55P03"

    assert is_database_busy(LockTimeout())


def test_an_idle_session_slides_without_a_write_on_every_request(client, login, settings):
    from django.contrib.sessions.models import Session

    from fugong.core.middleware import SESSION_TOUCHED

    settings.FUGONG_SESSION_REFRESH_SECONDS = 60
    login("town01_cmd")
    client.get("/")
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    touched = client.session[SESSION_TOUCHED]
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date == first  # no write this time
    session = client.session
    session[SESSION_TOUCHED] = touched - 61  # a minute later
    session.save()
    before = Session.objects.get(session_key=key).expire_date
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date > before  # slid
