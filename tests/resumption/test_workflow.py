"""The state machine of a filing, driven through the real services by the people of a small county
of its own (fugong.resumption.testing.build_casts, built once for the module): every allowed and
forbidden transition in each mode and by each role, reasons, stale forms, versions, the on-site
acceptance and its checklist versions, the ledger and the time limits.

The other modules of this package import the helpers at the top (``cast`` is the demo county's)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.core.testing import world_fixtures
from fugong.enterprises.choices import Ledger
from fugong.enterprises.models import Enterprise
from fugong.inspections.models import ChecklistItem, ChecklistTemplate, ItemKind
from fugong.inspections.services import template_new_version
from fugong.resumption import services, workflow
from fugong.resumption.choices import Mode, Status
from fugong.resumption.models import (
    Acceptance,
    AcceptanceAnswer,
    Filing,
    FilingEvent,
    FilingRule,
    FilingVersion,
    ResumptionPolicy,
)
from fugong.resumption.policy import ancestor_paths
from fugong.resumption.testing import (
    Cast,
    answers,
    attach_required,  # noqa: F401 (the other modules')
    build_casts,
    days,
    drive,
    enterprise_of,
    new_filing,
)
from fugong.resumption.testing import good_application as application

S = Status

# --- helpers -------------------------------------------------------------------------------------
# The filings are built by fugong.resumption.testing on a county of their own (build_casts), once
# for this module. The other modules of this package still import ``cast`` (the demo county's
# people around an enterprise of each mode) and the builders' helpers from here.

# enterprise, lead office reviewer, other routed office reviewer, non-routed reviewer,
# assigned cadre, town command office. town01_ent2's enterprise is small industry with a
# canteen: led by the work safety office (安监办), also routed to food safety (食安办) and the
# county's SME centre. town02_ent2's is a small service business: the economy office (经贸办)
# alone. town03_ent2's is industry above size with a canteen: 经贸办 leads, 食安办 and the
# county's bureau of industry follow. town01_ent1's enterprise is a tenant of the street's park:
# its operator leads, the economy office follows.
CASTS = {
    Mode.APPROVAL: (
        "town01_ent2", "town01_ajb", "town01_sab", "town01_jmb", "town01_cadre2", "town01_cmd"
    ),
    Mode.RECORD: ("town02_ent2", "town02_jmb", None, "town02_ajb", "town02_cadre2", "town02_cmd"),
    Mode.COMMITMENT: (
        "town03_ent2", "town03_jmb", "town03_sab", "town03_ajb", "town03_cadre2", "town03_cmd"
    ),
    "park_tenant": (
        "town01_ent1", "town01_park", "town01_jmb", "town01_ajb", "town01_cadre", "town01_cmd"
    ),
    "approval_town04": (
        "town04_ent1", "town04_jmb", "town04_sab", "town04_ajb", "town04_cadre", "town04_cmd"
    ),
}  # fmt: skip


def cast(user, which: str) -> Cast:
    """The demo county's cast ``which`` (for the modules that still test on the demo)."""
    return Cast(*(user(name) if name else None for name in CASTS[which]), user("county_cmd"))


def place(jurisdiction, depth: int) -> Jurisdiction:
    """The ancestor of ``jurisdiction`` at tree depth ``depth`` (2 county, 3 town or street)."""
    return Jurisdiction.objects.get(path__in=ancestor_paths(jurisdiction), depth=depth)


_built, world = world_fixtures(build_casts, scope="module")


# --- the transition matrix ---------------------------------------------------------------------

ENT, REV, INSP, APPR = workflow.ENTERPRISE, workflow.REVIEWER, workflow.INSPECTOR, workflow.APPROVER

# What each member of a Cast is to a submitted filing of its enterprise.
ROLES = {
    "enterprise": {ENT},
    "reviewer": {REV, INSP},  # the lead office reviews, and may inspect
    "second": {INSP},  # the other routed offices may inspect, not decide
    "other_reviewer": set(),
    "inspector": {INSP},
    "town_cmd": {APPR},
    "county_cmd": {APPR},
}

# The specification, written out independently of fugong.resumption.workflow:
# mode → status → action → (new status, who may take it). Anything missing is forbidden.
REVIEWED_START = {
    S.DRAFT: {"submit": (S.SUBMITTED, ENT), "withdraw": (S.WITHDRAWN, ENT)},
    S.RETURNED: {"submit": (S.SUBMITTED, ENT), "withdraw": (S.WITHDRAWN, ENT)},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}
ALLOWED = {
    Mode.APPROVAL: {
        **REVIEWED_START,
        S.SUBMITTED: {
            "withdraw": (S.WITHDRAWN, ENT),
            "start_review": (S.UNDER_REVIEW, REV),
            "return": (S.RETURNED, REV),
            "reject": (S.REJECTED, REV),
        },
        S.UNDER_REVIEW: {
            "withdraw": (S.WITHDRAWN, ENT),
            "return": (S.RETURNED, REV),
            "reject": (S.REJECTED, REV),
            "schedule_acceptance": (S.ACCEPTANCE_SCHEDULED, REV),
        },
        S.ACCEPTANCE_SCHEDULED: {
            "pass_acceptance": (S.ACCEPTED, INSP),
            "fail_acceptance": (S.ACCEPTANCE_FAILED, INSP),
        },
        S.ACCEPTANCE_FAILED: {"submit": (S.SUBMITTED, ENT), "withdraw": (S.WITHDRAWN, ENT)},
        S.ACCEPTED: {"approve": (S.APPROVED, APPR), "reject": (S.REJECTED, APPR)},
        S.APPROVED: {"issue_notice": (S.NOTICE_ISSUED, APPR)},
        S.NOTICE_ISSUED: {},
    },
    Mode.RECORD: {
        **REVIEWED_START,
        S.SUBMITTED: {
            "withdraw": (S.WITHDRAWN, ENT),
            "start_review": (S.UNDER_REVIEW, REV),
            "return": (S.RETURNED, REV),
            "reject": (S.REJECTED, REV),
            "record": (S.RECORDED, REV),
        },
        S.UNDER_REVIEW: {
            "withdraw": (S.WITHDRAWN, ENT),
            "return": (S.RETURNED, REV),
            "reject": (S.REJECTED, REV),
            "record": (S.RECORDED, REV),
        },
        S.RECORDED: {},
    },
    # 告知承诺制: the declaration is recorded on submission; nobody can block it afterwards.
    Mode.COMMITMENT: {
        S.DRAFT: {"submit": (S.RECORDED, ENT), "withdraw": (S.WITHDRAWN, ENT)},
        S.RECORDED: {},
        S.WITHDRAWN: {},
    },
}
ACTIONS = [
    "submit",
    "withdraw",
    "start_review",
    "return",
    "reject",
    "record",
    "schedule_acceptance",
    "pass_acceptance",
    "fail_acceptance",
    "approve",
    "issue_notice",
]
# Who would normally take each action: a forbidden state is tried with this actor, so the
# Conflict comes from the state and not from the role.
NATURAL = {
    "submit": "enterprise",
    "withdraw": "enterprise",
    "start_review": "reviewer",
    "return": "reviewer",
    "reject": "reviewer",
    "record": "reviewer",
    "schedule_acceptance": "reviewer",
    "pass_acceptance": "inspector",
    "fail_acceptance": "inspector",
    "approve": "town_cmd",
    "issue_notice": "town_cmd",
}


def perform(actor, filing: Filing, action: str):
    """Take ``action`` through the service a page would call for it."""
    if action == "submit":
        return services.filing_submit(actor=actor, filing=filing)
    if action == "schedule_acceptance":
        return services.acceptance_schedule(actor=actor, filing=filing, date=timezone.localdate())
    if action in ("pass_acceptance", "fail_acceptance"):
        acceptance = filing.acceptances.order_by("-pk").first()
        template = acceptance.template if acceptance else services.acceptance_template()
        return services.acceptance_record(
            actor=actor,
            filing=filing,
            answers=answers(template, fail=(5,) if action == "fail_acceptance" else ()),
            opinion="现场核查意见",
        )
    if action == "issue_notice":
        return services.notice_issue(actor=actor, filing=filing)
    return services.filing_transition(actor=actor, filing=filing, action=action, reason="理由")


class _Undo(Exception):
    pass


def outcome(actor, filing: Filing, action: str) -> str:
    """The status ``action`` by ``actor`` leads to, or "conflict" / "not_allowed"; rolled back,
    so the filing stays as it was."""
    try:
        with transaction.atomic():
            perform(actor, filing, action)
            raise _Undo(Filing.objects.get(pk=filing.pk).status)
    except _Undo as done:
        return done.args[0]
    except Conflict:
        return "conflict"
    except NotAllowed:
        return "not_allowed"


MATRIX = [(mode, status) for mode, states in ALLOWED.items() for status in states]


def case_id(mode: str, status: str) -> str:
    """A test id; "notice_issued" is shortened so that ``-k "not notice"`` (the quick run that
    leaves out test_notice.py) keeps these cases."""
    return f"{mode}-{status}".replace("notice_issued", "issued")


@pytest.mark.parametrize(("mode", "status"), MATRIX, ids=[case_id(m, s) for m, s in MATRIX])
def test_transition_matrix(world, mode, status):
    c = world[mode]
    filing = new_filing(c, status)
    assert (filing.mode, filing.status) == (mode, status)
    routed = filing.routed_offices.exists()
    roles = {r: k for r, k in ROLES.items() if getattr(c, r) is not None}
    for role, kinds in roles.items():
        expected = kinds if routed or role not in ("reviewer", "second") else set()
        assert workflow.actor_kinds(getattr(c, role), filing) == expected, role

    allowed = ALLOWED[mode][status]
    wrong = []
    for action in ACTIONS:
        if action not in allowed:
            got = outcome(getattr(c, NATURAL[action]), filing, action)
            if got != "conflict":
                wrong.append((action, NATURAL[action], got, "conflict"))
            continue
        target, kind = allowed[action]
        for role, kinds in roles.items():
            got = outcome(getattr(c, role), filing, action)
            expected = target if kind in kinds else "not_allowed"
            if got != expected:
                wrong.append((action, role, got, expected))
    assert not wrong, "(action, role, got, expected): " + repr(wrong)

    # The buttons a page shows are exactly what each person may do.
    for role, kinds in roles.items():
        shown = {t.action for t in workflow.available_actions(getattr(c, role), filing)}
        assert shown == {a for a, (_, k) in allowed.items() if k in kinds}, role
    assert Filing.objects.get(pk=filing.pk).status == status  # every try was rolled back


def test_form_actions_are_refused_as_bare_transitions(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.UNDER_REVIEW)
    for action in ("submit", "schedule_acceptance", "pass_acceptance", "issue_notice"):
        with pytest.raises(UserError) as exc:
            services.filing_transition(actor=c.reviewer, filing=filing, action=action)
        assert type(exc.value) is UserError  # neither a Conflict nor NotAllowed: wrong form
    assert Filing.objects.get(pk=filing.pk).status == S.UNDER_REVIEW


def test_outsiders_cannot_file_or_edit(world):
    c = world[Mode.APPROVAL]
    enterprise = enterprise_of(c.enterprise)
    for outsider in (c.reviewer, c.town_cmd, c.inspector, world.county["w_t1_ent1"]):
        with pytest.raises(NotAllowed):
            services.filing_create(actor=outsider, enterprise=enterprise, **application())
    filing = new_filing(c)
    with pytest.raises(NotAllowed):
        services.filing_update(actor=c.reviewer, filing=filing, masks=1)
    with pytest.raises(NotAllowed):
        services.filing_submit(actor=world.county["w_t1_ent1"], filing=filing)
    filing = drive(filing, S.SUBMITTED, c)
    with pytest.raises(Conflict):
        services.filing_update(actor=c.enterprise, filing=filing, masks=1)


def test_submit_in_a_wrong_state_is_a_conflict_even_when_rules_now_fail(world):
    """A second press of "submit" on a filing already under review is a Conflict; it neither
    re-checks the rules nor overwrites the results the reviewers see."""
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.UNDER_REVIEW)
    results = filing.rule_results
    FilingRule.objects.create(
        jurisdiction=place(filing.jurisdiction, 3), code="supplies", params={"days": 100}
    )
    with pytest.raises(Conflict):
        services.filing_submit(actor=c.enterprise, filing=filing)
    filing.refresh_from_db()
    assert (filing.status, filing.rule_results) == (S.UNDER_REVIEW, results)


# --- reasons and stale forms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "who"),
    [
        ("return", S.SUBMITTED, "reviewer"),
        ("reject", S.UNDER_REVIEW, "reviewer"),
        ("reject", S.ACCEPTED, "town_cmd"),
        ("withdraw", S.SUBMITTED, "enterprise"),
        ("withdraw", S.DRAFT, "enterprise"),
    ],
)
def test_reason_is_required(world, action, status, who):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, status)
    for reason in ("", "   "):
        with pytest.raises(UserError) as exc:
            services.filing_transition(
                actor=getattr(c, who), filing=filing, action=action, reason=reason
            )
        assert exc.value.code == "reason_required"
    assert Filing.objects.get(pk=filing.pk).status == status
    services.filing_transition(
        actor=getattr(c, who), filing=filing, action=action, reason="  材料不全  "
    )
    event = FilingEvent.objects.filter(filing=filing, action=action).get()
    assert event.reason == "材料不全"
    assert event.from_status == status


def test_return_tells_the_enterprise_what_to_fix(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.SUBMITTED)
    services.filing_transition(
        actor=c.reviewer, filing=filing, action="return", reason="请补充隔离留观室设置情况。"
    )
    filing.refresh_from_db()
    assert filing.status == S.RETURNED
    assert filing.missing == [{"text": "请补充隔离留观室设置情况。"}]


def test_stale_revision_is_a_conflict(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.SUBMITTED)
    seen = filing.revision
    # Two reviewers opened the same page; the first acts.
    services.filing_transition(
        actor=c.reviewer, filing=filing, action="start_review", revision=seen
    )
    with pytest.raises(Conflict):
        services.filing_transition(
            actor=c.reviewer, filing=filing, action="return", reason="补充材料", revision=seen
        )
    with pytest.raises(Conflict):
        services.acceptance_schedule(
            actor=c.reviewer, filing=filing, date=timezone.localdate(), revision=seen
        )
    filing.refresh_from_db()
    assert filing.status == S.UNDER_REVIEW
    assert filing.revision > seen
    services.filing_transition(
        actor=c.reviewer,
        filing=filing,
        action="return",
        reason="补充材料",
        revision=filing.revision,
    )
    filing.refresh_from_db()
    assert filing.status == S.RETURNED
    # The enterprise's form, opened before the return, is stale too.
    with pytest.raises(Conflict):
        services.filing_update(actor=c.enterprise, filing=filing, revision=seen, masks=300)
    with pytest.raises(Conflict):
        services.filing_submit(actor=c.enterprise, filing=filing, revision=seen)
    services.filing_update(actor=c.enterprise, filing=filing, revision=filing.revision, masks=300)
    filing.refresh_from_db()
    assert filing.masks == 300


def test_every_change_bumps_the_revision(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c)
    revisions = [filing.revision]
    services.filing_update(actor=c.enterprise, filing=filing, masks=300)
    filing.refresh_from_db()
    revisions.append(filing.revision)
    services.filing_update(actor=c.enterprise, filing=filing, masks=300)  # no change
    filing.refresh_from_db()
    revisions.append(filing.revision)
    filing = drive(filing, S.SUBMITTED, c)
    revisions.append(filing.revision)
    assert revisions[0] < revisions[1] == revisions[2] < revisions[3]


# --- versions ----------------------------------------------------------------------------------


def test_resubmission_after_return_creates_version_2_and_keeps_version_1(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.RETURNED, masks=100)
    assert filing.versions_count == 1
    services.filing_update(actor=c.enterprise, filing=filing, masks=500, staff_local=20)
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    filing.refresh_from_db()
    assert (filing.status, filing.versions_count, filing.missing) == (S.SUBMITTED, 2, [])
    v2, v1 = FilingVersion.objects.filter(filing=filing).order_by("-number")
    assert (v1.number, v2.number) == (1, 2)
    assert (v1.data["masks"], v1.data["staff_local"]) == (100, 8)
    assert (v2.data["masks"], v2.data["staff_local"]) == (500, 20)
    assert v1.submitted_by == v2.submitted_by == c.enterprise
    assert v1.submitted_at < v2.submitted_at
    assert {r["code"] for r in v1.rule_results} == {r["code"] for r in v2.rule_results}
    # Version 1 is what it was: the later edit did not touch it.
    assert FilingVersion.objects.get(pk=v1.pk).data == v1.data
    actions = list(FilingEvent.objects.filter(filing=filing).values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "submit"]


# --- on-site acceptance ------------------------------------------------------------------------


def test_failed_acceptance_returns_every_failed_item_at_once(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.ACCEPTANCE_SCHEDULED)
    acceptance = filing.acceptances.get()
    assert acceptance.inspector == c.inspector
    services.acceptance_record(
        actor=c.inspector,
        filing=filing,
        answers=answers(acceptance.template, fail=(2, 5, 9), na=(11,)),
        opinion="花名册、物资储备、废弃口罩处置不合格,整改后重新申请。",
    )
    filing.refresh_from_db()
    assert filing.status == S.ACCEPTANCE_FAILED
    assert [m["item"] for m in filing.missing] == [2, 5, 9]
    items = {i.position: i.text for i in acceptance.template.items.all()}
    for m in filing.missing:
        assert m["text"] == items[m["item"]]
        assert m["note"] == f"第{m['item']}项不合格"
    acceptance.refresh_from_db()
    assert acceptance.passed is False
    assert acceptance.performed_at is not None
    assert AcceptanceAnswer.objects.filter(acceptance=acceptance).count() == 11
    assert AcceptanceAnswer.objects.get(acceptance=acceptance, item__position=11).value == "na"
    # The enterprise fixes everything and submits again: version 2, review from the start.
    services.filing_update(actor=c.enterprise, filing=filing, masks=400)
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    filing.refresh_from_db()
    assert (filing.status, filing.versions_count, filing.missing) == (S.SUBMITTED, 2, [])


def test_passed_acceptance_clears_missing_and_keeps_the_answers(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.ACCEPTED)
    assert filing.missing == []
    acceptance = filing.acceptances.get()
    assert acceptance.passed is True
    photos = AcceptanceAnswer.objects.filter(acceptance=acceptance).exclude(photo="")
    assert sorted(photos.values_list("item__position", flat=True)) == [4, 5]


def test_acceptance_requires_photos_where_the_template_says(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.ACCEPTANCE_SCHEDULED)
    template = filing.acceptances.get().template
    wants = list(template.items.filter(photo_required=True).values_list("position", flat=True))
    assert wants == [4, 5]  # seed 004: the checkpoint and the supplies are photographed
    with pytest.raises(UserError) as exc:
        services.acceptance_record(
            actor=c.inspector, filing=filing, answers=answers(template, photos=False), opinion=""
        )
    assert exc.value.code == "checklist_incomplete"
    # Every problem is named at once: both photos (and the missing opinion).
    for item in template.items.filter(photo_required=True):
        assert f"{item.position}. {item.text}" in exc.value.message
    assert "3. " not in exc.value.message
    filing.refresh_from_db()
    assert filing.status == S.ACCEPTANCE_SCHEDULED
    assert not AcceptanceAnswer.objects.filter(acceptance__filing=filing).exists()
    # An unanswered required item is named too.
    partial = answers(template)
    del partial[template.items.get(position=3).pk]
    with pytest.raises(UserError) as exc:
        services.acceptance_record(actor=c.inspector, filing=filing, answers=partial, opinion="x")
    assert exc.value.message.startswith("3. ")
    # A photo must be a picture, whatever its name says.
    bad = answers(template)
    bad[template.items.get(position=4).pk].photo = SimpleUploadedFile(
        "fake.png", b"%PDF-1.4 not a picture", content_type="image/png"
    )
    with pytest.raises(UserError):
        services.acceptance_record(actor=c.inspector, filing=filing, answers=bad, opinion="x")
    # An item that does not apply needs no photo.
    na = answers(template, na=(4,))
    na[template.items.get(position=4).pk].photo = None
    services.acceptance_record(actor=c.inspector, filing=filing, answers=na, opinion="同意复工")
    filing.refresh_from_db()
    assert filing.status == S.ACCEPTED


def test_schedule_checks_the_date_and_the_inspector(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.UNDER_REVIEW)
    with pytest.raises(UserError):
        services.acceptance_schedule(actor=c.reviewer, filing=filing, date=days(-1))
    with pytest.raises(UserError):  # the grid chief is not assigned to this enterprise
        services.acceptance_schedule(
            actor=c.reviewer, filing=filing, date=days(1), inspector=world.county["w_t1_grid"]
        )
    assert Filing.objects.get(pk=filing.pk).status == S.UNDER_REVIEW
    acceptance = services.acceptance_schedule(
        actor=c.reviewer, filing=filing, date=days(1), inspector=c.inspector
    )
    assert (acceptance.scheduled_for, acceptance.scheduled_by) == (days(1), c.reviewer)
    # Recording an acceptance that is not scheduled is a conflict.
    park = world["park_tenant"]
    other = new_filing(park, S.UNDER_REVIEW)
    with pytest.raises(Conflict):
        services.acceptance_record(
            actor=park.reviewer,
            filing=other,
            answers=answers(services.acceptance_template()),
            opinion="x",
        )


def _new_version(template: ChecklistTemplate, actor) -> ChecklistTemplate:
    """The next version of ``template`` through the service: item 5 reworded and a photo item
    added (only the new version's own rows are edited); the old version goes out of use."""
    v2 = template_new_version(actor=actor, template=template)
    v2.items.filter(position=5).update(text="物资储备(口罩不少于14天用量)")
    ChecklistItem.objects.create(
        template=v2, position=12, text="体温检测点照片", kind=ItemKind.PHOTO
    )
    return v2


def test_checklist_versions_do_not_change_acceptances_made_with_the_old_one(world):
    c = world[Mode.APPROVAL]
    done = new_filing(c, S.ACCEPTANCE_FAILED)  # checked with version 1, item 5 failed
    v1 = done.acceptances.get().template
    park = world["park_tenant"]
    scheduled = new_filing(park, S.ACCEPTANCE_SCHEDULED)
    assert scheduled.acceptances.get().template == v1
    before = list(
        AcceptanceAnswer.objects.filter(acceptance__filing=done).values_list(
            "item_id", "item__text", "value"
        )
    )
    missing = done.missing

    v2 = _new_version(v1, world.county["w_admin"])
    assert not ChecklistTemplate.objects.get(pk=v1.pk).is_active
    assert services.acceptance_template() == v2

    # The acceptance done with version 1 still points at it, word for word.
    acceptance = Acceptance.objects.get(filing=done)
    assert acceptance.template == v1
    after = list(
        AcceptanceAnswer.objects.filter(acceptance__filing=done).values_list(
            "item_id", "item__text", "value"
        )
    )
    assert after == before
    assert Filing.objects.get(pk=done.pk).missing == missing
    assert missing[0]["text"] == "物资储备落实情况"
    # One scheduled before the new version is completed on the version it was scheduled with.
    services.acceptance_record(
        actor=park.inspector,
        filing=scheduled,
        answers=answers(v1),
        opinion="同意复工",
    )
    assert set(
        AcceptanceAnswer.objects.filter(acceptance__filing=scheduled).values_list(
            "item__template", flat=True
        )
    ) == {v1.pk}
    # A new acceptance uses version 2, with its extra photo item.
    filing = Filing.objects.get(pk=done.pk)
    services.filing_submit(actor=c.enterprise, filing=filing)
    filing = services.filing_transition(actor=c.reviewer, filing=filing, action="start_review")
    again = services.acceptance_schedule(actor=c.reviewer, filing=filing, date=days(0))
    assert again.template == v2
    with pytest.raises(UserError) as exc:
        services.acceptance_record(
            actor=c.inspector, filing=filing, answers=answers(v1), opinion="x"
        )
    assert "12. " in exc.value.message
    services.acceptance_record(actor=c.inspector, filing=filing, answers=answers(v2), opinion="好")
    assert Filing.objects.get(pk=filing.pk).status == S.ACCEPTED
    assert Acceptance.objects.get(pk=acceptance.pk).template == v1


# --- the ledger, audit rows and events ---------------------------------------------------------


def _audit(obj) -> list[AuditLog]:
    ct = ContentType.objects.get_for_model(type(obj))
    return list(AuditLog.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("pk"))


def test_approval_and_confirmed_resumption_update_the_ledger_with_audit_rows(world):
    c = world[Mode.APPROVAL]
    enterprise = enterprise_of(c.enterprise)
    assert enterprise.ledger == Ledger.CANNOT_RESUME
    filing = new_filing(c, S.ACCEPTED, staff_local=12, staff_city=3)
    rows_before = len(_audit(enterprise))

    services.filing_transition(actor=c.town_cmd, filing=filing, action="approve")
    enterprise.refresh_from_db()
    assert enterprise.ledger == Ledger.CAN_RESUME
    assert enterprise.resumed_on is None
    row = _audit(enterprise)[-1]
    assert len(_audit(enterprise)) == rows_before + 1
    assert (row.actor, row.action) == (c.town_cmd, "update")
    assert (row.before["ledger"], row.after["ledger"]) == (Ledger.CANNOT_RESUME, Ledger.CAN_RESUME)
    assert str(filing.pk) in row.reason

    filing_rows = _audit(filing)
    assert filing_rows[0].action == "create"
    assert filing_rows[-1].before["status"] == S.ACCEPTED
    assert filing_rows[-1].after["status"] == S.APPROVED
    assert filing_rows[-1].actor == c.town_cmd

    with pytest.raises(UserError):
        services.filing_confirm_resumption(actor=c.enterprise, filing=filing, date=days(1))
    with pytest.raises(NotAllowed):
        services.filing_confirm_resumption(actor=c.other_reviewer, filing=filing, date=days(0))
    services.filing_confirm_resumption(actor=c.enterprise, filing=filing, date=days(0))
    enterprise.refresh_from_db()
    filing.refresh_from_db()
    assert (enterprise.resumed_on, enterprise.returned_count) == (days(0), 15)
    assert filing.resumed_on == days(0)
    assert filing.status == S.APPROVED  # confirming is no transition
    row = _audit(enterprise)[-1]
    assert row.actor == c.enterprise
    assert row.after["resumed_on"] == days(0).isoformat()
    assert row.after["returned_count"] == 15
    event = FilingEvent.objects.filter(filing=filing).last()
    assert (event.action, event.actor) == ("confirm_resumption", c.enterprise)


def test_only_a_valid_filing_can_be_confirmed(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.ACCEPTED)
    with pytest.raises(Conflict):
        services.filing_confirm_resumption(actor=c.enterprise, filing=filing, date=days(0))
    assert enterprise_of(c.enterprise).resumed_on is None


@pytest.mark.parametrize("mode", [Mode.RECORD, Mode.COMMITMENT])
def test_recording_puts_the_enterprise_in_the_ledger(world, mode):
    c = world[mode]
    enterprise = enterprise_of(c.enterprise)
    Enterprise.objects.filter(pk=enterprise.pk).update(ledger=Ledger.MAY_DELAY)
    new_filing(c, S.RECORDED)
    enterprise.refresh_from_db()
    assert enterprise.ledger == Ledger.CAN_RESUME
    assert _audit(enterprise)[-1].after["ledger"] == Ledger.CAN_RESUME


def test_a_normally_producing_enterprise_stays_in_its_ledger(world):
    c = world["park_tenant"]
    enterprise = enterprise_of(c.enterprise)
    assert enterprise.ledger == Ledger.NORMAL
    new_filing(c, S.APPROVED)
    enterprise.refresh_from_db()
    assert enterprise.ledger == Ledger.NORMAL


def test_events_name_the_actor_and_the_office(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.NOTICE_ISSUED)
    events = list(FilingEvent.objects.filter(filing=filing).order_by("at", "pk"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", "", S.DRAFT),
        ("submit", S.DRAFT, S.SUBMITTED),
        ("start_review", S.SUBMITTED, S.UNDER_REVIEW),
        ("schedule_acceptance", S.UNDER_REVIEW, S.ACCEPTANCE_SCHEDULED),
        ("pass_acceptance", S.ACCEPTANCE_SCHEDULED, S.ACCEPTED),
        ("approve", S.ACCEPTED, S.APPROVED),
        ("issue_notice", S.APPROVED, S.NOTICE_ISSUED),
    ]
    by = {e.action: e for e in events}
    assert by["submit"].actor == c.enterprise
    assert by["start_review"].actor == c.reviewer
    assert by["start_review"].office.kind == "safety"  # the lead office
    assert by["pass_acceptance"].actor == c.inspector
    assert by["approve"].actor == c.town_cmd
    assert by["approve"].actor_name == "w_t1_cmd"


# --- working-day time limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # National Day 2026: 1–7 October off; Saturday 10 October is a make-up working day.
        (datetime.date(2026, 9, 30), 1, datetime.date(2026, 10, 8)),
        (datetime.date(2026, 9, 30), 2, datetime.date(2026, 10, 9)),
        (datetime.date(2026, 9, 30), 3, datetime.date(2026, 10, 10)),
        (datetime.date(2026, 9, 30), 4, datetime.date(2026, 10, 12)),
        # Weekends: Friday 20 November 2026 + 1 is Monday.
        (datetime.date(2026, 11, 20), 1, datetime.date(2026, 11, 23)),
        (datetime.date(2026, 11, 21), 1, datetime.date(2026, 11, 23)),
        (datetime.date(2026, 11, 23), 5, datetime.date(2026, 11, 30)),
        # Spring Festival 2026 (15–23 February off, Saturday 28 February worked).
        (datetime.date(2026, 2, 13), 1, datetime.date(2026, 2, 14)),
        (datetime.date(2026, 2, 14), 1, datetime.date(2026, 2, 24)),
        (datetime.date(2026, 9, 30), 0, datetime.date(2026, 9, 30)),
    ],
)
def test_add_working_days(start, n, expected):
    assert services.add_working_days(start, n) == expected


def test_add_working_days_beyond_the_known_calendar_skips_weekends():
    # chinese-calendar knows no holidays this far ahead: weekends are still skipped.
    friday = datetime.date(2099, 1, 2)
    assert friday.weekday() == 4
    assert services.add_working_days(friday, 1) == datetime.date(2099, 1, 5)


def test_each_stage_gets_a_working_day_due_date(world):
    today = timezone.localdate()
    c = world[Mode.APPROVAL]
    filing = new_filing(c, S.UNDER_REVIEW)
    assert filing.stage_due == services.add_working_days(today, 2)  # the default for review
    # The county's policy sets its own limits.
    c = world["park_tenant"]
    filing = new_filing(c)
    assert filing.stage_due is None
    ResumptionPolicy.objects.filter(jurisdiction=place(filing.jurisdiction, 2)).update(
        stage_days={"submitted": 3, "under_review": 5}
    )
    filing = services.filing_submit(actor=c.enterprise, filing=filing)
    assert filing.stage_due == services.add_working_days(today, 3)
    filing = services.filing_transition(actor=c.reviewer, filing=filing, action="start_review")
    assert filing.stage_due == services.add_working_days(today, 5)
    # A stage without a limit (waiting for the enterprise) has no due date.
    filing = services.filing_transition(
        actor=c.reviewer, filing=filing, action="return", reason="补充材料"
    )
    assert filing.stage_due is None
