"""The daily snapshots kept: every node's figures (down to towns) frozen as of the end of each
day, so that a report for a past day is produced again identically and later changes to the
registry show as corrections (``figures.corrections``).

A day's snapshot is taken once, after the day has ended: by ``fugong snapshot`` from cron
after midnight, and by ``fugong serve`` at start-up for the days it finds missing. A day that
already has its snapshot is never taken again unless asked for (``replace``): the point of a
snapshot is that it does not change.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from fugong.stats import figures, tally
from fugong.stats.models import Snapshot

# How many past days ``ensure_snapshots`` looks back by default: the length of the trend.
HISTORY_DAYS = 60


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def _window(until: datetime.date | None, days: int) -> list[datetime.date]:
    """The ``days`` days up to ``until`` (default and at most: yesterday), oldest first."""
    last = min(until or yesterday(), yesterday())
    return [last - datetime.timedelta(days=i) for i in range(days - 1, -1, -1)]


def missing_days(*, until: datetime.date | None = None, days: int = HISTORY_DAYS):
    """The days of the window without any snapshot (one query)."""

    window = _window(until, days)
    if not window:
        return []
    taken = set(
        Snapshot.objects.filter(day__range=(window[0], window[-1]))
        .values_list("day", flat=True)
        .order_by()
        .distinct()
    )
    return [day for day in window if day not in taken]


def ensure_snapshots(
    *, until: datetime.date | None = None, days: int = HISTORY_DAYS
) -> list[datetime.date]:
    """Take the snapshots of the past days that have none: from ``until`` (default:
    yesterday; never today or later, which have not ended) back over ``days`` days. Days
    already taken are left as they were frozen. Returns the days taken; when none is missing
    this costs one query."""
    missing = missing_days(until=until, days=days)
    if missing:
        figures.snapshot_take(days=missing)
    return missing


def snapshot_days(
    days: list[datetime.date], *, replace: bool = False
) -> tuple[list[datetime.date], int]:
    """Take the snapshots of ``days`` (past days only): the missing ones, or all of them with
    ``replace``. Returns the days taken and the number of snapshots written."""
    today = timezone.localdate()
    if any(day >= today for day in days):
        raise ValueError("a day's snapshot is taken once the day has ended")
    if not replace:
        wanted = set(days)
        taken = set()
        if wanted:
            taken = set(
                Snapshot.objects.filter(day__in=wanted)
                .values_list("day", flat=True)
                .order_by()
                .distinct()
            )
        days = sorted(wanted - taken)
    written = figures.snapshot_take(days=days) if days else 0
    return sorted(days), written


@task()
def take_snapshots(day_iso: str, replace: bool = False) -> int:
    """Take the snapshot of one past day (if it has none, or always with ``replace``).
    Returns the number of snapshots written."""
    _days, written = snapshot_days([datetime.date.fromisoformat(day_iso)], replace=replace)
    return written


@task()
def take_missing_snapshots(days: int = HISTORY_DAYS) -> list[str]:
    """``ensure_snapshots`` in the background worker; returns the days taken."""
    return [day.isoformat() for day in ensure_snapshots(days=days)]


@task()
def compact_tally() -> int:
    """Fold the tally's +1 / −1 rows (``fugong.stats.tally.compact``); returns the rows left."""

    return tally.compact()


def compact_tally_soon() -> None:
    """Queue a compaction of the tally, at most once in five minutes (a reader that finds
    many rows to fold asks for it on every read until it has run)."""
    from django.core.cache import cache

    if cache.add("stats:tally:compact", True, timeout=300):
        compact_tally.enqueue()
