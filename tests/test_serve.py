"""``fugong serve`` keeps the site up: a child process that exits is started again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils.functional import empty

from fugong.core.management.commands.serve import HEALTHY_AFTER, Child, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def wait_for(condition, timeout: float = 30.0) -> None:
    """Poll until ``condition()`` holds; fail (not flake on a slow machine) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def supervised():
    exits: list[str] = []
    web = Child("web server", SLEEPER)
    worker = Child("background worker", SLEEPER, on_exit=lambda child: exits.append(child.name))
    supervisor = Supervisor([web, worker], poll=0.05)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    wait_for(lambda: web.pid and worker.pid)
    yield supervisor, web, worker, exits
    supervisor.stop()
    thread.join(timeout=30)


def test_a_killed_child_comes_back(supervised, caplog):
    supervisor, web, worker, exits = supervised
    first_web, first_worker = web.pid, worker.pid
    os.kill(first_worker, signal.SIGKILL)
    wait_for(lambda: worker.starts == 2 and worker.process.poll() is None)
    assert worker.pid != first_worker and alive(worker.pid)
    assert exits == ["background worker"]  # its hook ran (serve recovers its jobs there)
    assert web.pid == first_web and web.starts == 1  # the other one was left alone
    assert any("exited with code -9" in r.getMessage() for r in caplog.records)

    os.kill(web.pid, signal.SIGKILL)
    wait_for(lambda: web.starts == 2 and web.process.poll() is None)
    assert alive(web.pid)


def test_stopping_ends_every_child(supervised):
    supervisor, web, worker, _exits = supervised
    pids = [web.pid, worker.pid]
    supervisor.stop()
    wait_for(
        lambda: (
            not any(alive(pid) for pid in pids)
            or all(c.process.poll() is not None for c in (web, worker))
        )
    )
    assert web.process.poll() is not None and worker.process.poll() is not None


def test_a_child_that_keeps_failing_waits_longer_each_time():
    supervisor = Supervisor([])
    child = Child("web server", SLEEPER)
    delays = [supervisor.backoff(child, ran_for=0.1) for _ in range(9)]
    assert delays == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert supervisor.backoff(child, ran_for=HEALTHY_AFTER) == 0  # it had been fine a while


def children_of(pid: int) -> dict[int, str]:
    """Child process ids of ``pid`` and their command lines (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_fugong_serve_brings_back_a_killed_web_server_and_worker(tmp_path):
    """The whole command: gunicorn and the worker on a fresh database; each is killed in
    turn and the site answers again."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "FUGONG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fugong.sqlite3'}",
    }
    root = Path(__file__).resolve().parents[1]
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "fugong.cli", "migrate", "-v0"], cwd=root, env=env, check=True
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "fugong.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: healthy(port), timeout=120)

        def child(word: str) -> int | None:
            return next((p for p, cmd in children_of(serve.pid).items() if word in cmd), None)

        for word in ("gunicorn", "db_worker"):
            first = child(word)
            assert first is not None
            os.kill(first, signal.SIGKILL)
            wait_for(lambda w=word, f=first: child(w) not in (None, f), timeout=120)
            wait_for(lambda: healthy(port), timeout=120)
        assert serve.poll() is None  # the site never stopped
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()


def test_serve_collects_the_static_files_it_serves(settings, tmp_path):
    """``fugong serve`` straight after ``migrate`` served a 500 on every page (no manifest of
    the static files); it collects them itself before starting."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    from fugong.core.management.commands.serve import collect_static

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    staticfiles_storage._wrapped = empty  # the storage follows the settings above
    collect_static()
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    assert manifest.exists()
    assert "fugong/behaviours.js" in manifest.read_text()
    staticfiles_storage._wrapped = empty


def test_serve_gives_gunicorn_the_threads_of_the_database_or_of_the_setting(monkeypatch):
    """16 threads a worker on PostgreSQL (the fast lane's batches grow with the requests in
    flight), 4 on SQLite; ``--threads`` (FUGONG_WEB_THREADS) overrides."""
    from django.core.management import call_command
    from django.db import connection

    from fugong.core.management.commands import serve

    started = []
    monkeypatch.setattr(serve, "collect_static", lambda: None)
    monkeypatch.setattr(serve, "check_migrated", lambda: None)
    monkeypatch.setattr(serve, "recover_jobs", lambda **kw: 0)
    monkeypatch.setattr(serve.registry, "startup_tasks", lambda: [])
    monkeypatch.setattr(
        serve.Child, "__init__", lambda self, name, argv, **kw: started.append(argv)
    )
    monkeypatch.setattr(serve.Supervisor, "__init__", lambda self, children, periodic: None)
    monkeypatch.setattr(serve.Supervisor, "run", lambda self: None)
    monkeypatch.setattr(serve.signal, "signal", lambda *a: None)

    def threads(*args):
        started.clear()
        call_command("serve", *args)
        web = started[0]
        return web[web.index("--threads") + 1]

    assert threads() == ("16" if connection.vendor == "postgresql" else "4")
    assert threads("--threads", "6") == "6"


@pytest.mark.django_db
def test_serve_refuses_a_database_that_lacks_migrations(monkeypatch):
    """A database left behind an upgrade would fail page by page; ``fugong serve`` says what
    to run instead of starting."""
    from django.core.management import CommandError, call_command
    from django.db.migrations.executor import MigrationExecutor

    from fugong.core.management.commands import serve

    assert serve.unapplied_migrations() == []  # the test database is migrated
    serve.check_migrated()
    leaf = ("core", "9999_not_applied")
    plan = MigrationExecutor.migration_plan

    def lacking(self, targets, clean_start=False):
        migration = type("M", (), {"app_label": leaf[0], "name": leaf[1]})()
        return [*plan(self, targets, clean_start), (migration, False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lacking)
    with pytest.raises(CommandError, match="core.9999_not_applied.*fugong migrate"):
        call_command("serve")
