"""``fugong recover-jobs``: fail the running jobs whose process died, as ``fugong serve`` does
on one machine; on several machines run it from cron on one of them."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from fugong.core.jobs import recover_interrupted_jobs


class Command(BaseCommand):
    help = (
        "Mark running jobs whose process ended (dead on this machine, or no heartbeat for "
        "FUGONG_JOB_STALE_SECONDS) as failed, with their imports; --all: every running job."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Fail every running job (only when no worker runs anywhere).",
        )

    def handle(self, *args, all: bool, **options) -> None:  # noqa: A002 - the option's name
        count = recover_interrupted_jobs(everything=all)
        self.stdout.write(f"{count} interrupted job(s) marked as failed.")
