"""``fugong backup [--output FILE]``: the database and the uploaded files in one archive
(fugong/core/backup.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fugong.core import backup


class Command(BaseCommand):
    help = "Write a backup archive of the database and the uploaded files."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            help="the archive to write (default: FUGONG_DATA_DIR/backups/fugong-<time>.tar)",
        )

    def handle(self, *args, output: str | None, **options) -> None:
        try:
            summary = backup.create(output)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {summary.tables} tables ({summary.rows} rows) and {summary.files} "
                f"files into {summary.path} ({summary.bytes // 1024} KB)."
            )
        )
        self.stdout.write(
            "Keep FUGONG_FIELD_KEYS apart from it: the personal data inside is sealed with them."
        )
