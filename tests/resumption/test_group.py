"""Group filing: a park operator files for several tenants at once; each tenant gets its own
filing, reviewed on its own. Enterprises outside the park are refused. The data is a small county
of its own (fugong.resumption.testing.build_casts, built once for the module) with two more
tenants in town 1's park and a park in town 2."""

from __future__ import annotations

import pytest
from django.db.models import Exists, OuterRef
from django.utils import translation

from fugong.core.errors import NotAllowed, UserError
from fugong.core.testing import world_fixtures
from fugong.enterprises.choices import Category
from fugong.enterprises.models import Enterprise, Park
from fugong.enterprises.testing import add_enterprise, add_park
from fugong.resumption import services, workflow
from fugong.resumption.choices import Mode, Status
from fugong.resumption.models import Filing, FilingEvent, FilingGroup, FilingVersion
from fugong.resumption.testing import Casts, attach_required, build_casts, enterprise_of
from fugong.resumption.testing import good_application as application

S = Status


def _build() -> Casts:
    """Town 1's park (run by ``w_t1_park``) with three tenants that have no filing yet: the
    park tenant cast's enterprise (its user ``w_park_tenant_ent``) and two more; a park in
    town 2 run by ``w_t2_park``."""
    casts = build_casts()
    county = casts.county
    for _ in range(2):
        add_enterprise(
            county,
            1,
            jurisdiction=county.place(1),
            category=Category.BUILDING_PARK,
            park=casts.registry.park,
        )
    add_park(county, 2)
    return casts


_built, world = world_fixtures(_build, scope="module")


@pytest.fixture
def park(world) -> Park:
    park = Park.objects.get(pk=world.registry.park.pk)
    assert park.operator.kind == "park_operator"
    return park


@pytest.fixture
def tenant(world):
    """The user of the park tenant cast's enterprise, one of the park's tenants."""
    return world["park_tenant"].enterprise


def tenants(park: Park) -> list[Enterprise]:
    without_filing = ~Exists(Filing.objects.filter(enterprise=OuterRef("pk")))
    return list(Enterprise.objects.filter(park=park).filter(without_filing).order_by("pk"))


def test_the_operator_files_one_filing_per_tenant(world, park, tenant):
    operator = world.county["w_t1_park"]
    members = tenants(park)
    assert len(members) == 3
    group = services.group_create(
        actor=operator, park=park, enterprises=members, **application(masks=300)
    )
    assert group.park == park and group.created_by == operator
    assert park.name in group.title
    filings = list(group.filings.order_by("enterprise_id"))
    assert [f.enterprise for f in filings] == members
    for filing in filings:
        assert (filing.status, filing.mode, filing.masks) == (S.DRAFT, Mode.APPROVAL, 300)
        assert filing.created_by == operator
        assert filing.jurisdiction == filing.enterprise.jurisdiction
        assert workflow.ENTERPRISE in workflow.actor_kinds(operator, filing)
        event = FilingEvent.objects.get(filing=filing)
        assert (event.action, event.actor) == ("create", operator)
    # The tenant's own user may work on its filing too.
    own = next(f for f in filings if f.enterprise == enterprise_of(tenant))
    services.filing_update(actor=tenant, filing=own, masks=400)
    assert Filing.objects.get(pk=own.pk).masks == 400
    assert Filing.objects.filter(group=group).exclude(pk=own.pk).filter(masks=300).count() == 2


def test_each_filing_of_a_group_is_reviewed_on_its_own(world, park):
    operator = world.county["w_t1_park"]
    group = services.group_create(
        actor=operator, park=park, enterprises=tenants(park), title="测试1镇科创园第一批"
    )
    # The operator completes the drafts (made without an application) one by one, with the
    # files the mode asks for.
    for filing in group.filings.all():
        services.filing_update(actor=operator, filing=filing, **application())
        attach_required(filing, operator)
    outcome = services.group_submit(actor=operator, group=group)
    assert set(outcome.values()) == {""}
    a, b, c = group.filings.order_by("pk")
    for filing in (a, b, c):
        filing.refresh_from_db()
        assert filing.status == S.SUBMITTED
        assert filing.versions_count == 1
        assert FilingVersion.objects.filter(filing=filing).count() == 1
        # 楼宇园区: the park operator reviews first, then the economy office.
        assert filing.lead_office == park.operator
        kinds = [o.kind for o in filing.routed_offices.all()]
        assert {"park_operator", "economy"} <= set(kinds)  # (a canteen adds food safety)

    services.filing_transition(actor=operator, filing=a, action="start_review")
    services.filing_transition(actor=operator, filing=b, action="return", reason="补充花名册")
    statuses = {f.pk: f.status for f in group.filings.all()}
    assert statuses == {a.pk: S.UNDER_REVIEW, b.pk: S.RETURNED, c.pk: S.SUBMITTED}
    # Only b was returned; it is fixed and submitted again alone.
    b.refresh_from_db()
    assert b.missing == [{"text": "补充花名册"}]
    services.filing_update(actor=operator, filing=b, masks=500)
    services.filing_submit(actor=operator, filing=b)
    versions = {f.pk: f.versions_count for f in group.filings.all()}
    assert versions == {a.pk: 1, b.pk: 2, c.pk: 1}
    # A resubmission of the whole group leaves the ones under way alone.
    assert services.group_submit(actor=operator, group=group) == {}
    # One tenant withdraws; the others go on.
    services.filing_transition(actor=operator, filing=c, action="withdraw", reason="暂不复工")
    statuses = {f.pk: f.status for f in group.filings.all()}
    assert statuses == {a.pk: S.UNDER_REVIEW, b.pk: S.SUBMITTED, c.pk: S.WITHDRAWN}


def test_group_submit_tells_which_filing_failed(world, park):
    operator = world.county["w_t1_park"]
    group = services.group_create(
        actor=operator, park=park, enterprises=tenants(park), **application()
    )
    a, b, c = group.filings.order_by("pk")
    for filing in (a, b):
        attach_required(filing, operator)
    services.filing_update(actor=operator, filing=b, masks=0, leading_group="")
    with translation.override("en"):
        outcome = services.group_submit(actor=operator, group=group)
    assert outcome[a.pk] == ""
    assert outcome[b.pk]  # why it was not submitted
    assert "commitment" not in outcome[b.pk].lower()  # its files are there
    # c has no files: the files its mode asks for are named.
    assert outcome[c.pk] == (
        "The filing was not submitted. Attach before submitting: Resumption and prevention "
        "plan、Staff roster、Commitment letter."
    )
    attach_required(c, operator)
    assert services.group_submit(actor=operator, group=group)[c.pk] == ""
    statuses = dict(group.filings.values_list("pk", "status"))
    assert statuses == {a.pk: S.SUBMITTED, b.pk: S.DRAFT, c.pk: S.SUBMITTED}


def test_a_non_tenant_is_refused(world, park):
    operator = world.county["w_t1_park"]
    outsider = enterprise_of(world[Mode.APPROVAL].enterprise)
    assert outsider.park_id is None
    groups = FilingGroup.objects.count()
    with pytest.raises(UserError) as exc:
        services.group_create(
            actor=operator, park=park, enterprises=[*tenants(park), outsider], **application()
        )
    assert outsider.name in exc.value.message
    assert FilingGroup.objects.count() == groups
    assert not Filing.objects.filter(enterprise__park=park, group__isnull=False).exists()
    # Filing for it on its own is refused too: the operator is nothing to it.
    with pytest.raises(NotAllowed):
        services.filing_create(actor=operator, enterprise=outsider, **application())


def test_a_tenant_with_a_filing_under_way_holds_the_group_back(world, park, tenant):
    operator = world.county["w_t1_park"]
    members = tenants(park)
    busy = enterprise_of(tenant)
    services.filing_create(actor=tenant, enterprise=busy, **application())
    with pytest.raises(UserError) as exc:
        services.group_create(actor=operator, park=park, enterprises=members, **application())
    assert exc.value.code == "group_invalid"
    assert busy.name in exc.value.message
    assert not FilingGroup.objects.filter(park=park).exists()
    assert Filing.objects.filter(enterprise__in=members).count() == 1  # only busy's own


def test_only_the_parks_operator_files_a_group(world, park):
    members = tenants(park)
    county = world.county
    for who in (county["w_t2_park"], county["w_t1_jmb"], world["park_tenant"].enterprise):
        with pytest.raises(NotAllowed):
            services.group_create(actor=who, park=park, enterprises=members, **application())
    # The town's command office sees the park but cannot file for enterprises.
    with pytest.raises(UserError):
        services.group_create(
            actor=world.county["w_t1_cmd"], park=park, enterprises=members, **application()
        )
    assert not FilingGroup.objects.filter(park=park).exists()
    assert not Filing.objects.filter(enterprise__in=members).exists()


def test_a_group_needs_at_least_one_tenant(world, park):
    with pytest.raises(UserError):
        services.group_create(actor=world.county["w_t1_park"], park=park, enterprises=[])
