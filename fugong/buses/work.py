"""Buses in "my work" (待办): the commuter-bus letters waiting for the user's review."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.buses import selectors
from fugong.core.registry import WorkItem, WorkSource


def _letters(user, limit: int) -> tuple[list[WorkItem], int]:
    waiting = selectors.letters_to_review(user)
    items = [
        WorkItem(
            title=x.bus.enterprise.name,
            url=reverse("buses:letter", args=[x.pk]),
            detail=f"{x.bus.plate} · {x.bus.route_name}",
        )
        for x in waiting[:limit]
    ]
    return items, len(waiting)


SOURCES = [
    WorkSource(
        "buses.letters",
        gettext_lazy("Commuter-bus letters to review"),
        frozenset({Role.COMMAND, Role.REVIEWER, Role.PLATFORM_ADMIN}),
        _letters,
        url_name="buses:letters",
        order=190,
    ),
]
