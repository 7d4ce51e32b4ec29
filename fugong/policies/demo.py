"""The demo county's policies: a town's 惠八条 (seed 000: 5 % of the equipment investment of
new epidemic-supply lines, 欠费不停电, 5 % off the electricity bill, rent relief for tenants of
state property) and the county's special support fund (seed 002: 财政专项扶持资金), published
and matched; the enterprises' policy facts; claims at every stage, 免申即享 claims computed
and partly confirmed, payments and one reversal. Made through the services, by the demo's own
users, with the demo's random source (reproducible)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.enterprises.models import Enterprise
from fugong.policies import matching, services
from fugong.policies.choices import ClaimStatus
from fugong.policies.models import Benefit, Claim, PolicyFacts

# The articles of 惠八条 (seed 000 §二): title, conditions, formula, cap, without application.
HUI_BA_TIAO = [
    ("新增防疫物资生产线设备投入补助", [{"fact": "epidemic_supplies", "op": "is", "value": True}],
     "equipment_investment * 0.05", None, False,
     "对防疫物资生产企业实施技术改造提质增效增加产能的，或者企业通过新增防疫物资生产线快速形成产能的，"
     "镇政府按照企业投入的生产设备资金的5%予以补助。"),
    ("欠费不停电", [], "", None, False,
     "X月X日前实行“欠费不停电”措施，X月份电费在X月期间不计算违约金。"),
    ("降低一般工商业电费5%", [{"fact": "high_energy", "op": "is", "value": False}],
     "monthly_power_bill * 0.05 * 3", Decimal("50000"), True,
     "降低除高耗能行业以外的一般工商业和大工业企业电费5%（按三个月电费计）。"),
    ("镇属物业减免2-3月份租金",
     [{"fact": "state_property_tenant", "op": "is", "value": True},
      {"fact": "size", "op": "in", "value": ["medium", "small", "micro"]}],
     "monthly_rent * 2", None, True,
     "对我镇受疫情影响的商铺、厂房等承租镇属物业的中小微企业，减免2-3月份租金。"),
]  # fmt: skip

SUPPORT_FUND = (
    "财政专项扶持资金",
    [{"fact": "category", "op": "in", "value": ["industry_above", "services_above", "trade_above"]},
     {"fact": "tax_paid_last_year", "op": "gte", "value": "50"}],
    "min(tax_paid_last_year * 10000 * 0.02, 2000000)", None, False,
    "对符合要求的规上企业，按上年度纳税额的2%发放扶持资金，每户最高200万元。",
)  # fmt: skip


def _command(depth: int):
    return (
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__depth=depth)
        .select_related("user", "jurisdiction")
        .order_by("jurisdiction__code", "pk")
        .first()
    )


def build_facts(rng, enterprises) -> int:
    """Policy facts for about a third of the enterprises."""
    rows = []
    for e in enterprises:
        if rng.random() > 0.35:
            continue
        rows.append(
            PolicyFacts(
                enterprise=e,
                epidemic_supplies=rng.random() < 0.12,
                state_property_tenant=rng.random() < 0.3,
                high_energy=rng.random() < 0.1,
                equipment_investment=Decimal(rng.randrange(20, 800) * 10000)
                if rng.random() < 0.4
                else None,
                monthly_rent=Decimal(rng.randrange(30, 600) * 100),
                monthly_power_bill=Decimal(rng.randrange(20, 3000) * 100),
            )  # fmt: skip
        )
    PolicyFacts.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def _policy(actor, issuer, title, short, number, issued, articles):
    policy = services.policy_save(
        actor=actor, issuer=issuer, title=title, short_name=short, document_number=number,
        issued_on=issued, summary=title,
    )  # fmt: skip
    for n, (name, conditions, formula, cap, automatic, text) in enumerate(articles, 1):
        services.benefit_save(
            actor=actor, policy=policy, position=n, title=name, text=text,
            conditions=conditions, formula=formula, cap=cap, automatic=automatic,
        )  # fmt: skip
    services.policy_publish(actor=actor, policy=policy)
    return policy


def build_policies(b) -> None:
    town, county = _command(3), _command(2)
    if town is None or county is None:
        return
    rng = b.rng
    build_facts(rng, Enterprise.objects.order_by("pk").only("pk"))
    today = timezone.localdate()
    issued = today - datetime.timedelta(days=40)
    _policy(town.user, town.jurisdiction,
            f"{town.jurisdiction.name}积极应对新冠肺炎疫情支持企业共渡难关八条措施", "惠八条",
            f"{town.jurisdiction.name[:2]}府发〔{issued.year}〕3号", issued, HUI_BA_TIAO)  # fmt: skip
    _policy(county.user, county.jurisdiction,
            f"{county.jurisdiction.name}加快兑现财政专项扶持资金的通知", "专项扶持资金",
            f"{county.jurisdiction.name[:2]}财发〔{issued.year}〕12号", issued, [SUPPORT_FUND])  # fmt: skip
    # The jobs publishing queued run now (the demo has no worker yet): match, then the claims.
    matching.match_all(notify=False)
    for benefit in Benefit.objects.filter(automatic=True).select_related("policy__issuer"):
        services.grant_compute(benefit=benefit)
        actor = town.user if benefit.policy.issuer_id == town.jurisdiction_id else county.user
        proposed = list(
            Claim.objects.filter(benefit=benefit, status=ClaimStatus.PROPOSED)
            .exclude(computed_amount=None).order_by("pk").values_list("pk", flat=True)
        )  # fmt: skip
        services.grant_confirm(
            actor=actor, benefit=benefit, claim_ids=proposed[: len(proposed) // 2]
        )
    _applications(rng, today, town, county)


def _applications(rng, today, town, county) -> None:
    """Enterprises with users claim what they are eligible for: some wait, some are approved
    and paid (one payment reversed and paid again), one is sent back."""
    users = {
        m.enterprise_id: m.user
        for m in Membership.objects.filter(role=Role.ENTERPRISE, is_active=True)
        .exclude(enterprise_id=None).select_related("user").order_by("pk")
    }  # fmt: skip
    n = 0
    for benefit in (
        Benefit.objects.filter(automatic=False).exclude(formula="").select_related("policy__issuer")
    ):
        reviewer = town.user if benefit.policy.issuer_id == town.jurisdiction_id else county.user
        for match in benefit.matches.filter(enterprise_id__in=users).order_by("enterprise_id")[:6]:
            owner = users[match.enterprise_id]
            claim = services.claim_start(
                actor=owner, benefit=benefit, enterprise=match.enterprise,
                statement="我司符合该条款条件，特此申请。", requested=match.amount,
            )  # fmt: skip
            n += 1
            if n % 3 == 0:
                continue  # still being filled in
            claim = services.claim_step(actor=owner, claim=claim, action="submit")
            if n % 5 == 0:
                services.claim_step(actor=reviewer, claim=claim, action="send_back",
                                    reason="请补充设备购置发票。")  # fmt: skip
                continue
            if n % 3 == 1:
                continue  # waiting for review
            claim = services.claim_step(actor=reviewer, claim=claim, action="approve")
            if claim.approved_amount:
                paid = services.payment_record(
                    actor=reviewer, claim=claim, paid_on=today, amount=claim.approved_amount,
                    batch=f"{today:%Y%m}-01", voucher=f"PZ{today:%Y%m}{n:04d}",
                )  # fmt: skip
                if n == 2:  # paid to the wrong account: reversed, then paid again
                    services.payment_reverse(actor=reviewer, payment=paid,
                                             voucher=f"CX{today:%Y%m}{n:04d}",
                                             reason="收款账户有误，退回重发。")  # fmt: skip
                    services.payment_record(
                        actor=reviewer, claim=claim, paid_on=today, amount=claim.approved_amount,
                        batch=f"{today:%Y%m}-02", voucher=f"PZ{today:%Y%m}{n:04d}B",
                    )  # fmt: skip
