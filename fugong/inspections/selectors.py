"""The lists of inspections and orders, in the reader's data scope: an inspector's own list
(their planned inspections by day), an office's inspections, an enterprise's, and the
rectification orders past their deadline."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from fugong.accounts.selectors import office_ids
from fugong.core.scope import get_scope, scoped
from fugong.inspections.choices import InspectionKind, InspectionStatus, OrderStatus, StopStatus
from fugong.inspections.models import Inspection, Rectification, StopOrder

LIST_RELATED = ("enterprise", "template", "inspector", "office")


def _enterprise_only(user) -> bool:
    scope = get_scope(user)
    return bool(scope.enterprise_ids) and not (
        scope.everything or scope.jurisdiction_paths or scope.office_ids or scope.assigned
    )


def inspection_list(user) -> QuerySet[Inspection]:
    """Every inspection the user may see. An enterprise's users do not see an inspection of
    theirs before it is done, except their own self-checks: 明察暗访 is unannounced."""
    qs = scoped(Inspection.objects.select_related(*LIST_RELATED), user)
    if _enterprise_only(user):
        qs = qs.exclude(
            Q(status=InspectionStatus.PLANNED) & ~Q(kind=InspectionKind.SELF_CHECK)
        ).exclude(status=InspectionStatus.CANCELLED)
    return qs


def my_inspections(user) -> QuerySet[Inspection]:
    """An inspector's list: the planned inspections named to them, and those of their offices
    named to nobody, by day (the indexes ``insp_inspector`` and ``insp_office``)."""
    mine = Q(inspector_id=user.pk)
    offices = office_ids(user)
    if offices:
        mine |= Q(office_id__in=offices, inspector__isnull=True)
    return (
        scoped(Inspection.objects.select_related(*LIST_RELATED), user)
        .filter(mine, status=InspectionStatus.PLANNED)
        .exclude(kind=InspectionKind.SELF_CHECK)
        .order_by("planned_for", "id")
    )


def order_list(user) -> QuerySet[Rectification]:
    return scoped(Rectification.objects.select_related("enterprise", "office"), user)


def overdue_orders(user, today: datetime.date | None = None) -> QuerySet[Rectification]:
    """Rectification orders still open past their deadline, the oldest deadline first."""
    today = today or timezone.localdate()
    return (
        order_list(user)
        .filter(status=OrderStatus.OPEN, deadline__lt=today)
        .order_by("deadline", "id")
    )


def stop_list(user) -> QuerySet[StopOrder]:
    return scoped(StopOrder.objects.select_related("enterprise"), user)


def stops_in_force(enterprise) -> QuerySet[StopOrder]:
    return StopOrder.objects.filter(enterprise=enterprise, status=StopStatus.IN_FORCE)
