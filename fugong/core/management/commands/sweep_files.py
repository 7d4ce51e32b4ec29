"""``fugong sweep-files [--dry-run]``: delete the uploaded files no row names, older than
FUGONG_ORPHAN_GRACE_HOURS (24), under the upload directory of every file field
(``fugong/core/orphans.py``). Run nightly from cron; the server enqueues it at start-up."""

from django.core.management.base import BaseCommand

from fugong.core.orphans import sweep


class Command(BaseCommand):
    help = "Delete the uploaded files that no row names, older than FUGONG_ORPHAN_GRACE_HOURS."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the files that would go; delete none."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        done = sweep(dry_run=dry_run)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(
            f"{done['files']} file(s) seen: {done['recent']} within the grace period, "
            f"{done['named']} named by a row, {done['orphaned']} orphaned; "
            f"{done['deleted']} {verb}"
            + (f", {done['failed']} could not be deleted" if done["failed"] else "")
            + "."
        )
        if done["directories_skipped"]:
            self.stderr.write(
                f"{done['directories_skipped']} upload director(ies) left alone: no row names "
                "any of their files (an empty or wrong database?). See the log."
            )
