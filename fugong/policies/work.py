"""Policies in "my work" (待办): the claims waiting for the user's review, submitted by an
enterprise or computed by the platform (免申即享) and waiting for confirmation."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.core.registry import WorkItem, WorkSource
from fugong.policies import selectors


def _claims(user, limit):
    qs = selectors.claims_to_review(user)
    today = timezone.localdate()
    items = [
        WorkItem(
            title=c.enterprise.name,
            url=reverse("policies:claim", args=[c.pk]),
            due=c.due,
            overdue=c.due is not None and c.due < today,
            detail=f"{c.benefit.policy} · {c.benefit.title} · {c.get_status_display()}",
        )
        for c in qs[:limit]
    ]
    return items, qs.count()


SOURCES = [
    WorkSource(
        "policies.to_review",
        gettext_lazy("Benefit claims to review"),
        frozenset({Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT}),
        _claims,
        url_name="policies:claims",
        order=180,
    ),
]
