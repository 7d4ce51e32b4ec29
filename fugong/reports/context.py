"""What a report says, gathered in a fixed number of queries: the figures it is made from and
the help given to enterprises, formatted the way the reports write them.

The figures come from the statistics layer only (``fugong.stats.figures``): the day's frozen
figures (its submission, else its end-of-day snapshot) when they exist and the user covers the
whole node, so that a report that was sent is produced again identically; otherwise the
figures computed over the user's scope. The help given (包保, on-site acceptances, filings
approved, notices issued) is counted here as of the end of the day, over the user's scope.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Jurisdiction
from fugong.core.scope import scoped, subtree_q
from fugong.enterprises.choices import CATEGORY_NAMES, Category, Ledger
from fugong.enterprises.models import Assignment
from fugong.resumption.choices import VALID
from fugong.resumption.models import Acceptance, Filing, FilingEvent, Notice
from fugong.stats import figures as F
from fugong.stats import inspections as stats_inspections
from fugong.stats import jobs as stats_jobs
from fugong.stats import policies as stats_policies
from fugong.stats import requests as stats_requests
from fugong.stats import staff
from fugong.stats.choices import Denominator

NO_DATA = "暂无数据"
NOT_APPLICABLE = "—"  # a rate whose denominator is 0

LEDGER_TITLES = {
    Ledger.NORMAL: "春节期间正常生产企业台账",
    Ledger.CAN_RESUME: "节后可生产企业台账",
    Ledger.MAY_DELAY: "节后可能延后生产企业台账",
    Ledger.CANNOT_RESUME: "不能复产企业台账",
}

# Placeholders a template must not keep (seed 000 writes XX and X月X日, seed 003 writes *):
# a generated report never contains them.
LEFTOVER_RE = re.compile(r"[Xx]{2,}|(?<![A-Za-z])X(?=\s*[月日%％家户个人名万条次份])|[*＊]")


def leftovers(text: str) -> list[str]:
    """The placeholder marks left in a text, each once, in order of appearance."""
    found: list[str] = []
    for match in LEFTOVER_RE.finditer(text):
        mark = match.group(0)
        if mark not in found:
            found.append(mark)
    return found


# ---------------------------------------------------------------------------- formatting


def pct(value: Decimal | None) -> str:
    """46.2%; "—" when there is nothing to divide by."""
    return NOT_APPLICABLE if value is None else f"{value}%"


def cn_day(day: datetime.date) -> str:
    """3月5日."""
    return f"{day.month}月{day.day}日"


def cn_date(day: datetime.date) -> str:
    """2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def wan(n: int | Decimal) -> str:
    """People (or yuan) in 万 with two decimals: 731 → 0.07."""
    return str((Decimal(n) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP))


def denominator_note(denominator: str) -> str:
    if denominator == Denominator.ALL:
        return "复工率 = 已复工复产单位数 ÷ 全部单位数。"
    return (
        "复工率 = 已复工复产的需复工单位数 ÷ 需复工复产单位数"
        "（春节期间正常生产和不能复产的单位不计入）。"
    )


def source_note(figures: F.Figures) -> str:
    if figures.source == "submission":
        return f"本报告数据为{cn_date(figures.day)}上报的数据。"
    if figures.source == "snapshot":
        return f"本报告数据为{cn_date(figures.day)}日终统计的数据。"
    return f"本报告数据为截至{cn_date(figures.day)}的平台统计数据。"


def area_word(node: Jurisdiction) -> str:
    """全县 / 全区 / 全镇 …: how the report names the whole of its node."""
    for suffix in ("街道", "社区", "县", "区", "市", "镇", "乡", "村", "省"):
        if node.name.endswith(suffix):
            return "全" + suffix
    return {
        "province": "全省",
        "city": "全市",
        "county": "全县",
        "town": "全镇",
        "street": "全街道",
        "village": "全村",
        "community": "全社区",
    }.get(node.level, "全辖区")


def category_name(value: str) -> str:
    names = CATEGORY_NAMES.get(value)
    return names[0] if names else "未分类"


# ---------------------------------------------------------------------------- the figures


def report_figures(*, user, node: Jurisdiction, day: datetime.date) -> F.Figures:
    """The figures a report for (node, day) is made from: frozen when the day was frozen and
    the user's scope holds the whole node, else computed over the user's scope."""
    if F.covers(user, node):
        frozen = F.snapshot_get(node=node, day=day)
        if frozen is not None:
            return frozen
    return F.compute(user=user, node=node, day=day)


def rate_text(cell: F.Cell, denominator: str, measure: str = "户") -> str:
    """The resumption rate with its numerator (and, with the denominator "need", its base), in
    the one wording every report uses: the number of units stated next to the rate is always
    the one the rate divides (the 日报's 其中需复工单位已复工 with "need", 已复工复产 with "all").

    need: 需复工复产24户，其中已复工复产22户，复工率91.7%
    all:  已复工复产25户，复工率96.2%
    """
    rate = pct(cell.rate(denominator))
    if denominator == Denominator.ALL:
        return f"已复工复产{cell.resumed}{measure}，复工率{rate}"
    return (
        f"需复工复产{cell.need}{measure}，其中已复工复产{cell.resumed_need}{measure}，复工率{rate}"
    )


def cell_context(cell: F.Cell, denominator: str, measure: str = "户") -> dict:
    """One group's figures as a template reads them (``{{ total.units }}`` …); ``measure`` is
    the measure word of its units (户 for enterprises, 个 for sites and sales offices)."""
    return {
        "units": cell.units,
        "need": cell.need,
        "resumed": cell.resumed,
        "resumed_need": cell.resumed_need,
        "rate_resumed": cell.rate_numerator(denominator),
        "rate_base": cell.rate_denominator(denominator),
        "new_resumed": cell.new_resumed,
        "employees": cell.employees,
        "employees_wan": wan(cell.employees),
        "returned": cell.returned,
        "rate": pct(cell.rate(denominator)),
        "rate_text": rate_text(cell, denominator, measure),
        "return_rate": pct(cell.return_rate),
        "normal": cell.ledger(Ledger.NORMAL),
        "can_resume": cell.ledger(Ledger.CAN_RESUME),
        "may_delay": cell.ledger(Ledger.MAY_DELAY),
        "stopped": cell.ledger(Ledger.CANNOT_RESUME),
        "no_ledger": cell.ledger(""),
    }


# ---------------------------------------------------------------------------- help given


@dataclass(frozen=True)
class Support:
    """Help given to enterprises under a node as of the end of a day (C5 包保, C7 filings)."""

    assignments: int  # 包保 relations
    assigned_enterprises: int  # enterprises with at least one person answerable for them
    people: int  # leaders, cadres and liaisons answerable for at least one enterprise
    acceptances_done: int  # on-site acceptances performed
    acceptances_passed: int
    filings_valid: int  # filings approved or recorded (the enterprise may resume)
    notices: int  # resumption notices issued and not revoked

    def as_dict(self) -> dict:
        return asdict(self)


def end_of(day: datetime.date) -> datetime.datetime:
    following = day + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))


def support(*, user, node: Jurisdiction, day: datetime.date) -> Support:
    """Four queries, whatever the number of enterprises."""

    end = end_of(day)
    assigned = scoped(
        Assignment.objects.filter(
            subtree_q("enterprise__jurisdiction__path", node.path), created_at__lt=end
        ),
        user,
    ).aggregate(
        n=Count("id"),
        enterprises=Count("enterprise", distinct=True),
        people=Count("user", distinct=True),
    )
    filings = scoped(Filing.objects.filter(subtree_q("jurisdiction__path", node.path)), user)
    acceptances = Acceptance.objects.filter(
        filing__in=filings.values("pk"), performed_at__lt=end
    ).aggregate(done=Count("id"), passed=Count("id", filter=Q(passed=True)))
    valid = (
        FilingEvent.objects.filter(filing__in=filings.values("pk"), to_status__in=VALID, at__lt=end)
        .values("filing")
        .distinct()
        .count()
    )
    notices = Notice.objects.filter(
        filing__in=filings.values("pk"), issued_at__lt=end, revoked=False
    ).count()
    return Support(
        assignments=assigned["n"],
        assigned_enterprises=assigned["enterprises"],
        people=assigned["people"],
        acceptances_done=acceptances["done"],
        acceptances_passed=acceptances["passed"],
        filings_valid=valid,
        notices=notices,
    )


# ---------------------------------------------------------------------------- the rosters


def roster_figures(*, user, node: Jurisdiction, day: datetime.date) -> staff.StaffFigures | None:
    """The staff figures from the rosters beside the self-reported headcount (always live:
    the rosters as they stand, the day's check-ins while they are kept)."""
    return staff.compute(user=user, node=node, day=day)


def roster_context(figures: staff.StaffFigures | None) -> dict:
    """``{{ roster.… }}``: the rosters' figures, and ``.text``, the sentence the shipped
    reports print after the self-reported headcount (empty when nobody is on a roster)."""
    cell = figures.total if figures is not None else staff.StaffCell()
    text = ""
    if cell.on_roster:
        with translation.override("zh-hans"):
            half = str(figures.half_label)
        text = (
            f"据员工花名册（一人一档）统计，在册员工{cell.on_roster}人，在岗{cell.back}人，"
            f"返工率{pct(cell.return_rate)}；{cn_day(figures.day)}{half}应报健康打卡"
            f"{cell.expected}人，已打卡{cell.checked}人，打卡率{pct(cell.coverage)}，"
            f"当日体温异常{cell.abnormal}人。"
        )
    return {
        "on_roster": cell.on_roster,
        "back": cell.back,
        "return_rate": pct(cell.return_rate),
        "expected": cell.expected,
        "checked": cell.checked,
        "coverage": pct(cell.coverage),
        "not_checked": cell.not_checked,
        "abnormal": cell.abnormal,
        "text": text,
    }


def request_figures(*, user, node: Jurisdiction, day: datetime.date):
    """The enterprises' requests (诉求) as of the end of the day, live."""
    return stats_requests.compute(user=user, node=node, day=day)


def requests_context(figures) -> dict:
    """``{{ requests.… }}``: the requests' figures and ``.text``, the sentence the shipped
    reports print (empty when no request was received)."""
    cell = figures.total if figures is not None else stats_requests.RequestCell()
    text = ""
    if cell.received:
        text = (
            f"共受理企业诉求{cell.received}件，已答复{cell.replied}件（协调解决问题"
            f"{cell.replied}个），回复率{pct(cell.reply_rate)}，按期办结率"
            f"{pct(cell.on_time_rate)}"
        )
        if cell.rated:
            text += f"，企业评价{cell.rated}件，满意率{pct(cell.satisfaction)}"
        if cell.overdue:
            text += f"；超期未答复{cell.overdue}件"
        if cell.urged:
            text += f"，发出催办通知书督办{cell.urged}件"
        text += "。"
    return {
        **{name: getattr(cell, name) for name in stats_requests.NAMES},
        "reply_rate": pct(cell.reply_rate),
        "on_time_rate": pct(cell.on_time_rate),
        "satisfaction": pct(cell.satisfaction),
        "text": text,
    }


def inspection_figures(*, user, node: Jurisdiction, day: datetime.date):
    """Inspections and rectification up to the end of the day, live."""
    return stats_inspections.compute(user=user, node=node, end=day)


def inspections_context(figures) -> dict:
    """``{{ inspections.… }}``: the figures of inspections and rectification, and ``.text``,
    the sentence the shipped reports print (empty when there was no inspection, self-check,
    order or order to stop)."""
    cell = figures.total if figures is not None else stats_inspections.InspectionCell()
    kinds = []
    if figures is not None:
        with translation.override("zh-hans"):
            kinds = [
                {"name": label, "done": n} for _value, label, n in figures.kind_rows(cell) if n
            ]
    text = ""
    if not cell.empty:
        parts = []
        if cell.done:
            by_kind = "、".join(f"{k['name']}{k['done']}次" for k in kinds)
            parts.append(
                f"共开展检查{cell.done}次（{by_kind}），合格{cell.passed}次、不合格{cell.failed}次，"
                f"合格率{pct(cell.pass_rate)}"
            )
        if cell.self_submitted or cell.self_accepted:
            parts.append(f"企业提交自查{cell.self_submitted}次，审核通过{cell.self_accepted}次")
        if cell.issued or cell.closed or cell.open:
            parts.append(
                f"下发整改通知书{cell.issued}份，整改销号{cell.closed}份，其中按期整改"
                f"{cell.on_time}份，按期整改率{pct(cell.on_time_rate)}；尚在整改{cell.open}份"
                + (f"，其中逾期未整改{cell.overdue}份" if cell.overdue else "")
            )
        if cell.stops_issued or cell.stops_in_force or cell.stops_lifted:
            parts.append(
                f"责令停业{cell.stops_issued}家次，解除{cell.stops_lifted}家次，"
                f"仍在停业{cell.stops_in_force}家"
            )
        text = f"截至{cn_day(figures.end)}，" + "；".join(parts) + "。"
    return {
        **{name: getattr(cell, name) for name in stats_inspections.NAMES},
        "pass_rate": pct(cell.pass_rate),
        "on_time_rate": pct(cell.on_time_rate),
        "kinds": kinds,
        "text": text,
    }


def policy_figures(*, user, node: Jurisdiction, day: datetime.date):
    """Policy benefits paid up to the end of the day (the disbursement ledger), live."""
    return stats_policies.compute(user=user, node=node, end=day)


def policies_context(figures) -> dict:
    """``{{ policies.… }}``: the policy benefits paid, and ``.text``, the sentence the shipped
    reports print (empty when nothing was paid): 截至3月5日，兑现惠企政策2项，惠及企业503户，
    发放资金11000.00万元（其中…）。"""
    cell = figures.total if figures is not None else stats_policies.PolicyCell()
    shares = [s for s in figures.by_policy if s.benefited] if figures is not None else []
    text = ""
    if cell.benefited and cell.paid > 0:
        text = (
            f"截至{cn_day(figures.end)}，兑现惠企政策{len(shares)}项，惠及企业{cell.benefited}户，"
            f"发放资金{wan(cell.paid)}万元（其中"
            + "，".join(f"{s.name}惠及{s.benefited}户、{wan(s.paid)}万元" for s in shares)
            + "）"
        )
        if cell.waiting:
            text += f"，另有{cell.waiting}件兑现申请待审核"
        text += "。"
    return {
        "benefited": cell.benefited,
        "paid": cell.paid,
        "paid_wan": wan(cell.paid),
        "policies": len(shares),
        "approved": cell.approved,
        "waiting": cell.waiting,
        "by_policy": [
            {"name": s.name, "benefited": s.benefited, "paid_wan": wan(s.paid)} for s in shares
        ],
        "text": text,
    }


def jobs_figures(*, user, node: Jurisdiction, day: datetime.date):
    """Vacancies open on the day and buses up to it (charter batches arrived, commuter buses in
    service), live."""
    return stats_jobs.compute(user=user, node=node, end=day)


def jobs_context(figures) -> dict:
    """``{{ jobs.… }}``: vacancies and buses, and ``.text``, the sentence the shipped reports
    print (empty when there is nothing to say): 截至3月5日，在库空岗120个、缺工860人（制造业
    600人），累计发布岗位150个、已招用300人；组织返岗包车6趟，接回务工人员230人，发放包车补贴
    3.00万元；通勤班车4辆、乘车员工120人。"""
    cell = figures.total if figures is not None else stats_jobs.JobsCell()
    sections = [s for s in figures.by_section if s.shortage][:3] if figures is not None else []
    hiring = []
    if cell.open:
        part = f"在库空岗{cell.open}个、缺工{cell.shortage}人"
        if sections:
            part += "（" + "，".join(f"{s.name}{s.shortage}人" for s in sections) + "）"
        hiring.append(part)
    if cell.posted:
        hiring.append(f"累计发布岗位{cell.posted}个、已招用{cell.filled}人")
    parts = ["，".join(hiring)] if hiring else []
    if cell.batches:
        part = f"组织返岗包车{cell.batches}趟，接回务工人员{cell.brought_back}人"
        if cell.subsidy > 0:
            part += f"，发放包车补贴{wan(cell.subsidy)}万元"
        parts.append(part)
    if cell.commuter_buses:
        parts.append(f"通勤班车{cell.commuter_buses}辆、乘车员工{cell.riders}人")
    text = f"截至{cn_day(figures.end)}，" + "；".join(parts) + "。" if parts else ""
    return {
        **{name: getattr(cell, name) for name in stats_jobs.NAMES},
        "subsidy_wan": wan(cell.subsidy),
        "by_section": [
            {"name": s.name, "open": s.open, "shortage": s.shortage}
            for s in (figures.by_section if figures is not None else [])
        ],
        "text": text,
    }


# ---------------------------------------------------------------------------- narrative


DEFAULT_NEXT_STEPS = (
    "下一步，我们将坚持疫情防控和经济社会发展“双线”作战，继续落实包保责任，"
    "逐家跟踪尚未复工复产的企业，及时协调解决企业在用工、物流、资金等方面的困难和问题，"
    "推动已复工企业尽快达产，确保复工复产安全有序、稳步推进。"
)
DEFAULT_PROBLEMS = "暂无。"


def paragraphs(text: str, default: str) -> list[str]:
    """The user's text as paragraphs (blank lines dropped); the default when empty."""
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    return lines or [default]


# Every name a narrative template may use, with what it holds (shown on the templates page).
CELL_HELP = _(
    "a group's figures: .units .need .resumed .resumed_need .rate_resumed .rate_base "
    ".new_resumed .employees .employees_wan .returned .rate .rate_text .return_rate .normal "
    ".can_resume .may_delay .stopped .no_ledger (.rate_text: the rate with the number it "
    "divides, as every shipped report words it)"
)
PLACEHOLDER_HELP: dict[str, object] = {
    "node_name": _("name of the jurisdiction"),
    "area": _("the whole jurisdiction, e.g. 全县 / 全镇"),
    "day_cn": _("the day, e.g. 3月5日"),
    "date_cn": _("the day with its year, e.g. 2026年3月5日"),
    "year": _("the year of the day"),
    "denominator_note": _("what the resumption rate divides by, as a sentence"),
    "source_note": _("where the figures come from (submitted, snapshot or live), as a sentence"),
    "no_data": _("the words 暂无数据, for what the platform does not record yet"),
    "total": CELL_HELP,
    "enterprises": _("各类型企业 (every unit but 大个体); fields as for total"),
    "industry_above": _("1. 规模以上工业; fields as for total"),
    "trade_hospitality_above": _("2. 限额以上批发零售业和住宿餐饮业; fields as for total"),
    "below": _("3. 规下、限下; fields as for total"),
    "construction": _("4. 建设工地; fields as for total"),
    "property": _("5. 房产销售; fields as for total"),
    "industry": _("工业 (above and below designated size); fields as for total"),
    "industry_below": _("规模以下工业; fields as for total"),
    "trade": _("限额以上批零住餐; fields as for total"),
    "individual": _("大个体; fields as for total"),
    "trade_individual": _("限额以上批零住餐 and 大个体 together; fields as for total"),
    "services": _("规模以上服务业; fields as for total"),
    "subsectors": _("list of 规上服务业 subsectors: .name and the fields as for total"),
    "support": _(
        "help given: .assignments .assigned_enterprises .people .acceptances_done "
        ".acceptances_passed .filings_valid .notices"
    ),
    "roster": _(
        "from the employee rosters (一人一档), beside the self-reported headcount: .on_roster "
        ".back .return_rate .expected .checked .coverage .not_checked .abnormal .text (.text: "
        "the sentence the shipped reports print, empty when nobody is on a roster)"
    ),
    "requests": _(
        "enterprises' requests (诉求): .received .replied .on_time .overdue .urged .rated "
        ".content .reply_rate .on_time_rate .satisfaction .text (.text: the sentence the "
        "shipped reports print, empty when none was received)"
    ),
    "inspections": _(
        "inspections and rectification up to the day: .done .passed .failed .pass_rate "
        ".self_submitted .self_accepted .issued .closed .on_time .on_time_rate .open .overdue "
        ".stops_issued .stops_in_force .stops_lifted .kinds (list: .name .done) .text (.text: "
        "the sentence the shipped reports print, empty when there was none)"
    ),
    "policies": _(
        "policy benefits paid up to the day (惠企政策兑现), net of reversals: .benefited (enterprises) "
        ".paid (yuan) .paid_wan (10,000 yuan) .policies .approved .waiting (claims) .by_policy "
        "(list: .name .benefited .paid_wan) .text (.text: the sentence the shipped reports "
        "print, empty when nothing was paid)"
    ),
    "jobs": _(
        "vacancies and buses up to the day: .open .wanted .shortage (缺工) .hiring "
        "(enterprises) .posted .filled .batches (charter buses arrived) .brought_back (workers) "
        ".subsidy .subsidy_wan .commuter_buses .riders .by_section (list: .name .open "
        ".shortage) .text (.text: the sentence the shipped reports print, empty when there is "
        "nothing to say)"
    ),
    "next_steps": _("list of paragraphs of 下步工作打算 typed when asking for the report"),
    "problems": _("list of paragraphs of 存在的问题 typed when asking for the report"),
}


def narrative_context(
    *,
    figures: F.Figures,
    help_given: Support,
    roster: staff.StaffFigures | None = None,
    requests=None,
    inspections=None,
    policies=None,
    jobs=None,
    next_steps: str = "",
    problems: str = "",
) -> dict:
    """Everything a narrative template (either shape) may print; the names are
    PLACEHOLDER_HELP's."""
    node, day, d = figures.node, figures.day, figures.denominator

    def cell(*categories: str, measure: str = "户") -> dict:
        return cell_context(figures.select(categories), d, measure)

    # Seed 000 counts construction sites and sales offices in 个.
    sites = {"construction": "个", "property": "个"}
    rows = {key: cell(*cats, measure=sites.get(key, "户")) for key, cats in F.TOWN_REPORT_ROWS}
    subsectors = []
    for spec in F.services_subsectors():
        c = figures.row(spec)
        if spec.key == "services_other" and not c.units:
            continue
        name = "其他服务业" if spec.key == "services_other" else spec.label
        subsectors.append({"name": name, **cell_context(c, d)})
    context = {
        "node_name": node.name,
        "area": area_word(node),
        "day_cn": cn_day(day),
        "date_cn": cn_date(day),
        "year": day.year,
        "denominator_note": denominator_note(d),
        "source_note": source_note(figures),
        "no_data": NO_DATA,
        "total": cell_context(figures.total, d),
        "enterprises": cell_context(figures.enterprises(), d),
        **rows,
        "industry": cell(Category.INDUSTRY_ABOVE, Category.INDUSTRY_BELOW),
        "industry_below": cell(Category.INDUSTRY_BELOW),
        "trade": cell(Category.TRADE_ABOVE, Category.HOSPITALITY_ABOVE),
        "individual": cell(Category.LARGE_INDIVIDUAL),
        "trade_individual": cell(
            Category.TRADE_ABOVE, Category.HOSPITALITY_ABOVE, Category.LARGE_INDIVIDUAL
        ),
        "services": cell(Category.SERVICES_ABOVE),
        "subsectors": subsectors,
        "support": help_given.as_dict(),
        "roster": roster_context(roster),
        "requests": requests_context(requests),
        "inspections": inspections_context(inspections),
        "policies": policies_context(policies),
        "jobs": jobs_context(jobs),
        "next_steps": paragraphs(next_steps, DEFAULT_NEXT_STEPS),
        "problems": paragraphs(problems, DEFAULT_PROBLEMS),
    }
    return context


def live_context(
    *,
    user,
    node: Jurisdiction,
    day: datetime.date,
    figures: F.Figures,
    next_steps: str = "",
    problems: str = "",
) -> dict:
    """The narrative context of ``node`` on ``day`` from the live figures the user may see."""
    return narrative_context(
        figures=figures,
        help_given=support(user=user, node=node, day=day),
        roster=roster_figures(user=user, node=node, day=day),
        requests=request_figures(user=user, node=node, day=day),
        inspections=inspection_figures(user=user, node=node, day=day),
        policies=policy_figures(user=user, node=node, day=day),
        jobs=jobs_figures(user=user, node=node, day=day),
        next_steps=next_steps,
        problems=problems,
    )


PLACEHOLDER_NAMES = frozenset(PLACEHOLDER_HELP)
