"""Figures about enterprises that only the enterprise pages show (the statistics layer,
``fugong.stats``, counts what every level shows). Definitions: docs/statistics.md."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef

from fugong.core.scope import scoped
from fugong.enterprises.models import Assignment, Enterprise


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
