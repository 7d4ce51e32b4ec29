"""The registry: derivations with reasons and overrides, validation, 包保, bulk actions and the
list page's filters, ledgers and unassigned view. The data is a small county of its own
(fugong.accounts.testing, fugong.enterprises.testing), built once for the class."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from stdnum.cn import uscc

from fugong.accounts.testing import add_cadre, build_county
from fugong.core.audit import history_for
from fugong.core.testing import world_fixtures
from fugong.enterprises import services
from fugong.enterprises.choices import Category, Duty, Ledger, Post, Tier
from fugong.enterprises.derivation import derive_category, derive_key
from fugong.enterprises.models import Assignment, Enterprise, Industry, RegistryRule
from fugong.enterprises.selectors import enterprise_filtered, enterprise_list
from fugong.enterprises.testing import Registry, add_enterprise, add_park, build_registry

pytestmark = pytest.mark.django_db


def _build() -> Registry:
    """``build_registry(build_county(), per_town=3)`` with more to filter: a park with a tenant
    (and its operator ``w_t1_park``), a major enterprise producing normally, a street shop, one
    resumed, one with its revenue and tax (so a derived category), the cadres ``w_t1_cadre2``
    and ``w_t2_cadre``."""
    registry = build_registry(build_county(), per_town=3)
    county = registry.county
    park = add_park(county, 1)
    industry = Industry.objects.get(code="34")
    registry.extra = [
        add_enterprise(county, 1, park=park),
        add_enterprise(county, 1, ledger=Ledger.NORMAL, tier=Tier.MAJOR),
        add_enterprise(county, 2, category=Category.STREET_SHOP, ledger=Ledger.NORMAL),
        add_enterprise(county, 1, resumed_on=datetime.date(2026, 2, 20), returned_count=12),
        add_enterprise(
            county, 1, industry=industry, revenue_last_year=Decimal(3000), tax_paid_last_year=1
        ),
    ]
    add_cadre(county, 1, "w_t1_cadre2")
    add_cadre(county, 2, "w_t2_cadre")
    return registry


_built, world = world_fixtures(_build)


def new_code(n: int) -> str:
    body = f"91339821{n:09d}"
    return body + uscc.calc_check_digit(body)


@pytest.mark.parametrize(
    ("division", "section", "revenue", "expected"),
    [
        ("34", "C", "2000", Category.INDUSTRY_ABOVE),
        ("34", "C", "1999.99", Category.INDUSTRY_BELOW),
        ("44", "D", "5000", Category.INDUSTRY_ABOVE),
        ("51", "F", "2000", Category.TRADE_ABOVE),
        ("51", "F", "1999", Category.BELOW_LIMIT),
        ("52", "F", "500", Category.TRADE_ABOVE),
        ("52", "F", "499", Category.BELOW_LIMIT),
        ("61", "H", "200", Category.HOSPITALITY_ABOVE),
        ("62", "H", "199", Category.BELOW_LIMIT),
        ("54", "G", "2000", Category.SERVICES_ABOVE),
        ("72", "L", "1000", Category.SERVICES_ABOVE),
        ("72", "L", "999", Category.BELOW_LIMIT),
        ("80", "O", "500", Category.SERVICES_ABOVE),
        ("47", "E", "90000", Category.BELOW_LIMIT),
    ],
)
def test_category_derivation_by_nbs_thresholds(division, section, revenue, expected):
    derived = derive_category(division=division, section=section, revenue=Decimal(revenue))
    assert derived.value == expected and derived.reason


def test_category_needs_industry_and_revenue():
    assert derive_category(division=None, section=None, revenue=Decimal(1)) is None
    assert derive_category(division="34", section="C", revenue=None) is None


def test_key_rule():
    assert derive_key(tax_paid=Decimal("50.01"), threshold=Decimal(50)).value is True
    assert derive_key(tax_paid=Decimal("50"), threshold=Decimal(50)).value is False  # "over" 50万元
    assert derive_key(tax_paid=Decimal("999"), threshold=None).value is False


def create(world, n: int, **fields):
    return services.enterprise_create(
        actor=world["w_t1_cmd"],
        name=f"派生测试{n}公司",
        credit_code=new_code(n),
        jurisdiction=world.county.grid,
        **fields,
    )


class TestRegistry:
    """Services and pages on the class's own small county."""

    def test_derived_values_follow_their_inputs_until_overridden(self, world):
        me = world["w_t1_cmd"]
        industry = Industry.objects.select_related("parent").get(code="34")
        e = create(
            world,
            1,
            industry=industry,
            revenue_last_year=Decimal(3000),
            tax_paid_last_year=Decimal(80),
        )
        assert e.category == Category.INDUSTRY_ABOVE and e.is_key
        e = services.enterprise_update(
            actor=me, enterprise=e, revenue_last_year=Decimal(100), tax_paid_last_year=Decimal(1)
        )
        assert e.category == Category.INDUSTRY_BELOW and not e.is_key
        with pytest.raises(ValidationError, match="reason|理由|why"):
            services.enterprise_override_category(
                actor=me, enterprise=e, category=Category.BUILDING_PARK, reason=" "
            )
        e = services.enterprise_override_category(
            actor=me, enterprise=e, category=Category.BUILDING_PARK, reason="入驻楼宇"
        )
        e = services.enterprise_update(actor=me, enterprise=e, revenue_last_year=Decimal(5000))
        assert e.category == Category.BUILDING_PARK and e.category_overridden
        assert history_for(e).filter(reason="入驻楼宇").exists()
        e = services.enterprise_clear_category_override(actor=me, enterprise=e)
        assert e.category == Category.INDUSTRY_ABOVE and not e.category_overridden

    def test_key_rule_is_configurable_per_jurisdiction(self, world):
        me, town = world["w_t1_cmd"], world.county.towns[0]
        RegistryRule.objects.create(jurisdiction=town, key_min_tax_paid=Decimal(200))
        e = create(world, 2, tax_paid_last_year=Decimal(100))
        assert not e.is_key
        RegistryRule.objects.filter(jurisdiction=town).update(key_rule_enabled=False)
        e = services.enterprise_update(actor=me, enterprise=e, tax_paid_last_year=Decimal(1000))
        assert not e.is_key
        e = services.enterprise_override_key(
            actor=me, enterprise=e, is_key=True, reason="县重点培育"
        )
        assert e.is_key and e.is_key_overridden

    def test_credit_code_is_validated_and_unique(self, world):
        me, grid = world["w_t1_cmd"], world.county.grid
        with pytest.raises(ValidationError) as err:
            services.enterprise_create(
                actor=me, name="坏码", credit_code="91339821000000000X", jurisdiction=grid
            )
        assert "credit_code" in err.value.message_dict
        create(world, 4)
        with pytest.raises(ValidationError) as err:
            services.enterprise_create(
                actor=me, name="重复", credit_code=new_code(4), jurisdiction=grid
            )
        assert "credit_code" in err.value.message_dict

    def test_phone_is_validated(self, world):
        with pytest.raises(ValidationError) as err:
            create(world, 5, contact_phone="12345")
        assert "contact_phone" in err.value.message_dict

    def test_update_outside_scope_is_refused(self, world):
        other = world.enterprises[2][0]
        with pytest.raises(PermissionDenied):
            services.enterprise_update(actor=world["w_t1_cmd"], enterprise=other, name="越权")

    def test_bulk_assignment_and_the_unassigned_list(self, world):
        me = world.county.fresh("w_t1_cmd")
        unassigned, _fs = enterprise_filtered(user=me, data={"unassigned": "true"})
        before = list(unassigned.values_list("pk", flat=True))
        assert len(before) >= 2  # the builders assign only town 1's first enterprise
        cadre = world.county.fresh("w_t1_cadre")
        made = services.assignments_bulk_create(
            actor=me, enterprise_ids=before, user=cadre, duty=Duty.CADRE, post=Post.B
        )
        assert made == len(before)
        assert not enterprise_filtered(user=me, data={"unassigned": "true"})[0].exists()
        cadre = world.county.fresh("w_t1_cadre")  # assignment feeds the scope
        assert set(enterprise_list(user=cadre).values_list("pk", flat=True)) >= set(before)
        assert (
            services.assignments_bulk_create(
                actor=me, enterprise_ids=before, user=cadre, duty=Duty.CADRE, post=Post.B
            )
            == 0
        )

    def test_bulk_assignment_ignores_enterprises_outside_scope(self, world):
        other = [e.pk for e in world.enterprises[2]]
        made = services.assignments_bulk_create(
            actor=world["w_t1_cmd"],
            enterprise_ids=other,
            user=world["w_t1_cadre"],
            duty=Duty.CADRE,
            post=Post.A,
        )
        assert made == 0

    def test_bulk_status_change(self, world):
        me = world["w_t1_cmd"]
        ids = list(enterprise_list(user=me).values_list("pk", flat=True)[:3])
        assert (
            services.enterprises_set_status(actor=me, enterprise_ids=ids, ledger=Ledger.MAY_DELAY)
            >= 1
        )
        assert set(Enterprise.objects.filter(pk__in=ids).values_list("ledger", flat=True)) == {
            Ledger.MAY_DELAY
        }
        with pytest.raises(ValidationError):
            services.enterprises_set_status(actor=me, enterprise_ids=ids)

    # ---------------------------------------------------------------------------------- pages

    def test_list_filters_and_counts(self, client, world):
        me = world["w_county_cmd"]
        client.force_login(me)
        for query in [
            "ledger=normal",
            "category=street_shop",
            "status=resumed",
            "industry=C",
            "tier=major",
            "q=有限公司",
        ]:
            page = client.get(f"/enterprises/?{query}")
            assert page.status_code == 200
            expected = enterprise_filtered(user=me, data=QueryDict(query))[0].count()
            assert page.context["page"].paginator.count == expected > 0, query

    def test_list_sorting_and_htmx_partial(self, client, world):
        client.force_login(world["w_county_cmd"])
        page = client.get(
            "/enterprises/?sort=-employee_count",
            headers={"HX-Request": "true", "HX-Target": "results"},
        )
        html = page.content.decode()
        assert "<html" not in html and 'id="results"' in html
        counts = [e.employee_count for e in page.context["page"].object_list]
        assert counts == sorted(counts, reverse=True)

    def test_bad_filter_values_are_reported_not_fatal(self, client, world):
        client.force_login(world["w_county_cmd"])
        page = client.get("/enterprises/?ledger=bogus&tier=zzz&assigned=abc&page=-1")
        assert page.status_code == 200 and page.context["filterset"].errors

    def test_ledger_and_unassigned_views(self, client, world):
        me = world["w_t1_cmd"]
        client.force_login(me)
        page = client.get("/enterprises/view/ledger-cannot_resume/")
        assert all(e.ledger == Ledger.CANNOT_RESUME for e in page.context["page"].object_list)
        page = client.get("/enterprises/view/unassigned/")
        assert (
            page.context["page"].paginator.count
            == enterprise_filtered(user=me, data={"unassigned": "true"})[0].count()
        )
        assert client.get("/enterprises/view/nope/").status_code == 404

    def test_detail_shows_the_derivation_reason(self, client, world):
        me = world["w_t1_cmd"]
        client.force_login(me)
        e = (
            enterprise_list(user=me)
            .filter(category_overridden=False, industry__isnull=False)
            .first()
        )
        html = client.get(f"/enterprises/{e.pk}/").content.decode()
        assert 'data-testid="derived-category"' in html and e.industry.code in html

    def test_create_page_keeps_input_and_says_what_is_wrong(self, client, world):
        client.force_login(world["w_t1_cmd"])
        response = client.post(
            "/enterprises/new/",
            {
                "name": "保留我",
                "credit_code": "91339821000000000X",
                "jurisdiction": world.county.grid.pk,
                "employee_count": 3,
            },
        )
        assert response.status_code == 200
        assert "保留我" in response.content.decode()
        assert response.context["form"].errors["credit_code"]

    def test_stale_edit_is_refused_and_input_kept(self, client, world):
        me = world["w_t1_cmd"]
        client.force_login(me)
        e = enterprise_list(user=me).first()
        page = client.get(f"/enterprises/{e.pk}/edit/")
        data = {
            k: v
            for k, v in page.context["form"].initial.items()
            if v is not None and not isinstance(v, bool)
        }
        data.update(
            name="我改的名字",
            updated_at="2000-01-01T00:00:00+00:00",
            jurisdiction=e.jurisdiction_id,
        )
        response = client.post(f"/enterprises/{e.pk}/edit/", data)
        assert response.status_code == 409 and "我改的名字" in response.content.decode()
        assert "其他人修改" in response.content.decode()
        e.refresh_from_db()
        assert e.name != "我改的名字"

    def test_override_page_requires_a_reason(self, client, world):
        me = world["w_t1_cmd"]
        client.force_login(me)
        e = enterprise_list(user=me).first()
        response = client.post(
            f"/enterprises/{e.pk}/override/category/", {"category": "street_shop", "reason": ""}
        )
        assert response.status_code == 200 and response.context["form"].errors["reason"]
        response = client.post(
            f"/enterprises/{e.pk}/override/category/", {"category": "street_shop", "reason": "沿街"}
        )
        assert response.status_code == 302
        e.refresh_from_db()
        assert e.category == "street_shop" and e.category_override_reason == "沿街"

    def test_bulk_page_action(self, client, world):
        """The "Mark as resumed" action asks for the staff back at each ticked enterprise, then writes the
        date and those numbers."""
        me = world["w_t1_cmd"]
        client.force_login(me)
        chosen = list(enterprise_list(user=me).filter(employee_count__gte=2)[:2])
        ids = [e.pk for e in chosen]
        asked = client.post(
            "/enterprises/bulk/",
            {"ids": ids, "action": "resumed", "resumed_on": "2026-03-01", "next": "/enterprises/"},
        )
        assert asked.status_code == 200
        html = asked.content.decode()
        assert all(f'name="returned_{pk}"' in html for pk in ids)
        assert all(
            e.resumed_on != datetime.date(2026, 3, 1) for e in Enterprise.objects.filter(pk__in=ids)
        )
        data = {
            "ids": ids,
            "action": "resumed",
            "confirm": "1",
            "resumed_on": "2026-03-01",
            "next": "/enterprises/",
            **{f"returned_{e.pk}": str(e.employee_count - 1) for e in chosen},
        }
        response = client.post("/enterprises/bulk/", data)
        assert response.status_code == 302
        assert {
            e.pk: (str(e.resumed_on), e.returned_count)
            for e in Enterprise.objects.filter(pk__in=ids)
        } == {e.pk: ("2026-03-01", e.employee_count - 1) for e in chosen}
        response = client.post("/enterprises/bulk/", {"action": "resumed", "next": "/enterprises/"})
        assert response.status_code == 302  # a message says to tick enterprises

    def test_assignment_tab(self, client, world):
        me = world["w_t1_cmd"]
        client.force_login(me)
        e = enterprise_list(user=me).first()
        person = world["w_t1_cadre2"]
        response = client.post(
            f"/enterprises/{e.pk}/assignments/",
            {"user": person.username, "duty": "liaison", "post": "B"},
        )
        assert response.status_code == 302
        assert Assignment.objects.filter(enterprise=e, user=person, duty="liaison").exists()
        outsider = world["w_t2_cadre"]
        response = client.post(
            f"/enterprises/{e.pk}/assignments/",
            {"user": outsider.username, "duty": "cadre", "post": "A"},
        )
        assert response.status_code == 200 and response.context["form"].errors["user"]

    def test_upsert_with_a_code_twice_keeps_both_rows_changes(self, world):
        e = enterprise_list(user=world["w_t1_cmd"]).first()
        services.enterprises_upsert(
            actor=world["w_t1_cmd"],
            rows=[
                {"credit_code": e.credit_code, "name": "第一次改名"},
                {"credit_code": e.credit_code, "address": "第二次改地址"},
            ],
        )
        e.refresh_from_db()
        assert e.name == "第一次改名" and e.address == "第二次改地址"
        assert history_for(e).first().after["name"] == "第一次改名"

    def test_park_operator_can_edit_its_tenants(self, client, world):
        me = world["w_t1_park"]
        client.force_login(me)
        e = enterprise_list(user=me).first()
        page = client.get(f"/enterprises/{e.pk}/edit/")
        form = page.context["form"]
        assert e.jurisdiction in form.fields["jurisdiction"].queryset
        data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, bool)}
        data.update(
            name="园区改名公司", jurisdiction=e.jurisdiction_id, updated_at=e.updated_at.isoformat()
        )
        for name in (
            "closed_management",
            "has_canteen",
            "has_dormitory",
            "has_commuter_bus",
            "has_isolation_room",
        ):
            if form.initial.get(name):
                data[name] = "on"
        response = client.post(f"/enterprises/{e.pk}/edit/", data)
        assert response.status_code == 302, response.context["form"].errors
        e.refresh_from_db()
        assert e.name == "园区改名公司"
