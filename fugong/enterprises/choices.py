"""Categories, tiers, ledgers and 包保 roles from the seeds (000, 002, 003, 004)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """统计类别: the rows of every report (seed 000 §一, seed 003 §1)."""

    INDUSTRY_ABOVE = "industry_above", _("Industrial enterprise above designated size")
    INDUSTRY_BELOW = "industry_below", _("Industrial enterprise below designated size")
    TRADE_ABOVE = "trade_above", _("Wholesale and retail above the limit")
    HOSPITALITY_ABOVE = "hospitality_above", _("Accommodation and catering above the limit")
    BELOW_LIMIT = "below_limit", _("Below size or limit")
    SERVICES_ABOVE = "services_above", _("Services above designated size")
    LARGE_INDIVIDUAL = "large_individual", _("Large individual business")
    CONSTRUCTION_SITE = "construction_site", _("Construction site")
    PROPERTY_SALES = "property_sales", _("Property sales office")
    STREET_SHOP = "street_shop", _("Street-front shop")
    BUILDING_PARK = "building_park", _("Building or park enterprise")


# Chinese names as offices write them, for import and export (one spelling per category is
# the canonical export header value; the others are accepted on import).
CATEGORY_NAMES: dict[str, tuple[str, ...]] = {
    Category.INDUSTRY_ABOVE: ("规模以上工业企业", "规上工业", "规上工业企业", "规模以上工业"),
    Category.INDUSTRY_BELOW: ("规模以下工业企业", "规下工业", "规下工业企业", "规模以下工业"),
    Category.TRADE_ABOVE: (
        "限额以上批发零售业",
        "限上批零",
        "限额以上批发和零售业",
        "限上批发零售",
    ),
    Category.HOSPITALITY_ABOVE: (
        "限额以上住宿餐饮业",
        "限上住餐",
        "限额以上住宿和餐饮业",
        "限上住宿餐饮",
    ),
    Category.BELOW_LIMIT: ("规下/限下企业", "规下限下企业", "规下企业", "限下企业", "规下/限下"),
    Category.SERVICES_ABOVE: ("规模以上服务业", "规上服务业", "规模以上服务业企业"),
    Category.LARGE_INDIVIDUAL: ("大个体", "大个体户"),
    Category.CONSTRUCTION_SITE: ("建设工地", "在建工地", "工地", "建设项目"),
    Category.PROPERTY_SALES: ("房产销售", "售楼处", "房地产销售"),
    Category.STREET_SHOP: ("沿街网点", "沿街商铺", "沿街店铺"),
    Category.BUILDING_PARK: ("楼宇/园区企业", "楼宇园区企业", "楼宇企业", "园区企业"),
}


class Ledger(models.TextChoices):
    """The four ledgers of seed 003 (an enterprise is in exactly one)."""

    NORMAL = "normal", _("Producing normally during the Spring Festival")
    CAN_RESUME = "can_resume", _("Can produce after the festival")
    MAY_DELAY = "may_delay", _("May delay production after the festival")
    CANNOT_RESUME = "cannot_resume", _("Cannot resume / stopped long-term")


LEDGER_NAMES: dict[str, tuple[str, ...]] = {
    Ledger.NORMAL: ("春节期间正常生产", "正常生产", "节日期间正常生产"),
    Ledger.CAN_RESUME: ("节后可生产", "节后可复工", "需复工", "可复工"),
    Ledger.MAY_DELAY: ("节后可能延后生产", "延后生产", "可能延后", "延期复工"),
    Ledger.CANNOT_RESUME: ("不能复产/长期停产", "不能复产", "长期停产", "停产"),
}

# Ledgers whose enterprises need to resume (seed 003: 春节后需复工复产企业).
NEEDS_RESUMPTION = (Ledger.CAN_RESUME, Ledger.MAY_DELAY)


class Tier(models.TextChoices):
    """Key tiers of seed 003, each with the leader level that 包保s it."""

    MAJOR = "major", _("Major enterprise")
    HIGH_GROWTH = "high_growth", _("High-growth enterprise")
    KEY_SUPPORT = "key_support", _("Key support enterprise")
    VERIFY = "verify", _("Enterprise under verification")


TIER_NAMES: dict[str, tuple[str, ...]] = {
    Tier.MAJOR: ("重大企业",),
    Tier.HIGH_GROWTH: ("高成长企业",),
    Tier.KEY_SUPPORT: ("重点帮扶企业",),
    Tier.VERIFY: ("核查企业",),
}


class Duty(models.TextChoices):
    """包保 duties: leaders by tier (seed 003), cadres, liaisons, envoys, grid chiefs."""

    MAIN_LEADER = "main_leader", _("Principal leader")  # 主要领导
    DEPUTY_LEADER = "deputy_leader", _("Leader in charge")  # 分管领导
    INDUSTRY_DEPARTMENT = "industry_department", _("Competent industry department")  # 行业主管部门
    DEPARTMENT_DEPUTY = "department_deputy", _("Department leader in charge")  # 部门分管领导
    CADRE = "cadre", _("Assigned cadre")  # 包保干部
    LIAISON = "liaison", _("Enterprise liaison")  # 驻企联络员
    ENVOY = "envoy", _("Enterprise envoy")  # 企业特派员
    GRID_CHIEF = "grid_chief", _("Grid chief")  # 网格长


# Seed 003: 重大企业主要领导包, 高成长企业分管领导包, 重点帮扶企业行业主管部门包, 核查企业部门分管领导包.
TIER_LEADER = {
    Tier.MAJOR: Duty.MAIN_LEADER,
    Tier.HIGH_GROWTH: Duty.DEPUTY_LEADER,
    Tier.KEY_SUPPORT: Duty.INDUSTRY_DEPARTMENT,
    Tier.VERIFY: Duty.DEPARTMENT_DEPUTY,
}


class Post(models.TextChoices):
    """A/B posts (seed 004: A/B 岗): B stands in when A is away."""

    A = "A", _("Post A")
    B = "B", _("Post B")
