"""The mode a jurisdiction works in (approval, record, declaration), from a date on; a town's
own policy over its county's; a filing keeps the mode it was made under; and one filing at a
time per enterprise (an open filing blocks a second, a valid one makes a new one pointless).
The data is a small county of its own (fugong.resumption.testing.build_casts, built once for the
module): town 1 follows the county's approval mode, town 2 works in record mode, town 3 in
declaration mode."""

from __future__ import annotations

import pytest
from django.utils import translation

from fugong.accounts.testing import add_grid
from fugong.core.errors import Conflict, UserError
from fugong.core.testing import world_fixtures
from fugong.resumption import policy, services
from fugong.resumption.choices import Mode, Status
from fugong.resumption.models import Filing, ResumptionPolicy
from fugong.resumption.testing import (
    Casts,
    attach_required,
    build_casts,
    days,
    drive,
    enterprise_of,
    new_filing,
)
from fugong.resumption.testing import good_application as application
from tests.resumption.test_workflow import case_id

S = Status


def _build() -> Casts:
    casts = build_casts()
    casts.grid2 = add_grid(casts.county, 2)
    return casts


_built, world = world_fixtures(_build, scope="module")


def towns(world):
    """Town 1 (the county's mode), town 2 (record), town 3 (declaration), read again."""
    return [type(t).objects.get(pk=t.pk) for t in world.county.towns]


# --- the mode in force -------------------------------------------------------------------------


def test_the_county_and_its_towns(world):
    town01, town02, town03 = towns(world)
    county = world.county.county
    assert policy.policy_for(county).mode == Mode.APPROVAL
    p = policy.policy_for(town01)
    assert (p.mode, p.jurisdiction) == (Mode.APPROVAL, county)  # inherited from the county
    p = policy.policy_for(town02)
    assert (p.mode, p.jurisdiction) == (Mode.RECORD, town02)
    p = policy.policy_for(town03)
    assert (p.mode, p.jurisdiction) == (Mode.COMMITMENT, town03)
    # An enterprise's grid follows its town.
    grid = world.grid2
    assert grid.depth == 5 and policy.policy_for(grid).mode == Mode.RECORD


def test_a_policy_applies_from_its_effective_date(world):
    town04 = towns(world)[0]  # no policy of its own
    ResumptionPolicy.objects.create(
        jurisdiction=town04, mode=Mode.RECORD, effective_from=days(5), remarks="下周起备案制"
    )
    assert policy.policy_for(town04).mode == Mode.APPROVAL
    assert policy.policy_for(town04, on=days(4)).mode == Mode.APPROVAL
    assert policy.policy_for(town04, on=days(5)).mode == Mode.RECORD
    assert policy.policy_for(town04, on=days(30)).mode == Mode.RECORD
    # A filing made today is made under today's mode.
    c = world[Mode.APPROVAL]
    assert new_filing(c).mode == Mode.APPROVAL


def test_the_latest_policy_in_force_wins_within_a_jurisdiction(world):
    town02 = towns(world)[1]
    ResumptionPolicy.objects.create(
        jurisdiction=town02, mode=Mode.APPROVAL, effective_from=days(-3)
    )
    ResumptionPolicy.objects.create(
        jurisdiction=town02, mode=Mode.COMMITMENT, effective_from=days(3)
    )
    assert policy.policy_for(town02, on=days(-5)).mode == Mode.RECORD
    assert policy.policy_for(town02).mode == Mode.APPROVAL
    assert policy.policy_for(town02, on=days(3)).mode == Mode.COMMITMENT


def test_a_towns_policy_beats_the_countys(world):
    town01, town02, _ = towns(world)
    county = world.county.county
    # The county changes its mode today, later than town02's own policy took effect.
    ResumptionPolicy.objects.create(
        jurisdiction=county, mode=Mode.COMMITMENT, effective_from=days(0)
    )
    assert policy.policy_for(county).mode == Mode.COMMITMENT
    assert policy.policy_for(town01).mode == Mode.COMMITMENT  # no policy of its own
    assert policy.policy_for(town02).mode == Mode.RECORD  # its own policy stands
    # A town policy that is not yet in force does not hide the county's.
    town04 = town01
    ResumptionPolicy.objects.create(jurisdiction=town04, mode=Mode.RECORD, effective_from=days(2))
    assert policy.policy_for(town04).mode == Mode.COMMITMENT
    assert policy.policy_for(town04, on=days(2)).mode == Mode.RECORD


def test_without_any_policy_the_platform_default_applies(world, settings):
    town01 = towns(world)[0]
    ResumptionPolicy.objects.all().delete()
    settings.FUGONG_DEFAULT_RESUMPTION_MODE = Mode.RECORD
    p = policy.policy_for(town01)
    assert (p.mode, p.jurisdiction) == (Mode.RECORD, None)
    assert p.weights == policy.DEFAULT_WEIGHTS
    assert p.stage_days == policy.DEFAULT_STAGE_DAYS
    assert new_filing(world[Mode.APPROVAL]).mode == Mode.RECORD


def test_a_policy_carries_its_weights_and_time_limits(world):
    town02 = towns(world)[1]
    ResumptionPolicy.objects.filter(jurisdiction=town02).update(
        priority_weights={"key": 100}, stage_days={"submitted": 4}
    )
    p = policy.policy_for(town02)
    assert p.weights["key"] == 100 and p.weights["orders"] == policy.DEFAULT_WEIGHTS["orders"]
    assert p.stage_days["submitted"] == 4
    assert p.stage_days["under_review"] == policy.DEFAULT_STAGE_DAYS["under_review"]


# --- a filing keeps its mode -------------------------------------------------------------------


def test_a_filing_keeps_the_mode_it_was_made_under(world):
    c = world[Mode.APPROVAL]
    town01 = towns(world)[0]
    filing = new_filing(c)
    assert filing.mode == Mode.APPROVAL
    # The town switches to declaration and commitment from today.
    ResumptionPolicy.objects.create(
        jurisdiction=town01, mode=Mode.COMMITMENT, effective_from=days(0)
    )
    assert policy.policy_for(town01).mode == Mode.COMMITMENT
    # The draft made before is still an approval filing: submitting does not record it ...
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    assert (filing.mode, filing.status) == (Mode.APPROVAL, S.SUBMITTED)
    # ... nor can a reviewer record it as in record mode; it goes on to its acceptance.
    with pytest.raises(Conflict):
        services.filing_transition(actor=c.reviewer, filing=filing, action="record")
    filing = drive(filing, S.NOTICE_ISSUED, c)
    assert filing.mode == Mode.APPROVAL
    # A new filing in the town is made under the new mode.
    park = world["park_tenant"]
    fresh = new_filing(park)
    assert fresh.mode == Mode.COMMITMENT
    assert services.filing_submit(actor=park.enterprise, filing=fresh).status == S.RECORDED


def test_a_record_filing_stays_one_after_the_town_moves_to_approval(world):
    c = world[Mode.RECORD]
    town02 = towns(world)[1]
    filing = new_filing(c, S.SUBMITTED)
    ResumptionPolicy.objects.create(jurisdiction=town02, mode=Mode.APPROVAL, effective_from=days(0))
    with pytest.raises(Conflict):
        services.acceptance_schedule(actor=c.reviewer, filing=filing, date=days(0))
    filing = services.filing_transition(actor=c.reviewer, filing=filing, action="record")
    assert (filing.mode, filing.status) == (Mode.RECORD, S.RECORDED)


# --- one filing at a time ----------------------------------------------------------------------

VALID = [
    (Mode.APPROVAL, S.APPROVED),
    (Mode.APPROVAL, S.NOTICE_ISSUED),
    (Mode.RECORD, S.RECORDED),
    (Mode.COMMITMENT, S.RECORDED),
]


@pytest.mark.parametrize(("mode", "status"), VALID, ids=[case_id(m, s) for m, s in VALID])
def test_an_enterprise_that_may_resume_is_refused_a_new_filing(world, mode, status):
    c = world[mode]
    enterprise = enterprise_of(c.enterprise)
    filing = new_filing(c, status)
    assert services.valid_filing(enterprise) == filing
    with pytest.raises(UserError) as exc:
        services.filing_create(actor=c.enterprise, enterprise=enterprise, **application())
    assert exc.value.code == "already_valid"
    assert enterprise.name in exc.value.message
    assert filing.get_status_display() in exc.value.message
    assert f"{filing.created_at:%Y-%m-%d}" in exc.value.message
    with translation.override("en"):
        with pytest.raises(UserError) as exc:
            services.filing_create(actor=c.enterprise, enterprise=enterprise, **application())
        assert "need not file again" in exc.value.message
    assert Filing.objects.filter(enterprise=enterprise).count() == 1


OPEN = [
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.UNDER_REVIEW,
    S.ACCEPTANCE_SCHEDULED,
    S.ACCEPTED,
    S.ACCEPTANCE_FAILED,
]


@pytest.mark.parametrize("status", OPEN)
def test_an_open_filing_blocks_a_second_one(world, status):
    c = world[Mode.APPROVAL]
    enterprise = enterprise_of(c.enterprise)
    filing = new_filing(c, status)
    assert services.open_filing(enterprise) == filing
    with pytest.raises(UserError) as exc:
        services.filing_create(actor=c.enterprise, enterprise=enterprise, **application())
    assert exc.value.code == "already_open"
    assert enterprise.name in exc.value.message
    assert filing.get_status_display() in exc.value.message
    with translation.override("en"):
        with pytest.raises(UserError) as exc:
            services.filing_create(actor=c.enterprise, enterprise=enterprise, **application())
        assert "continue that one" in exc.value.message
    assert Filing.objects.filter(enterprise=enterprise).count() == 1


@pytest.mark.parametrize("status", [S.REJECTED, S.WITHDRAWN])
def test_after_a_rejection_or_withdrawal_the_enterprise_may_file_again(world, status):
    c = world[Mode.APPROVAL]
    enterprise = enterprise_of(c.enterprise)
    first = new_filing(c, status)
    assert services.open_filing(enterprise) is None
    assert services.valid_filing(enterprise) is None
    second = services.filing_create(actor=c.enterprise, enterprise=enterprise, **application())
    assert second.pk != first.pk and second.status == S.DRAFT
    assert Filing.objects.get(pk=first.pk).status == status


# --- the files each mode asks for (issue 10 §6) -------------------------------------------------


def test_each_mode_asks_for_the_files_of_its_seed():
    assert policy.required_attachments(Mode.APPROVAL) == ["plan", "roster", "commitment"]
    assert policy.required_attachments(Mode.RECORD) == ["plan", "roster"]
    assert policy.required_attachments(Mode.RECORD, has_commuter_bus=True) == [
        "plan",
        "roster",
        "commitment",
        "bus_list",
    ]
    assert policy.required_attachments(Mode.COMMITMENT, has_commuter_bus=True) == []


@pytest.mark.parametrize("mode", [Mode.APPROVAL, Mode.RECORD])
def test_a_filing_without_the_files_its_mode_asks_for_is_not_submitted(world, mode):
    c = world[mode]
    filing = new_filing(c, attach=False, has_commuter_bus=True, commuter_bus="1辆 20座")
    with translation.override("en"), pytest.raises(services.AttachmentsMissing) as error:
        services.filing_submit(actor=c.enterprise, filing=filing)
    wanted = policy.required_attachments(mode, has_commuter_bus=True)
    assert error.value.attachments == wanted and error.value.status == 422
    assert error.value.message.startswith("The filing was not submitted. Attach before submitting:")
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT and filing.versions_count == 0
    # With one file still missing, that one is named.
    filing = attach_required(filing, c.enterprise)
    filing.attachments.filter(kind="roster").delete()
    with translation.override("en"), pytest.raises(services.AttachmentsMissing) as error:
        services.filing_submit(actor=c.enterprise, filing=filing)
    assert error.value.attachments == ["roster"]
    assert error.value.message.endswith("Attach before submitting: Staff roster.")
    attach_required(filing, c.enterprise)
    assert services.filing_submit(actor=c.enterprise, filing=filing).status == Status.SUBMITTED


def test_failed_rules_and_missing_files_are_told_at_once(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, attach=False, masks=0)
    with translation.override("en"), pytest.raises(services.RulesFailed) as error:
        services.filing_submit(actor=c.enterprise, filing=filing)
    assert "rule(s) not met" in error.value.message
    assert "Attach before submitting: Resumption and prevention plan" in error.value.message
    assert error.value.extra["missing_attachments"] == ["plan", "roster", "commitment"]


def test_declaration_mode_asks_for_no_file(world):
    c = world[Mode.COMMITMENT]
    filing = new_filing(c, attach=False)
    assert services.filing_submit(actor=c.enterprise, filing=filing).status == Status.RECORDED


def test_every_submitted_demo_filing_has_the_files_its_mode_asks_for(demo):
    submitted = Filing.objects.exclude(submitted_at=None).prefetch_related("attachments")
    assert submitted.filter(mode=Mode.APPROVAL).exists()
    assert submitted.filter(mode=Mode.RECORD).exists()
    for filing in submitted:
        kinds = {a.kind for a in filing.attachments.all()}
        assert policy.missing_attachments(filing, kinds) == [], (filing.pk, filing.mode, kinds)
