"""Submitted days are locked: a resumption date may not move into or out of a day that a
node above the enterprise has submitted, until that day is reopened.

Only dated facts are locked. An enterprise's current values (staff, staff back, ledger,
category) carry no date: changing them changes today's figures, and a submitted day keeps the
figures it was submitted with (the difference shows as a correction)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fugong.core.errors import UserError

# The submitted days, read from the app that keeps them (fugong.reporting registers its reader
# when it starts): reader(since=, codes=) -> [(node path, node name, day)], ``since`` None for
# every day and ``codes`` None for every node. No reader: no day is locked.
_submitted_days: Callable[..., list[tuple[str, str, datetime.date]]] | None = None


def register_submitted_days(reader: Callable[..., list[tuple[str, str, datetime.date]]]) -> None:
    global _submitted_days
    _submitted_days = reader


@dataclass(frozen=True)
class Lock:
    path: str
    name: str
    day: datetime.date


def _affected(
    old: datetime.date | None, new: datetime.date | None
) -> tuple[datetime.date, datetime.date | None] | None:
    """The days whose figures change when a resumption date goes from ``old`` to ``new``:
    [lo, hi), hi None meaning 'and every day after'."""
    if old == new:
        return None
    if old is None or new is None:
        return (old or new, None)
    return (min(old, new), max(old, new))


class LockBook:
    """The submitted days of every node, read once, to check many changes (an import)."""

    def __init__(self, locks: list[Lock]):
        self.locks = locks

    @classmethod
    def load(cls, since: datetime.date | None = None, *, under_path: str | None = None) -> LockBook:
        if _submitted_days is None:
            return cls([])
        codes = None
        if under_path is not None:  # only the nodes on the way up from this path
            codes = [c for c in under_path.split("/") if c]
        return cls([Lock(*row) for row in _submitted_days(since=since, codes=codes)])

    def violation(
        self, path: str, old: datetime.date | None, new: datetime.date | None
    ) -> str | None:
        """A sentence saying which submitted day the change would alter, or None."""
        span = _affected(old, new)
        if span is None or not self.locks:
            return None
        lo, hi = span
        for lock in self.locks:
            if path.startswith(lock.path) and lock.day >= lo and (hi is None or lock.day < hi):
                return _(
                    "%(name)s has submitted its figures of %(day)s, so a resumption date cannot "
                    "move into or out of that day; ask the level above to reopen it first."
                ) % {"name": lock.name, "day": lock.day.isoformat()}
        return None

    def move_violation(
        self,
        *,
        old_path: str | None,
        old_date: datetime.date | None,
        new_path: str | None,
        new_date: datetime.date | None,
    ) -> str | None:
        """A unit going from (``old_path``, ``old_date``) to (``new_path``, ``new_date``); a
        new unit has no old path. A unit that moves elsewhere leaves its old place's days (its
        date goes out of them) and enters its new place's (its date comes into them)."""
        if old_path is not None and old_path != new_path:
            message = self.violation(old_path, old_date, None)
            if message:
                return message
            old_date = None
        if new_path is None:
            return None
        return self.violation(new_path, old_date, new_date)


def check_resumption_date(
    *, path: str, old: datetime.date | None, new: datetime.date | None
) -> None:
    """Raise a UserError if the change would alter a submitted day of a node above ``path``."""
    span = _affected(old, new)
    if span is None:
        return
    message = LockBook.load(since=span[0], under_path=path).violation(path, old, new)
    if message:
        raise UserError(message, code="day_locked", status=409)
