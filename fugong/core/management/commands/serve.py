"""Serve Fugong on one machine: the web server (gunicorn) and a background worker together,
kept running: a child that exits is started again, with a back-off, and logged."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from config.env import env_int, env_str
from fugong.core import registry
from fugong.core.jobs import recover_interrupted_jobs

logger = logging.getLogger("fugong.serve")

#: A child that ran at least this long before exiting starts again at once; one that keeps
#: failing sooner waits 1, 2, 4 … up to MAX_BACKOFF seconds between starts.
HEALTHY_AFTER = 60.0
MAX_BACKOFF = 60.0
#: How often running jobs are checked for a dead process (see recover_interrupted_jobs).
RECOVER_EVERY = 60.0


@dataclass
class Child:
    """One supervised process: its name (for the log) and command line."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    starts: int = 0
    on_exit: Callable[[Child], None] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env)  # noqa: S603 - our own argv
        self.started_at = time.monotonic()
        self.restart_at = None
        self.starts += 1

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class Supervisor:
    """Keeps its children running until ``stop()``: a child that exits (a crash, the kernel's
    OOM killer, a kill) is logged and started again after a back-off."""

    def __init__(
        self,
        children: list[Child],
        *,
        poll: float = 0.5,
        periodic: Callable[[], None] | None = None,
        every: float = RECOVER_EVERY,
    ):
        self.children = children
        self.poll = poll
        self.periodic = periodic
        self.every = every
        self.stopping = threading.Event()

    def backoff(self, child: Child, ran_for: float) -> float:
        if ran_for >= HEALTHY_AFTER:
            child.failures = 0
        delay = 0.0 if child.failures == 0 else min(MAX_BACKOFF, 2.0 ** (child.failures - 1))
        child.failures += 1
        return delay

    def check(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is None or self.stopping.is_set():
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    logger.warning("starting the %s again", child.name)
                    child.start()
                continue
            code = child.process.poll()
            if code is None:
                continue
            delay = self.backoff(child, now - child.started_at)
            logger.error(
                "the %s (pid %s) exited with code %s; starting it again in %.0f s",
                child.name,
                child.process.pid,
                code,
                delay,
            )
            child.restart_at = now + delay
            if child.on_exit is not None:
                try:
                    child.on_exit(child)
                except Exception:  # noqa: BLE001 - the supervisor keeps going
                    logger.exception("after the %s exited", child.name)

    def run(self) -> None:
        for child in self.children:
            child.start()
        last_periodic = time.monotonic()
        while not self.stopping.wait(self.poll):
            self.check()
            if self.periodic is not None and time.monotonic() - last_periodic >= self.every:
                last_periodic = time.monotonic()
                try:
                    self.periodic()
                except Exception:  # noqa: BLE001 - e.g. SQLite busy: next round
                    logger.warning("periodic check failed", exc_info=True)
        self.shutdown()

    def stop(self, *_args) -> None:
        self.stopping.set()

    def shutdown(self, timeout: float = 10) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def recover_jobs(quiet_errors: bool = True) -> int:
    """Fail the jobs whose process died (this machine's dead worker, or any worker whose
    heartbeat went stale) and mark their imports failed; 0 if the database is busy."""
    try:
        count = recover_interrupted_jobs()
    except DatabaseError:
        if not quiet_errors:
            raise
        logger.info("could not check for interrupted jobs now (database busy)")
        return 0
    if count:
        logger.warning("%s job(s) whose process had ended were marked as failed", count)
    return count


def collect_static() -> None:
    """Bring the served static files up to date before serving: without them every page fails
    on a missing manifest entry (``fugong serve`` right after ``migrate``, or after an upgrade).
    The front-end packages are copied from node_modules first when they are not built yet;
    if they cannot be, that stops the start with build-assets' own sentence."""
    from django.conf import settings
    from django.core.management import call_command

    vendor = Path(settings.BASE_DIR) / "build" / "static" / "vendor"
    if not vendor.is_dir():
        call_command("build_assets")
    call_command("collectstatic", interactive=False, verbosity=0)


def unapplied_migrations() -> list[str]:
    """The migrations the database still lacks ("app.0003_name"), in the order they apply."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _backwards in executor.migration_plan(targets)]


def check_migrated() -> None:
    """Refuse to serve a database that lacks migrations: pages would fail one by one on a
    missing table or column. Migrating is left to the operator (``fugong migrate``): it may
    take long on a large database and wants a backup first."""
    missing = unapplied_migrations()
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise CommandError(
            f"The database lacks {len(missing)} migration(s) ({shown}). "
            "Run `fugong migrate` first (after a backup), then `fugong serve` again."
        )


def default_threads() -> int:
    """Threads a gunicorn worker: 16 on PostgreSQL (the API's fast lane writes the check-ins
    waiting in a worker together, and more requests in flight make bigger batches: 1,100 a
    second on two cores with 16, 700 with 8; bench/README.md), 4 on SQLite (one writer at a
    time: more threads would only wait on its lock)."""
    from django.db import connection

    return 16 if connection.vendor == "postgresql" else 4


class Command(BaseCommand):
    help = "Run the web server and a background worker, restarting either if it exits."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=env_str("HOST") or "127.0.0.1")
        parser.add_argument("--port", default=str(env_int("PORT", 8000)))
        parser.add_argument("--workers", type=int, default=env_int("FUGONG_WEB_WORKERS", 2))
        parser.add_argument("--threads", type=int, default=env_int("FUGONG_WEB_THREADS", 0))

    def handle(self, *args, host: str, port: str, workers: int, threads: int, **options) -> None:
        check_migrated()
        collect_static()
        interrupted = recover_jobs(quiet_errors=False)
        if interrupted:
            self.stdout.write(
                f"{interrupted} job(s) interrupted by the last stop were marked as failed."
            )
        # What the apps need done before serving (statistics: the snapshots of missed days).
        for task in registry.startup_tasks():
            task(self)
        env = dict(os.environ)
        web = Child(
            "web server",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads or default_threads()),
                "--access-logfile",
                "-",
                # Request lines carry query strings: the logger masks phone and ID numbers.
                "--logger-class",
                "fugong.core.access_log.GunicornLogger",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        worker = Child(
            "background worker",
            [
                sys.executable,
                "-m",
                "fugong.cli",
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.5",
                "--no-reload",
            ],
            env=env,
            # Its running job died with it: fail it now (and its import), not minutes later.
            on_exit=lambda _child: recover_jobs(),
        )
        supervisor = Supervisor([web, worker], periodic=recover_jobs)
        signal.signal(signal.SIGTERM, supervisor.stop)
        signal.signal(signal.SIGINT, supervisor.stop)
        self.stdout.write(
            self.style.SUCCESS(f"Fugong is running on http://{host}:{port}/ (Ctrl+C stops it).")
        )
        supervisor.run()
