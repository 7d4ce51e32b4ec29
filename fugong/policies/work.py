"""Policies in "my work" (待办): the claims waiting for the user's review, submitted by an
enterprise or computed by the platform (免申即享) and waiting for confirmation."""

from __future__ import annotations

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from fugong.accounts.choices import Role
from fugong.core.registry import WorkItem, WorkSource
from fugong.policies import selectors
from fugong.policies.choices import ClaimStatus
from fugong.policies.models import Benefit


def _claims(user, limit):
    """Each submitted claim is an item; the claims computed for one benefit without
    application are one item (confirmed together on the benefit's page), not hundreds."""
    qs = selectors.claims_to_review(user)
    today = timezone.localdate()
    submitted = qs.filter(status=ClaimStatus.SUBMITTED)
    groups = list(
        qs.filter(status=ClaimStatus.PROPOSED)
        .values("benefit_id")
        .annotate(n=Count("pk"), due=Min("due"))
        .order_by("due", "benefit_id")
    )
    benefits = Benefit.objects.select_related("policy").in_bulk([g["benefit_id"] for g in groups])
    items = [
        WorkItem(
            title=str(benefits[g["benefit_id"]]),
            url=reverse("policies:benefit", args=[g["benefit_id"]]),
            due=g["due"],
            overdue=g["due"] is not None and g["due"] < today,
            detail=gettext("Granted without application: %(n)s enterprises to confirm")
            % {"n": g["n"]},
        )
        for g in groups[:limit]
    ]
    items += [
        WorkItem(
            title=c.enterprise.name,
            url=reverse("policies:claim", args=[c.pk]),
            due=c.due,
            overdue=c.due is not None and c.due < today,
            detail=f"{c.benefit.policy} · {c.benefit.title} · {c.get_status_display()}",
        )
        for c in submitted[: max(limit - len(items), 0)]
    ]
    return items, len(groups) + submitted.count()


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
