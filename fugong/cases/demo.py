"""The demo county's requests: a few from enterprises of each town in every state of the
loop (waiting, dispatched, handled, replied, rated, overdue and urged), raised and
moved by the demo's own users through the services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.cases import defaults, services
from fugong.cases.choices import Nature, Rating, Urgency
from fugong.cases.models import Case, Category, Tip

ASKS = [
    (
        "labour",
        "返岗员工不足，急需招聘普工",
        "节后返岗率不足六成，急需普工30名，请协助对接招聘渠道。",
    ),
    ("logistics", "原材料运输车辆无法进入", "外地供应商货车在卡口滞留，请协助办理通行手续。"),
    ("finance", "流动资金紧张，申请贷款贴息", "疫情期间停产一个月，流动资金缺口约200万元。"),
    ("supplies", "口罩和消毒液储备不足", "全厂复工需口罩每日400只，现有库存仅够三天。"),
    ("utilities", "申请缓交电费", "停产期间仍有基本电费，请问能否缓交。"),
    ("policy", "咨询社保减免政策", "我公司属于中小企业，能否享受社保费减免？如何办理？"),
]


def build_cases(b) -> None:
    defaults.ensure()  # a flushed test database lost what the migrations wrote
    categories = {c.code: c for c in Category.objects.all()}
    members = list(
        Membership.objects.filter(role=Role.ENTERPRISE, is_active=True, enterprise__isnull=False)
        .select_related("user", "enterprise__jurisdiction")
        .order_by("pk")[: len(ASKS) * 3]
    )
    for i, m in enumerate(members):
        code, title, text = ASKS[i % len(ASKS)]
        case = services.case_raise(
            actor=m.user,
            enterprise=m.enterprise,
            category=categories[code],
            title=title,
            text=text,
            nature=Nature.CONSULT if code == "policy" else Nature.HELP,
            urgency=Urgency.URGENT if i % 5 == 1 else Urgency.NORMAL,
        )
        _advance(case, i, m.user)
    services.escalate_overdue()  # the overdue ones get their 催办通知书
    build_visits()
    build_tips(members)


def build_visits() -> None:
    """Each 包保 cadre visited one of their enterprises last week, and plans one next week."""
    from fugong.cases import visits
    from fugong.enterprises.models import Assignment

    today = timezone.localdate()
    seen = set()
    for a in Assignment.objects.select_related("user", "enterprise").order_by("pk")[:60]:
        if {a.user_id, -a.enterprise_id} & seen or not visits.may_visit(a.user, a.enterprise):
            continue
        seen |= {a.user_id, -a.enterprise_id}  # one visit a cadre, one cadre an enterprise
        done = visits.visit_plan(
            actor=a.user, enterprise=a.enterprise, day=today - datetime.timedelta(days=7)
        )
        visits.visit_record(
            actor=a.user,
            visit=done,
            met="企业负责人",
            findings="已复工，员工返岗八成；反映普工短缺。",
            day=today - datetime.timedelta(days=7),
        )
        visits.visit_plan(
            actor=a.user, enterprise=a.enterprise, day=today + datetime.timedelta(days=7)
        )


def _user_of(case: Case, *, department: bool):
    from fugong.cases import workflow as W

    if department:
        return (
            Membership.objects.filter(office=case.lead_office, is_active=True)
            .select_related("user")
            .first()
            .user
        )
    return (
        Membership.objects.filter(W.dispatchers_q(case))
        .select_related("user")
        .order_by("-jurisdiction__depth")
        .first()
        .user
    )


def _advance(case: Case, i: int, enterprise_user) -> None:
    """Move the request ``i % 6`` steps along: 0 waits for dispatch, 1 dispatched, 2 being
    handled, 3 replied, 4 rated, 5 dispatched long ago and overdue."""
    stage = i % 6
    if stage == 0:
        return
    offices = services.route(case)
    if not offices:
        return
    dispatcher = _user_of(case, department=False)
    case = services.case_dispatch(actor=dispatcher, case=case, lead=offices[0], co=offices[1:])
    if stage == 5:
        Case.objects.filter(pk=case.pk).update(
            due=timezone.localdate() - datetime.timedelta(days=3),
            dispatched_at=timezone.now() - datetime.timedelta(days=10),
        )
        return
    if stage == 1:
        return
    handler = _user_of(case, department=True)
    case = services.case_accept(actor=handler, case=case)
    if stage == 2:
        return
    case = services.case_reply(
        actor=handler, case=case, reply="已对接相关科室，具体办理方式已电话告知企业负责人。"
    )
    if stage == 4:
        services.case_rate(actor=enterprise_user, case=case, rating=Rating.SATISFIED)


TIPS = [
    ("车间工人未佩戴口罩，进厂不测体温。", True, "labour"),
    ("仓库消防通道堆满货物，灭火器过期。", False, "other"),
    ("从省外返回的员工未隔离就上岗。", True, "labour"),
    ("食堂员工就餐不分餐，聚集用餐。", False, "other"),
    ("夜间偷偷开工，未报备复工。", False, "other"),
]


def build_tips(members) -> None:
    """举报 about the demo's enterprises, one in each state: waiting for screening,
    dispatched, replied, closed, dismissed, and one overdue; sent through the public page's
    service, screened and answered by the demo's own officers."""
    from fugong.cases import tips
    from fugong.cases import workflow as W

    categories = {c.code: c for c in Category.objects.all()}
    for i, m in enumerate(members[: len(TIPS) + 1]):
        text, by_staff, code = TIPS[i % len(TIPS)]
        town = services.town_of(m.enterprise.jurisdiction)
        tip, _code = tips.tip_submit(
            place=town,
            enterprise_name=m.enterprise.name,
            text=text,
            by_staff=by_staff,
            contact_phone="13800001111" if i % 2 else "",
        )
        stage = i % 6  # 0 waits, 1 dispatched, 2 replied, 3 closed, 4 dismissed, 5 overdue
        if stage == 0:
            continue
        screener = (
            Membership.objects.filter(W.dispatchers_q(tip))
            .select_related("user")
            .order_by("-jurisdiction__depth")
            .first()
        )
        if screener is None:
            continue
        if stage == 4:
            tips.tip_dismiss(actor=screener.user, tip=tip, reason="经核查，举报内容与事实不符。")
            continue
        if not tips.suggested(tip, categories[code]):
            continue
        tip = tips.tip_dispatch(
            actor=screener.user, tip=tip, category=categories[code], enterprise=m.enterprise
        )
        if stage == 5:
            Tip.objects.filter(pk=tip.pk).update(
                due=timezone.localdate() - datetime.timedelta(days=2)
            )
            continue
        if stage == 1:
            continue
        handler = (
            Membership.objects.filter(office=tip.lead_office, is_active=True)
            .select_related("user")
            .first()
        )
        tip = tips.tip_reply(
            actor=handler.user, tip=tip, reply="已到现场核查，责令企业立即整改，将跟踪复查。"
        )
        if stage == 3:
            tips.tip_close(actor=screener.user, tip=tip)
