"""Demo enterprises in realistic proportions: categories, industries, revenue, ledgers,
resumption, tiers and capabilities, consistent with the statistics rules (a derived category
really follows from the generated industry and revenue)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from stdnum.cn import uscc

from fugong.enterprises.choices import Category, Ledger, Tier


@dataclass(frozen=True)
class Profile:
    category: str
    weight: float
    divisions: tuple[str, ...]
    revenue: tuple[int, int]  # 万元
    employees: tuple[int, int]
    stated: bool  # category given by the office (cannot be derived from industry and revenue)
    streets_only: bool = False


MANUFACTURING = ("13", "14", "17", "18", "26", "29", "30", "33", "34", "36", "38", "39")
PROFILES = [
    Profile(Category.INDUSTRY_ABOVE, 7, MANUFACTURING, (2000, 60000), (60, 1500), False),
    Profile(Category.INDUSTRY_BELOW, 25, MANUFACTURING, (30, 1999), (5, 200), False),
    Profile(Category.TRADE_ABOVE, 4, ("51",), (2000, 30000), (10, 300), False),
    Profile(Category.HOSPITALITY_ABOVE, 2, ("61", "62"), (200, 5000), (20, 400), False),
    Profile(Category.SERVICES_ABOVE, 3, ("72", "80", "83", "86"), (1000, 8000), (20, 500), False),
    Profile(
        Category.BELOW_LIMIT, 31, ("51", "52", "62", "72", "80", "81"), (20, 190), (3, 60), False
    ),
    Profile(Category.LARGE_INDIVIDUAL, 5, ("52", "62", "81"), (100, 400), (3, 30), True),
    Profile(Category.CONSTRUCTION_SITE, 3, ("47", "48"), (500, 20000), (30, 600), True),
    Profile(Category.PROPERTY_SALES, 1.5, ("70",), (200, 5000), (5, 40), True),
    Profile(Category.STREET_SHOP, 12, ("52", "62", "80"), (5, 90), (1, 10), True),
    Profile(
        Category.BUILDING_PARK, 6.5, ("64", "65", "72", "73"), (50, 3000), (5, 200), True, True
    ),
]

PARK_PROFILE = next(p for p in PROFILES if p.category == Category.BUILDING_PARK)

TRADE_WORDS = {
    "13": "食品",
    "14": "食品",
    "17": "纺织",
    "18": "服饰",
    "26": "化工",
    "29": "塑料制品",
    "30": "建材",
    "33": "五金",
    "34": "机械制造",
    "36": "汽车配件",
    "38": "电气",
    "39": "电子科技",
    "47": "建设工程",
    "48": "市政工程",
    "51": "商贸",
    "52": "百货",
    "61": "酒店",
    "62": "餐饮管理",
    "64": "网络科技",
    "65": "信息技术",
    "70": "置业",
    "72": "企业管理咨询",
    "73": "检测技术",
    "80": "家政服务",
    "81": "汽车维修",
    "83": "培训学校",
    "86": "文化传媒",
}
SHOP_WORDS = {
    "52": ("便利店", "超市", "百货店"),
    "62": ("小吃店", "饭店", "面馆"),
    "80": ("理发店", "洗衣店"),
}
INDIVIDUAL_WORDS = {"52": ("超市", "批发部"), "62": ("大酒店", "农家菜馆"), "81": ("汽修厂",)}
COMPANY_WORDS = [
    "宏达",
    "恒信",
    "瑞丰",
    "华泰",
    "联创",
    "鑫源",
    "天成",
    "博远",
    "嘉盛",
    "永固",
    "精工",
    "安泰",
    "明辉",
    "正阳",
    "汇通",
    "三友",
    "金诚",
    "德润",
    "信和",
    "丰华",
    "康达",
    "创美",
    "万通",
    "远航",
    "立新",
    "卓越",
    "盛世",
    "兴业",
    "同心",
    "佳和",
    "中恒",
    "东升",
]
LEDGER_WEIGHTS = [
    (Ledger.NORMAL, 12),
    (Ledger.CAN_RESUME, 68),
    (Ledger.MAY_DELAY, 12),
    (Ledger.CANNOT_RESUME, 8),
]
RESUMED_SHARE = {Ledger.CAN_RESUME: 0.88, Ledger.MAY_DELAY: 0.35}
# The demo's shutdown ended SEASON_DAYS_AGO days before the day it is generated, so that its
# dashboards show the last weeks' resumption and 60 days of history; units resumed over the
# following SEASON_DAYS days.
SEASON_DAYS_AGO = 52
SEASON_DAYS = 45


def season_start() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=SEASON_DAYS_AGO)


def credit_code(rng: random.Random, area_code: str) -> str:
    """A well-formed 统一社会信用代码: 9 (business) 1 (enterprise) or 9 2 (individual
    business), the county's area code, a nine-character organisation code and the
    GB 32100-2015 check character."""
    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    body = "91" + area_code + org
    return body + uscc.calc_check_digit(body)


def pick_profile(rng: random.Random, *, street: bool) -> Profile:
    choices = [p for p in PROFILES if street or not p.streets_only]
    return rng.choices(choices, weights=[p.weight for p in choices])[0]


class NameMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, profile: Profile, division: str, *, county: str, town: str) -> str:
        rng = self.rng
        place = county[:2]
        for attempt in range(50):
            word = rng.choice(COMPANY_WORDS) + (rng.choice(COMPANY_WORDS) if attempt > 3 else "")
            if profile.category == Category.STREET_SHOP:
                name = f"{town[:2]}{word}{rng.choice(SHOP_WORDS.get(division, ('商行',)))}"
            elif profile.category == Category.LARGE_INDIVIDUAL:
                name = f"{place}{town[:2]}{word}{rng.choice(INDIVIDUAL_WORDS.get(division, ('商行',)))}"
            elif profile.category == Category.CONSTRUCTION_SITE:
                name = f"{place}{word}{rng.choice(('花园', '产业园', '安置房', '学校'))}项目工地"
            elif profile.category == Category.PROPERTY_SALES:
                name = f"{place}{word}置业有限公司售楼处"
            else:
                suffix = (
                    "股份有限公司"
                    if profile.category == Category.INDUSTRY_ABOVE and rng.random() < 0.2
                    else "有限公司"
                )
                name = f"{place}{word}{TRADE_WORDS.get(division, '实业')}{suffix}"
            if name not in self.used:
                self.used.add(name)
                return name
        name = f"{name[:-4]}{len(self.used)}号{name[-4:]}"
        self.used.add(name)
        return name


def enterprise_values(rng: random.Random, profile: Profile) -> dict:
    """Generated fields of one enterprise (no names, places or codes)."""
    division = rng.choice(profile.divisions)
    low, high = profile.revenue
    revenue = Decimal(round(rng.uniform(low, high), 2)).quantize(Decimal("0.01"))
    employees = rng.randint(*profile.employees)
    ledger = rng.choices([w[0] for w in LEDGER_WEIGHTS], weights=[w[1] for w in LEDGER_WEIGHTS])[0]
    resumed_on = None
    returned = None
    if rng.random() < RESUMED_SHARE.get(ledger, 0):
        resumed_on = season_start() + datetime.timedelta(days=rng.randint(0, SEASON_DAYS))
        returned = max(1, round(employees * rng.uniform(0.55, 1.0)))
    elif ledger == Ledger.NORMAL:
        # Produced through the shutdown: working from its first day, with its whole staff.
        resumed_on = season_start()
        returned = employees
    tier = ""
    big = profile.category in (
        Category.INDUSTRY_ABOVE,
        Category.TRADE_ABOVE,
        Category.SERVICES_ABOVE,
    )
    roll = rng.random()
    if big and roll < 0.12:
        tier = Tier.MAJOR
    elif big and roll < 0.30:
        tier = Tier.HIGH_GROWTH
    elif roll < 0.05:
        tier = Tier.KEY_SUPPORT
    elif roll < 0.07:
        tier = Tier.VERIFY
    industrial = division in MANUFACTURING
    return {
        "division": division,
        "revenue_last_year": revenue,
        "tax_paid_last_year": (
            revenue * Decimal(str(round(rng.uniform(0.008, 0.035), 3)))
        ).quantize(Decimal("0.01")),
        "employee_count": employees,
        "ledger": ledger,
        "resumed_on": resumed_on,
        "returned_count": returned,
        "tier": tier,
        "has_canteen": rng.random() < (0.55 if industrial else 0.2),
        "has_dormitory": rng.random() < (0.35 if industrial else 0.08),
        "has_commuter_bus": rng.random() < (0.15 if industrial else 0.02),
        "has_isolation_room": rng.random() < (0.3 if industrial else 0.05),
        "closed_management": rng.random() < (0.3 if industrial else 0.05),
    }
