"""Figures of inspections and rectification (issue 15 point 6): inspections done (by kind),
passed and failed with the pass rate; self-checks submitted and accepted; rectification orders
(整改通知书) issued, closed, closed on time, open and overdue with the on-time rate; orders to
stop (责令停业) issued, in force and lifted. Over what the reader may see, optionally under a
place, for a period of days; per active child of the place the reader may see. Definitions:
docs/statistics.md, "Inspections and rectification".

What is counted is declared by the app that keeps the inspections
(``sources.register_inspections``); without it there are none (``compute`` returns None).
One grouped count per table (three), whatever the number of inspections and places.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.core.scope import scoped, subtree_q
from fugong.stats import sources
from fugong.stats.figures import _visible_children, percent

# The counts of a cell, in the order the API and the reports list them.
NAMES = (
    "done",
    "passed",
    "failed",
    "self_submitted",
    "self_accepted",
    "issued",
    "closed",
    "on_time",
    "open",
    "overdue",
    "stops_issued",
    "stops_in_force",
    "stops_lifted",
)


@dataclass
class InspectionCell:
    done: int = 0  # on-site inspections performed in the period
    passed: int = 0  # of them, passed
    failed: int = 0  # of them, failed
    self_submitted: int = 0  # self-checks submitted in the period (not sent back since)
    self_accepted: int = 0  # self-checks accepted in the period
    issued: int = 0  # rectification orders issued in the period
    closed: int = 0  # orders closed in the period (re-inspection passed)
    on_time: int = 0  # of those, closed by their deadline
    open: int = 0  # orders open at the end of the period
    overdue: int = 0  # of those, past their deadline at the end of the period
    stops_issued: int = 0  # orders to stop issued in the period
    stops_in_force: int = 0  # orders to stop in force at the end of the period
    stops_lifted: int = 0  # orders to stop lifted in the period
    by_kind: dict[str, int] = field(default_factory=dict)  # ``done`` per kind of inspection

    def add(self, other: InspectionCell) -> InspectionCell:
        for name in NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for kind, n in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + n
        return self

    @property
    def pass_rate(self) -> Decimal | None:
        """合格率: passed ÷ done."""
        return percent(self.passed, self.done)

    @property
    def on_time_rate(self) -> Decimal | None:
        """按期整改率: closed on time ÷ closed."""
        return percent(self.on_time, self.closed)

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in NAMES)

    def as_dict(self) -> dict:
        return {
            **{name: getattr(self, name) for name in NAMES},
            "by_kind": dict(self.by_kind),
            "pass_rate": self.pass_rate,
            "on_time_rate": self.on_time_rate,
        }


@dataclass
class Row:
    jurisdiction: Jurisdiction
    cell: InspectionCell

    @property
    def name(self) -> str:
        return self.jurisdiction.name


@dataclass
class InspectionFigures:
    node: Jurisdiction | None  # None: the reader's whole scope
    start: datetime.date | None  # the first day of the period (None: from the beginning)
    end: datetime.date  # its last day
    kinds: sources.Choices  # the kinds done on site (value, label), in order
    children: list[Row] = field(default_factory=list)
    direct: InspectionCell = field(default_factory=InspectionCell)  # the node's own (or all)

    @property
    def total(self) -> InspectionCell:
        total = InspectionCell().add(self.direct)
        for row in self.children:
            total.add(row.cell)
        return total

    def kind_rows(self, cell: InspectionCell | None = None) -> list[tuple[str, str, int]]:
        """(kind, label, inspections done) for every on-site kind, in order."""
        cell = cell if cell is not None else self.total
        return [(value, str(label), cell.by_kind.get(value, 0)) for value, label in self.kinds]


def _bounds(start: datetime.date | None, end: datetime.date):
    """The period as aware datetimes: [start 00:00, the day after ``end`` 00:00)."""

    def midnight(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return (midnight(start) if start else None), midnight(end + datetime.timedelta(days=1))


def _within(name: str, since, until) -> Q:
    q = Q(**{f"{name}__lt": until})
    return q & Q(**{f"{name}__gte": since}) if since is not None else q


def _inspection_counts(src: sources.InspectionSource, since, until) -> dict:
    performed = _within(src.performed_at, since, until)
    done = Q(**{src.status: src.done}) & performed
    return {
        "n_done": Count("pk", filter=done),
        "n_passed": Count("pk", filter=done & Q(**{src.passed: True})),
        "n_failed": Count("pk", filter=done & Q(**{src.passed: False})),
        "n_submitted": Count("pk", filter=performed),  # rows are submitted or done
        "n_accepted": Count(
            "pk",
            filter=Q(**{src.status: src.done}) & _within(src.reviewed_at, since, until),
        ),
    }


def _order_counts(src: sources.InspectionSource, since, until, end: datetime.date) -> dict:
    closed = Q(**{src.order_status: src.order_closed}) & _within(src.closed_at, since, until)
    still_open = Q(**{f"{src.issued_at}__lt": until}) & (
        Q(**{f"{src.closed_at}__isnull": True}) | Q(**{f"{src.closed_at}__gte": until})
    )
    return {
        "n_issued": Count("pk", filter=_within(src.issued_at, since, until)),
        "n_closed": Count("pk", filter=closed),
        "n_on_time": Count("pk", filter=closed & Q(**{src.on_time: True})),
        "n_open": Count("pk", filter=still_open),
        "n_overdue": Count("pk", filter=still_open & Q(**{f"{src.deadline}__lt": end})),
    }


def _stop_counts(src: sources.InspectionSource, since, until) -> dict:
    in_force = Q(**{f"{src.issued_at}__lt": until}) & (
        Q(**{f"{src.lifted_at}__isnull": True}) | Q(**{f"{src.lifted_at}__gte": until})
    )
    return {
        "n_stops_issued": Count("pk", filter=_within(src.issued_at, since, until)),
        "n_stops_in_force": Count("pk", filter=in_force),
        "n_stops_lifted": Count("pk", filter=_within(src.lifted_at, since, until)),
    }


def compute(
    *,
    user,
    node: Jurisdiction | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> InspectionFigures | None:
    """The inspection figures of the period ``start``..``end`` (both days included; no
    ``start``: from the beginning; no ``end``: today) over what the user may see
    (``user=None``: all), under ``node`` when given, with one row per active child of
    ``node`` the user may see."""
    src = sources.inspections()
    if src is None:
        return None
    end = end or timezone.localdate()
    since, until = _bounds(start, end)
    figures = InspectionFigures(node=node, start=start, end=end, kinds=src.kinds)
    children = _visible_children(user, node) if node is not None else []
    length = len(children[0].path) if children else 0
    cells: dict[str, InspectionCell] = {}

    def cell(prefix: str | None) -> InspectionCell:
        key = prefix if length and prefix and len(prefix) == length else ""
        return cells.setdefault(key, InspectionCell())

    def rows(qs, counts: dict, *keys: str) -> list[dict]:
        """One grouped count over ``qs`` in scope: by child (when there are children) and
        ``keys``."""
        if node is not None:
            qs = qs.filter(subtree_q(src.place_path, node.path))
        if user is not None:
            qs = scoped(qs, user)
        if length:
            qs = qs.annotate(prefix=Substr(src.place_path, 1, length))
            keys = ("prefix", *keys)
        if not keys:
            rows = [qs.aggregate(**counts)]
        else:
            rows = qs.values(*keys).annotate(**counts).order_by()
        # The counts are named n_<figure>, so that none hides a field of the same name.
        return [{name.removeprefix("n_"): value for name, value in row.items()} for row in rows]

    def add(row: dict) -> None:
        target = cell(row.pop("prefix", None))
        for name, n in row.items():
            setattr(target, name, getattr(target, name) + n)

    # Only inspections performed or self-checks submitted can count.
    inspections = src.inspections._default_manager.filter(
        **{f"{src.status}__in": (src.done, src.submitted)}
    )
    for row in rows(inspections, _inspection_counts(src, since, until), src.kind):
        target = cell(row.get("prefix"))
        kind = row[src.kind]
        if kind == src.self_check:
            target.self_submitted += row["submitted"]
            target.self_accepted += row["accepted"]
        elif row["done"]:
            target.done += row["done"]
            target.passed += row["passed"]
            target.failed += row["failed"]
            target.by_kind[kind] = target.by_kind.get(kind, 0) + row["done"]
    orders = src.orders._default_manager.exclude(**{src.order_status: src.order_cancelled})
    for row in rows(orders, _order_counts(src, since, until, end)):
        add(row)
    for row in rows(src.stops._default_manager.all(), _stop_counts(src, since, until)):
        add(row)
    figures.children = [Row(c, cells.get(c.path, InspectionCell())) for c in children]
    figures.direct = cells.get("", InspectionCell())
    return figures
