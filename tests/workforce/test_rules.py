"""Origin rules as data (issue 13 point 2): inherited down the tree, a binding rule that
places below may not make stricter (不得层层加码), a region's risk with its history, what
applies to each person and from which day they may work, and the people touched evaluated
again in the background when a rule or a risk changes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from stdnum.cn import ric

from fugong.core.errors import NotAllowed, UserError
from fugong.core.jobs import execute
from fugong.core.models import Job
from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import rules, services
from fugong.workforce.choices import Measure, Origin, RiskLevel
from fugong.workforce.models import Employee, OriginRule

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()
EARLIER = TODAY - datetime.timedelta(days=30)


def number(i: int) -> str:
    body = f"340104{1980 + i % 20}0615{i:03d}"
    return body + ric.calc_check_digit(body + "0")


def place_of(user):
    return user.memberships.get().jurisdiction


def person(c, i, origin, region="", returns=None):
    return services.employee_create(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        name=f"规则{i}",
        id_number=number(i),
        origin=origin,
        origin_region=region,
        planned_return=returns,
    )


def test_each_person_gets_the_rule_of_their_origin_and_a_first_working_day(world, county_rules):
    c = add_cast(world, "approval", "rules_people")
    back = TODAY + datetime.timedelta(days=2)
    local = person(c, 1, Origin.LOCAL, returns=back)
    city = person(c, 2, Origin.CITY, returns=back)
    province = person(c, 3, Origin.PROVINCE, returns=back)
    far = person(c, 4, Origin.OUT_OF_PROVINCE, returns=back)
    assert (local.measure, local.may_work_from) == (Measure.NONE, back)
    assert (city.measure, city.may_work_from) == (Measure.MONITOR, back)
    assert province.measure == Measure.ISOLATE
    assert province.may_work_from == back + datetime.timedelta(days=14)
    assert "网格长" in province.measure_reason and "隔离" in province.measure_reason
    assert far.measure == Measure.DEFER and far.may_work_from is None


def test_a_town_rule_applies_below_it_and_a_binding_county_rule_is_not_made_stricter(
    world, county_rules
):
    c = add_cast(world, "approval", "rules_town")
    town = place_of(c.town_cmd)
    # Stricter than the county's binding monitoring for 市内区外: refused.
    with pytest.raises(UserError) as refused:
        rules.rule_add(
            actor=c.town_cmd,
            jurisdiction=town,
            origin=Origin.CITY,
            measure=Measure.ISOLATE,
            effective_from=TODAY,
        )
    assert refused.value.code == "binding" and "层层加码" in refused.value.message
    # Not bound for 省内市外: the town's own rule (7 days) applies to its enterprises.
    rule, job = rules.rule_add(
        actor=c.town_cmd,
        jurisdiction=town,
        origin=Origin.PROVINCE,
        measure=Measure.ISOLATE,
        days=7,
        effective_from=TODAY,
    )
    book = rules.RuleBook()
    assert (
        book.rule_for(c.enterprise.memberships.get().enterprise.jurisdiction.path, "province")
        == rule
    )
    other_town = place_of(world.county["w_t2_cmd"])
    assert book.rule_for(other_town.path, "province").jurisdiction == place_of(c.county_cmd)
    # Another town's command office may not set this town's rules; a reviewer none.
    with pytest.raises(NotAllowed):
        rules.rule_add(
            actor=world.county["w_t2_cmd"],
            jurisdiction=town,
            origin=Origin.LOCAL,
            measure=Measure.NONE,
            effective_from=TODAY,
        )
    with pytest.raises(NotAllowed):
        rules.rule_add(
            actor=c.reviewer,
            jurisdiction=town,
            origin=Origin.LOCAL,
            measure=Measure.NONE,
            effective_from=TODAY,
        )
    OriginRule.objects.filter(pk=rule.pk).delete()


def test_a_rule_change_reevaluates_the_people_it_touches_in_the_background(
    world, county_rules, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "rules_again")
    town = place_of(c.town_cmd)
    someone = person(c, 5, Origin.PROVINCE, returns=TODAY)
    assert someone.may_work_from == TODAY + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=False):
        rule, job = rules.rule_add(
            actor=c.town_cmd,
            jurisdiction=town,
            origin=Origin.PROVINCE,
            measure=Measure.ISOLATE,
            days=10,
            effective_from=TODAY,
        )
    execute(job.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.result["changed"] >= 1 and job.result["people"] >= 1
    someone.refresh_from_db()
    assert someone.may_work_from == TODAY + datetime.timedelta(days=10)
    OriginRule.objects.filter(pk=rule.pk).delete()


def test_a_high_risk_region_makes_its_people_key_area_and_its_history_is_kept(
    world, county_rules, user, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "rules_risk")
    someone = person(c, 6, Origin.CITY, region="420106", returns=TODAY)
    assert someone.measure == Measure.MONITOR
    admin = user("admin")
    with django_capture_on_commit_callbacks(execute=False):
        _risk, job = rules.risk_set(
            actor=admin, region="4201", name="武汉市", level=RiskLevel.HIGH, effective_from=TODAY
        )
    execute(job.pk)
    someone.refresh_from_db()
    assert someone.measure == Measure.DEFER and "武汉市" in someone.measure_reason
    # The day before, the region was not on the list: the book of that day says so.
    yesterday = rules.RuleBook(TODAY - datetime.timedelta(days=1))
    assert yesterday.risk_of("420106") is None
    with pytest.raises(NotAllowed):
        rules.risk_set(
            actor=c.town_cmd, region="4201", name="x", level=RiskLevel.LOW, effective_from=TODAY
        )
    with django_capture_on_commit_callbacks(execute=False):
        _risk, job = rules.risk_set(
            actor=admin,
            region="4201",
            name="武汉市",
            level=RiskLevel.LOW,
            effective_from=TODAY + datetime.timedelta(days=1),
        )
    assert rules.RuleBook(TODAY + datetime.timedelta(days=1)).risk_of("420106").level == "low"
    assert rules.RuleBook(TODAY).risk_of("420106").level == "high"  # history kept
    assert Employee.objects.filter(pk=someone.pk).exists()


def test_the_rules_page_shows_what_is_in_force_and_adds_a_rule(world, county_rules, client):
    c = add_cast(world, "approval", "rules_page")
    client.force_login(c.town_cmd)
    page = client.get("/workforce/rules/").content.decode()
    assert "隔离观察后上岗" in page and place_of(c.county_cmd).name in page  # inherited
    answer = client.post(
        "/workforce/rules/",
        {"origin": "city", "measure": "isolate", "days": 14, "effective_from": str(TODAY)},
    )
    assert answer.status_code == 200 and "层层加码" in answer.content.decode()  # refused
    answer = client.post(
        "/workforce/rules/",
        {"origin": "local", "measure": "monitor", "days": 7, "effective_from": str(TODAY)},
    )
    assert answer.status_code == 302 and "/jobs/" in answer["Location"]
    assert OriginRule.objects.filter(jurisdiction=place_of(c.town_cmd), origin="local").exists()
    OriginRule.objects.filter(jurisdiction=place_of(c.town_cmd)).delete()
    # Another place asked for (not the office's own) is refused, never quietly replaced.
    other_place = place_of(world.county["w_t2_cmd"])
    assert client.get(f"/workforce/rules/?jurisdiction={other_place.pk}").status_code == 403
    client.force_login(c.enterprise)
    assert client.get("/workforce/rules/").status_code == 403


def test_the_administrator_keeps_the_risk_list_in_a_page(world, client, user):
    admin = user("admin")
    client.force_login(admin)
    assert client.get("/workforce/risks/").status_code == 200
    answer = client.post(
        "/workforce/risks/",
        {"region": "5101", "name": "成都市", "level": "high", "effective_from": str(TODAY)},
    )
    assert answer.status_code == 302 and "/jobs/" in answer["Location"]
    page = client.get("/workforce/risks/").content.decode()
    assert "成都市" in page and "高风险" in page
    bad = client.post(
        "/workforce/risks/",
        {"region": "51x", "name": "x", "level": "high", "effective_from": str(TODAY)},
    )
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    c = add_cast(world, "approval", "risks_page")
    client.force_login(c.town_cmd)
    assert client.get("/workforce/risks/").status_code == 403


def test_a_region_risk_set_leaves_an_audit_row(world, user, django_capture_on_commit_callbacks):
    from fugong.core.models import AuditLog

    admin = user("admin")
    day = TODAY - datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=False):
        risk, _job = rules.risk_set(
            actor=admin, region="3601", name="南昌市", level=RiskLevel.MEDIUM, effective_from=day
        )
        rules.risk_set(
            actor=admin, region="3601", name="南昌市", level=RiskLevel.HIGH, effective_from=day
        )
    rows = AuditLog.objects.filter(content_type__model="regionrisk", object_id=str(risk.pk))
    assert sorted(rows.values_list("action", flat=True)) == ["create", "update"]
