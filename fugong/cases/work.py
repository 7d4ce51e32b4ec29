"""Requests in "my work" (待办): to dispatch, to handle, to rate."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.cases import selectors
from fugong.core.registry import WorkItem, WorkSource


def _items(qs, user, limit):
    total = qs.count()
    today = timezone.localdate()
    items = [
        WorkItem(
            title=f"{c.number} {c.enterprise.name}",
            url=reverse("cases:detail", args=[c.pk]),
            due=c.due,
            overdue=bool(c.due and c.due < today),
            detail=f"{c.category.name} · {c.title}",
        )
        for c in qs[:limit]
    ]
    return items, total


SOURCES = [
    WorkSource(
        "cases.to_dispatch",
        gettext_lazy("Requests to dispatch"),
        frozenset({Role.COMMAND}),
        lambda user, limit: _items(selectors.dispatch_queue(user), user, limit),
        url_name="cases:queue",
        order=150,
    ),
    WorkSource(
        "cases.to_handle",
        gettext_lazy("Requests to handle"),
        frozenset({Role.DEPARTMENT, Role.REVIEWER}),
        lambda user, limit: _items(selectors.inbox(user), user, limit),
        url_name="cases:inbox",
        order=150,
    ),
    WorkSource(
        "cases.to_rate",
        gettext_lazy("Replies to rate"),
        frozenset({Role.ENTERPRISE, Role.PARK_OPERATOR}),
        lambda user, limit: _items(selectors.to_rate(user), user, limit),
        url_name="cases:list",
        order=150,
    ),
]
