"""The one optimistic-concurrency convention (docs/workflow.md).

A page or an API request sends back the version of the object it showed the user: its
``revision``. For an object on the workflow engine that is its revision number; for a plain
record it is its ``updated_at`` stamp, which the API gives as ``revision``, the stamp's
microseconds since 1970 (:func:`stamp_revision`: the API writes times to the second), and a
page's form as the stamp itself in a hidden field. The service compares it with the row it has
locked (``select_for_update``) and raises :class:`~fugong.core.errors.Conflict` (HTTP 409 in the
API; on a page, the form shown again with the user's entries kept) when someone else saved in
between. Nothing sent means "not tracked".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from fugong.core.errors import Conflict

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def stamp_revision(stamp: datetime.datetime) -> int:
    """An ``updated_at`` stamp as a revision number (microseconds since 1970, exact)."""
    return (stamp - EPOCH) // datetime.timedelta(microseconds=1)


def _same(current: Any, seen: Any) -> bool:
    try:
        return _compare(current, seen)
    except (ValueError, OverflowError):  # "2026-13-45T…", 5,000 digits: not what was shown
        return False


def _compare(current: Any, seen: Any) -> bool:
    if isinstance(current, datetime.datetime):
        if isinstance(seen, int) or (isinstance(seen, str) and seen.strip().isdigit()):
            return int(seen) == stamp_revision(current)
        if isinstance(seen, str):
            seen = parse_datetime(seen.strip().replace(" ", "T", 1))
        return isinstance(seen, datetime.datetime) and seen == current
    if isinstance(current, int):
        try:
            return int(seen) == current
        except (TypeError, ValueError):
            return False
    return str(seen) == str(current)


def ensure_current(
    obj: Any, seen: Any, *, field: str, conflict: Callable[[], Conflict] | None = None
) -> None:
    """Raise ``conflict()`` (a :class:`Conflict`) unless ``seen`` is the version of ``obj``
    the caller locked; ``seen`` None or blank: the caller does not track versions."""
    if seen is None or (isinstance(seen, str) and not seen.strip()):
        return
    if not _same(getattr(obj, field), seen):
        raise (conflict or _default_conflict)()


def _default_conflict() -> Conflict:
    return Conflict(gettext("Someone else changed this record; look at it again."))
