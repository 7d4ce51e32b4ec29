"""Figures about enterprises that only the enterprise pages show (the statistics layer,
``fugong.stats``, counts what every level shows), and what this app gives that layer to count:
``register_figure_source`` describes the enterprises as the statistics' units. Definitions:
docs/statistics.md."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from fugong.core.scope import scoped
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Assignment, Enterprise, Industry
from fugong.stats import sources


def ledger_counts(*, user) -> dict[str, int]:
    """Enterprises in each of the four ledgers, plus "unassigned" (nobody 包保s them),
    within the user's scope: two queries."""
    qs = scoped(Enterprise.objects.all(), user)
    counts = {
        row["ledger"]: row["n"] for row in qs.values("ledger").annotate(n=Count("id")).order_by()
    }
    counts["unassigned"] = qs.filter(
        ~Exists(Assignment.objects.filter(enterprise_id=OuterRef("pk")))
    ).count()
    return counts


# What the statistics layer counts: every enterprise record is a unit (docs/statistics.md,
# "Definitions"). Registered once, from EnterprisesConfig.ready().
FIGURE_SOURCE = sources.UnitSource(
    model=Enterprise,
    fields=sources.UnitFields(
        place="jurisdiction",
        category="category",
        industry="industry",
        ledger="ledger",
        resumed_on="resumed_on",
        employees="employee_count",
        returned="returned_count",
    ),
    industries=sources.Classification(
        model=Industry,
        code="code",
        name="name",
        level="level",
        parent="parent",
        division="division",
        section="section",
    ),
    categories=tuple(Category.choices),
    ledgers=tuple(Ledger.choices),
    ledger_short={
        Ledger.NORMAL: _("Normal"),
        Ledger.CAN_RESUME: _("Can resume"),
        Ledger.MAY_DELAY: _("May delay"),
        Ledger.CANNOT_RESUME: _("Cannot resume"),
    },
    # 春节期间正常生产 and 不能复产/长期停产 do not need to resume (seed 003).
    no_need=(Ledger.NORMAL, Ledger.CANNOT_RESUME),
    not_enterprises=(Category.LARGE_INDIVIDUAL,),
    # Seed 000 §一's numbered rows.
    report_rows=(
        ("industry_above", (Category.INDUSTRY_ABOVE,)),
        ("trade_hospitality_above", (Category.TRADE_ABOVE, Category.HOSPITALITY_ABOVE)),
        ("below", (Category.INDUSTRY_BELOW, Category.BELOW_LIMIT)),
        ("construction", (Category.CONSTRUCTION_SITE,)),
        ("property", (Category.PROPERTY_SALES,)),
    ),
    # 规上服务业 by subsector (seed 003 §1 (二) 2), as GB/T 4754 sections.
    subsectors=(
        sources.Subsectors(
            category=Category.SERVICES_ABOVE,
            key="services",
            sections=("L", "N", "O", "P", "Q", "R"),
            other_label=_("Other services"),
        ),
    ),
)


def register_figure_source() -> None:
    sources.register_units(FIGURE_SOURCE)
