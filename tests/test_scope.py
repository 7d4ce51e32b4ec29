"""Data scope: for each role, what it can and cannot see (MISSION §1). The data is a small
county of its own (fugong.accounts.testing, fugong.enterprises.testing), built once for the
class; the 404 of an object outside the scope, page by page, is in tests/test_registry_checks.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from fugong.accounts.choices import Level, OfficeKind, Role
from fugong.accounts.models import Jurisdiction, Membership, Office
from fugong.accounts.services import membership_create
from fugong.accounts.testing import ACTOR, build_county, person
from fugong.core.scope import get_scope, scoped
from fugong.core.testing import world_fixtures
from fugong.enterprises.models import Enterprise
from fugong.enterprises.selectors import enterprise_list
from fugong.enterprises.testing import add_enterprise, add_park, build_registry

pytestmark = pytest.mark.django_db


def _build() -> SimpleNamespace:
    """Town 1: two enterprises in its grid (economy office; the cadre has the first), one
    outside the grid that only the safety office reviews, one in a park, and one routed to the
    economy and the food safety offices, both of which the reviewer ``w_t1_sab`` belongs to.
    Town 2: two enterprises."""
    registry = build_registry(build_county())
    county = registry.county
    town1 = county.towns[0]
    safety_only = add_enterprise(county, 1, jurisdiction=town1, offices=(OfficeKind.SAFETY,))
    park = add_park(county, 1)
    tenant = add_enterprise(county, 1, jurisdiction=town1, park=park)
    twice = add_enterprise(
        county, 1, jurisdiction=town1, offices=(OfficeKind.ECONOMY, OfficeKind.FOOD_SAFETY)
    )
    sab = county.users["w_t1_sab"] = person(
        "w_t1_sab", Role.REVIEWER, office=county.office_of(1, OfficeKind.FOOD_SAFETY)
    )
    membership_create(
        actor=ACTOR, user=sab, role=Role.REVIEWER, office=county.office(1, OfficeKind.ECONOMY)
    )
    county.users["w_t1_emp1"] = person(
        "w_t1_emp1", Role.EMPLOYEE, enterprise=registry.enterprises[1][0]
    )
    return SimpleNamespace(
        registry=registry,
        county=county,
        safety_only=safety_only,
        park=park,
        tenant=tenant,
        twice=twice,
    )


_built, world = world_fixtures(_build)


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def under(place: Jurisdiction) -> set[int]:
    return ids(Enterprise.objects.filter(jurisdiction__path__startswith=place.path))


class TestWhatEachRoleSees:
    def test_platform_admin_sees_everything(self, world):
        admin = world.county.fresh("w_admin")
        assert get_scope(admin).everything
        assert ids(enterprise_list(user=admin)) == ids(Enterprise.objects.all())

    def test_county_command_sees_the_whole_county(self, world):
        expected = under(world.county.county)
        seen = ids(enterprise_list(user=world.county.fresh("w_county_cmd")))
        assert len(expected) == 7 and seen == expected

    def test_town_command_sees_its_town_only(self, world):
        first, second = world.county.towns
        me = world.county.fresh("w_t1_cmd")
        seen = ids(enterprise_list(user=me))
        assert seen == under(first) and not seen & under(second)
        jurisdictions = scoped(Jurisdiction.objects.all(), me)
        assert first in jurisdictions and second not in jurisdictions
        assert not jurisdictions.filter(level=Level.COUNTY).exists()

    def test_reviewer_sees_what_is_routed_to_its_office(self, world):
        reviewer = world.county.fresh("w_t1_jmb")
        office = Office.objects.get(memberships__user=reviewer)
        assert office.kind == OfficeKind.ECONOMY
        seen = ids(enterprise_list(user=reviewer))
        assert seen == ids(Enterprise.objects.filter(routed_offices=office))
        assert seen and seen != under(world.county.towns[0])

    def test_safety_office_sees_other_enterprises_than_economy_office(self, world):
        safety = ids(enterprise_list(user=world.county.fresh("w_t1_ajb")))
        assert safety == {world.safety_only.pk}
        assert not safety & ids(enterprise_list(user=world.county.fresh("w_t1_jmb")))

    def test_cadre_sees_assigned_enterprises_only(self, world):
        cadre = world.county.fresh("w_t1_cadre")
        seen = ids(enterprise_list(user=cadre))
        assert seen == ids(Enterprise.objects.filter(assignments__user=cadre))
        assert 0 < len(seen) < len(under(world.county.towns[0]))

    def test_grid_chief_sees_the_grid(self, world):
        chief = world.county.fresh("w_t1_grid")
        grid = Membership.objects.get(user=chief).jurisdiction
        assert grid.level == Level.GRID
        seen = ids(enterprise_list(user=chief))
        assert seen == ids(Enterprise.objects.filter(jurisdiction=grid))
        assert 0 < len(seen) < len(under(world.county.towns[0]))

    def test_enterprise_user_sees_its_own_enterprise_only(self, world):
        member = world.county.fresh("w_t1_ent1")
        own = Membership.objects.get(user=member).enterprise
        assert ids(enterprise_list(user=member)) == {own.pk}
        other = world.registry.enterprises[1][1]
        assert not enterprise_list(user=member).filter(pk=other.pk).exists()

    def test_park_operator_sees_the_enterprises_in_its_park(self, world):
        operator = world.county.fresh("w_t1_park")
        expected = ids(world.park.enterprises.all())
        assert expected == {world.tenant.pk}
        assert ids(enterprise_list(user=operator)) == expected

    def test_department_and_employee_see_no_enterprise_lists(self, world):
        assert not enterprise_list(user=world.county.fresh("w_county_rsj")).exists()
        assert not enterprise_list(user=world.county.fresh("w_t1_emp1")).exists()

    def test_user_without_membership_sees_nothing(self, world):
        nobody = person("w_nobody")
        assert not enterprise_list(user=nobody).exists()
        assert not scoped(Jurisdiction.objects.all(), nobody).exists()

    def test_inactive_membership_gives_no_scope(self, world):
        Membership.objects.filter(user=world.county["w_t1_cmd"]).update(is_active=False)
        assert not enterprise_list(user=world.county.fresh("w_t1_cmd")).exists()

    def test_multi_valued_scope_has_no_duplicates(self, world):
        reviewer = world.county.fresh("w_t1_sab")  # two offices, both routed the same firm
        qs = enterprise_list(user=reviewer)
        assert world.twice.pk in ids(qs)
        assert qs.count() == len(set(qs.values_list("pk", flat=True)))

    def test_moving_a_jurisdiction_moves_its_subtree(self, world):
        first, second = (Jurisdiction.objects.get(pk=t.pk) for t in world.county.towns)
        village = first.children.get(level=Level.VILLAGE)
        village.parent = second
        village.code = second.code + "399"
        village.save()
        for grid in village.children.all():
            assert grid.path.startswith(village.path)
        moved = ids(Enterprise.objects.filter(jurisdiction__parent=village))
        assert moved
        assert moved <= ids(enterprise_list(user=world.county.fresh("w_t2_cmd")))
        assert not moved & ids(enterprise_list(user=world.county.fresh("w_t1_cmd")))

    def test_park_operator_sees_its_own_office(self, world):
        operator = world.county.fresh("w_t1_park")
        office = Office.objects.get(memberships__user=operator)
        assert list(scoped(Office.objects.all(), operator)) == [office]

    def test_narrowing_to_another_town_shows_nothing(self, client, world):
        me = world.county.fresh("w_t1_cmd")
        client.force_login(me)
        page = client.get(f"/enterprises/?jurisdiction={world.county.towns[1].pk}")
        assert page.status_code == 200 and page.context["page"].paginator.count == 0
        page = client.get(f"/enterprises/?jurisdiction={world.county.county.pk}")
        assert page.context["page"].paginator.count == enterprise_list(user=me).count() == 5
