"""The demo's history: the end-of-day snapshots of the last 60 days, as a county that had
used Fugong through the season would have kept them (reconstructed from the registry, whose
resumption dates span those weeks). Dashboards then have past days to compare with, and a
report for a past day is produced from its snapshot."""

from __future__ import annotations

from fugong.stats.tasks import HISTORY_DAYS, ensure_snapshots


def build_history(builder) -> None:
    """Snapshots of every node down to towns for yesterday back to HISTORY_DAYS days ago."""
    ensure_snapshots(days=HISTORY_DAYS)
