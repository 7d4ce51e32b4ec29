""" "My work" (待办): what waits for the user across the apps, from the work sources each app
declares (``registry.add_work_source``). One page (``/work/``) and a home-page tile read it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from fugong.core import registry
from fugong.core.registry import WorkItem, WorkSource


@dataclass(frozen=True)
class WorkGroup:
    """One source's items for the user (at most the limit asked) and how many there are."""

    source: WorkSource
    items: list[WorkItem]
    total: int

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue)


def work_for(user, *, limit: int = 20, roles: set[str] | None = None) -> list[WorkGroup]:
    """The user's work, source by source (the sources of the user's roles, or of ``roles``,
    in their order), leaving out the sources with nothing waiting."""
    if roles is None:
        roles = set(registry.hook("user_roles")(user))
    groups = []
    for source in registry.work_sources(roles):
        items, total = source.items(user, limit)
        if total:
            groups.append(WorkGroup(source, items, total))
    return groups


def due_key(item: WorkItem) -> tuple:
    """Overdue first, then the earliest due, then those with no due time."""
    due = item.due
    if isinstance(due, datetime.datetime):
        due = timezone.localtime(due).date()
    return (not item.overdue, due is None, due or datetime.date.max)


def home_tile(home: registry.Home) -> dict | None:
    """The home page's "my work" panel: the first items of each source of the role whose home
    is shown; none when nothing waits."""
    groups = work_for(home.user, limit=3, roles={home.role} if home.role else set())
    return {"groups": groups} if groups else None
