"""What governs a filing in a place: the mode in force, the submission rules, the routing table,
the queue weights and the time limits. All of it is data, per jurisdiction, inherited down
the tree (a town's own setting beats its county's, which beats the platform default)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from fugong.accounts.models import Jurisdiction, Office
from fugong.core import tree
from fugong.resumption.choices import AttachmentKind, Mode, OfficeLevel, RouteFlag, RuleCode
from fugong.resumption.models import FilingRule, ResumptionPolicy, RoutingRule

# Seed 004: 规上、重点行业、重点培育企业优先; then readiness (closed management, staff known,
# supplies ready, orders in hand, high share of local staff).
DEFAULT_WEIGHTS = {
    "key": 40,  # 重点企业 / 重点行业
    "above_size": 30,  # 规上 / 限上
    "cultivated": 20,  # 重点培育 (key-support, high-growth, major tiers)
    "closed_management": 10,
    "supplies": 10,
    "staff_known": 5,  # roster attached
    "orders": 5,
    "local_share": 10,  # times the share of local staff
}

# Working days each stage may take before it is overdue.
DEFAULT_STAGE_DAYS = {
    "submitted": 1,
    "under_review": 2,
    "acceptance_scheduled": 3,
    "accepted": 1,
    "approved": 1,
}

# Default parameters of each rule (used when a rule row has none).
DEFAULT_RULE_PARAMS: dict[str, dict] = {
    RuleCode.SUPPLIES: {"days": 7, "masks_per_person_per_day": 1},
    RuleCode.LEAD_TIME: {"hours": 48},
    RuleCode.EARLIEST_DATE: {"date": None, "early_needs_county": True},
    RuleCode.DORMITORY: {"max_per_room": 4},
    RuleCode.ISOLATION_ROOM: {},
    RuleCode.PLAN: {},
}

# The files each mode asks to be attached before a filing can be submitted. Seed 004's town
# (审批制): the written application attaches 复工疫情防控实施方案, 上岗员工花名册 and 《承诺书》.
# Its street (备案制): the record holds the plan (复工复产工作方案) and the staff list (职工排查
# 登记表); an enterprise with a commuter bus adds the 《疫情防控承诺书》 and the 《通勤班车明细表》.
# Seed 001 (告知承诺制): nothing is asked (无需批准、无需签订承诺书), and nothing may block.
REQUIRED_ATTACHMENTS: dict[str, tuple[str, ...]] = {
    Mode.APPROVAL: (AttachmentKind.PLAN, AttachmentKind.ROSTER, AttachmentKind.COMMITMENT),
    Mode.RECORD: (AttachmentKind.PLAN, AttachmentKind.ROSTER),
    Mode.COMMITMENT: (),
}
BUS_ATTACHMENTS: dict[str, tuple[str, ...]] = {
    Mode.RECORD: (AttachmentKind.COMMITMENT, AttachmentKind.BUS_LIST),
}


def required_attachments(mode: str, *, has_commuter_bus: bool = False) -> list[str]:
    """The attachment kinds a filing in ``mode`` must have on submission, in AttachmentKind
    order."""
    needed = set(REQUIRED_ATTACHMENTS.get(mode, ()))
    if has_commuter_bus:
        needed.update(BUS_ATTACHMENTS.get(mode, ()))
    return [kind for kind in AttachmentKind.values if kind in needed]


def missing_attachments(filing, attached=None) -> list[str]:
    """The required kinds ``filing`` has no file of. ``attached``: the kinds it has, when the
    caller knows them (else they are read)."""
    if attached is None:
        attached = set(filing.attachments.values_list("kind", flat=True)) if filing.pk else set()
    required = required_attachments(filing.mode, has_commuter_bus=filing.has_commuter_bus)
    return [kind for kind in required if kind not in attached]


ancestor_paths = tree.ancestor_paths  # kept for the callers that import it from here


@dataclass(frozen=True)
class Policy:
    mode: str
    jurisdiction: Jurisdiction | None
    notice_prefix: str = ""
    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    stage_days: dict = field(default_factory=lambda: dict(DEFAULT_STAGE_DAYS))

    @property
    def mode_label(self) -> str:
        return str(Mode(self.mode).label)


def policy_for(jurisdiction: Jurisdiction, *, on: datetime.date | None = None) -> Policy:
    on = on or timezone.localdate()
    row = tree.nearest(
        ResumptionPolicy.objects.filter(effective_from__lte=on).order_by("-effective_from"),
        jurisdiction,
    )
    if row is None:
        return Policy(mode=settings.FUGONG_DEFAULT_RESUMPTION_MODE, jurisdiction=None)
    return Policy(
        mode=row.mode,
        jurisdiction=row.jurisdiction,
        notice_prefix=row.notice_prefix,
        weights={**DEFAULT_WEIGHTS, **(row.priority_weights or {})},
        stage_days={**DEFAULT_STAGE_DAYS, **(row.stage_days or {})},
    )


def notice_prefix(jurisdiction: Jurisdiction) -> str:
    """The prefix of the notice numbers ``jurisdiction`` gives: its own policy's prefix, else
    its county's short name and its own name (青溪清水镇复工), so two jurisdictions never
    number alike."""
    own = (
        ResumptionPolicy.objects.filter(
            jurisdiction=jurisdiction, effective_from__lte=timezone.localdate()
        )
        .exclude(notice_prefix="")
        .order_by("-effective_from")
        .values_list("notice_prefix", flat=True)
        .first()
    )
    if own:
        return own
    if jurisdiction.depth <= 2:
        return f"{jurisdiction.name[:2]}复工"
    county = jurisdiction.ancestors().filter(depth=2).first()
    return f"{county.name if county else ''}{jurisdiction.name}复工"


@dataclass(frozen=True)
class RuleSetting:
    code: str
    enabled: bool
    params: dict


def rules_for(jurisdiction: Jurisdiction) -> list[RuleSetting]:
    """Each rule as it applies in ``jurisdiction``: the nearest jurisdiction's row, else the
    platform default row, else the built-in parameters (enabled)."""
    # The platform default row first, then the tree's rows from the root down to the node.
    ranked = [
        *FilingRule.objects.filter(jurisdiction__isnull=True),
        *reversed(list(tree.up_tree(FilingRule.objects.all(), jurisdiction))),
    ]
    result = []
    for code in RuleCode.values:
        # Parameters are inherited down the tree: a town's row changes only what it names.
        params = dict(DEFAULT_RULE_PARAMS[code])
        enabled = True
        for row in ranked:
            if row.code == code:
                params.update(row.params or {})
                enabled = row.enabled
        result.append(RuleSetting(code=code, enabled=enabled, params=params))
    return result


# --- routing ---------------------------------------------------------------------------------


def routing_table(jurisdiction: Jurisdiction) -> list[RoutingRule]:
    """The active rows of the nearest jurisdiction that has its own table, else the default."""
    rows = tree.nearest_set(RoutingRule.objects.filter(is_active=True), jurisdiction)
    if rows:
        return rows
    return list(RoutingRule.objects.filter(is_active=True, jurisdiction__isnull=True))


def _flag_holds(flag: str, enterprise, application) -> bool:
    source = application if application is not None else enterprise
    if flag == RouteFlag.CANTEEN:
        return bool(source.has_canteen)
    if flag == RouteFlag.DORMITORY:
        return bool(source.has_dormitory)
    if flag == RouteFlag.COMMUTER_BUS:
        return bool(source.has_commuter_bus)
    if flag == RouteFlag.IN_PARK:
        return enterprise.park_id is not None
    return True


def rule_matches(rule: RoutingRule, enterprise, application=None) -> bool:
    if rule.category and rule.category != enterprise.category:
        return False
    if rule.industry_prefix:
        code = enterprise.industry.code if enterprise.industry_id else ""
        if not code.startswith(rule.industry_prefix):
            return False
    return not rule.flag or _flag_holds(rule.flag, enterprise, application)


class Router:
    """Routes enterprises by the routing table. It remembers the tables, places and offices it
    has looked up, so routing thousands of enterprises at once (demo data, imports) takes a
    few queries per town rather than several per enterprise."""

    def __init__(self) -> None:
        self._tables: dict[int, list[RoutingRule]] = {}
        self._places: dict[tuple[int, int], int | None] = {}
        self._offices: dict[tuple[int | None, str], Office | None] = {}

    def table(self, jurisdiction: Jurisdiction) -> list[RoutingRule]:
        if jurisdiction.pk not in self._tables:
            self._tables[jurisdiction.pk] = sorted(
                routing_table(jurisdiction), key=lambda r: (r.position, r.pk)
            )
        return self._tables[jurisdiction.pk]

    def place(self, jurisdiction: Jurisdiction, level: str) -> int | None:
        """The id of the enterprise's ancestor (or itself) at ``level``."""
        depth = {OfficeLevel.COUNTY: 2, OfficeLevel.TOWN: 3, OfficeLevel.COMMUNITY: 4}[level]
        key = (jurisdiction.pk, depth)
        if key not in self._places:
            self._places[key] = (
                Jurisdiction.objects.filter(path__in=ancestor_paths(jurisdiction), depth=depth)
                .values_list("pk", flat=True)
                .first()
            )
        return self._places[key]

    def office(self, place: int | None, kind: str) -> Office | None:
        key = (place, kind)
        if key not in self._offices:
            self._offices[key] = (
                Office.objects.filter(jurisdiction_id=place, kind=kind, is_active=True)
                .order_by("pk")
                .first()
                if place
                else None
            )
        return self._offices[key]

    def route(self, enterprise, application=None) -> list[Office]:
        """The reviewing offices for ``enterprise`` (the first leads). When no row matches, or
        no matching office exists, the town's economy office reviews, so no filing is left
        without a reviewer. A community-level row falls back to the town's office of that kind
        where the community has none."""
        offices: list[Office] = []
        where = enterprise.jurisdiction
        for rule in self.table(where):
            if not rule_matches(rule, enterprise, application):
                continue
            office = None
            if rule.office_level == OfficeLevel.PARK:
                if enterprise.park_id and enterprise.park.operator_id:
                    office = enterprise.park.operator
            else:
                levels = [rule.office_level]
                if rule.office_level == OfficeLevel.COMMUNITY:
                    levels.append(OfficeLevel.TOWN)
                for level in levels:
                    office = self.office(self.place(where, level), rule.office_kind)
                    if office:
                        break
            if office and office not in offices:
                offices.append(office)
        if not offices:
            fallback = self.office(self.place(where, OfficeLevel.TOWN), "economy")
            if fallback:
                offices.append(fallback)
        return offices


def route(enterprise, application=None) -> list[Office]:
    """The reviewing offices for ``enterprise`` by the routing table (see Router.route)."""
    return Router().route(enterprise, application)


# Seed 004's street table (备案审核责任划分) and its special industries, as the default rows.
DEFAULT_ROUTING: list[dict] = [
    {"industry_prefix": "06", "office_kind": "emergency", "office_level": "county", "position": 5,
     "note": "煤炭: 县应急管理局初审 (seed 004)"},
    {"industry_prefix": "25", "office_kind": "emergency", "office_level": "county", "position": 5,
     "note": "石油、煤炭及其他燃料加工: 县应急管理局初审"},
    {"industry_prefix": "26", "office_kind": "emergency", "office_level": "county", "position": 5,
     "note": "危化品: 县应急管理局初审 (seed 004)"},
    {"category": "industry_above", "office_kind": "economy", "position": 10, "note": "规模以上工业 → 经贸办"},
    {"category": "trade_above", "office_kind": "economy", "position": 10, "note": "批零 → 经贸办"},
    {"category": "hospitality_above", "office_kind": "economy", "position": 10, "note": "住餐 → 经贸办"},
    {"category": "services_above", "office_kind": "economy", "position": 10, "note": "服务业 → 经贸办"},
    {"category": "below_limit", "office_kind": "economy", "position": 10, "note": "限下企业 → 经贸办"},
    {"category": "large_individual", "office_kind": "economy", "position": 10, "note": "大个体 → 经贸办"},
    {"category": "building_park", "office_kind": "park_operator", "office_level": "park", "position": 10,
     "note": "楼宇园区 → 园区运营方统一审核"},
    {"category": "building_park", "office_kind": "economy", "position": 20, "note": "楼宇园区 → 报经贸办汇总"},
    {"category": "industry_below", "office_kind": "safety", "position": 10, "note": "规模以下工业 → 安监办"},
    {"category": "property_sales", "office_kind": "construction", "position": 10, "note": "售楼处/中介/开发 → 工程办"},
    {"category": "construction_site", "office_kind": "construction", "position": 10, "note": "建筑工地 → 工程办"},
    {"category": "street_shop", "office_kind": "residents", "office_level": "community", "position": 10,
     "note": "沿街网点 → 网格及社区居委会"},
    {"flag": "canteen", "office_kind": "food_safety", "position": 30, "note": "有食堂 → 食安办专项检查"},
    {"category": "industry_above", "office_kind": "industry", "office_level": "county", "position": 40,
     "note": "规模以上企业由县工信局负责（县级审核）"},
    {"category": "industry_below", "office_kind": "sme_centre", "office_level": "county", "position": 40,
     "note": "规模以下企业由县中小企业发展促进中心负责（县级审核）"},
]  # fmt: skip


def create_default_routing(model) -> None:
    if not model.objects.filter(jurisdiction__isnull=True).exists():
        model.objects.bulk_create(model(**row) for row in DEFAULT_ROUTING)


def create_default_rules(model) -> None:
    for code, params in DEFAULT_RULE_PARAMS.items():
        model.objects.get_or_create(
            jurisdiction=None, code=str(code), defaults={"params": params, "enabled": True}
        )
