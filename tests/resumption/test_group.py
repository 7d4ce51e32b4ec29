"""Group filing: a park operator files for several tenants at once; each tenant gets its own
filing, reviewed on its own. Enterprises outside the park are refused."""

from __future__ import annotations

import pytest
from django.db.models import Exists, OuterRef
from django.utils import translation

from fugong.core.errors import NotAllowed, UserError
from fugong.enterprises.choices import Category
from fugong.enterprises.models import Enterprise, Park
from fugong.resumption import services, workflow
from fugong.resumption.choices import Mode, Status
from fugong.resumption.models import Filing, FilingEvent, FilingGroup, FilingVersion
from tests.resumption.test_workflow import application, attach_required, enterprise_of, place

S = Status


@pytest.fixture
def park(user) -> Park:
    """城关科创园 (town01's park) with three tenants that have no filing yet: town01_ent1's
    enterprise and two more of the street's enterprises moved into the park."""
    first = enterprise_of(user("town01_ent1"))
    park = first.park
    assert park is not None and park.operator.kind == "park_operator"
    town = place(first.jurisdiction, 3)
    without_filing = ~Exists(Filing.objects.filter(enterprise=OuterRef("pk")))
    movers = list(
        Enterprise.objects.filter(jurisdiction__path__startswith=town.path, park=None)
        .filter(without_filing)
        .exclude(pk=enterprise_of(user("town01_ent2")).pk)
        .order_by("pk")[:2]
    )
    assert len(movers) == 2
    Enterprise.objects.filter(pk__in=[e.pk for e in movers]).update(
        park=park, category=Category.BUILDING_PARK
    )
    return park


def tenants(park: Park) -> list[Enterprise]:
    without_filing = ~Exists(Filing.objects.filter(enterprise=OuterRef("pk")))
    return list(Enterprise.objects.filter(park=park).filter(without_filing).order_by("pk"))


def test_the_operator_files_one_filing_per_tenant(user, park):
    operator = user("town01_park")
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
    own = next(f for f in filings if f.enterprise == enterprise_of(user("town01_ent1")))
    services.filing_update(actor=user("town01_ent1"), filing=own, masks=400)
    assert Filing.objects.get(pk=own.pk).masks == 400
    assert Filing.objects.filter(group=group).exclude(pk=own.pk).filter(masks=300).count() == 2


def test_each_filing_of_a_group_is_reviewed_on_its_own(user, park):
    operator = user("town01_park")
    group = services.group_create(
        actor=operator, park=park, enterprises=tenants(park), title="城关科创园第一批"
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


def test_group_submit_tells_which_filing_failed(user, park):
    operator = user("town01_park")
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


def test_a_non_tenant_is_refused(user, park):
    operator = user("town01_park")
    outsider = enterprise_of(user("town01_ent2"))
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


def test_a_tenant_with_a_filing_under_way_holds_the_group_back(user, park):
    operator = user("town01_park")
    members = tenants(park)
    busy = enterprise_of(user("town01_ent1"))
    services.filing_create(actor=user("town01_ent1"), enterprise=busy, **application())
    with pytest.raises(UserError) as exc:
        services.group_create(actor=operator, park=park, enterprises=members, **application())
    assert exc.value.code == "group_invalid"
    assert busy.name in exc.value.message
    assert not FilingGroup.objects.filter(park=park).exists()
    assert Filing.objects.filter(enterprise__in=members).count() == 1  # only busy's own


def test_only_the_parks_operator_files_a_group(user, park):
    members = tenants(park)
    for name in ("town02_park", "town01_jmb", "town01_ent1"):
        with pytest.raises(NotAllowed):
            services.group_create(actor=user(name), park=park, enterprises=members, **application())
    # The town's command office sees the park but cannot file for enterprises.
    with pytest.raises(UserError):
        services.group_create(
            actor=user("town01_cmd"), park=park, enterprises=members, **application()
        )
    assert not FilingGroup.objects.filter(park=park).exists()
    assert not Filing.objects.filter(enterprise__in=members).exists()


def test_a_group_needs_at_least_one_tenant(user, park):
    with pytest.raises(UserError):
        services.group_create(actor=user("town01_park"), park=park, enterprises=[])
