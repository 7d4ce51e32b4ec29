"""``fugong restore FILE [--replace]``: put a backup's database and files back, then check
every table against the backup (fugong/core/backup.py). Stop the site first."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fugong.core import backup


class Command(BaseCommand):
    help = "Restore a backup archive (database and files) and check every table."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="a file written by `fugong backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that already holds data (all of it is lost)",
        )

    def handle(self, *args, archive: str, replace: bool, **options) -> None:
        try:
            summary = backup.restore(archive, replace=replace)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if summary.problems:
            raise CommandError(
                "Restored, but it differs from the backup:\n  " + "\n  ".join(summary.problems)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.tables} tables ({summary.rows} rows, each checked) and "
                f"{summary.files} files from {summary.path}."
            )
        )
