"""Shared look-ups of the demo county for the buses tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Membership, Office
from fugong.buses import services
from fugong.buses.choices import BusStatus
from fugong.workforce.models import Employee


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def owner(enterprise):
    return (
        Membership.objects.filter(role=Role.ENTERPRISE, enterprise=enterprise, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )


def two_enterprises():
    """Two enterprises of the demo with users and rosters (of the same town)."""
    ids = Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).values("enterprise_id")
    found = []
    for e in (
        Employee.objects.filter(enterprise_id__in=ids)
        .select_related("enterprise__jurisdiction")
        .order_by("enterprise_id")
    ):
        if e.enterprise not in found:
            found.append(e.enterprise)
    return found[0], found[1]


def free_people(enterprise, n: int) -> list[Employee]:
    """Roster entries on no batch yet."""
    from fugong.buses.models import Passenger

    return list(
        Employee.objects.filter(enterprise=enterprise, user__isnull=True)
        .exclude(pk__in=Passenger.objects.values("employee_id"))
        .order_by("pk")[:n]
    )


def batch(actor, enterprise=None, office=None, **over):
    values = {
        "title": "", "origin_region": "520302", "origin_name": "贵州省遵义市红花岗区",
        "departs_on": day(10), "arrives_on": day(11), "seats": 3, "plate": "贵C12345",
        "cost": Decimal("1000"), "subsidy": Decimal("500"), "note": "",
    } | over  # fmt: skip
    return services.batch_create(actor=actor, enterprise=enterprise, office=office, **values)


def county_transport():
    office = Office.objects.filter(kind=OfficeKind.TRANSPORT).order_by("pk").first()
    user = Membership.objects.filter(office=office, is_active=True).first().user
    return office, user


def bus(actor, enterprise, **over):
    values = {
        "plate": "浙A12345", "seats": 30, "driver_name": "王师傅", "driver_phone": "13812345678",
        "route_name": "东门—园区", "status": BusStatus.ACTIVE,
        "stops": [("东门", datetime.time(7, 10)), ("园区", datetime.time(7, 40))],
    } | over  # fmt: skip
    return services.bus_save(actor=actor, enterprise=enterprise, **values)
