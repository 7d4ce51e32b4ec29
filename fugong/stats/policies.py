"""Figures of policy benefits (issue 16 point 5): the enterprises benefited and the amount
paid, net of reversals, in all, by policy, by place and by statistical category; the claims
approved and those waiting for the office. Over what the reader may see, optionally under a
place, for a period of days; per active child of the place the reader may see. These are the
numbers the narrative reports quote (惠及503户，发放1.1亿元). The definitions are below.

What is counted is declared by the app that keeps the ledger (``sources.register_policies``);
without it there are none (``compute`` returns None). Two grouped reads (the ledger and the
claims), whatever the number of payments and places.

- An enterprise is **benefited** when the lines paid to it in the period sum to more than 0
  (a payment reversed in the period and not paid again does not count); under a policy, when
  its lines under that policy do.
- The **amount paid** is the sum of the lines of the period: payments less reversals.
- A claim is **approved** in the period when it was decided then and stands approved; a claim
  is **waiting** when it stands submitted (or computed for 免申即享) and reached the office by
  the end of the period (by its status as it stands).
- By place and by category: the paid enterprise's place and statistical category as they
  stand in the registry.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.core.scope import scoped, subtree_q
from fugong.stats import sources
from fugong.stats.counts import Counts
from fugong.stats.figures import _visible_children

ZERO = Decimal("0.00")

# The counts of a cell, in the order the API and the reports list them.
NAMES = ("benefited", "paid", "approved", "approved_amount", "waiting")


@dataclass
class PolicyCell(Counts):
    NAMES: ClassVar[tuple[str, ...]] = NAMES

    benefited: int = 0  # enterprises whose lines of the period sum to more than 0
    paid: Decimal = ZERO  # the lines of the period summed: paid less reversed (yuan)
    approved: int = 0  # claims approved in the period (still approved)
    approved_amount: Decimal = ZERO  # their amount approved (yuan)
    waiting: int = 0  # claims waiting for a decision at the end of the period


@dataclass
class Row:
    jurisdiction: Jurisdiction
    cell: PolicyCell

    @property
    def name(self) -> str:
        return self.jurisdiction.name


@dataclass
class Share:
    """One policy's or one category's part of the ledger: enterprises benefited, amount."""

    key: str | int  # the policy's id, or the category's value
    name: str
    benefited: int = 0
    paid: Decimal = ZERO


@dataclass
class PolicyFigures:
    node: Jurisdiction | None  # None: the reader's whole scope
    start: datetime.date | None  # the first day of the period (None: from the beginning)
    end: datetime.date  # its last day
    children: list[Row] = field(default_factory=list)
    direct: PolicyCell = field(default_factory=PolicyCell)  # the node's own (or all)
    # Policies with money paid in the period, the largest amount first.
    by_policy: list[Share] = field(default_factory=list)
    # Every statistical category, in the registry's order (zeros included).
    by_category: list[Share] = field(default_factory=list)

    @property
    def total(self) -> PolicyCell:
        """Each enterprise is under one place: the rows add up without counting one twice."""
        total = PolicyCell().add(self.direct)
        for row in self.children:
            total.add(row.cell)
        return total


def _day_bounds(start: datetime.date | None, end: datetime.date):
    """[start 00:00, the day after ``end`` 00:00) as aware datetimes."""

    def midnight(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return (midnight(start) if start else None), midnight(end + datetime.timedelta(days=1))


def compute(
    *,
    user,
    node: Jurisdiction | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> PolicyFigures | None:
    """The policy figures of the period ``start``..``end`` (both days included; no ``start``:
    from the beginning; no ``end``: today) over what the user may see (``user=None``: all),
    under ``node`` when given, with one row per active child of ``node`` the user may see."""
    src = sources.policies()
    if src is None:
        return None
    end = end or timezone.localdate()
    figures = PolicyFigures(node=node, start=start, end=end)
    children = _visible_children(user, node) if node is not None else []
    length = len(children[0].path) if children else 0
    cells: dict[str, PolicyCell] = {}

    def cell(prefix: str | None) -> PolicyCell:
        key = prefix if length and prefix and len(prefix) == length else ""
        return cells.setdefault(key, PolicyCell())

    def narrowed(qs, place_path: str):
        if node is not None:
            qs = qs.filter(subtree_q(place_path, node.path))
        if user is not None:
            qs = scoped(qs, user)
        if length:
            qs = qs.annotate(prefix=Substr(place_path, 1, length))
        return qs

    # The ledger: the lines of the period summed per enterprise and policy.
    lines = src.payments._default_manager.filter(**{f"{src.paid_on}__lte": end})
    if start is not None:
        lines = lines.filter(**{f"{src.paid_on}__gte": start})
    keys = [src.enterprise, src.policy, *src.policy_names, src.category]
    if length:
        keys.append("prefix")
    rows = narrowed(lines, src.place_path).values(*keys).annotate(net=Sum(src.amount)).order_by()
    per_enterprise: dict[int, list] = {}  # id -> [net, prefix, category]
    policies: dict[int, Share] = {}
    for row in rows:
        net = row["net"] or ZERO
        seen = per_enterprise.setdefault(row[src.enterprise], [ZERO, row.get("prefix"), None])
        seen[0] += net
        seen[2] = row[src.category]
        short, title = (row[name] for name in src.policy_names)
        share = policies.setdefault(row[src.policy], Share(row[src.policy], short or title))
        share.paid += net
        share.benefited += net > 0
    categories: dict[str, Share] = {
        value: Share(value, str(label)) for value, label in sources.units().categories
    }
    for net, prefix, category in per_enterprise.values():
        target = cell(prefix)
        target.paid += net
        target.benefited += net > 0
        share = categories.setdefault(category, Share(category, str(category)))
        share.paid += net
        share.benefited += net > 0
    figures.by_policy = sorted(
        (s for s in policies.values() if s.paid or s.benefited),
        key=lambda s: (-s.paid, s.name, s.key),
    )
    figures.by_category = list(categories.values())

    # The claims: approved in the period, waiting at its end.
    since, until = _day_bounds(start, end)
    decided = Q(**{f"{src.decided_at}__lt": until})
    if since is not None:
        decided &= Q(**{f"{src.decided_at}__gte": since})
    approved = Q(**{src.claim_status: src.approved}) & decided
    claims = narrowed(src.claims._default_manager.all(), src.claim_place_path).annotate(
        reached=Coalesce(*src.reached_at)
    )
    waiting = Q(**{f"{src.claim_status}__in": src.waiting}, reached__lt=until)
    counts = {
        "approved": Count("pk", filter=approved),
        "approved_amount": Sum(src.approved_amount, filter=approved),
        "waiting": Count("pk", filter=waiting),
    }
    relevant = claims.filter(approved | waiting)
    if length:
        claim_rows = relevant.values("prefix").annotate(**counts).order_by()
    else:
        claim_rows = [relevant.aggregate(**counts)]
    for row in claim_rows:
        target = cell(row.get("prefix"))
        target.approved += row["approved"]
        target.approved_amount += row["approved_amount"] or ZERO
        target.waiting += row["waiting"]

    figures.children = [Row(c, cells.get(c.path, PolicyCell())) for c in children]
    figures.direct = cells.get("", PolicyCell())
    return figures
