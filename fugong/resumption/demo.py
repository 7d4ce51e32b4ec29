"""Resumption filings for the demo county, made through the real services (as a system actor),
so every filing has its versions, events, routing, acceptance and notice like a real one.

The county works under approval (审批制) with an earliest resumption date a week ahead (earlier
dates need the county's approval, seed 004); the second town files for the record (备案制, the
street procedure of seed 004) and the third declares and commits (告知承诺制, seed 001)."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.core.audit import audited_create
from fugong.core.images import png_bytes as png_bytes
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.choices import NEEDS_RESUMPTION
from fugong.enterprises.models import Enterprise
from fugong.inspections.checklists import create_default_templates
from fugong.inspections.models import ChecklistItem, ChecklistTemplate
from fugong.resumption import policy, services
from fugong.resumption.choices import AttachmentKind, CheckValue, Mode, RuleCode, Status
from fugong.resumption.models import FilingRule, ResumptionPolicy, RoutingRule
from fugong.resumption.policy import Router, create_default_routing, create_default_rules

ACTOR = "seed-demo"

# How far each demo filing goes, by mode (weights).
APPROVAL_PATH = [
    (Status.DRAFT, 2),
    (Status.SUBMITTED, 3),
    (Status.UNDER_REVIEW, 2),
    (Status.RETURNED, 2),
    (Status.ACCEPTANCE_SCHEDULED, 2),
    (Status.ACCEPTANCE_FAILED, 1),
    (Status.ACCEPTED, 1),
    (Status.APPROVED, 1),
    (Status.NOTICE_ISSUED, 3),
    (Status.REJECTED, 1),
]
RECORD_PATH = [(Status.DRAFT, 1), (Status.SUBMITTED, 3), (Status.RETURNED, 1), (Status.RECORDED, 5)]
COMMITMENT_PATH = [(Status.DRAFT, 1), (Status.RECORDED, 6)]

LEADERS = ["总经理", "副总经理", "安全主管", "行政主管", "车间主任"]


# The demo's stand-in files, named as the seeds name them.
FILE_NAMES = {
    AttachmentKind.PLAN: "复工疫情防控实施方案",
    AttachmentKind.ROSTER: "花名册",
    AttachmentKind.COMMITMENT: "承诺书",
    AttachmentKind.BUS_LIST: "通勤班车明细表",
}


def ensure_defaults() -> None:
    """The platform defaults a migration creates (a flushed test database loses them)."""
    create_default_routing(RoutingRule)
    create_default_rules(FilingRule)
    create_default_templates(ChecklistTemplate, ChecklistItem)


def application_values(b, enterprise, today: datetime.date) -> dict:
    rng = b.rng
    staff = max(3, min(enterprise.employee_count or 10, 400))
    local = round(staff * rng.uniform(0.5, 0.95))
    outside = staff - local
    province = rng.randint(0, outside)
    other = rng.randint(0, outside - province)
    city = outside - province - other
    short = rng.random() < 0.1  # some enterprises have too few masks: the rule catches them
    masks = staff * 7 * (rng.uniform(0.5, 0.9) if short else rng.uniform(1.0, 2.0))
    dormitory = enterprise.has_dormitory
    return {
        "leading_group": "\n".join(
            f"{b.person_name()} {post} {b.phone()}" for post in rng.sample(LEADERS, 3)
        ),
        "disinfection_measures": "办公区、车间、食堂、卫生间每日两次消毒,电梯按钮、门把手重点消毒,建立消毒台账。",
        "masks": int(masks),
        "gloves": staff * rng.randint(2, 6),
        "protective_suits": rng.randint(2, 10),
        "thermometers": rng.randint(2, 8),
        "alcohol_litres": rng.randint(5, 50),
        "disinfectant_litres": rng.randint(10, 100),
        "staff_local": local,
        "staff_city": city,
        "staff_province": province,
        "staff_other_province": other,
        "return_plan": "本地员工首批返岗;市外员工分两批错峰返岗,抵达后单独隔离14天。",
        "has_isolation_room": outside > 0 or enterprise.has_isolation_room,
        "isolation_room": "厂区东侧独立单间2间,配备防护服、护目镜" if outside else "",
        "planned_date": today + datetime.timedelta(days=rng.randint(3, 20)),
        "risk_assessment": "已对返岗人员来源地、车间密集度进行评估,风险等级低。",
        "emergency_plan": "发现发热人员立即隔离并报告社区及卫健部门,启动应急预案。",
        "production_plan": "首月产能恢复至60%,原料由本地供应商供货,产品销往省内。",
        "has_orders": rng.random() < 0.7,
        "has_canteen": enterprise.has_canteen,
        "canteen_measures": "错峰分散就餐,间隔1米以上,餐具高温消毒。"
        if enterprise.has_canteen
        else "",
        "has_dormitory": dormitory,
        "dormitory_per_room": rng.choice([2, 3, 4, 4, 6]) if dormitory else None,
        "dormitory_measures": "宿舍进出登记、体温监测,定时消杀。" if dormitory else "",
        "has_commuter_bus": enterprise.has_commuter_bus,
        "commuter_bus": "班车2辆,每日消毒,乘车测温" if enterprise.has_commuter_bus else "",
    }


def _pick(b, path: list[tuple[str, int]]) -> str:
    return b.rng.choices([s for s, _ in path], weights=[w for _, w in path])[0]


def advance(b, filing, target: str) -> None:
    """Take ``filing`` (a draft) along its mode's path to ``target`` through the services."""
    today = timezone.localdate()
    if target == Status.DRAFT:
        return
    try:
        filing = services.filing_submit(actor=ACTOR, filing=filing)
    except services.RulesFailed:
        return  # stays a draft with its failed rules shown, as in real life
    if filing.mode == Mode.COMMITMENT or filing.status == target:
        return
    if target == Status.RECORDED:
        services.filing_transition(actor=ACTOR, filing=filing, action="record")
        return
    if target == Status.REJECTED:
        services.filing_transition(
            actor=ACTOR,
            filing=filing,
            action="reject",
            reason="不属于本次复工范围,请按行业主管部门要求办理。",
        )
        return
    if target == Status.RETURNED:
        services.filing_transition(
            actor=ACTOR,
            filing=filing,
            action="return",
            reason="请补充错峰返岗计划和隔离留观室设置情况。",
        )
        return
    filing = services.filing_transition(actor=ACTOR, filing=filing, action="start_review")
    if target == Status.UNDER_REVIEW:
        return
    services.acceptance_schedule(
        actor=ACTOR, filing=filing, date=today + datetime.timedelta(days=b.rng.randint(0, 3))
    )
    if target == Status.ACCEPTANCE_SCHEDULED:
        return
    template = services.acceptance_template()
    fail = target == Status.ACCEPTANCE_FAILED
    answers = {}
    for item in template.items.all():
        bad = fail and item.position in (5, 9)
        answers[item.pk] = services.Answer(
            value=CheckValue.FAIL if bad else CheckValue.PASS,
            text="口罩储备不足3天用量" if bad and item.position == 5 else "",
            photo=SimpleUploadedFile(
                f"item{item.position}.png", png_bytes(f"{filing.pk}-{item.pk}")
            )
            if item.photo_required
            else None,
        )
    services.acceptance_record(
        actor=ACTOR,
        filing=filing,
        answers=answers,
        opinion="现场核查不合格,请整改后重新申请。" if fail else "各项防控措施落实到位,同意复工。",
    )
    if target in (Status.ACCEPTED, Status.ACCEPTANCE_FAILED):
        return
    filing.refresh_from_db()
    filing = services.filing_transition(actor=ACTOR, filing=filing, action="approve")
    if target == Status.APPROVED:
        return
    services.notice_issue(actor=ACTOR, filing=filing)
    if b.rng.random() < 0.5:
        services.filing_confirm_resumption(actor=ACTOR, filing=filing, date=today)


def build_filings(b) -> None:
    ensure_defaults()
    today = timezone.localdate()
    for county in b.counties:
        audited_create(
            ResumptionPolicy,
            actor=ACTOR,
            jurisdiction=county,
            mode=Mode.APPROVAL,
            effective_from=today - datetime.timedelta(days=30),
            notice_prefix=county.name[:2] + "复工",
            remarks="县疫情防控指挥部:企业复工实行审批制",
        )
        audited_create(
            FilingRule,
            actor=ACTOR,
            jurisdiction=county,
            code=RuleCode.EARLIEST_DATE,
            params={
                "date": (today + datetime.timedelta(days=7)).isoformat(),
                "early_needs_county": True,
            },
        )
    modes = {}
    if len(b.towns) > 2:
        modes[b.towns[1].pk] = (Mode.RECORD, "街道:所有企业复工复产前必须备案")
        modes[b.towns[2].pk] = (Mode.COMMITMENT, "告知承诺制:企业承诺即可复工")
    for town_pk, (mode, remarks) in modes.items():
        audited_create(
            ResumptionPolicy,
            actor=ACTOR,
            jurisdiction_id=town_pk,
            mode=mode,
            effective_from=today - datetime.timedelta(days=10),
            remarks=remarks,
        )
    per_town = b.scale.filings_per_town
    for town in b.towns:
        mode = modes.get(town.pk, (Mode.APPROVAL,))[0]
        path = {Mode.APPROVAL: APPROVAL_PATH, Mode.RECORD: RECORD_PATH}.get(mode, COMMITMENT_PATH)
        # The first two enterprises belong to the demo enterprise users: left for them to file.
        candidates = [
            e for e in b.enterprises.get(town.pk, [])[2:] if e.ledger in NEEDS_RESUMPTION
        ][:per_town]
        for enterprise in candidates:
            filing = services.filing_create(
                actor=ACTOR, enterprise=enterprise, **application_values(b, enterprise, today)
            )
            # The files its mode asks for (policy.required_attachments), the roster always.
            kinds = policy.required_attachments(
                filing.mode, has_commuter_bus=filing.has_commuter_bus
            )
            for kind in dict.fromkeys([AttachmentKind.ROSTER, *kinds]):
                services.attachment_add(
                    actor=ACTOR,
                    filing=filing,
                    kind=kind,
                    upload=SimpleUploadedFile(
                        f"{FILE_NAMES[kind]}.png", png_bytes(f"{enterprise.credit_code} {kind}")
                    ),
                )
            filing.refresh_from_db()
            advance(b, filing, _pick(b, path))


def build_routes(b) -> None:
    """Each demo enterprise routed to its reviewing offices by the routing table (seed 004's
    street table by default)."""
    ensure_defaults()
    router = Router()
    made = [e.pk for town in b.enterprises.values() for e in town]
    routes = {
        enterprise: router.route(enterprise)
        for enterprise in Enterprise.objects.filter(pk__in=made).select_related(
            "jurisdiction", "industry", "park__operator"
        )
    }
    enterprise_services.enterprise_routes_bulk_add(actor=ACTOR, routes=routes, reason="demo")
