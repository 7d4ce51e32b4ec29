"""``fugong snapshot``: take the end-of-day snapshots of the statistics."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.stats import tally
from fugong.stats.figures import SNAPSHOT_MAX_DEPTH
from fugong.stats.tasks import snapshot_days, yesterday


class Command(BaseCommand):
    help = (
        "Take the end-of-day snapshots of the statistics (every node down to towns and "
        "streets): the figures as of the end of --day, frozen, so that a report for that day "
        "is produced again identically and later changes show as corrections. By default it "
        "takes yesterday's. A deployment runs it from cron shortly after midnight, e.g. "
        "'5 0 * * * fugong snapshot'. Idempotent: a day that already has its snapshot is "
        "left as it is (--replace takes it again from the registry as it stands now). "
        "'fugong serve' also takes the missing snapshots of the last 60 days at start-up."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--day",
            help="The last day to take, YYYY-MM-DD (default: yesterday; today has not ended).",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=1,
            help="Take this many days up to --day (default 1), e.g. --days 60 to fill a gap.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Take the days again even if they have a snapshot (it is replaced).",
        )

    def handle(self, *args, day: str | None, days: int, replace: bool, **options) -> None:
        if day:
            try:
                last = datetime.date.fromisoformat(day.strip())
            except ValueError:
                raise CommandError(
                    f"“{day}” is not a date; write it as YYYY-MM-DD, e.g. 2026-03-05."
                ) from None
        else:
            last = yesterday()
        if last >= timezone.localdate():
            raise CommandError(
                f"{last.isoformat()} has not ended yet; a day's snapshot is taken after it "
                f"ends (the last day that can be taken is {yesterday().isoformat()})."
            )
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        wanted = [last - datetime.timedelta(days=i) for i in range(days - 1, -1, -1)]
        taken, written = snapshot_days(wanted, replace=replace)
        tally.compact()  # the night's housekeeping of the tally (fugong/stats/tally.py)
        skipped = len(wanted) - len(taken)
        nodes = Jurisdiction.objects.filter(depth__lte=SNAPSHOT_MAX_DEPTH, is_active=True).count()
        span = wanted[0].isoformat() + (f" to {last.isoformat()}" if days > 1 else "")
        if taken:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Took the snapshots of {len(taken)} day(s) ({span}): {written} "
                    f"snapshots of {nodes} jurisdictions."
                )
            )
        if skipped:
            self.stdout.write(
                f"{skipped} day(s) already had their snapshot and were kept "
                "(--replace takes them again)."
            )
