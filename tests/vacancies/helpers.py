"""Who is who in the demo county for the vacancy tests, and a vacancy made through the
service."""

from __future__ import annotations

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Membership
from fugong.vacancies import services


def enterprise_members(n: int = 2) -> list[Membership]:
    """Enterprise users of ``n`` different enterprises (by membership order)."""
    seen: dict[int, Membership] = {}
    for m in (
        Membership.objects.filter(role=Role.ENTERPRISE, is_active=True)
        .exclude(enterprise=None)
        .select_related("user", "enterprise__jurisdiction")
        .order_by("pk")
    ):
        seen.setdefault(m.enterprise_id, m)
        if len(seen) == n:
            break
    return list(seen.values())


def hr_member() -> Membership:
    """A member of the county's human resources bureau (人社局)."""
    return (
        Membership.objects.filter(office__kind=OfficeKind.HR, is_active=True)
        .select_related("user", "office__jurisdiction")
        .order_by("office__jurisdiction__depth", "pk")
        .first()
    )


def town_commands() -> list[Membership]:
    return list(
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__depth=3)
        .select_related("user", "jurisdiction")
        .order_by("jurisdiction__code", "pk")
    )


def town_of(enterprise) -> Membership:
    path = enterprise.jurisdiction.path
    return next(m for m in town_commands() if path.startswith(m.jurisdiction.path))


def other_town(enterprise) -> Membership:
    path = enterprise.jurisdiction.path
    return next(m for m in town_commands() if not path.startswith(m.jurisdiction.path))


def make(member: Membership, *, publish: bool = True, **values):
    values.setdefault("post", "普工")
    values.setdefault("headcount", 5)
    return services.vacancy_save(
        actor=member.user, enterprise=member.enterprise, publish=publish, **values
    )
