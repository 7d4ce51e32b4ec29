"""``fugong tally``: look after the statistics tally (fugong/stats/tally.py)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fugong.stats import figures, tally


class Command(BaseCommand):
    help = (
        "Look after the statistics tally, from which the figures of cities and counties are "
        "summed. Database triggers keep it; this folds its rows (--compact, also done by "
        "'fugong snapshot' each night), checks it against the units (--check: exits 1 if a "
        "node differs) or counts it again from the units (--rebuild)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--compact", action="store_true", help="Fold the rows.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare every node's figures of today and 30 days ago, and its trend.",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="Count the tally again from the units."
        )

    def handle(self, *args, compact: bool, check: bool, rebuild: bool, **options) -> None:
        if not tally.installed():
            tally.install()
            self.stdout.write("The tally's triggers were missing: installed, tally counted again.")
        if rebuild:
            tally.rebuild()
            self.stdout.write(self.style.SUCCESS("Counted the tally again from the units."))
        if compact or not (check or rebuild):
            left = tally.compact()
            self.stdout.write(self.style.SUCCESS(f"Compacted the tally: {left} rows."))
        if check:
            today = timezone.localdate()
            wrong = figures.tally_differences([today - datetime.timedelta(days=30), today])
            if wrong:
                raise CommandError(
                    f"The tally differs from the units under {', '.join(wrong)}; "
                    "'fugong tally --rebuild' counts it again."
                )
            self.stdout.write(self.style.SUCCESS("The tally agrees with the units."))
