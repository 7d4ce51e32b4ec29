"""Figures of jobs and returning workers (issue 17 point 5): the vacancies open on the job
board and the workers still wanted (空岗, 缺工), the vacancies posted and the people taken on
through them, the charter buses that brought workers back (返岗包车) and the commuter buses in
service (通勤班车). Over what the reader may see, optionally under a place, for a period of
days; per active child of the place the reader may see. These are the numbers the narrative
reports quote (在库空岗120个、缺工860人；组织返岗包车6趟，接回务工人员230人). The definitions:

- A vacancy is **open** on a day when it stands published, was published by the end of that
  day and its last day on the board is that day or later (the vacancies app's ``open_q``; by
  its status as it stands: a
  vacancy closed since is not counted). **Wanted** is the open vacancies' headcount summed;
  the **shortage** (缺工) is what they still lack, headcount less filled, never below 0 for a
  vacancy; **hiring** is the enterprises with an open vacancy.
- **Posted** is the vacancies published in the period (whatever they stand at now) and
  **filled** the people taken on through them, as the enterprises report it.
- A charter batch counts when it stands arrived and arrived in the period (**batches**, with
  their **subsidy** summed, placed by the organiser's jurisdiction); the workers it
  **brought back** are its passengers, placed by their enterprise's jurisdiction.
- A commuter bus is **in service** at the end of the period when it holds a letter (使用意见函)
  valid that day; **riders** are the distinct workers registered on those buses.

Vacancies and buses are declared by the apps that keep them (``sources.register_vacancies``,
``sources.register_buses``); without either, its figures stay 0 and ``compute`` still
answers. A few grouped reads, whatever the number of rows and places.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Greatest, Substr
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.core.scope import scoped, subtree_q
from fugong.stats import sources
from fugong.stats.counts import Counts
from fugong.stats.figures import _visible_children

ZERO = Decimal("0.00")

# The counts of a cell, in the order the API and the reports list them.
NAMES = (
    "open",
    "wanted",
    "shortage",
    "hiring",
    "posted",
    "filled",
    "batches",
    "brought_back",
    "subsidy",
    "commuter_buses",
    "riders",
)


@dataclass
class JobsCell(Counts):
    NAMES: ClassVar[tuple[str, ...]] = NAMES

    open: int = 0  # vacancies open at the end of the period
    wanted: int = 0  # their headcount
    shortage: int = 0  # what they still lack (缺工)
    hiring: int = 0  # enterprises with an open vacancy
    posted: int = 0  # vacancies published in the period
    filled: int = 0  # people taken on through them
    batches: int = 0  # charter batches arrived in the period
    brought_back: int = 0  # workers they brought back
    subsidy: Decimal = ZERO  # the batches' subsidy (yuan)
    commuter_buses: int = 0  # commuter buses with a valid letter at the end of the period
    riders: int = 0  # the workers registered on them


@dataclass
class Row:
    jurisdiction: Jurisdiction
    cell: JobsCell

    @property
    def name(self) -> str:
        return self.jurisdiction.name


@dataclass
class Section:
    """The open vacancies of one industry section (门类), the largest shortage first."""

    code: str
    name: str
    open: int = 0
    shortage: int = 0


@dataclass
class JobsFigures:
    node: Jurisdiction | None  # None: the reader's whole scope
    start: datetime.date | None  # the first day of the period (None: from the beginning)
    end: datetime.date  # its last day
    children: list[Row] = field(default_factory=list)
    direct: JobsCell = field(default_factory=JobsCell)  # the node's own (or all)
    by_section: list[Section] = field(default_factory=list)

    @property
    def total(self) -> JobsCell:
        """Each row is under one place: the rows add up without counting one twice."""
        total = JobsCell().add(self.direct)
        for row in self.children:
            total.add(row.cell)
        return total


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def compute(
    *,
    user,
    node: Jurisdiction | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> JobsFigures:
    """The figures of the period ``start``..``end`` (both days included; no ``start``: from
    the beginning; no ``end``: today) over what the user may see (``user=None``: all), under
    ``node`` when given, with one row per active child of ``node`` the user may see."""
    end = end or timezone.localdate()
    figures = JobsFigures(node=node, start=start, end=end)
    children = _visible_children(user, node) if node is not None else []
    length = len(children[0].path) if children else 0
    cells: dict[str, JobsCell] = {}
    since = _midnight(start) if start else None
    until = _midnight(end + datetime.timedelta(days=1))

    def cell(prefix: str | None) -> JobsCell:
        key = prefix if length and prefix and len(prefix) == length else ""
        return cells.setdefault(key, JobsCell())

    def grouped(qs, place_path: str, **aggregates) -> list[dict]:
        """``aggregates`` per child of the node (one row, with no children)."""
        if node is not None:
            qs = qs.filter(subtree_q(place_path, node.path))
        if user is not None:
            qs = scoped(qs, user)
        if length:
            qs = qs.annotate(prefix=Substr(place_path, 1, length))
            return list(qs.values("prefix").annotate(**aggregates).order_by())
        return [qs.aggregate(**aggregates)]

    def in_period(lookup: str, *, dates: bool) -> Q:
        if dates:
            q = Q(**{f"{lookup}__lte": end})
            return q & Q(**{f"{lookup}__gte": start}) if start else q
        q = Q(**{f"{lookup}__lt": until})
        return q & Q(**{f"{lookup}__gte": since}) if since else q

    vac = sources.vacancies()
    if vac is not None:
        is_open = vac.is_open(end)
        lacking = Greatest(F(vac.headcount) - F(vac.filled), Value(0))
        posted = in_period(vac.published_at, dates=False)
        for row in grouped(
            vac.vacancies._default_manager.filter(is_open | posted),
            vac.place_path,
            open=Count("pk", filter=is_open),
            wanted=Sum(vac.headcount, filter=is_open),
            shortage=Sum(lacking, filter=is_open),
            hiring=Count(vac.enterprise, filter=is_open, distinct=True),
            posted=Count("pk", filter=posted),
            filled=Sum(vac.filled, filter=posted),
        ):
            target = cell(row.get("prefix"))
            for name in ("open", "wanted", "shortage", "hiring", "posted", "filled"):
                setattr(target, name, getattr(target, name) + (row[name] or 0))
        # The open vacancies by industry section, for the whole node.
        code, name = vac.section
        qs = vac.vacancies._default_manager.filter(is_open)
        if node is not None:
            qs = qs.filter(subtree_q(vac.place_path, node.path))
        if user is not None:
            qs = scoped(qs, user)
        sections = (
            qs.values(code, name).annotate(open=Count("pk"), shortage=Sum(lacking)).order_by()
        )
        figures.by_section = sorted(
            (
                Section(r[code] or "", r[name] or "", r["open"], r["shortage"] or 0)
                for r in sections
            ),
            key=lambda s: (-s.shortage, s.code),
        )

    bus = sources.buses()
    if bus is not None:
        arrived = Q(**{bus.passenger_arrived: bus.arrived}) & in_period(
            bus.passenger_arrival, dates=True
        )
        for row in grouped(
            bus.passengers._default_manager.filter(arrived),
            bus.passenger_place_path,
            brought_back=Count("pk"),
        ):
            cell(row.get("prefix")).brought_back += row["brought_back"] or 0
        batches = Q(**{bus.batch_status: bus.arrived}) & in_period(bus.batch_arrival, dates=True)
        for row in grouped(
            bus.batches._default_manager.filter(batches),
            bus.batch_place_path,
            batches=Count("pk"),
            subsidy=Sum(bus.batch_subsidy),
        ):
            target = cell(row.get("prefix"))
            target.batches += row["batches"] or 0
            target.subsidy += row["subsidy"] or ZERO
        for row in grouped(
            bus.commuter_buses._default_manager.filter(bus.in_service(end)),
            bus.commuter_place_path,
            commuter_buses=Count("pk", distinct=True),
            riders=Count(bus.riders, distinct=True),
        ):
            target = cell(row.get("prefix"))
            target.commuter_buses += row["commuter_buses"] or 0
            target.riders += row["riders"] or 0

    figures.children = [Row(c, cells.get(c.path, JobsCell())) for c in children]
    figures.direct = cells.get("", JobsCell())
    return figures
