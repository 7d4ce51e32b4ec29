"""Reads of the roster, always in the reader's data scope."""

from __future__ import annotations

from django.db.models import QuerySet

from fugong.core.scope import scoped
from fugong.workforce.models import Employee


def employee_list(*, user, enterprise=None) -> QuerySet[Employee]:
    qs = scoped(Employee.objects.select_related("person", "enterprise"), user)
    if enterprise is not None:
        qs = qs.filter(enterprise=enterprise)
    return qs.order_by("enterprise_id", "person__name", "pk")
