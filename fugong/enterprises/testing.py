"""Enterprises for tests, built through the registry's services on a county from
``fugong.accounts.testing.build_county``."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.testing import ACTOR, County, person
from fugong.enterprises import services
from fugong.enterprises.demo_profiles import credit_code
from fugong.enterprises.models import Enterprise, Industry, Park

_numbers = itertools.count(1)


@dataclass
class Registry:
    county: County
    enterprises: dict[int, list[Enterprise]] = field(default_factory=dict)  # by town number

    def __getitem__(self, username: str):
        return self.county[username]


def add_enterprise(
    county: County,
    town: int,
    *,
    name: str = "",
    offices: tuple[str, ...] = (OfficeKind.ECONOMY,),
    **fields,
) -> Enterprise:
    """An enterprise in town ``town`` (town 1's go into its grid unless ``jurisdiction``
    says otherwise), routed to the town's offices of the kinds ``offices`` (its economy office
    unless told)."""
    n = next(_numbers)
    place = county.grid if town == 1 else county.towns[town - 1]
    values = {
        "name": name or f"测试{town}镇第{n}制造有限公司",
        "credit_code": credit_code(random.Random(n), county.county.code),  # noqa: S311
        "jurisdiction": place,
        "industry": Industry.objects.get(code="34"),
        "employee_count": 20,
        "address": f"测试{town}镇{n}号",
        **fields,
    }
    return services.enterprise_create(
        actor=ACTOR, routed_offices=[county.office_of(town, kind) for kind in offices], **values
    )


def add_park(county: County, town: int) -> Park:
    """A park in town ``town`` run by a park-operator office of the town, whose member is the
    user ``w_t<town>_park``; no tenant yet (``add_enterprise(..., park=park)`` adds one)."""
    operator = county.office_of(town, OfficeKind.PARK_OPERATOR)
    county.users[f"w_t{town}_park"] = person(f"w_t{town}_park", Role.PARK_OPERATOR, office=operator)
    return services.park_create(
        actor=ACTOR, name=f"测试{town}镇科创园", jurisdiction=county.place(town), operator=operator
    )


def build_registry(county: County, per_town: int = 2) -> Registry:
    """``per_town`` enterprises in each town; town 1's first has the cadre ``w_t1_cadre``
    assigned and a user ``w_t1_ent1`` of its own, town 2's first a user ``w_t2_ent1``."""
    registry = Registry(county=county)
    for town in (1, 2):
        registry.enterprises[town] = [add_enterprise(county, town) for _ in range(per_town)]
        first = registry.enterprises[town][0]
        county.users[f"w_t{town}_ent1"] = person(
            f"w_t{town}_ent1", Role.ENTERPRISE, enterprise=first
        )
    services.assignment_create(
        actor=ACTOR, enterprise=registry.enterprises[1][0], user=county["w_t1_cadre"]
    )
    return registry
