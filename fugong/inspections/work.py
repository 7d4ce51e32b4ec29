"""Inspections in "my work" (待办): inspections to make, self-checks to fill or to review,
rectification orders to put right or past their deadline."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.core.registry import WorkItem, WorkSource
from fugong.inspections import selectors
from fugong.inspections.choices import InspectionKind, InspectionStatus, OrderStatus


def _inspections(qs, limit):
    today = timezone.localdate()
    items = [
        WorkItem(
            title=i.enterprise.name,
            url=reverse("inspections:detail", args=[i.pk]),
            due=i.due or i.planned_for,
            overdue=(i.due or i.planned_for) < today,
            detail=f"{i.get_kind_display()} · {i.template.name}",
        )
        for i in qs[:limit]
    ]
    return items, qs.count()


def _orders(qs, limit):
    today = timezone.localdate()
    items = [
        WorkItem(
            title=f"{o.number} {o.enterprise.name}",
            url=reverse("inspections:order", args=[o.pk]),
            due=o.deadline,
            overdue=o.deadline < today,
            detail=str(o.get_status_display()),
        )
        for o in qs[:limit]
    ]
    return items, qs.count()


def self_checks(user, *, status):
    return (
        selectors.inspection_list(user)
        .filter(kind=InspectionKind.SELF_CHECK, status=status)
        .order_by("due", "planned_for", "id")
    )


SOURCES = [
    WorkSource(
        "inspections.to_inspect",
        gettext_lazy("Inspections to make"),
        frozenset({Role.CADRE, Role.REVIEWER, Role.DEPARTMENT, Role.COMMAND}),
        lambda user, limit: _inspections(selectors.my_inspections(user), limit),
        url_name="inspections:list",
        order=170,
    ),
    WorkSource(
        "inspections.to_review",
        gettext_lazy("Self-checks to review"),
        frozenset({Role.REVIEWER, Role.DEPARTMENT, Role.COMMAND}),
        lambda user, limit: _inspections(
            self_checks(user, status=InspectionStatus.SUBMITTED), limit
        ),
        url_name="inspections:list",
        order=171,
    ),
    WorkSource(
        "inspections.self_check",
        gettext_lazy("Self-checks to fill in"),
        frozenset({Role.ENTERPRISE}),
        lambda user, limit: _inspections(self_checks(user, status=InspectionStatus.PLANNED), limit),
        url_name="inspections:list",
        order=170,
    ),
    WorkSource(
        "inspections.to_rectify",
        gettext_lazy("Rectification orders to put right"),
        frozenset({Role.ENTERPRISE}),
        lambda user, limit: _orders(
            selectors.order_list(user).filter(status=OrderStatus.OPEN).order_by("deadline", "id"),
            limit,
        ),
        url_name="inspections:orders",
        order=171,
    ),
    WorkSource(
        "inspections.overdue_orders",
        gettext_lazy("Rectification past its deadline"),
        frozenset({Role.REVIEWER, Role.DEPARTMENT, Role.COMMAND}),
        lambda user, limit: _orders(selectors.overdue_orders(user), limit),
        url_name="inspections:orders",
        order=172,
    ),
]
