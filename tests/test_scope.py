"""Data scope: for each role, what it can and cannot see (MISSION §1)."""

from __future__ import annotations

import pytest

from fugong.accounts.choices import Level, OfficeKind
from fugong.accounts.models import Jurisdiction, Membership, Office
from fugong.core.scope import get_scope, scoped
from fugong.enterprises.models import Enterprise, Park
from fugong.enterprises.selectors import enterprise_list

pytestmark = pytest.mark.django_db


def town(n: int) -> Jurisdiction:
    return Jurisdiction.objects.filter(level__in=[Level.TOWN, Level.STREET]).order_by("code")[n - 1]


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_platform_admin_sees_everything(user):
    admin = user("admin")
    assert get_scope(admin).everything
    assert ids(enterprise_list(user=admin)) == ids(Enterprise.objects.all())


def test_county_command_sees_the_whole_county(user):
    county = Jurisdiction.objects.get(level=Level.COUNTY)
    expected = ids(Enterprise.objects.filter(jurisdiction__path__startswith=county.path))
    assert expected and ids(enterprise_list(user=user("county_cmd"))) == expected


def test_town_command_sees_its_town_only(user):
    first, second = town(1), town(2)
    seen = ids(enterprise_list(user=user("town01_cmd")))
    assert seen == ids(Enterprise.objects.filter(jurisdiction__path__startswith=first.path))
    assert not seen & ids(Enterprise.objects.filter(jurisdiction__path__startswith=second.path))
    jurisdictions = scoped(Jurisdiction.objects.all(), user("town01_cmd"))
    assert first in jurisdictions and second not in jurisdictions
    assert not jurisdictions.filter(level=Level.COUNTY).exists()


def test_reviewer_sees_what_is_routed_to_its_office(user):
    reviewer = user("town01_jmb")
    office = Office.objects.get(memberships__user=reviewer)
    assert office.kind == OfficeKind.ECONOMY
    seen = ids(enterprise_list(user=reviewer))
    assert seen == ids(Enterprise.objects.filter(routed_offices=office))
    assert seen and seen != ids(
        Enterprise.objects.filter(jurisdiction__path__startswith=town(1).path)
    )


def test_safety_office_sees_other_enterprises_than_economy_office(user):
    assert not ids(enterprise_list(user=user("town01_ajb"))) & ids(
        enterprise_list(user=user("town01_jmb"))
    )


def test_cadre_sees_assigned_enterprises_only(user):
    cadre = user("town01_cadre")
    seen = ids(enterprise_list(user=cadre))
    assert seen == ids(Enterprise.objects.filter(assignments__user=cadre))
    assert (
        0
        < len(seen)
        < Enterprise.objects.filter(jurisdiction__path__startswith=town(1).path).count()
    )


def test_grid_chief_sees_the_grid(user):
    chief = user("town01_grid")
    grid = Membership.objects.get(user=chief).jurisdiction
    assert grid.level == Level.GRID
    assert ids(enterprise_list(user=chief)) == ids(Enterprise.objects.filter(jurisdiction=grid))


def test_enterprise_user_sees_its_own_enterprise_only(user):
    member = user("town01_ent1")
    own = Membership.objects.get(user=member).enterprise
    assert ids(enterprise_list(user=member)) == {own.pk}
    other = Enterprise.objects.exclude(pk=own.pk).first()
    assert not enterprise_list(user=member).filter(pk=other.pk).exists()


def test_park_operator_sees_the_enterprises_in_its_park(user):
    operator = user("town01_park")
    park = Park.objects.get(operator__memberships__user=operator)
    expected = ids(park.enterprises.all())
    assert expected and ids(enterprise_list(user=operator)) == expected


def test_department_and_employee_see_no_enterprise_lists(user):
    assert not enterprise_list(user=user("county_rsj")).exists()
    assert not enterprise_list(user=user("town01_emp1")).exists()


def test_user_without_membership_sees_nothing(django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")  # noqa: S106
    assert not enterprise_list(user=nobody).exists()
    assert not scoped(Jurisdiction.objects.all(), nobody).exists()


def test_inactive_membership_gives_no_scope(user):
    member = user("town01_cmd")
    Membership.objects.filter(user=member).update(is_active=False)
    member = user("town01_cmd")
    assert not enterprise_list(user=member).exists()


def test_multi_valued_scope_has_no_duplicates(user):
    reviewer = user("town01_sab")  # food safety: enterprises routed to two offices
    qs = enterprise_list(user=reviewer)
    assert qs.count() == len(set(qs.values_list("pk", flat=True)))


def test_moving_a_jurisdiction_moves_its_subtree(user):
    first, second = town(1), town(2)
    village = first.children.first()
    village.parent = second
    village.code = second.code + "399"
    village.save()
    for grid in village.children.all():
        assert grid.path.startswith(village.path)
    seen = ids(enterprise_list(user=user("town02_cmd")))
    assert ids(Enterprise.objects.filter(jurisdiction__parent=village)) <= seen
    assert not ids(Enterprise.objects.filter(jurisdiction__parent=village)) & ids(
        enterprise_list(user=user("town01_cmd"))
    )


def test_park_operator_sees_its_own_office(user):
    operator = user("town01_park")
    office = Office.objects.get(memberships__user=operator)
    assert list(scoped(Office.objects.all(), operator)) == [office]


def test_narrowing_to_another_town_shows_nothing(client, login):
    login("town01_cmd")
    other = town(2)
    page = client.get(f"/enterprises/?jurisdiction={other.pk}")
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    page = client.get(f"/enterprises/?jurisdiction={town(1).parent_id}")
    assert page.context["page"].paginator.count == enterprise_list(user=login("town01_cmd")).count()
