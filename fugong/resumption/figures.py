"""Figures about resumption filings: the leadership pipeline and the filings waiting for
government (the resumption pages and home tile show them). Definitions: docs/statistics.md."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from fugong.core.scope import scoped, subtree_q
from fugong.enterprises.choices import Category
from fugong.resumption.choices import PENDING_GOVERNMENT, Status
from fugong.resumption.models import Filing


@dataclass(frozen=True)
class Pipeline:
    """Resumption filings by state (rows) and statistical category (columns)."""

    statuses: list[str]
    categories: list[str]
    cells: dict[tuple[str, str], int]
    overdue: int

    def row_total(self, status: str) -> int:
        return sum(n for (s, _c), n in self.cells.items() if s == status)

    def column_total(self, category: str) -> int:
        return sum(n for (_s, c), n in self.cells.items() if c == category)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def filing_pipeline(*, user, jurisdiction=None) -> Pipeline:
    """The leadership pipeline: one GROUP BY over the filings in the user's scope (optionally
    one jurisdiction's subtree). Definitions: docs/statistics.md."""
    qs = scoped(Filing.objects.all(), user)
    if jurisdiction is not None:
        qs = qs.filter(subtree_q("jurisdiction__path", jurisdiction.path))
    cells = {
        (row["status"], row["enterprise__category"] or ""): row["n"]
        for row in qs.values("status", "enterprise__category").annotate(n=Count("id")).order_by()
    }
    overdue = qs.filter(status__in=PENDING_GOVERNMENT, stage_due__lt=timezone.localdate()).count()
    return Pipeline(
        statuses=list(Status.values),
        categories=[c for c in Category.values if any(k[1] == c for k in cells)],
        cells=cells,
        overdue=overdue,
    )


@dataclass(frozen=True)
class Waiting:
    total: int
    overdue: int


def filings_waiting(*, user) -> Waiting:
    """Filings in the user's scope waiting for government, and how many of them are overdue."""
    counts = scoped(Filing.objects.filter(status__in=PENDING_GOVERNMENT), user).aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(stage_due__lt=timezone.localdate()))
    )
    return Waiting(total=counts["total"], overdue=counts["overdue"])
