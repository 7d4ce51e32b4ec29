"""Helpers for tests of the statistics."""

from __future__ import annotations

from django.db import connection

from fugong.stats.tally import KEYS, TABLE


def tally_sums() -> set[tuple]:
    """The tally as its readers see it: each key's summed units, employees and returned, the
    keys that sum to nothing left out (so a rebuilt tally compares equal to one maintained
    row by row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {KEYS}, SUM(units), SUM(employees), SUM(returned) FROM {TABLE} "  # noqa: S608 - constants
            f"GROUP BY {KEYS} HAVING SUM(units) <> 0 OR SUM(employees) <> 0 OR SUM(returned) <> 0"
        )
        return set(cursor.fetchall())
