"""The one statistics layer: every number a user sees is computed here, from scoped data.
Definitions are written down in docs/statistics.md."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import jurisdiction_list, jurisdiction_roots
from fugong.core.errors import UserError
from fugong.core.ids import parse_id
from fugong.core.scope import scoped, subtree_q
from fugong.stats import figures as F


@dataclass(frozen=True)
class ChildCount:
    jurisdiction: Jurisdiction
    enterprises: int


@dataclass(frozen=True)
class Breakdown:
    """Enterprises under a node: per child, plus those registered on the node itself.
    ``direct + sum(children)`` equals ``enterprise_total`` for the same node and user."""

    children: list[ChildCount]
    direct: int

    @property
    def total(self) -> int:
        return self.direct + sum(c.enterprises for c in self.children)


def enterprise_total(*, user, node: Jurisdiction | None = None) -> int:
    qs = scoped(F.all_units(), user)
    if node is not None:
        qs = qs.filter(subtree_q(F.units_source().place_path, node.path))
    return qs.count()


def enterprise_breakdown(*, user, node: Jurisdiction) -> Breakdown:
    """Enterprises the user may see under each child of ``node``, in three queries whatever
    the number of enterprises (children, the children the user may see, one grouped count). A child's path has a fixed length at its depth (division codes
    have a fixed length per level), so grouping by that prefix of the enterprise's
    jurisdiction path groups by child; enterprises on ``node`` itself have a shorter path."""
    children = list(node.children.order_by("code"))
    length = len(children[0].path) if children else len(node.path)
    path = F.units_source().place_path
    rows = (
        scoped(F.all_units().filter(**{f"{path}__startswith": node.path}), user)
        .annotate(prefix=Substr(path, 1, length))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["prefix"]: row["n"] for row in rows}
    if not children:
        return Breakdown(children=[], direct=sum(counts.values()))
    direct = sum(n for prefix, n in counts.items() if len(prefix) < length)
    visible = set(scoped(node.children.all(), user).values_list("pk", flat=True))
    return Breakdown(
        children=[
            ChildCount(child, counts.get(child.path, 0))
            for child in children
            if child.pk in visible or counts.get(child.path)
        ],
        direct=direct,
    )


# ---------------------------------------------------------------------------- the dashboard


def dashboard_node(*, user, pk: int | None) -> Jurisdiction | None:
    """The node a dashboard shows: the active jurisdiction ``pk`` if the user may see it, or
    (no ``pk``) the user's topmost jurisdiction; None when there is none to show."""

    if pk is not None:
        return jurisdiction_list(user=user).filter(pk=pk).first()
    roots = jurisdiction_roots(user=user)
    return roots[0] if roots else None


def visible_node(*, user, value, default_top: bool = False) -> Jurisdiction:
    """The active jurisdiction ``value`` (an instance or an id as typed) if the user may see
    it; with ``default_top``, no value means the user's topmost one. Otherwise a 404 sentence.
    Every statistics page, report and API call finds its node here."""

    node = None
    if value in (None, "") and default_top:
        roots = jurisdiction_roots(user=user)
        node = roots[0] if roots else None
    else:
        pk = value.pk if isinstance(value, Jurisdiction) else parse_id(value)
        node = jurisdiction_list(user=user).filter(pk=pk).first() if pk else None
    if node is None and value in (None, ""):
        raise UserError(
            _(
                "Your account sees no jurisdiction's figures (a department sees the matters "
                "routed to it); ask for a node you may see, or ask the command office."
            ),
            code="not_found",
            status=404,
        )
    if node is None:
        shown = str(value.pk if isinstance(value, Jurisdiction) else value)[:20]
        raise UserError(
            _("There is no jurisdiction “%(value)s” among those you may see.") % {"value": shown},
            code="not_found",
            status=404,
        )
    return node


def dashboard_ancestors(*, user, node: Jurisdiction) -> list[Jurisdiction]:
    """The node's ancestors the user may see, from the top down (the breadcrumb)."""
    return list(scoped(node.ancestors(), user))


@dataclass(frozen=True)
class Dashboard:
    """Everything a level's dashboard shows for one node and day, in a fixed number of
    queries whatever the number of enterprises."""

    figures: F.Figures
    rows: list[tuple[F.RowSpec, F.Cell]]  # F.category_rows() with their cells
    uncategorised: F.Cell  # units without a statistical category (in no row of the table)
    trend: list[F.TrendPoint]
    frozen: F.Figures | None  # the figures reported or frozen for the day, if any
    corrections: list[F.Correction]  # where the registry now differs from ``frozen``


def dashboard_get(*, user, node: Jurisdiction, day: datetime.date, days: int = 60) -> Dashboard:
    """The node's live figures as of ``day`` over what the user may see, the trend of the
    ``days`` days up to it, and the frozen figures of the day with their corrections when
    the user may see the node's whole subtree (``figures.covers``)."""
    figures, trend = F.compute_with_trend(user=user, node=node, day=day, days=days)
    rows = [(spec, figures.row(spec)) for spec in F.category_rows()]
    frozen = F.snapshot_get(node=node, day=day) if F.covers(user, node) else None
    return Dashboard(
        figures=figures,
        rows=rows,
        uncategorised=figures.select([""]),
        trend=trend,
        frozen=frozen,
        corrections=F.corrections(frozen=frozen, live=figures) if frozen is not None else [],
    )
