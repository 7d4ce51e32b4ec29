"""Demo vacancies: about 40 % of the demo enterprises post one to four vacancies whose posts fit
their industry (普工, 电焊工, 数控操作工 in manufacturing; 营业员 in retail; 服务员 in
catering …), most published, some filled in part, a few drafts, closed or expired; a few
enterprises keep theirs off the public board.

``vacancy_rows`` is the one generator: the demo step writes a few hundred of its rows through
``services.vacancies_bulk_create`` (audited), the benchmark 50,000 (``bench.jobboard``), and
the tests use the demo's."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

from django.utils import timezone

from fugong.enterprises.models import Enterprise
from fugong.vacancies import services
from fugong.vacancies.choices import Education, VacancyStatus
from fugong.vacancies.models import BoardSetting

ACTOR = "seed-demo"

# Posts by industry section (GB/T 4754 门类): (post, pay from, pay up to, education).
POSTS: dict[str, list[tuple[str, int, int, str]]] = {
    "C": [("普工", 4500, 6500, ""), ("电焊工", 6500, 9000, Education.JUNIOR),
          ("数控操作工", 6000, 8500, Education.SENIOR), ("质检员", 5000, 7000, Education.SENIOR),
          ("仓管员", 4500, 6000, Education.SENIOR), ("叉车司机", 5500, 7500, Education.JUNIOR),
          ("缝纫工", 5000, 8000, ""), ("机修工", 6500, 9000, Education.SENIOR),
          ("包装工", 4200, 5500, ""), ("高级工程师", 15000, 25000, Education.BACHELOR),
          ("注塑工", 5000, 7000, ""), ("装配工", 4800, 6500, Education.JUNIOR)],
    "E": [("钢筋工", 7000, 10000, ""), ("木工", 7500, 11000, ""), ("施工员", 6000, 9000,
          Education.COLLEGE), ("安全员", 5500, 8000, Education.COLLEGE)],
    "F": [("营业员", 4000, 5500, Education.SENIOR), ("销售代表", 5000, 12000, Education.COLLEGE),
          ("理货员", 4000, 5000, ""), ("收银员", 4000, 5000, Education.SENIOR)],
    "G": [("货车司机", 7000, 10000, Education.JUNIOR), ("快递员", 6000, 9000, ""),
          ("调度员", 5000, 7000, Education.SENIOR)],
    "H": [("服务员", 4000, 5500, ""), ("厨师", 6000, 9000, ""), ("帮厨", 4000, 5000, ""),
          ("客房服务员", 4000, 5200, "")],
    "I": [("软件工程师", 12000, 22000, Education.BACHELOR), ("运维工程师", 9000, 15000,
          Education.COLLEGE), ("客服专员", 4500, 6500, Education.COLLEGE)],
}  # fmt: skip
OTHER = [("销售代表", 5000, 10000, Education.COLLEGE), ("文员", 4000, 5500, Education.SENIOR),
         ("保安", 4000, 5000, ""), ("保洁员", 3500, 4500, ""), ("会计", 6000, 9000,
         Education.COLLEGE)]  # fmt: skip
SKILLS = ["能适应两班倒", "有相关工作经验者优先", "持证上岗", "身体健康，吃苦耐劳",
          "包吃包住", "熟练使用办公软件", "有C1驾照", ""]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def vacancy_rows(
    rng: random.Random, enterprises: list[tuple[int, str, str]], count: int,
    today: datetime.date | None = None,
) -> Iterator[dict]:  # fmt: skip
    """``count`` vacancy rows for ``services.vacancies_bulk_create``, spread over
    ``enterprises`` ((id, section, address) each) in turn: posts of the enterprise's industry,
    pay rounded to 100 yuan (sometimes 面议), 85 % published (some of them expired, some filled
    in part), the rest drafts or closed."""
    today = today or timezone.localdate()
    now = timezone.now()
    for n in range(count):
        enterprise_id, section, address = enterprises[n % len(enterprises)]
        post, low, high, education = rng.choice(POSTS.get(section, OTHER))
        headcount = rng.choice((1, 1, 2, 2, 3, 5, 8, 10, 20, 30))
        roll = rng.random()
        status = (VacancyStatus.PUBLISHED if roll < 0.85
                  else VacancyStatus.DRAFT if roll < 0.93 else VacancyStatus.CLOSED)  # fmt: skip
        age = rng.random() < 0.6
        posted_days = rng.randrange(0, 40)
        negotiable = rng.random() < 0.1
        yield {
            "enterprise_id": enterprise_id,
            "post": post,
            "headcount": headcount,
            "filled": rng.randrange(0, headcount + 1) if rng.random() < 0.4 else 0,
            "pay_min": None if negotiable else low + rng.randrange(0, 10) * 100,
            "pay_max": None if negotiable else high + rng.randrange(0, 10) * 100,
            "address": address,
            "education": education,
            "age_min": 18 if age else None,
            "age_max": rng.choice((40, 45, 50, 55)) if age else None,
            "skills": rng.choice(SKILLS),
            "contact_name": rng.choice(SURNAMES) + rng.choice(("先生", "女士", "经理")),
            "contact_phone": _phone(rng),
            "status": status,
            "published_at": now - datetime.timedelta(days=posted_days, minutes=n % 1440)
            if status != VacancyStatus.DRAFT
            else None,
            # Most open for 30 days from posting; those posted long ago have expired.
            "expires_on": today + datetime.timedelta(days=30 - posted_days),
        }


def enterprise_sections(queryset) -> list[tuple[int, str, str]]:
    """(id, industry section, address) of the enterprises of ``queryset``, by id."""
    return [
        (pk, section or "", address or "")
        for pk, section, address in queryset.order_by("pk").values_list(
            "pk", "industry__parent__code", "address"
        )
    ]


def build_vacancies(b) -> None:
    # A random source of its own: the steps after this one draw from the builder's as before.
    rng = random.Random(17)  # noqa: S311 - reproducible demo data
    everyone = enterprise_sections(Enterprise.objects.all())
    chosen = [e for e in everyone if rng.random() < 0.4]
    if not chosen:
        return
    # A few enterprises keep their vacancies off the public board.
    hidden = chosen[:: max(len(chosen) // 3, 1)][:3] if len(chosen) > 3 else []
    BoardSetting.objects.bulk_create(
        [BoardSetting(enterprise_id=pk, public=False) for pk, _s, _a in hidden]
    )
    count = sum(rng.choice((1, 1, 2, 2, 3, 4)) for _ in chosen)
    rows = list(vacancy_rows(rng, chosen, count))
    services.vacancies_bulk_create(actor=ACTOR, rows=rows, reason="演示数据")
