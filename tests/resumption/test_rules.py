"""The submission rules of fugong/resumption/checks.py: each rule passing and failing, their
parameters set per jurisdiction by FilingRule rows (the nearest jurisdiction's row wins over
the county's and the platform default), disabled rules, and early resumption escalated to the
county's approval. The data is a small county of its own (fugong.resumption.testing.build_casts
with a fourth town in the county's approval mode, built once for the module)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from fugong.core.errors import NotAllowed
from fugong.core.testing import world_fixtures
from fugong.resumption import checks, services, workflow
from fugong.resumption.choices import Mode, RuleCode, Status
from fugong.resumption.models import Filing, FilingRule
from fugong.resumption.policy import DEFAULT_RULE_PARAMS, RuleSetting, rules_for
from fugong.resumption.testing import Casts, add_approval_town, build_casts, days, drive, new_filing
from fugong.resumption.testing import good_application as application

S = Status


def _build() -> Casts:
    """``build_casts()`` and town 4, approval mode by the county's policy, with the cast
    ``approval_town4``."""
    casts = build_casts()
    add_approval_town(casts)
    return casts


_built, world = world_fixtures(_build, scope="module")
# A fixed moment for the pure checks: Monday 2 March 2026, 09:00 in the server's time zone.
NOW = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))


def setting(code: str, *, enabled: bool = True, **params) -> RuleSetting:
    return RuleSetting(code=code, enabled=enabled, params={**DEFAULT_RULE_PARAMS[code], **params})


def check(code: str, *, now=NOW, params: dict | None = None, **application_changes) -> dict:
    """The result of one rule on an (unsaved) application."""
    filing = Filing(**application(**application_changes))
    [result] = checks.evaluate(filing, [setting(code, **(params or {}))], now=now)
    assert result["code"] == code
    assert checks.describe(result)  # every result reads as a sentence
    return result


# --- each rule, pass and fail ------------------------------------------------------------------


def test_supplies():
    # 10 returning staff × 7 days × 1 mask a day = 70 masks.
    ok = check(RuleCode.SUPPLIES, masks=70)
    assert ok["outcome"] == checks.PASS
    assert ok["detail"] == {"staff": 10, "masks": 70, "needed": 70, "days": 7, "per_day": 1}
    short = check(RuleCode.SUPPLIES, masks=69)
    assert short["outcome"] == checks.FAIL
    assert short["detail"]["needed"] == 70
    # Every kind of returning staff counts.
    assert check(RuleCode.SUPPLIES, masks=70, staff_province=1)["outcome"] == checks.FAIL
    # The parameters: 14 days at 1.5 masks a day = 210 (rounded up).
    assert (
        check(RuleCode.SUPPLIES, masks=209, params={"days": 14, "masks_per_person_per_day": 1.5})[
            "outcome"
        ]
        == checks.FAIL
    )
    assert (
        check(RuleCode.SUPPLIES, masks=210, params={"days": 14, "masks_per_person_per_day": 1.5})[
            "outcome"
        ]
        == checks.PASS
    )
    # Nobody returning needs no masks.
    nobody = {"staff_local": 0, "staff_city": 0}
    assert check(RuleCode.SUPPLIES, masks=0, **nobody)["outcome"] == checks.PASS


def test_lead_time():
    # NOW is 09:00 on 2 March: 4 March is 39 hours away, 5 March 63 hours.
    late = check(RuleCode.LEAD_TIME, planned_date=datetime.date(2026, 3, 4))
    assert late["outcome"] == checks.FAIL
    assert late["detail"] == {"hours": 48, "left": 39, "date": "2026-03-04"}
    ok = check(RuleCode.LEAD_TIME, planned_date=datetime.date(2026, 3, 5))
    assert ok["outcome"] == checks.PASS
    # Exactly 48 hours is enough.
    midnight = timezone.make_aware(datetime.datetime(2026, 3, 2, 0, 0))
    exact = check(RuleCode.LEAD_TIME, now=midnight, planned_date=datetime.date(2026, 3, 4))
    assert exact["outcome"] == checks.PASS
    # A date in the past is never enough (and shows 0 hours left).
    past = check(RuleCode.LEAD_TIME, planned_date=datetime.date(2026, 3, 1))
    assert (past["outcome"], past["detail"]["left"]) == (checks.FAIL, 0)
    # No date at all.
    none = check(RuleCode.LEAD_TIME, planned_date=None)
    assert (none["outcome"], none["detail"]["no_date"]) == (checks.FAIL, True)
    # The parameter: 72 hours.
    params = {"hours": 72}
    assert (
        check(RuleCode.LEAD_TIME, params=params, planned_date=datetime.date(2026, 3, 5))["outcome"]
        == checks.FAIL
    )
    assert (
        check(RuleCode.LEAD_TIME, params=params, planned_date=datetime.date(2026, 3, 6))["outcome"]
        == checks.PASS
    )


def test_earliest_date():
    earliest = {"date": "2026-03-10", "early_needs_county": True}
    # No earliest date set: anything goes.
    assert (
        check(RuleCode.EARLIEST_DATE, planned_date=datetime.date(2026, 3, 3))["outcome"]
        == checks.PASS
    )
    on_time = check(
        RuleCode.EARLIEST_DATE, params=earliest, planned_date=datetime.date(2026, 3, 10)
    )
    assert on_time["outcome"] == checks.PASS
    early = check(RuleCode.EARLIEST_DATE, params=earliest, planned_date=datetime.date(2026, 3, 9))
    assert early["outcome"] == checks.ESCALATE  # passes, but the county must approve
    assert early["detail"] == {"earliest": "2026-03-10", "date": "2026-03-09"}
    assert checks.escalates([early]) and not checks.failed([early])
    strict = {"date": datetime.date(2026, 3, 10), "early_needs_county": False}
    refused = check(RuleCode.EARLIEST_DATE, params=strict, planned_date=datetime.date(2026, 3, 9))
    assert refused["outcome"] == checks.FAIL
    assert checks.failed([refused]) and not checks.escalates([refused])


def test_dormitory():
    none = check(RuleCode.DORMITORY, has_dormitory=False, dormitory_per_room=9)
    assert (none["outcome"], none["detail"]["none"]) == (checks.PASS, True)
    assert (
        check(RuleCode.DORMITORY, has_dormitory=True, dormitory_per_room=4)["outcome"]
        == checks.PASS
    )
    crowded = check(RuleCode.DORMITORY, has_dormitory=True, dormitory_per_room=5)
    assert crowded["outcome"] == checks.FAIL
    assert crowded["detail"] == {"limit": 4, "per_room": 5}
    unknown = check(RuleCode.DORMITORY, has_dormitory=True, dormitory_per_room=None)
    assert unknown["outcome"] == checks.FAIL
    assert (
        check(
            RuleCode.DORMITORY, params={"max_per_room": 6}, has_dormitory=True, dormitory_per_room=5
        )["outcome"]
        == checks.PASS
    )


def test_isolation_room():
    # Staff from this city (even another district) need no isolation room.
    assert check(RuleCode.ISOLATION_ROOM, staff_city=5)["outcome"] == checks.PASS
    for where in ("staff_province", "staff_other_province"):
        missing = check(RuleCode.ISOLATION_ROOM, **{where: 3}, has_isolation_room=False)
        assert (missing["outcome"], missing["detail"]) == (checks.FAIL, {"outside": 3})
        ready = check(RuleCode.ISOLATION_ROOM, **{where: 3}, has_isolation_room=True)
        assert ready["outcome"] == checks.PASS


def test_plan():
    assert check(RuleCode.PLAN)["outcome"] == checks.PASS
    no_group = check(RuleCode.PLAN, leading_group="  \n ")
    assert (no_group["outcome"], no_group["detail"]) == (
        checks.FAIL,
        {"missing": ["leading_group"]},
    )
    neither = check(RuleCode.PLAN, leading_group="", emergency_plan="")
    assert neither["detail"]["missing"] == ["leading_group", "emergency_plan"]


def test_results_read_as_sentences_with_their_numbers():
    with translation.override("en"):
        short = check(RuleCode.SUPPLIES, masks=69)
        text = checks.describe(short)
        assert "69" in text and "70" in text and "10" in text
        late = checks.describe(check(RuleCode.LEAD_TIME, planned_date=datetime.date(2026, 3, 4)))
        assert "2026-03-04" in late and "39" in late and "48" in late
        plan = checks.describe(check(RuleCode.PLAN, leading_group="", emergency_plan=""))
        assert "leading group" in plan and "emergency plan" in plan
    with translation.override("zh-hans"):
        assert "69" in checks.describe(short)


def test_evaluate_runs_every_enabled_rule_in_order():
    filing = Filing(**application())
    rules = [setting(code) for code in RuleCode.values]
    results = checks.evaluate(filing, rules, now=NOW)
    assert [r["code"] for r in results] == list(RuleCode.values)
    rules[0] = setting(RuleCode.SUPPLIES, enabled=False)
    assert RuleCode.SUPPLIES not in [r["code"] for r in checks.evaluate(filing, rules, now=NOW)]


# --- parameters per jurisdiction ---------------------------------------------------------------


def by_code(settings_list) -> dict:
    return {s.code: s for s in settings_list}


def test_rules_for_a_place_merge_the_nearest_row_over_the_defaults(world):
    town01, town4 = world.county.place(1), world.county.place(4)
    county = world.county.county
    rules = by_code(rules_for(town01))
    assert list(rules) == list(RuleCode.values)
    assert all(r.enabled for r in rules.values())
    assert rules[RuleCode.SUPPLIES].params == {"days": 7, "masks_per_person_per_day": 1}
    # The county (build_casts) sets the earliest date (today + 7) for its towns.
    assert rules[RuleCode.EARLIEST_DATE].params == {
        "date": days(7).isoformat(),
        "early_needs_county": True,
    }

    # A town's row changes only what it names; the other parameters keep their defaults.
    FilingRule.objects.create(jurisdiction=town01, code=RuleCode.SUPPLIES, params={"days": 14})
    assert by_code(rules_for(town01))[RuleCode.SUPPLIES].params == {
        "days": 14,
        "masks_per_person_per_day": 1,
    }
    assert by_code(rules_for(town4))[RuleCode.SUPPLIES].params["days"] == 7

    # County row for every town, town row beats it in its town.
    FilingRule.objects.create(
        jurisdiction=county, code=RuleCode.DORMITORY, params={"max_per_room": 2}
    )
    FilingRule.objects.create(
        jurisdiction=town01, code=RuleCode.DORMITORY, params={"max_per_room": 6}
    )
    assert by_code(rules_for(town01))[RuleCode.DORMITORY].params == {"max_per_room": 6}
    assert by_code(rules_for(town4))[RuleCode.DORMITORY].params == {"max_per_room": 2}
    # The enterprise's own village or grid inherits its town's rules.
    grid = world.county.grid
    assert by_code(rules_for(grid))[RuleCode.DORMITORY].params == {"max_per_room": 6}

    # A change to the platform default reaches every place without its own row.
    FilingRule.objects.filter(jurisdiction=None, code=RuleCode.LEAD_TIME).update(
        params={"hours": 72}
    )
    assert by_code(rules_for(town4))[RuleCode.LEAD_TIME].params == {"hours": 72}


def test_a_towns_parameters_decide_its_submissions(world):
    town01 = world.county.place(1)
    FilingRule.objects.create(jurisdiction=town01, code=RuleCode.SUPPLIES, params={"days": 14})
    # 10 staff × 14 days = 140 masks in town01; 70 elsewhere.
    c01 = world[Mode.APPROVAL]
    filing = new_filing(c01, masks=100)
    with pytest.raises(services.RulesFailed) as exc:
        services.filing_submit(actor=c01.enterprise, filing=filing)
    [failed] = checks.failed(exc.value.results)
    assert failed["code"] == RuleCode.SUPPLIES
    assert failed["detail"]["needed"] == 140
    c4 = world["approval_town4"]
    other = new_filing(c4, masks=100)
    other = services.filing_submit(actor=c4.enterprise, filing=other)
    assert other.status == S.SUBMITTED
    supplies = [r for r in other.rule_results if r["code"] == RuleCode.SUPPLIES]
    assert supplies[0]["detail"]["needed"] == 70


def test_a_failed_submission_names_every_broken_rule_and_changes_nothing(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(
        c,
        masks=10,
        leading_group="",
        staff_province=2,
        has_dormitory=True,
        dormitory_per_room=8,
        planned_date=days(1),
    )
    revision = filing.revision
    with pytest.raises(services.RulesFailed) as exc:
        services.filing_submit(actor=c.enterprise, filing=filing)
    failed = {r["code"] for r in checks.failed(exc.value.results)}
    assert failed == {
        RuleCode.SUPPLIES,
        RuleCode.LEAD_TIME,
        RuleCode.DORMITORY,
        RuleCode.ISOLATION_ROOM,
        RuleCode.PLAN,
    }
    # The planned date is also before the earliest date: escalated, not failed.
    outcomes = {r["code"]: r["outcome"] for r in exc.value.results}
    assert outcomes[RuleCode.EARLIEST_DATE] == checks.ESCALATE
    assert exc.value.code == "rules_failed" and exc.value.status == 422
    assert "5" in exc.value.message
    assert all(r["message"] for r in exc.value.extra["rules"])
    filing.refresh_from_db()
    assert filing.status == S.DRAFT
    assert filing.versions_count == 0
    assert filing.revision == revision
    assert filing.rule_results == exc.value.results  # the page shows them
    assert not filing.routed_offices.exists()


def test_declaration_mode_records_even_when_rules_fail(world):
    c = world[Mode.COMMITMENT]
    filing = new_filing(c, masks=0, leading_group="")
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    assert filing.status == S.RECORDED
    failed = {r["code"] for r in checks.failed(filing.rule_results)}
    assert failed == {RuleCode.SUPPLIES, RuleCode.PLAN}


# --- disabled rules ----------------------------------------------------------------------------


def test_a_disabled_rule_is_skipped(world):
    c = world[Mode.APPROVAL]
    town01 = world.county.place(1)
    FilingRule.objects.create(jurisdiction=town01, code=RuleCode.PLAN, enabled=False)
    assert not by_code(rules_for(town01))[RuleCode.PLAN].enabled
    filing = new_filing(c, leading_group="", emergency_plan="")
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    assert filing.status == S.SUBMITTED
    assert RuleCode.PLAN not in {r["code"] for r in filing.rule_results}
    assert filing.versions.get().rule_results == filing.rule_results
    # Still on in the next town.
    c4 = world["approval_town4"]
    other = new_filing(c4, leading_group="", emergency_plan="")
    with pytest.raises(services.RulesFailed):
        services.filing_submit(actor=c4.enterprise, filing=other)


def test_a_town_can_switch_on_a_rule_the_platform_switched_off(world):
    FilingRule.objects.filter(jurisdiction=None, code=RuleCode.SUPPLIES).update(enabled=False)
    c4 = world["approval_town4"]
    town4 = world.county.place(4)
    assert not by_code(rules_for(town4))[RuleCode.SUPPLIES].enabled
    filing = services.filing_submit(actor=c4.enterprise, filing=new_filing(c4, masks=0))
    assert filing.status == S.SUBMITTED
    c01 = world[Mode.APPROVAL]
    town01 = world.county.place(1)
    FilingRule.objects.create(jurisdiction=town01, code=RuleCode.SUPPLIES, enabled=True)
    with pytest.raises(services.RulesFailed):
        services.filing_submit(actor=c01.enterprise, filing=new_filing(c01, masks=0))


# --- early resumption: the county approves -----------------------------------------------------


def test_an_early_date_escalates_to_the_county(world):
    c = world[Mode.APPROVAL]
    # After the 48 hours, before the county's earliest date (today + 7).
    filing = new_filing(c, S.SUBMITTED, planned_date=days(5))
    assert filing.needs_county_approval is True
    [earliest] = [r for r in filing.rule_results if r["code"] == RuleCode.EARLIEST_DATE]
    assert earliest["outcome"] == checks.ESCALATE
    assert earliest["detail"] == {"earliest": days(7).isoformat(), "date": days(5).isoformat()}

    filing = drive(filing, S.ACCEPTED, c)
    assert filing.needs_county_approval is True
    # The town's command office no longer approves it; the county's does.
    assert workflow.APPROVER not in workflow.actor_kinds(c.town_cmd, filing)
    assert workflow.APPROVER in workflow.actor_kinds(c.county_cmd, filing)
    with pytest.raises(NotAllowed):
        services.filing_transition(actor=c.town_cmd, filing=filing, action="approve")
    with pytest.raises(NotAllowed):
        services.filing_transition(actor=c.town_cmd, filing=filing, action="reject", reason="x")
    # Nor does another town's command office.
    with pytest.raises(NotAllowed):
        services.filing_transition(actor=world.county["w_t4_cmd"], filing=filing, action="approve")
    assert Filing.objects.get(pk=filing.pk).status == S.ACCEPTED
    filing = services.filing_transition(actor=c.county_cmd, filing=filing, action="approve")
    assert filing.status == S.APPROVED
    with pytest.raises(NotAllowed):
        services.notice_issue(actor=c.town_cmd, filing=filing)
    notice = services.notice_issue(actor=c.county_cmd, filing=filing)
    assert notice.jurisdiction == world.county.county  # numbered by the county


def test_on_or_after_the_earliest_date_the_town_approves(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.ACCEPTED, planned_date=days(7))
    assert filing.needs_county_approval is False
    assert workflow.APPROVER in workflow.actor_kinds(c.town_cmd, filing)
    filing = services.filing_transition(actor=c.town_cmd, filing=filing, action="approve")
    assert filing.status == S.APPROVED
    notice = services.notice_issue(actor=c.town_cmd, filing=filing)
    assert notice.jurisdiction == world.county.place(1)  # numbered by the town


def test_in_record_mode_an_early_date_fails(world):
    """Record mode has no approval step, so nobody could give the county's approval. The data is a small county of its own (fugong.resumption.testing.build_casts
    with a fourth town in the county's approval mode, built once for the module)."""
    c = world[Mode.RECORD]
    filing = new_filing(c, planned_date=days(5))
    with pytest.raises(services.RulesFailed) as exc:
        services.filing_submit(actor=c.enterprise, filing=filing)
    assert [r["code"] for r in checks.failed(exc.value.results)] == [RuleCode.EARLIEST_DATE]
    filing = services.filing_update(actor=c.enterprise, filing=filing, planned_date=days(7))
    assert services.filing_submit(actor=c.enterprise, filing=filing).status == S.SUBMITTED


def test_a_town_can_refuse_early_dates_outright(world):
    c = world[Mode.APPROVAL]
    town01 = world.county.place(1)
    FilingRule.objects.create(
        jurisdiction=town01,
        code=RuleCode.EARLIEST_DATE,
        params={"date": days(7).isoformat(), "early_needs_county": False},
    )
    filing = new_filing(c, planned_date=days(5))
    with pytest.raises(services.RulesFailed) as exc:
        services.filing_submit(actor=c.enterprise, filing=filing)
    assert [r["code"] for r in checks.failed(exc.value.results)] == [RuleCode.EARLIEST_DATE]
    # And a town can lift the county's date for itself.
    FilingRule.objects.filter(jurisdiction=town01, code=RuleCode.EARLIEST_DATE).update(
        params={"date": None}
    )
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    assert filing.status == S.SUBMITTED
    assert filing.needs_county_approval is False


def test_escalation_is_decided_again_on_resubmission(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.RETURNED, planned_date=days(5))
    assert filing.needs_county_approval is True
    services.filing_update(actor=c.enterprise, filing=filing, planned_date=days(8))
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    assert filing.needs_county_approval is False
    assert {r["outcome"] for r in filing.rule_results} == {checks.PASS}
