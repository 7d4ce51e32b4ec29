"""A hand-computed town for the statistics tests: a new town under the demo county with
enterprises whose figures are worked out by hand in the tests (seed 000 §一's rows)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Enterprise, Industry

_SERIAL = iter(range(1, 10_000))


def credit_code(n: int) -> str:
    from stdnum.cn import uscc

    body = f"91339821MA{n:07d}"
    return body + uscc.calc_check_digit(body)


@dataclass
class HandTown:
    town: Jurisdiction
    village: Jurisdiction
    other_village: Jurisdiction
    today: datetime.date
    day: datetime.date  # "截至3月X日": three days ago


# (category, industry division or None, ledger, employees, resumed days-before-today or None,
#  returned, in the other village)
UNITS = [
    # 规上工业: 4 units, 1 normal (resumed long ago), 2 need (1 resumed 5 days ago, 1 resumed
    # today), 1 cannot resume.
    (Category.INDUSTRY_ABOVE, "13", Ledger.NORMAL, 200, 40, 200, False),
    (Category.INDUSTRY_ABOVE, "13", Ledger.CAN_RESUME, 100, 5, 80, False),
    (Category.INDUSTRY_ABOVE, "26", Ledger.MAY_DELAY, 50, 0, 30, True),
    (Category.INDUSTRY_ABOVE, "26", Ledger.CANNOT_RESUME, 30, None, None, True),
    # 限上批零住餐: 2 trade + 1 hospitality; all need; 2 resumed (4 and 3 days ago).
    (Category.TRADE_ABOVE, "51", Ledger.CAN_RESUME, 20, 4, 18, False),
    (Category.TRADE_ABOVE, "52", Ledger.CAN_RESUME, 10, None, None, False),
    (Category.HOSPITALITY_ABOVE, "62", Ledger.CAN_RESUME, 40, 3, 25, True),
    # 规下/限下: 1 industry below (resumed 10 days ago), 1 below limit (no ledger, not resumed).
    (Category.INDUSTRY_BELOW, "13", Ledger.CAN_RESUME, 15, 10, 12, False),
    (Category.BELOW_LIMIT, "52", "", 5, None, None, False),
    # 建设工地: 2, one resumed 2 days ago.
    (Category.CONSTRUCTION_SITE, "47", Ledger.CAN_RESUME, 120, 2, 100, False),
    (Category.CONSTRUCTION_SITE, "47", Ledger.MAY_DELAY, 60, None, None, True),
    # 房产销售: 1 resumed 6 days ago.
    (Category.PROPERTY_SALES, "70", Ledger.CAN_RESUME, 8, 6, 8, False),
    # 规上服务业: 租赁和商务 (L, 72) resumed; 教育 (P, 83) not; 信息 (I, 64) resumed (other).
    (Category.SERVICES_ABOVE, "72", Ledger.CAN_RESUME, 30, 3, 20, False),
    (Category.SERVICES_ABOVE, "83", Ledger.CAN_RESUME, 25, None, None, False),
    (Category.SERVICES_ABOVE, "64", Ledger.NORMAL, 12, 40, 12, False),
    # 大个体: 1 resumed 1 day ago.
    (Category.LARGE_INDIVIDUAL, "52", Ledger.CAN_RESUME, 6, 1, 4, True),
]


def build_hand_town(code_suffix: str = "188") -> HandTown:
    county = Jurisdiction.objects.get(level="county")
    today = timezone.localdate()
    town = Jurisdiction.objects.create(
        code=county.code + code_suffix, name="手算镇", level="town", parent=county
    )
    village = Jurisdiction.objects.create(
        code=town.code + "201", name="甲村", level="village", parent=town
    )
    other = Jurisdiction.objects.create(
        code=town.code + "202", name="乙村", level="village", parent=town
    )
    industries = {i.code: i for i in Industry.objects.filter(level="division")}
    for category, division, ledger, employees, ago, returned, in_other in UNITS:
        n = next(_SERIAL) + int(code_suffix) * 100
        Enterprise.objects.create(
            name=f"手算{n}号有限公司",
            credit_code=credit_code(n),
            jurisdiction=other if in_other else village,
            category=category,
            industry=industries[division] if division else None,
            ledger=ledger,
            employee_count=employees,
            resumed_on=None if ago is None else today - datetime.timedelta(days=ago),
            returned_count=returned,
        )
    return HandTown(town, village, other, today, today - datetime.timedelta(days=3))
