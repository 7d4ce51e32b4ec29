"""Values derived from an enterprise's own data, always with the reason, and overridable.

Category: from the industry (GB/T 4754-2017 大类) and last year's revenue by the National
Bureau of Statistics thresholds written down in docs/categories.md.
Key enterprise: from the jurisdiction's rule (default, seed 002: tax paid above 50万元).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from fugong.enterprises.choices import Category

INDUSTRY_SECTIONS = ("B", "C", "D")  # 采矿业, 制造业, 电力、热力、燃气及水生产和供应业

# (divisions, threshold in 万元, category when at or above, name of the rule for the reason)
# Division codes are GB/T 4754-2017 大类.
THRESHOLDS: list[tuple[frozenset[str], Decimal, str, str]] = [
    (frozenset({"51"}), Decimal(2000), Category.TRADE_ABOVE, "批发业"),
    (frozenset({"52"}), Decimal(500), Category.TRADE_ABOVE, "零售业"),
    (frozenset({"61", "62"}), Decimal(200), Category.HOSPITALITY_ABOVE, "住宿和餐饮业"),
    # 规模以上服务业: 交通运输仓储邮政 (53–60), 信息传输软件信息技术 (63–65),
    # 水利环境公共设施 (76–79), 卫生 (84).
    (
        frozenset({*map(str, range(53, 61)), "63", "64", "65", "76", "77", "78", "79", "84"}),
        Decimal(2000),
        Category.SERVICES_ABOVE,
        "规模以上服务业",
    ),
    # 租赁和商务服务 (71–72), 科学研究和技术服务 (73–75), 教育 (83).
    (
        frozenset({"71", "72", "73", "74", "75", "83"}),
        Decimal(1000),
        Category.SERVICES_ABOVE,
        "规模以上服务业",
    ),
    # 房地产业 other than development (70), 居民服务修理其他 (80–82), 社会工作 (85),
    # 文化体育娱乐 (86–90).
    (
        frozenset({"70", "80", "81", "82", "85", "86", "87", "88", "89", "90"}),
        Decimal(500),
        Category.SERVICES_ABOVE,
        "规模以上服务业",
    ),
]
INDUSTRY_THRESHOLD = Decimal(2000)

# Subsectors of 规模以上服务业 as seed 003 reports them, by GB/T 4754 section.
SERVICE_SUBSECTORS = {
    "L": "租赁和商务服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育，卫生和社会工作",
    "Q": "教育，卫生和社会工作",
    "R": "文化、体育和娱乐业",
}


class Derived:
    """A derived value and the sentence saying why; the sentence is only put together when
    asked for (a bulk import derives 100,000 values and shows no reasons)."""

    __slots__ = ("value", "_reason")

    def __init__(self, value: object, reason):
        self.value = value
        self._reason = reason

    @property
    def reason(self) -> str:
        if callable(self._reason):
            self._reason = self._reason()
        return self._reason


def _yuan(amount: Decimal) -> str:
    return f"{amount.normalize():f}"


def derive_category(
    *, division: str | None, section: str | None, revenue: Decimal | None
) -> Derived | None:
    """The category the statistics rules give, or None when the data is not enough."""
    if not division and not section:
        return None
    if section in INDUSTRY_SECTIONS:
        if revenue is None:
            return None

        def values() -> dict:
            return {
                "section": section,
                "revenue": _yuan(revenue),
                "threshold": _yuan(INDUSTRY_THRESHOLD),
            }

        if revenue >= INDUSTRY_THRESHOLD:
            return Derived(
                Category.INDUSTRY_ABOVE,
                lambda: (
                    _(
                        "Industry (section %(section)s) with revenue of %(revenue)s (10,000 yuan), "
                        "at or above the threshold of %(threshold)s for industry above designated size."
                    )
                    % values()
                ),
            )
        return Derived(
            Category.INDUSTRY_BELOW,
            lambda: (
                _(
                    "Industry (section %(section)s) with revenue of %(revenue)s (10,000 yuan), "
                    "below the threshold of %(threshold)s for industry above designated size."
                )
                % values()
            ),
        )
    for divisions, threshold, category, rule in THRESHOLDS:
        if division in divisions:
            if revenue is None:
                return None
            above = revenue >= threshold

            def reason(above=above, threshold=threshold, rule=rule) -> str:
                values = {
                    "division": division,
                    "revenue": _yuan(revenue),
                    "threshold": _yuan(threshold),
                    "rule": rule,
                }
                if above:
                    return (
                        _(
                            "Industry division %(division)s with revenue of %(revenue)s (10,000 yuan), "
                            "at or above the threshold of %(threshold)s for %(rule)s."
                        )
                        % values
                    )
                return (
                    _(
                        "Industry division %(division)s with revenue of %(revenue)s (10,000 yuan), "
                        "below the threshold of %(threshold)s for %(rule)s."
                    )
                    % values
                )

            return Derived(category if above else Category.BELOW_LIMIT, reason)
    return Derived(
        Category.BELOW_LIMIT,
        lambda: _(
            "No size threshold applies to this industry; set the category by hand if needed."
        ),
    )


def derive_key(*, tax_paid: Decimal | None, threshold: Decimal | None) -> Derived:
    """Key enterprise by the jurisdiction's rule; ``threshold`` None means the rule is off."""
    if threshold is None:
        return Derived(
            False, lambda: _("The key-enterprise rule is switched off for this jurisdiction.")
        )
    if tax_paid is None:
        return Derived(False, lambda: _("Tax paid last year is not known."))

    def values() -> dict:
        return {"tax": _yuan(tax_paid), "threshold": _yuan(threshold)}

    if tax_paid > threshold:
        return Derived(
            True,
            lambda: (
                _("Tax paid last year, %(tax)s (10,000 yuan), is above the rule's %(threshold)s.")
                % values()
            ),
        )
    return Derived(
        False,
        lambda: (
            _("Tax paid last year, %(tax)s (10,000 yuan), is not above the rule's %(threshold)s.")
            % values()
        ),
    )


def service_subsector(section: str | None) -> str:
    return SERVICE_SUBSECTORS.get(section or "", "其他")
