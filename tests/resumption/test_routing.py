"""Which offices review a filing: seed 004's street table as the default routing rows (each
category to its office, canteens also to food safety, chemicals first to the county's
emergency management bureau, buildings and parks to the park operator then the economy office),
a jurisdiction's own table replacing the default, and the town economy office as the fallback.
The data is a small county of its own (fugong.resumption.testing.build_casts and the offices
below, built once for the module)."""

from __future__ import annotations

import pytest

from fugong.accounts import services as accounts
from fugong.accounts.choices import OfficeKind
from fugong.accounts.models import Jurisdiction, Office
from fugong.accounts.testing import ACTOR, add_grid
from fugong.core.testing import world_fixtures
from fugong.enterprises.choices import Category
from fugong.enterprises.models import Enterprise, Industry, Park
from fugong.resumption import policy, selectors
from fugong.resumption.choices import Mode, Status
from fugong.resumption.models import RoutingRule
from fugong.resumption.testing import Casts, build_casts, enterprise_of, new_filing

S = Status

# The codes of the county built below (fugong.accounts.testing.build_county's): town 1 has a
# village with a residents' committee and a grid in it, and a park; town 2 has a village without
# a committee (its grid from add_grid).
COUNTY = "999901"
TOWN01 = "999901001"
TOWN01_GRID = "999901001201001"
TOWN02 = "999901002"
TOWN02_VILLAGE_GRID = "999901002202001"
PLAIN_INDUSTRY = "18"  # clothing: no special routing


def _build() -> Casts:
    """``build_casts()`` with the offices the default table names that it lacks: the county's
    emergency management bureau, town 1's construction office and its village's residents'
    committee, town 2's food safety office; and a grid in a village of town 2 (no committee)."""
    casts = build_casts()
    county = casts.county
    add_grid(county, 2)
    county.office_of(0, OfficeKind.EMERGENCY)
    county.office_of(1, OfficeKind.CONSTRUCTION)
    county.office_of(2, OfficeKind.FOOD_SAFETY)
    village = county.grid.parent
    accounts.office_create(
        actor=ACTOR, name="测试村居委会", kind=OfficeKind.RESIDENTS, jurisdiction=village
    )
    assert (county.county.code, county.grid.code) == (COUNTY, TOWN01_GRID)
    assert Jurisdiction.objects.filter(code=TOWN02_VILLAGE_GRID).exists()
    return casts


_built, world = world_fixtures(_build, scope="module")


def grid(code: str = TOWN01_GRID) -> Jurisdiction:
    return Jurisdiction.objects.get(code=code)


def office(code: str, kind: str) -> Office:
    return Office.objects.get(jurisdiction__code=code, kind=kind)


def firm(category: str, *, where: str = TOWN01_GRID, industry: str = PLAIN_INDUSTRY, **fields):
    """An (unsaved) enterprise to route."""
    return Enterprise(
        name="测试企业",
        jurisdiction=grid(where),
        category=category,
        industry=Industry.objects.get(code=industry),
        **fields,
    )


def kinds(offices) -> list[tuple[str, str]]:
    return [(o.jurisdiction.code, o.kind) for o in offices]


# --- the default table -------------------------------------------------------------------------

ECONOMY = [(TOWN01, "economy")]
EXPECTED = {
    # 规上工业 → 经贸办 (and the county's bureau of industry, seed 004's county chain)
    Category.INDUSTRY_ABOVE: [(TOWN01, "economy"), (COUNTY, "industry")],
    # 规下工业 → 安监办 (and the county's SME centre)
    Category.INDUSTRY_BELOW: [(TOWN01, "safety"), (COUNTY, "sme_centre")],
    # 批零、住餐、服务业、限下、大个体 → 经贸办
    Category.TRADE_ABOVE: ECONOMY,
    Category.HOSPITALITY_ABOVE: ECONOMY,
    Category.SERVICES_ABOVE: ECONOMY,
    Category.BELOW_LIMIT: ECONOMY,
    Category.LARGE_INDIVIDUAL: ECONOMY,
    # 售楼处、工地 → 工程办
    Category.PROPERTY_SALES: [(TOWN01, "construction")],
    Category.CONSTRUCTION_SITE: [(TOWN01, "construction")],
    # 沿街网点 → the community's residents' committee
    Category.STREET_SHOP: [(TOWN01_GRID[:12], "residents")],
}


def test_every_category_is_in_the_table():
    assert set(EXPECTED) | {Category.BUILDING_PARK} == set(Category.values)


@pytest.mark.parametrize("category", list(EXPECTED))
def test_each_category_goes_to_its_office(world, category):
    assert kinds(policy.route(firm(category))) == EXPECTED[category]


def test_a_canteen_also_goes_to_food_safety(world):
    routed = kinds(policy.route(firm(Category.TRADE_ABOVE, has_canteen=True)))
    assert routed == [(TOWN01, "economy"), (TOWN01, "food_safety")]
    routed = kinds(policy.route(firm(Category.INDUSTRY_BELOW, has_canteen=True)))
    assert routed == [(TOWN01, "safety"), (TOWN01, "food_safety"), (COUNTY, "sme_centre")]


def test_the_application_decides_the_canteen_not_the_registry(world):
    """What the enterprise declares in its filing wins over the registry's flag."""
    with_canteen = firm(Category.TRADE_ABOVE, has_canteen=True)
    assert (TOWN01, "food_safety") not in kinds(
        policy.route(with_canteen, type("A", (), {"has_canteen": False})())
    )
    without = firm(Category.TRADE_ABOVE, has_canteen=False)
    assert (TOWN01, "food_safety") in kinds(
        policy.route(without, type("A", (), {"has_canteen": True})())
    )


@pytest.mark.parametrize("industry", ["26", "25", "06"])
def test_chemicals_go_first_to_the_county_emergency_bureau(world, industry):
    routed = policy.route(firm(Category.INDUSTRY_ABOVE, industry=industry))
    assert kinds(routed) == [(COUNTY, "emergency"), (TOWN01, "economy"), (COUNTY, "industry")]
    assert routed[0] == office(COUNTY, "emergency")  # the lead
    small = policy.route(firm(Category.INDUSTRY_BELOW, industry=industry, has_canteen=True))
    assert kinds(small)[0] == (COUNTY, "emergency")


def test_building_and_park_go_to_the_park_operator_then_the_economy_office(world):
    park = Park.objects.get(jurisdiction__code=TOWN01)
    routed = policy.route(firm(Category.BUILDING_PARK, park=park))
    assert routed == [park.operator, office(TOWN01, "economy")]
    assert routed[0].kind == "park_operator"
    # Without a park (or an operator), the economy office alone.
    assert kinds(policy.route(firm(Category.BUILDING_PARK))) == ECONOMY
    park.operator = None
    assert kinds(policy.route(firm(Category.BUILDING_PARK, park=park))) == ECONOMY


def test_street_shop_in_a_village_without_a_committee_falls_back_to_the_economy_office(world):
    assert not Office.objects.filter(
        jurisdiction__code=TOWN02_VILLAGE_GRID[:12], kind="residents"
    ).exists()
    routed = policy.route(firm(Category.STREET_SHOP, where=TOWN02_VILLAGE_GRID))
    assert kinds(routed) == [(TOWN02, "economy")]


def test_a_missing_office_is_skipped_not_left_empty(world):
    Office.objects.filter(jurisdiction__code=TOWN01, kind="safety").update(is_active=False)
    routed = policy.route(firm(Category.INDUSTRY_BELOW))
    assert kinds(routed) == [(COUNTY, "sme_centre")]
    Office.objects.filter(jurisdiction__code=COUNTY, kind="sme_centre").update(is_active=False)
    assert kinds(policy.route(firm(Category.INDUSTRY_BELOW))) == ECONOMY


# --- a jurisdiction's own table ----------------------------------------------------------------


def test_a_towns_own_rows_replace_the_default_table(world):
    town01 = Jurisdiction.objects.get(code=TOWN01)
    RoutingRule.objects.create(jurisdiction=town01, office_kind="construction", note="全部工程办")
    RoutingRule.objects.create(
        jurisdiction=town01, category=Category.STREET_SHOP, office_kind="economy", position=5
    )
    # Every enterprise of town01 now goes where its own table says, and only there: no
    # canteen row, no county chain, no park operator.
    assert kinds(policy.route(firm(Category.INDUSTRY_BELOW, has_canteen=True))) == [
        (TOWN01, "construction")
    ]
    assert kinds(policy.route(firm(Category.STREET_SHOP))) == [
        (TOWN01, "economy"),
        (TOWN01, "construction"),
    ]
    park = Park.objects.get(jurisdiction__code=TOWN01)
    assert kinds(policy.route(firm(Category.BUILDING_PARK, park=park))) == [
        (TOWN01, "construction")
    ]
    # Other towns keep the default.
    assert kinds(policy.route(firm(Category.INDUSTRY_BELOW, where=TOWN02_VILLAGE_GRID))) == [
        (TOWN02, "safety"),
        (COUNTY, "sme_centre"),
    ]


def test_a_countys_table_applies_to_its_towns_unless_a_town_has_its_own(world):
    county = Jurisdiction.objects.get(code=COUNTY)
    town02 = Jurisdiction.objects.get(code=TOWN02)
    RoutingRule.objects.create(jurisdiction=county, office_kind="safety")
    assert kinds(policy.route(firm(Category.TRADE_ABOVE))) == [(TOWN01, "safety")]
    RoutingRule.objects.create(jurisdiction=town02, office_kind="food_safety")
    assert kinds(policy.route(firm(Category.TRADE_ABOVE, where=TOWN02_VILLAGE_GRID))) == [
        (TOWN02, "food_safety")
    ]
    # An inactive table is no table: town02 is back on the county's.
    RoutingRule.objects.filter(jurisdiction=town02).update(is_active=False)
    assert kinds(policy.route(firm(Category.TRADE_ABOVE, where=TOWN02_VILLAGE_GRID))) == [
        (TOWN02, "safety")
    ]


def test_inactive_default_rows_are_ignored(world):
    RoutingRule.objects.filter(jurisdiction=None, flag="canteen").update(is_active=False)
    assert kinds(policy.route(firm(Category.TRADE_ABOVE, has_canteen=True))) == ECONOMY


def test_fallback_to_the_town_economy_office_when_nothing_matches(world):
    town01 = Jurisdiction.objects.get(code=TOWN01)
    RoutingRule.objects.create(
        jurisdiction=town01, category=Category.STREET_SHOP, office_kind="residents",
        office_level="community",
    )  # fmt: skip
    assert kinds(policy.route(firm(Category.INDUSTRY_BELOW))) == ECONOMY
    # A row naming an office that does not exist falls back too.
    RoutingRule.objects.filter(jurisdiction=town01).update(category="", office_level="county")
    assert kinds(policy.route(firm(Category.INDUSTRY_BELOW))) == ECONOMY


# --- routing on submission ---------------------------------------------------------------------


def test_submission_routes_the_filing_and_the_enterprise(world):
    c = world[Mode.APPROVAL]  # small industry with a canteen
    enterprise = enterprise_of(c.enterprise)
    filing = new_filing(c, S.SUBMITTED)
    town = world.county.place(1)
    assert filing.jurisdiction == town
    expected = [
        Office.objects.get(jurisdiction=town, kind="safety"),
        Office.objects.get(jurisdiction=town, kind="food_safety"),
        Office.objects.get(jurisdiction=world.county.county, kind="sme_centre"),
    ]
    assert filing.lead_office == expected[0]
    assert set(filing.routed_offices.all()) == set(expected)
    assert set(expected) <= set(enterprise.routed_offices.all())
    # Each routed office's reviewer has it in the queue; another office's does not.
    for reviewer in (c.reviewer, c.second):  # w_t1_ajb (safety), w_t1_sab (food safety)
        assert filing in selectors.review_queue(user=reviewer)
    assert filing not in selectors.review_queue(user=c.other_reviewer)  # w_t1_jmb


def test_submission_routes_by_what_the_filing_declares(world):
    c = world["park_tenant"]  # no canteen in the registry
    enterprise = enterprise_of(c.enterprise)
    assert not enterprise.has_canteen
    filing = new_filing(c, S.SUBMITTED, has_canteen=True, canteen_measures="错峰就餐")
    routed = list(filing.routed_offices.values_list("kind", flat=True))
    assert sorted(routed) == ["economy", "food_safety", "park_operator"]
    assert filing.lead_office.kind == "park_operator"
