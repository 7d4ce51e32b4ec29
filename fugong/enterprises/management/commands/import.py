"""``fugong import enterprises FILE``: check a ledger file and import it, as the web page does."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fugong.accounts.models import User
from fugong.core.busy import busy_message, is_database_busy
from fugong.core.jobs import execute
from fugong.enterprises import io
from fugong.enterprises.models import ImportMode, ImportStatus


class Command(BaseCommand):
    help = "Import enterprises from an Excel (.xlsx/.xls) or CSV ledger, checked first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("what", choices=["enterprises"])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", required=True, help="Import as this user (their data scope applies)."
        )
        parser.add_argument(
            "--mode",
            choices=ImportMode.values,
            default=ImportMode.ALL_OR_NOTHING,
            help="all: nothing is written if any row is bad; good: write the good rows.",
        )
        parser.add_argument(
            "--place",
            help="The code of one of the user's places: new enterprises whose row names no "
            "place are registered there (导入到 on the upload page).",
        )
        parser.add_argument(
            "--check-only", action="store_true", help="Check the file, write nothing."
        )

    def handle(self, *args, **options) -> None:
        try:
            self.run(**options)
        except DatabaseError as exc:
            # SQLite's write lock held past the busy timeout (another import, the worker):
            # a sentence, not a traceback. What was written is in transactions: nothing half.
            if not is_database_busy(exc):
                raise
            raise CommandError(busy_message()) from exc

    def run(
        self,
        *,
        what: str,
        file: Path,
        user: str,
        mode: str,
        check_only: bool,
        place: str | None = None,
        **options,
    ) -> None:
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user called %(user)s.") % {"user": user})
        if not file.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": file})
        place_id = None
        if place:
            place_id = io.user_places(actor).filter(code=place).values_list("pk", flat=True)
            place_id = place_id.first()
            if place_id is None:
                raise CommandError(
                    _("%(place)s is not the code of a place in the area of %(user)s.")
                    % {"place": place, "user": user}
                )
        try:
            batch = io.import_start(
                user=actor,
                filename=file.name,
                content=file.read_bytes(),
                mode=mode,
                place=place_id,
                enqueue=False,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        execute(batch.check_job_id)
        batch.refresh_from_db()
        if batch.status == ImportStatus.REJECTED:
            raise CommandError(batch.message)
        p = batch.preview
        self.stdout.write(
            _(
                "%(total)d rows: %(valid)d good, %(invalid)d with errors; %(new)d new, "
                "%(existing)d already registered."
            )
            % p
        )
        for error in p["errors"][:20]:
            self.stdout.write("  " + _("row %(row)s: %(message)s") % error)
        if batch.error_file:
            self.stdout.write(
                _("Rows with errors and their reasons: %(path)s") % {"path": batch.error_file.path}
            )
        if check_only:
            return
        batch = io.import_confirm(user=actor, batch=batch, enqueue=False)
        job = execute(batch.import_job_id)
        batch.refresh_from_db()
        if batch.status != ImportStatus.DONE:
            raise CommandError(job.error or batch.message)
        result = batch.result
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "%(created)d new, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(rejected)d row rejected.",
                    "%(created)d new, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(rejected)d rows rejected.",
                    result["rejected"],
                )
                % result
            )
        )
