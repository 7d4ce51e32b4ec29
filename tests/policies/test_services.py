"""Policies and benefits (issue 16): matching finds exactly the enterprises a benefit's
conditions name (checked against a plain re-computation), a change of an enterprise's data
re-matches it and tells its users, publishing and withdrawing, 免申即享 computed and confirmed
in one step, claims reviewed on the workflow, the ledger with its reversals, and scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.errors import NotAllowed, UserError
from fugong.enterprises.models import Enterprise
from fugong.notifications.models import Event
from fugong.policies import matching, rules, selectors, services
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.events import ELIGIBLE
from fugong.policies.models import Benefit, Claim, Match, Payment, Policy, PolicyFacts

pytestmark = pytest.mark.django_db


def town_policy() -> Policy:
    return Policy.objects.select_related("issuer").get(short_name="惠八条")


def command_of(place):
    return (
        Membership.objects.filter(role=Role.COMMAND, jurisdiction=place, is_active=True)
        .select_related("user")
        .first()
        .user
    )


def owner_of(enterprise_id):
    m = Membership.objects.filter(
        role=Role.ENTERPRISE, enterprise_id=enterprise_id, is_active=True
    ).first()
    return m.user if m else None


def expected(benefit: Benefit) -> dict[int, Decimal | None]:
    """The benefit's eligible enterprises computed the slow way: each enterprise and its facts
    read as model instances, each condition tested by hand."""
    out = {}
    issuer = benefit.policy.issuer.path
    for e in Enterprise.objects.select_related("jurisdiction", "industry__parent"):
        if not e.jurisdiction.path.startswith(issuer):
            continue
        facts = PolicyFacts.objects.filter(enterprise=e).first()
        values = {
            "epidemic_supplies": bool(facts and facts.epidemic_supplies),
            "state_property_tenant": bool(facts and facts.state_property_tenant),
            "high_energy": bool(facts and facts.high_energy),
            "size": rules.size_of(e.employee_count, e.revenue_last_year),
            "category": e.category,
            "tax_paid_last_year": e.tax_paid_last_year,
        }
        ok = True
        for c in benefit.conditions:
            v = values[c["fact"]]
            if c["op"] == "is":
                ok &= v is c["value"]
            elif c["op"] == "in":
                ok &= v in c["value"]
            elif c["op"] == "gte":
                ok &= v is not None and v >= Decimal(c["value"])
        if not ok:
            continue
        amount = None
        f = benefit.formula
        if f == "monthly_rent * 2" and facts and facts.monthly_rent is not None:
            amount = facts.monthly_rent * 2
        elif (
            f == "monthly_power_bill * 0.05 * 3" and facts and facts.monthly_power_bill is not None
        ):
            amount = min(facts.monthly_power_bill * Decimal("0.15"), benefit.cap)
        elif f == "equipment_investment * 0.05" and facts and facts.equipment_investment:
            amount = facts.equipment_investment * Decimal("0.05")
        elif f.startswith("min(tax_paid_last_year") and e.tax_paid_last_year is not None:
            amount = min(e.tax_paid_last_year * 200, Decimal(2000000))
        out[e.pk] = None if amount is None else amount.quantize(Decimal("0.01"))
    return out


def test_matching_finds_exactly_whom_the_conditions_name(demo):
    matching.match_all(notify=False)
    checked = 0
    for benefit in Benefit.objects.select_related("policy__issuer"):
        found = dict(benefit.matches.values_list("enterprise_id", "amount"))
        assert found == expected(benefit), benefit.title
        checked += bool(found)
    assert checked >= 3
    # A second run with nothing changed writes nothing.
    stamps = set(Match.objects.values_list("pk", "matched_at"))
    matching.match_all(notify=False)
    assert set(Match.objects.values_list("pk", "matched_at")) == stamps


def test_an_enterprise_whose_data_changes_is_told_of_a_benefit_newly_open(
    demo, django_capture_on_commit_callbacks
):
    rent = Benefit.objects.get(title="镇属物业减免2-3月份租金")
    town = rent.policy.issuer
    candidates = Enterprise.objects.filter(jurisdiction__path__startswith=town.path).exclude(
        pk__in=rent.matches.values("enterprise_id")
    )
    enterprise = next(e for e in candidates if owner_of(e.pk) and
                      rules.size_of(e.employee_count, e.revenue_last_year) != "large")  # fmt: skip
    owner = owner_of(enterprise.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.facts_save(actor=owner, enterprise=enterprise, state_property_tenant=True,
                            monthly_rent=Decimal("12000"))  # fmt: skip
    match = Match.objects.get(benefit=rent, enterprise=enterprise)
    assert match.amount == Decimal("24000.00")
    event = Event.objects.get(kind=ELIGIBLE, subject_id=match.pk)
    assert event.params["benefit"] == rent.title
    eligible, reasons, amount = matching.explain(rent, enterprise.pk)
    assert eligible and amount == Decimal("24000.00") and all(r.met for r in reasons)
    # No longer a tenant: the match goes, and nobody is told twice when it comes back.
    with django_capture_on_commit_callbacks(execute=True):
        services.facts_save(actor=owner, enterprise=enterprise, state_property_tenant=False)
    assert not Match.objects.filter(benefit=rent, enterprise=enterprise).exists()
    eligible, reasons, _amount = matching.explain(rent, enterprise.pk)
    assert not eligible and [r.met for r in reasons] == [False, True]
    with django_capture_on_commit_callbacks(execute=True):
        services.facts_save(actor=owner, enterprise=enterprise, state_property_tenant=True)
    assert Event.objects.filter(kind=ELIGIBLE, params__benefit=rent.title,
                                dedup_key__endswith=f":{enterprise.pk}").count() == 1  # fmt: skip


def test_another_enterprise_cannot_change_its_facts(demo):
    policy = town_policy()
    mine, other = (
        Enterprise.objects.filter(jurisdiction__path__startswith=policy.issuer.path)
        .filter(pk__in=Membership.objects.filter(role=Role.ENTERPRISE).values("enterprise_id"))
        .order_by("pk")[:2]
    )
    with pytest.raises(NotAllowed):
        services.facts_save(actor=owner_of(mine.pk), enterprise=other, high_energy=True)


def test_a_bad_formula_is_refused_when_saved_and_nothing_is_written(demo):
    policy = town_policy()
    actor = command_of(policy.issuer)
    before = Benefit.objects.count()
    with pytest.raises(UserError) as caught:
        services.benefit_save(actor=actor, policy=policy, position=9, title="错误公式",
                              conditions=[], formula="monthly_rent * salary")  # fmt: skip
    assert "salary" in str(caught.value)
    with pytest.raises(UserError) as caught:
        services.benefit_save(actor=actor, policy=policy, position=9, title="错误条件",
                              conditions=[{"fact": "size", "op": "in", "value": ["giant"]}])  # fmt: skip
    assert "giant" in str(caught.value)
    with pytest.raises(UserError):  # article 1 exists
        services.benefit_save(actor=actor, policy=policy, position=1, title="重复", conditions=[])
    assert Benefit.objects.count() == before


def test_only_the_issuing_place_and_above_manage_a_policy(demo):
    policy = town_policy()
    other_town = (
        Membership.objects.filter(role=Role.COMMAND, jurisdiction__depth=3, is_active=True)
        .exclude(jurisdiction=policy.issuer)
        .select_related("user")
        .first()
    )
    with pytest.raises(NotAllowed):
        services.benefit_save(actor=other_town.user, policy=policy, position=9, title="x",
                              conditions=[])  # fmt: skip
    with pytest.raises(NotAllowed):
        services.policy_save(actor=other_town.user, issuer=policy.issuer, title="越权政策")
    # The county above may.
    county = command_of(policy.issuer.parent)
    services.benefit_save(actor=county, policy=policy, position=9, title="县级追加", conditions=[])


def test_publishing_matches_and_withdrawing_unmatches(demo, django_capture_on_commit_callbacks):
    policy = town_policy()
    actor = command_of(policy.issuer)
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.policy_save(actor=actor, issuer=policy.issuer, title="稳岗补贴",
                                     issued_on=timezone.localdate())  # fmt: skip
        benefit = services.benefit_save(
            actor=actor, policy=draft, position=1, title="稳岗补贴",
            conditions=[{"fact": "employee_count", "op": "gte", "value": 10}],
            formula="employee_count * 500", cap=Decimal("100000"),
        )  # fmt: skip
    assert not benefit.matches.exists()  # a draft matches nothing
    with pytest.raises(UserError):
        services.claim_start(actor=actor, benefit=benefit, enterprise=Enterprise.objects.first())
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_publish(actor=actor, policy=draft)
    benefit.refresh_from_db()
    assert benefit.matches.count() == benefit.matched_count == len(expected_staff(benefit))
    # 政策找企业: each eligible enterprise with users is told, once; the others are not.
    told = set(
        Event.objects.filter(kind=ELIGIBLE, params__benefit="稳岗补贴").values_list(
            "subject_id", flat=True
        )
    )
    with_users = {m.pk for m in benefit.matches.all() if owner_of(m.enterprise_id)}
    assert told == with_users and told
    assert all(
        m.amount == min(Decimal(m.enterprise.employee_count * 500), Decimal(100000))
        for m in benefit.matches.select_related("enterprise")
    )
    with pytest.raises(UserError):
        services.policy_withdraw(actor=actor, policy=draft, reason=" ")
    services.policy_withdraw(actor=actor, policy=draft, reason="政策到期")
    assert not benefit.matches.exists()
    assert Policy.objects.get(pk=draft.pk).status == PolicyStatus.WITHDRAWN


def expected_staff(benefit):
    return Enterprise.objects.filter(
        jurisdiction__path__startswith=benefit.policy.issuer.path, employee_count__gte=10
    )


def test_free_benefits_are_computed_for_all_and_confirmed_in_one_step(demo):
    power = Benefit.objects.select_related("policy__issuer").get(title="降低一般工商业电费5%")
    actor = command_of(power.policy.issuer)
    Claim.objects.filter(benefit=power).delete()
    n = services.grant_compute(benefit=power)
    assert n == power.matches.count()
    assert services.grant_compute(benefit=power) == 0  # once per enterprise
    proposed = Claim.objects.filter(benefit=power, status=ClaimStatus.PROPOSED)
    with_amount = list(proposed.exclude(computed_amount=None).values_list("pk", flat=True))
    if proposed.filter(computed_amount=None).exists():
        with pytest.raises(UserError):
            services.grant_confirm(actor=actor, benefit=power)
    assert services.grant_confirm(actor=actor, benefit=power, claim_ids=with_amount) == len(
        with_amount
    )
    for claim in Claim.objects.filter(pk__in=with_amount):
        assert claim.status == ClaimStatus.APPROVED
        assert claim.approved_amount == claim.computed_amount
        assert claim.decided_by == actor
    enterprise_user = owner_of(proposed.first().enterprise_id) if proposed.exists() else None
    if enterprise_user:
        with pytest.raises(NotAllowed):
            services.grant_confirm(actor=enterprise_user, benefit=power)


def test_a_claim_reviewed_paid_and_reversed(demo):
    fund = Benefit.objects.select_related("policy__issuer").get(title="财政专项扶持资金")
    reviewer = command_of(fund.policy.issuer)
    match = next(m for m in fund.matches.order_by("enterprise_id") if owner_of(m.enterprise_id))
    owner = owner_of(match.enterprise_id)
    Claim.objects.filter(benefit=fund, enterprise_id=match.enterprise_id).update(
        status=ClaimStatus.CANCELLED
    )
    claim = services.claim_start(actor=owner, benefit=fund, enterprise=match.enterprise,
                                 statement="申请", requested="1000.005")  # fmt: skip
    assert claim.requested_amount == Decimal("1000.00") or claim.requested_amount == Decimal(
        "1000.01"
    )
    assert claim.computed_amount == match.amount
    with pytest.raises(UserError):  # one open claim at a time
        services.claim_start(actor=owner, benefit=fund, enterprise=match.enterprise)
    claim = services.claim_step(actor=owner, claim=claim, action="submit")
    with pytest.raises(NotAllowed):  # the enterprise does not approve itself
        services.claim_step(actor=owner, claim=claim, action="approve")
    assert claim.due is not None
    with pytest.raises(UserError):
        services.claim_step(actor=reviewer, claim=claim, action="send_back", reason="")
    claim = services.claim_step(actor=reviewer, claim=claim, action="send_back", reason="补材料")
    claim = services.claim_step(actor=owner, claim=claim, action="submit")
    claim = services.claim_step(actor=reviewer, claim=claim, action="approve", amount="800")
    assert claim.approved_amount == Decimal("800.00")
    assert [s.action for s in claim.steps.all()] == ["submit", "send_back", "submit", "approve"]
    today = timezone.localdate()
    with pytest.raises(UserError):  # more than approved
        services.payment_record(actor=reviewer, claim=claim, paid_on=today, amount="800.01",
                                batch="B1", voucher="V1")  # fmt: skip
    with pytest.raises(UserError):
        services.payment_record(actor=reviewer, claim=claim, paid_on=today + datetime.timedelta(days=1),
                                amount="100", batch="B1", voucher="V1")  # fmt: skip
    with pytest.raises(NotAllowed):
        services.payment_record(actor=owner, claim=claim, paid_on=today, amount="100",
                                batch="B1", voucher="V1")  # fmt: skip
    first = services.payment_record(actor=reviewer, claim=claim, paid_on=today, amount="500",
                                    batch="B1", voucher="V1")  # fmt: skip
    with pytest.raises(UserError):  # the same voucher twice
        services.payment_record(actor=reviewer, claim=claim, paid_on=today, amount="100",
                                batch="B1", voucher="V1")  # fmt: skip
    reversal = services.payment_reverse(actor=reviewer, payment=first, voucher="V1-冲",
                                        reason="账户错误")  # fmt: skip
    assert reversal.amount == Decimal("-500.00") and reversal.reverses == first
    with pytest.raises(UserError):
        services.payment_reverse(actor=reviewer, payment=first, voucher="V1-冲2", reason="再冲")
    with pytest.raises(UserError):
        services.payment_reverse(actor=reviewer, payment=reversal, voucher="V1-冲3", reason="x")
    services.payment_record(actor=reviewer, claim=claim, paid_on=today, amount="800",
                            batch="B2", voucher="V2")  # fmt: skip
    assert services.paid_total(claim) == Decimal("800.00")
    assert Payment.objects.filter(claim=claim).count() == 3


def test_a_claim_needs_eligibility_and_its_attachment(demo):
    rent = Benefit.objects.select_related("policy__issuer").get(title="镇属物业减免2-3月份租金")
    subsidy = Benefit.objects.select_related("policy__issuer").get(
        title="新增防疫物资生产线设备投入补助"
    )
    enterprise = next(
        e for e in Enterprise.objects.filter(jurisdiction__path__startswith=rent.policy.issuer.path)
        if owner_of(e.pk)
    )  # fmt: skip
    owner = owner_of(enterprise.pk)
    with pytest.raises(UserError):  # 免申即享: nothing to apply for
        services.claim_start(actor=owner, benefit=rent, enterprise=enterprise)
    PolicyFacts.objects.update_or_create(
        enterprise=enterprise, defaults={"epidemic_supplies": False}
    )
    matching.match_enterprise(enterprise.pk, notify=False)
    with pytest.raises(UserError) as caught:
        services.claim_start(actor=owner, benefit=subsidy, enterprise=enterprise)
    assert caught.value.code == "not_eligible"
    PolicyFacts.objects.filter(enterprise=enterprise).update(
        epidemic_supplies=True, equipment_investment=Decimal("300000")
    )
    Benefit.objects.filter(pk=subsidy.pk).update(needs_attachment=True)
    subsidy.refresh_from_db()
    claim = services.claim_start(actor=owner, benefit=subsidy, enterprise=enterprise)
    assert claim.computed_amount == Decimal("15000.00")
    with pytest.raises(UserError):
        services.claim_step(actor=owner, claim=claim, action="submit")
    with pytest.raises(UserError):  # a program is not a PDF, whatever its name
        services.claim_attach(actor=owner, claim=claim,
                              upload=SimpleUploadedFile("发票.pdf", b"MZ\x90\x00" + b"\x00" * 200))  # fmt: skip
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    stored = services.claim_attach(
        actor=owner, claim=claim, upload=SimpleUploadedFile("发票.pdf", pdf)
    )
    assert stored.kind == "pdf" and "发票" not in stored.file.name  # stored under a generated name
    claim = services.claim_step(actor=owner, claim=claim, action="submit")
    assert claim.status == ClaimStatus.SUBMITTED


def test_an_enterprise_sees_only_its_own_claims_and_payments(demo):
    users = Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).exclude(
        enterprise_id=None
    )
    seen_any = False
    for m in users[:30]:
        claims = selectors.claim_list(m.user)
        assert set(claims.values_list("enterprise_id", flat=True)) <= {m.enterprise_id}
        payments = selectors.payment_list(m.user)
        assert set(payments.values_list("claim__enterprise_id", flat=True)) <= {m.enterprise_id}
        for benefit in Benefit.objects.all():
            ids = set(selectors.eligible(m.user, benefit).values_list("enterprise_id", flat=True))
            assert ids <= {m.enterprise_id}
        seen_any |= claims.exists()
    assert seen_any
    assert Claim.objects.values("enterprise_id").distinct().count() > 1


def test_amounts_stay_within_the_cap_and_payments_after_approval(demo):
    """Neither the enterprise's request nor the office's approval may pass the article's cap;
    a payment cannot be dated before the approval."""
    power = Benefit.objects.select_related("policy__issuer").get(title="降低一般工商业电费5%")
    actor = command_of(power.policy.issuer)
    claim = Claim.objects.filter(benefit=power, status=ClaimStatus.PROPOSED).first()
    with pytest.raises(UserError) as caught:
        services.claim_step(actor=actor, claim=claim, action="confirm", amount="80000")
    assert caught.value.code == "over_cap"
    claim = services.claim_step(actor=actor, claim=claim, action="confirm", amount="50000")
    with pytest.raises(UserError) as caught:
        services.payment_record(actor=actor, claim=claim,
                                paid_on=timezone.localdate() - datetime.timedelta(days=400),
                                amount="100", batch="B9", voucher="V9")  # fmt: skip
    assert caught.value.code == "before_approval"
    Benefit.objects.filter(title="财政专项扶持资金").update(cap=Decimal("1000"))
    fund = Benefit.objects.select_related("policy__issuer").get(title="财政专项扶持资金")
    match = next(m for m in fund.matches.order_by("enterprise_id") if owner_of(m.enterprise_id))
    Claim.objects.filter(benefit=fund, enterprise_id=match.enterprise_id).update(
        status=ClaimStatus.CANCELLED
    )
    with pytest.raises(UserError) as caught:
        services.claim_start(actor=owner_of(match.enterprise_id), benefit=fund,
                             enterprise=match.enterprise, requested="5000")  # fmt: skip
    assert caught.value.code == "over_cap"


def test_a_policy_is_in_force_from_its_day_to_its_last(demo):
    policy = town_policy()
    actor = command_of(policy.issuer)
    today = timezone.localdate()
    later = services.policy_save(actor=actor, issuer=policy.issuer, title="明年的政策",
                                 issued_on=today + datetime.timedelta(days=30))  # fmt: skip
    services.benefit_save(actor=actor, policy=later, position=1, title="补贴", conditions=[])
    with pytest.raises(UserError) as caught:
        services.policy_publish(actor=actor, policy=later)
    assert caught.value.code == "not_yet"
    # Expired: no claim, and matching forgets it.
    Policy.objects.filter(pk=policy.pk).update(valid_until=today - datetime.timedelta(days=1))
    fund = Benefit.objects.get(policy=policy, position=1)
    match = fund.matches.first()
    matching.match_all(notify=False)
    assert not Match.objects.filter(benefit__policy=policy).exists()
    if match is not None and owner_of(match.enterprise_id):
        with pytest.raises(UserError):
            services.claim_start(actor=owner_of(match.enterprise_id), benefit=fund,
                                 enterprise=match.enterprise)  # fmt: skip


def test_formulas_in_the_pages_words_and_every_bad_condition_at_once(demo):
    with translation.override("zh-hans"):
        assert rules.check_formula("生产设备投入 × 5%") == "生产设备投入 × 5%"
        f = rules.compile_formula("生产设备投入 × 5%", {"equipment_investment": 0})
        assert f((Decimal("200000"),)) == Decimal("10000")
        assert rules.check_formula("min(月租金 * 2, 10000)")
        with pytest.raises(ValidationError):
            rules.check_formula("9" * 40)  # far beyond any benefit
        with pytest.raises(ValidationError) as caught:
            rules.check_conditions([
                {"fact": "size", "op": "in", "value": ["giant"]},
                {"fact": "is_key", "op": "is", "value": True},
                {"fact": "employee_count", "op": "gte", "value": "many"},
            ])  # fmt: skip
    text = " ".join(caught.value.messages)
    assert "条件1" in text and "条件3" in text and "条件2" not in text


def test_a_draft_is_the_enterprises_own_and_the_park_operator_sees_no_claim(demo):
    drafts = Claim.objects.filter(status=ClaimStatus.DRAFT)
    assert drafts.exists()
    county = command_of(town_policy().issuer.parent)
    assert not selectors.claim_list(county).filter(status=ClaimStatus.DRAFT).exists()
    draft = drafts.first()
    assert selectors.claim_list(owner_of(draft.enterprise_id)).filter(pk=draft.pk).exists()
    for m in Membership.objects.filter(role=Role.PARK_OPERATOR, is_active=True)[:3]:
        assert not selectors.claim_list(m.user).exists()
        assert not selectors.payment_list(m.user).exists()


def test_a_decision_is_told_in_the_readers_language(demo):
    from fugong.policies.events import KINDS

    decided = next(k for k in KINDS if k.code == "policies.decided")
    params = {"benefit": "补贴", "status": ClaimStatus.APPROVED, "reason": "", "policy": "",
              "enterprise": "", "amount": ""}  # fmt: skip
    with translation.override("en"):
        assert "Approved" in decided.title(params)
    with translation.override("zh-hans"):
        assert "Approved" not in decided.title(params)
