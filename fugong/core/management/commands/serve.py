"""Serve Fugong on one machine: the web server (gunicorn) and a background worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from config.env import env_int, env_str
from fugong.core.jobs import recover_interrupted_jobs


class Command(BaseCommand):
    help = "Run the web server and a background worker until interrupted."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=env_str("HOST") or "127.0.0.1")
        parser.add_argument("--port", default=str(env_int("PORT", 8000)))
        parser.add_argument("--workers", type=int, default=env_int("FUGONG_WEB_WORKERS", 2))

    def handle(self, *args, host: str, port: str, workers: int, **options) -> None:
        interrupted = recover_interrupted_jobs()
        if interrupted:
            self.stdout.write(
                f"{interrupted} job(s) interrupted by the last stop were marked as failed."
            )
        self.snapshots()
        env = dict(os.environ)
        web = subprocess.Popen(  # noqa: S603 - fixed argument list
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
                "4",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        worker = subprocess.Popen(  # noqa: S603
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
        )
        self.stdout.write(
            self.style.SUCCESS(f"Fugong is running on http://{host}:{port}/ (Ctrl+C stops it).")
        )
        children = [web, worker]

        def stop(*_args) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def snapshots(self) -> None:
        """Have the worker take the end-of-day snapshots of past days that have none (the
        days the server was down, or a new database's last 60 days); one query when none is
        missing. ``fugong snapshot`` from cron does the same each night."""
        from fugong.accounts.models import Jurisdiction
        from fugong.stats.tasks import missing_days, take_missing_snapshots

        missing = missing_days()
        if missing and Jurisdiction.objects.exists():
            take_missing_snapshots.enqueue()
            self.stdout.write(
                f"{len(missing)} past day(s) have no end-of-day snapshot yet; "
                "the background worker takes them now."
            )
