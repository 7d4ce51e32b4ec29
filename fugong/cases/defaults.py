"""The tables of requests as shipped (MISSION C5, issue 14): categories, time limits in
working days by nature and urgency, the default dispatch table, and the default visit
target. Written by the migrations and, since a flushed test database loses what migrations
wrote, by the demo (``ensure``); each row is created only where missing."""

from __future__ import annotations

CATEGORIES = [
    # code, name, (department kind, level) in order: the first leads
    ("labour", "用工", [("hr", "county")]),
    ("logistics", "物流运输", [("transport", "county")]),
    ("supply_chain", "产业链供应链", [("industry", "county")]),
    ("finance", "资金/融资", [("finance", "county")]),
    ("supplies", "防疫物资", [("industry", "county"), ("health", "county")]),
    ("utilities", "用电用水用气", [("power", "county")]),
    ("policy", "政策咨询", [("sme_centre", "county")]),
    ("approvals", "审批办事", [("market", "county")]),
    ("legal", "法律/劳资", [("hr", "county")]),
    ("other", "其他", [("economy", "town")]),
    # What whistle-blowers report (举报), and enterprises may ask about too (migration 0010).
    ("work_safety", "安全生产", [("safety", "town"), ("emergency", "county")]),
    ("epidemic_rules", "防疫措施落实", [("health", "county")]),
    ("food_safety", "食品安全", [("food_safety", "town"), ("market", "county")]),
]
# 12345 practice: consultation 3, help 5, complaint 10 working days (urgent 1, 2, 5);
# 帮办代办 10 (urgent 5).
LIMITS = [
    ("consult", "normal", 3), ("consult", "urgent", 1),
    ("help", "normal", 5), ("help", "urgent", 2),
    ("complaint", "normal", 10), ("complaint", "urgent", 5),
    ("suggestion", "normal", 10), ("suggestion", "urgent", 5),
    ("proxy", "normal", 10), ("proxy", "urgent", 5),
]  # fmt: skip


def create_tables(Category, TimeLimit, Route, VisitTarget=None) -> None:  # noqa: N803
    """The shipped rows, each where missing (models given, so a migration passes its own)."""
    for position, (code, name, routes) in enumerate(CATEGORIES, start=1):
        category, _made = Category.objects.get_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )
        for rank, (kind, level) in enumerate(routes, start=1):
            Route.objects.get_or_create(
                jurisdiction=None,
                category=category,
                office_kind=kind,
                defaults={"level": level, "position": rank * 10},
            )
    for nature, urgency, days in LIMITS:
        TimeLimit.objects.get_or_create(
            nature=nature, urgency=urgency, category=None, defaults={"days": days}
        )
    if VisitTarget is not None:  # seed 002: every key enterprise visited
        VisitTarget.objects.get_or_create(jurisdiction=None, kind="key", defaults={"days": 30})


def ensure() -> None:
    from fugong.cases.models import Category, Route, TimeLimit, VisitTarget

    create_tables(Category, TimeLimit, Route, VisitTarget)
