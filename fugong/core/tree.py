"""The nearest setting up the jurisdiction tree, written once.

Many settings are kept per jurisdiction and inherited down the tree: the row on the node
itself applies, else the one on its parent, and so on up to the province (registry rules,
filing rules, routing tables, resumption policies, statistics settings, report templates).
A node's ``path`` lists the codes from the root down to it (``/33/3304/330411/``), so the
nodes at or above it are exactly those whose path is a prefix of its own: one ``IN`` query
over those paths finds every candidate row, and the deepest wins.

``field`` names the row's foreign key to ``accounts.Jurisdiction`` (``"jurisdiction"`` by
default). Core stays below accounts: the functions only read ``node.path`` and ``node.pk``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, QuerySet


def ancestor_paths(node: Any) -> list[str]:
    """The paths from the root down to ``node`` itself, root first."""
    return paths_to(node.path)


def at_depth(node: Any, depth: int) -> Any:
    """The node at ``depth`` on the way up to ``node`` (``node`` itself when it is as high or
    higher): a town's, a county's."""
    if node.depth <= depth:
        return node
    return type(node)._default_manager.get(path=ancestor_paths(node)[depth])


def paths_to(path: str) -> list[str]:
    """The paths from the root down to ``path`` itself, root first
    ("/33/3304/" -> ["/33/", "/33/3304/"]; "" -> [])."""
    codes = [c for c in (path or "").strip("/").split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def up_tree(queryset: QuerySet, node: Any, *, field: str = "jurisdiction") -> QuerySet:
    """The rows of ``queryset`` set on ``node`` or above it, nearest first (then in the
    queryset's own order). One query when evaluated; the jurisdiction is joined."""
    return (
        queryset.filter(**{f"{field}__path__in": ancestor_paths(node)})
        .select_related(field)
        .order_by(f"-{field}__depth", *(queryset.query.order_by or queryset.model._meta.ordering))
    )


def nearest(queryset: QuerySet, node: Any, *, field: str = "jurisdiction") -> Any | None:
    """The row of ``queryset`` on the nearest jurisdiction at or above ``node``, or None.
    Filter the queryset first to what counts (active rows, rows that set a value, ...); when a
    jurisdiction has several rows, the queryset's ordering picks one."""
    return up_tree(queryset, node, field=field).first()


def nearest_set(queryset: QuerySet, node: Any, *, field: str = "jurisdiction") -> list:
    """All the rows of the nearest jurisdiction at or above ``node`` that has any (a table of
    rows replaced as a whole, like routing), in the queryset's order; [] when none has."""
    rows = list(up_tree(queryset, node, field=field))
    if not rows:
        return []
    owner = getattr(rows[0], f"{field}_id")
    return [r for r in rows if getattr(r, f"{field}_id") == owner]


def nearest_many(
    queryset: QuerySet, nodes: Iterable[Any], *, field: str = "jurisdiction"
) -> dict[int, Any | None]:
    """The nearest row for each of many nodes in one query: ``{node.pk: row or None}``. When a
    jurisdiction has several rows, the first in the queryset's ordering counts."""
    nodes = list(nodes)
    paths = {p for n in nodes for p in ancestor_paths(n)}
    by_path: dict[str, Any] = {}
    if paths:
        rows = queryset.filter(**{f"{field}__path__in": paths}).annotate(
            _tree_path=F(f"{field}__path")
        )
        for row in rows:
            by_path.setdefault(row._tree_path, row)
    out: dict[int, Any | None] = {}
    for node in nodes:
        out[node.pk] = next(
            (by_path[p] for p in reversed(ancestor_paths(node)) if p in by_path), None
        )
    return out
