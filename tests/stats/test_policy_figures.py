"""The figures of policy benefits (issue 16 point 5): enterprises benefited and the amount
paid net of reversals, in all, by policy, by place and by statistical category; claims
approved and waiting; over the reader's scope, for a period. Built through the policies app's
services, so that every number below is computed by hand from the ledger written here; and the
sentence the narrative reports print (seeds 000 and 002: 惠及503户，发放1.1亿元)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.testing import world_fixtures
from fugong.policies import services
from fugong.policies.choices import ClaimStatus
from fugong.policies.models import Claim, Payment, Policy
from fugong.reports import context as C
from fugong.reports import templates as T
from fugong.reports.choices import ReportKind
from fugong.reports.narrative import narrative
from fugong.resumption.testing import Cast, Casts, add_cast, build_casts, days, enterprise_of
from fugong.stats import policies as P
from fugong.stats import sources


def test_the_policies_app_registers_its_figures():
    source = sources.policies()
    assert source is not None and source.payments is Payment and source.claims is Claim
    assert source.approved == ClaimStatus.APPROVED


@dataclass
class World:
    casts: Casts
    a: Cast  # town 1
    b: Cast  # town 1
    c: Cast  # town 2
    d: Cast  # town 3
    fund: Policy  # the county's 扶持资金, 50,000 yuan each
    eight: Policy  # town 1's 惠八条, 20,000 yuan each


def _policy(actor, issuer, short: str, amount: str) -> Policy:
    policy = services.policy_save(
        actor=actor, issuer=issuer, title=f"{issuer.name}{short}", short_name=short,
        document_number=f"测试〔2026〕{short}", summary=short,
    )  # fmt: skip
    services.benefit_save(
        actor=actor, policy=policy, position=1, title=short, conditions=[], formula=amount
    )
    return services.policy_publish(actor=actor, policy=policy)


def _approved(c: Cast, policy: Policy, reviewer) -> Claim:
    claim = services.claim_start(
        actor=c.enterprise, benefit=policy.benefits.get(), enterprise=enterprise_of(c.enterprise)
    )
    claim = services.claim_step(actor=c.enterprise, claim=claim, action="submit")
    claim = services.claim_step(
        actor=reviewer, claim=claim, action="approve", amount=claim.computed_amount
    )
    # Approved on T-10, the day of the first line of the ledger below (a payment is never
    # dated before its approval).
    decided = timezone.now() - datetime.timedelta(days=10)
    Claim.objects.filter(pk=claim.pk).update(decided_at=decided)
    claim.decided_at = decided
    return claim


def build() -> World:
    """The ledger (today T), each line through the services:

    - a (town 1): fund +30,000 on T-10 and +20,000 on T-2; 惠八条 +20,000 on T-3;
    - b (town 1): 惠八条 +20,000 on T-4, reversed on T-3, +15,000 on T-2;
    - c (town 2): fund +50,000 on T-5, reversed on T-1;
    - d (town 3): a claim to the fund submitted, waiting.
    """
    casts = build_casts()
    a = add_cast(casts, "approval", "pol_a")
    b = add_cast(casts, "approval", "pol_b")
    c = add_cast(casts, "record", "pol_c")
    d = add_cast(casts, "commitment", "pol_d")
    county = casts.county
    county_cmd, town_cmd = a.county_cmd, a.town_cmd
    fund = _policy(county_cmd, county.county, "扶持资金", "50000")
    eight = _policy(town_cmd, county.place(1), "惠八条", "20000")
    n = 0

    def pay(claim, amount, day, actor):
        nonlocal n
        n += 1
        return services.payment_record(
            actor=actor, claim=claim, paid_on=day, amount=amount, batch="测试批次",
            voucher=f"PZ{n}",
        )  # fmt: skip

    def reverse(payment, day, actor):
        nonlocal n
        n += 1
        services.payment_reverse(
            actor=actor, payment=payment, voucher=f"CX{n}", reason="账户有误", paid_on=day
        )

    claim = _approved(a, fund, county_cmd)
    pay(claim, "30000", days(-10), county_cmd)
    pay(claim, "20000", days(-2), county_cmd)
    pay(_approved(a, eight, town_cmd), "20000", days(-3), town_cmd)
    claim = _approved(b, eight, town_cmd)
    reverse(pay(claim, "20000", days(-4), town_cmd), days(-3), town_cmd)
    pay(claim, "15000", days(-2), town_cmd)
    reverse(pay(_approved(c, fund, county_cmd), "50000", days(-5), county_cmd), days(-1),
            county_cmd)  # fmt: skip
    waiting = services.claim_start(
        actor=d.enterprise, benefit=fund.benefits.get(), enterprise=enterprise_of(d.enterprise)
    )
    services.claim_step(actor=d.enterprise, claim=waiting, action="submit")
    return World(casts=casts, a=a, b=b, c=c, d=d, fund=fund, eight=eight)


_built, world = world_fixtures(build, scope="module")


def town(c: Cast):
    return c.town_cmd.memberships.get().jurisdiction


def cell(benefited=0, paid="0", approved=0, approved_amount="0", waiting=0) -> dict:
    return {
        "benefited": benefited,
        "paid": Decimal(paid),
        "approved": approved,
        "approved_amount": Decimal(approved_amount),
        "waiting": waiting,
    }


def shares(rows: list[P.Share]) -> dict:
    return {s.name: (s.benefited, s.paid) for s in rows}


# Up to today: a nets 70,000 (fund 50,000, 惠八条 20,000), b 15,000, c 0 (reversed).
TOWN_1 = cell(2, "85000", approved=3, approved_amount="90000")
TOWN_2 = cell(0, "0", approved=1, approved_amount="50000")
TOWN_3 = cell(waiting=1)


def test_each_figure_of_the_county_by_place_policy_and_category(world):
    county = world.casts.county
    figures = P.compute(user=world.a.county_cmd, node=county.county)
    rows = {r.jurisdiction.pk: r.cell.as_dict() for r in figures.children}
    assert rows[town(world.a).pk] == TOWN_1
    assert rows[town(world.c).pk] == TOWN_2
    assert rows[town(world.d).pk] == TOWN_3
    assert figures.total.as_dict() == cell(2, "85000", 4, "140000", 1)
    assert figures.direct.empty
    # By policy, the largest amount first: the fund reached a only (c's was reversed).
    assert [s.name for s in figures.by_policy] == ["扶持资金", "惠八条"]
    assert shares(figures.by_policy) == {
        "扶持资金": (1, Decimal("50000")),
        "惠八条": (2, Decimal("35000")),
    }
    # By category: a and b are in theirs, every category is listed.
    by_category = {s.key: (s.benefited, s.paid) for s in figures.by_category}
    assert set(by_category) >= {value for value, _label in sources.units().categories}
    cat_a = enterprise_of(world.a.enterprise).category
    cat_b = enterprise_of(world.b.enterprise).category
    expected: dict[str, tuple[int, Decimal]] = {}
    for category, paid in ((cat_a, Decimal(70000)), (cat_b, Decimal(15000))):
        n, total = expected.get(category, (0, Decimal(0)))
        expected[category] = (n + 1, total + paid)
    assert {k: v for k, v in by_category.items() if v != (0, 0)} == expected
    assert figures.end == days(0) and figures.start is None
    # Without a place: the reader's whole scope, the same totals.
    assert P.compute(user=world.a.county_cmd).total.as_dict() == figures.total.as_dict()


def test_the_totals_agree_with_the_ledger(world):
    figures = P.compute(user=world.a.county_cmd, node=world.casts.county.county)
    test_payments = Payment.objects.filter(claim__benefit__policy__in=[world.fund, world.eight])
    assert figures.total.paid == test_payments.aggregate(s=Sum("amount"))["s"]


def test_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    user, county = world.a.county_cmd, world.casts.county.county
    P.compute(user=user, node=county)  # the user's scope, once per user object
    with django_assert_num_queries(4):  # the children, those visible, the ledger, the claims
        P.compute(user=user, node=county)


def test_a_period_counts_the_lines_in_it(world):
    user, county = world.a.county_cmd, world.casts.county.county
    # Up to T-2: c's reversal (T-1) is not yet made; the four claims were approved on T-10.
    back_then = P.compute(user=user, node=county, end=days(-2))
    assert back_then.total.as_dict() == cell(3, "135000", 4, "140000")
    rows = {r.jurisdiction.pk: r.cell for r in back_then.children}
    assert (rows[town(world.c).pk].benefited, rows[town(world.c).pk].paid) == (1, 50000)
    # From T-3: a +20,000 +20,000; b -20,000 +15,000 (a net loss); c -50,000.
    recent = P.compute(user=user, node=county, start=days(-3))
    assert (recent.total.benefited, recent.total.paid) == (1, Decimal("-15000"))
    assert shares(recent.by_policy) == {
        "惠八条": (1, Decimal("15000")),
        "扶持资金": (1, Decimal("-30000")),  # a +20,000; c -50,000
    }
    assert (recent.total.approved, recent.total.waiting) == (0, 1)
    # Before anything was paid: nothing.
    assert P.compute(user=user, node=county, end=days(-11)).total.empty


def test_another_towns_command_office_sees_only_its_own(world):
    other = world.c.town_cmd  # town 2
    assert P.compute(user=other, node=town(world.a)).total.empty
    assert P.compute(user=other).total.as_dict() == TOWN_2
    county = P.compute(user=other, node=world.casts.county.county)
    assert [r.jurisdiction.pk for r in county.children] == [town(world.c).pk]
    assert (P.compute(user=other, end=days(-2)).total.paid) == Decimal("50000")


def test_an_enterprise_user_sees_only_its_own(world):
    own = P.compute(user=world.a.enterprise)
    assert own.total.as_dict() == cell(1, "70000", approved=2, approved_amount="70000")
    assert shares(own.by_policy) == {"扶持资金": (1, Decimal(50000)), "惠八条": (1, Decimal(20000))}
    assert P.compute(user=world.d.enterprise).total.as_dict() == TOWN_3


def test_without_the_policies_app_there_are_none(world, monkeypatch):
    monkeypatch.setattr(sources, "_policies", None)
    assert P.compute(user=world.a.county_cmd) is None
    assert C.policies_context(None)["text"] == ""


# ---------------------------------------------------------------------------- the reports


def test_the_sentence_of_the_reports(world):
    figures = P.compute(user=world.a.county_cmd, node=world.casts.county.county)
    today = days(0)
    assert C.policies_context(figures)["text"] == (
        f"截至{today.month}月{today.day}日，兑现惠企政策2项，惠及企业2户，发放资金8.50万元"
        "（其中扶持资金惠及1户、5.00万元，惠八条惠及2户、3.50万元），另有1件兑现申请待审核。"
    )
    # Town 2: its only payment was reversed, nothing to say.
    quiet = P.compute(user=world.c.town_cmd, node=town(world.c))
    assert C.policies_context(quiet)["text"] == ""


def test_the_narrative_reports_of_a_town_state_it(world):
    user, node = world.a.town_cmd, town(world.a)
    today = days(0)
    sentence = (
        f"截至{today.month}月{today.day}日，兑现惠企政策2项，惠及企业2户，发放资金8.50万元"
        "（其中扶持资金惠及1户、5.00万元，惠八条惠及2户、3.50万元）。"
    )
    for kind in (ReportKind.NARRATIVE_TOWN, ReportKind.NARRATIVE_COUNTY):
        report = C.report_figures(user=user, node=node, day=today)
        data, _ = narrative(user=user, node=node, day=today, kind=kind, figures=report)
        words = T.docx_text(data)
        assert sentence in words
        assert "惠企政策兑现、租金减免、缓交水电费用等情况" not in words
    # Town 2 (nothing paid): the town report says there is no data, as before.
    quiet = town(world.c)
    report = C.report_figures(user=world.c.town_cmd, node=quiet, day=today)
    data, _ = narrative(
        user=world.c.town_cmd, node=quiet, day=today, kind=ReportKind.NARRATIVE_TOWN,
        figures=report,
    )  # fmt: skip
    words = T.docx_text(data)
    assert "惠企政策兑现、租金减免、缓交水电费用等情况：暂无数据。" in words
    assert "兑现惠企政策" not in words


def test_a_demo_towns_report_quotes_its_ledger(demo):
    """The first demo town with money paid to its enterprises (the demo pays claims to the
    county's fund and to the town's 惠八条): its report states the ledger's own numbers."""
    for command in (
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__depth=3)
        .select_related("user", "jurisdiction")
        .order_by("jurisdiction__code", "pk")
    ):
        node = command.jurisdiction
        lines = Payment.objects.filter(claim__enterprise__jurisdiction__path__startswith=node.path)
        if lines.exists():
            break
    else:
        raise AssertionError("the demo pays no enterprise")
    net: dict[str, dict[int, Decimal]] = {}  # policy -> enterprise -> net
    for enterprise, policy, amount in lines.values_list(
        "claim__enterprise_id", "claim__benefit__policy__short_name", "amount"
    ):
        net.setdefault(policy, {}).setdefault(enterprise, Decimal(0))
        net[policy][enterprise] += amount
    everyone: dict[int, Decimal] = {}
    for per in net.values():
        for enterprise, amount in per.items():
            everyone[enterprise] = everyone.get(enterprise, Decimal(0)) + amount
    policies = sorted(
        (
            (name, sum(1 for a in per.values() if a > 0), sum(per.values()))
            for name, per in net.items()
            if any(a > 0 for a in per.values())
        ),
        key=lambda p: (-p[2], p[0]),
    )
    today = days(0)
    sentence = (
        f"截至{today.month}月{today.day}日，兑现惠企政策{len(policies)}项，"
        f"惠及企业{sum(1 for a in everyone.values() if a > 0)}户，"
        f"发放资金{C.wan(sum(everyone.values()))}万元（其中"
        + "，".join(f"{name}惠及{n}户、{C.wan(amount)}万元" for name, n, amount in policies)
        + "）"
    )
    report = C.report_figures(user=command.user, node=node, day=today)
    data, _ = narrative(
        user=command.user, node=node, day=today, kind=ReportKind.NARRATIVE_TOWN, figures=report
    )
    assert sentence in T.docx_text(data)
