"""The figures of C12 for any jurisdiction node and day: units, need to resume, resumed,
复工率, employees, returned, 返工率 and the four ledgers, per statistical category and per
subsector of 规上服务业, per child jurisdiction and per day. Definitions: docs/statistics.md.

Everything here is computed in a fixed number of queries, whatever the number of
enterprises: one grouped count of the units by (child, category, industry, ledger) with the
day's conditions as filtered aggregates, one by resumption day for the trend. A province's, a
city's or a county's figures are summed from the tally of its children instead
(``fugong.stats.tally``; ``_tallied`` says when), which holds the same counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction
from fugong.core import tree
from fugong.core.errors import UserError
from fugong.core.scope import get_scope, scoped, subtree_q
from fugong.stats import sources, tally
from fugong.stats.choices import Denominator
from fugong.stats.models import Snapshot, StatsSetting
from fugong.stats.tally import COMPACT_SLACK, TALLY_DEPTHS
from fugong.stats.tasks import compact_tally_soon

# What is counted (the units, their fields and dimensions) is registered by the app that
# keeps the units (``fugong.stats.sources``; the enterprise registry's
# ``fugong/enterprises/figures.py``).
units_source = sources.units


def need_q(prefix: str = "") -> Q:
    """The units that need to resume: those in no ledger of ``no_need`` (they produced
    through the festival, or will not resume), including those with no ledger yet."""
    source = units_source()
    return ~Q(**{f"{prefix}{source.fields.ledger}__in": source.no_need})


def __getattr__(name: str):
    """``TOWN_REPORT_ROWS``: the town report's rows (seed 000 §一: key, the categories summed
    in it), as the units' app registered them."""
    if name == "TOWN_REPORT_ROWS":
        return units_source().report_rows
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Cell:
    """Figures of one group of units as of a day."""

    units: int = 0
    need: int = 0
    resumed: int = 0  # resumed_on on or before the day, in any ledger
    resumed_need: int = 0  # of those, the units that needed to resume
    new_resumed: int = 0  # resumed_on on the day itself
    employees: int = 0
    returned: int = 0  # staff back at the units counted as resumed
    ledgers: dict[str, int] = field(default_factory=dict)

    NUMBERS = ("units", "need", "resumed", "resumed_need", "new_resumed", "employees", "returned")

    def add(self, other: Cell) -> Cell:
        for name in self.NUMBERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, n in other.ledgers.items():
            self.ledgers[key] = self.ledgers.get(key, 0) + n
        return self

    @classmethod
    def total_of(cls, cells: Iterable[Cell]) -> Cell:
        total = cls()
        for cell in cells:
            total.add(cell)
        return total

    def rate(self, denominator: str) -> Decimal | None:
        """复工率 in percent (one decimal), or None when nothing is to be divided by."""
        if denominator == Denominator.ALL:
            return percent(self.resumed, self.units)
        return percent(self.resumed_need, self.need)

    def rate_numerator(self, denominator: str) -> int:
        return self.resumed if denominator == Denominator.ALL else self.resumed_need

    def rate_denominator(self, denominator: str) -> int:
        return self.units if denominator == Denominator.ALL else self.need

    @property
    def return_rate(self) -> Decimal | None:
        """返工率: staff back / employees of all units in the group, in percent."""
        return percent(self.returned, self.employees)

    def ledger(self, key: str) -> int:
        return self.ledgers.get(key, 0)

    def as_dict(self) -> dict:
        return {**{n: getattr(self, n) for n in self.NUMBERS}, "ledgers": dict(self.ledgers)}

    @classmethod
    def from_dict(cls, data: dict) -> Cell:
        return cls(**{n: int(data.get(n, 0)) for n in cls.NUMBERS}, ledgers=dict(data["ledgers"]))


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _aggregates(day: datetime.date) -> dict:
    """The filtered aggregates that make a Cell for ``day``, for a values() GROUP BY."""
    fields = units_source().fields
    resumed = Q(**{f"{fields.resumed_on}__lte": day})
    return {
        "units": Count("id"),
        "resumed": Count("id", filter=resumed),
        "new_resumed": Count("id", filter=Q(**{fields.resumed_on: day})),
        "employees": Coalesce(Sum(fields.employees), 0),
        "returned": Coalesce(Sum(fields.returned, filter=resumed), 0),
    }


def _cell_from_row(row: dict, ledger: str, no_need: tuple[str, ...]) -> Cell:
    """A Cell from a row of ``_aggregates``, whose units are all in ``ledger``."""
    ledger = ledger or ""
    needs = ledger not in no_need
    return Cell(
        units=row["units"],
        need=row["units"] if needs else 0,
        resumed=row["resumed"],
        resumed_need=row["resumed"] if needs else 0,
        new_resumed=row["new_resumed"],
        employees=row["employees"],
        returned=row["returned"],
        ledgers={ledger: row["units"]},
    )


# ---------------------------------------------------------------------------- report rows


@dataclass(frozen=True)
class RowSpec:
    """A row of a report or of the dashboard's category table: some categories, optionally
    only some industry sections (门类) of them."""

    key: str
    label: str
    categories: tuple[str, ...]
    sections: tuple[str, ...] = ()
    not_sections: tuple[str, ...] = ()
    indent: int = 0

    def matches(self, category: str, section: str) -> bool:
        if category not in self.categories:
            return False
        if self.sections and section not in self.sections:
            return False
        return section not in self.not_sections

    def query(self) -> dict[str, list[str]]:
        """The enterprise-list filter that lists exactly this row's units."""
        q: dict[str, list[str]] = {"category": list(self.categories)}
        if self.sections:
            q["section"] = list(self.sections)
        if self.not_sections:
            q["xsection"] = list(self.not_sections)
        return q


def _subsector_rows(sub: sources.Subsectors, names: dict[str, str]) -> list[RowSpec]:
    rows = [
        RowSpec(f"{sub.key}_{code}", names.get(code, code), (sub.category,), (code,), indent=1)
        for code in sub.sections
    ]
    rows.append(
        RowSpec(
            f"{sub.key}_other",
            str(sub.other_label),
            (sub.category,),
            not_sections=sub.sections,
            indent=1,
        )
    )
    return rows


def services_subsectors() -> list[RowSpec]:
    """The subsector rows the units' app registered (规上服务业 by subsector, seed 003 §1
    (二) 2: services_L … services_R and services_other)."""
    names = section_names()
    return [row for sub in units_source().subsectors for row in _subsector_rows(sub, names)]


def category_rows() -> list[RowSpec]:
    """The dashboard's category table: every category, with its subsectors under it (规上服务业's)."""
    source = units_source()
    subsectors = {sub.category: sub for sub in source.subsectors}
    rows: list[RowSpec] = []
    for value, label in source.categories:
        rows.append(RowSpec(value, str(label), (value,)))
        if value in subsectors:
            rows.extend(_subsector_rows(subsectors[value], section_names()))
    return rows


# ---------------------------------------------------------------------------- the figures


@dataclass
class ChildFigures:
    jurisdiction: Jurisdiction
    cell: Cell


@dataclass
class Figures:
    """One node's figures as of the end of ``day`` (today: as of now)."""

    node: Jurisdiction
    day: datetime.date
    denominator: str
    groups: dict[tuple[str, str], Cell]
    children: list[ChildFigures]
    direct: Cell
    source: str = "live"  # "live", or "snapshot" / "submission" when read from a frozen copy
    taken_at: datetime.datetime | None = None

    @property
    def total(self) -> Cell:
        return Cell.total_of(self.groups.values())

    def select(self, categories: Iterable[str]) -> Cell:
        return self.row(RowSpec("", "", tuple(categories)))

    def row(self, spec: RowSpec) -> Cell:
        return Cell.total_of(
            cell
            for (category, section), cell in self.groups.items()
            if spec.matches(category, section)
        )

    def category(self, *categories: str) -> Cell:
        return self.select(categories)

    def enterprises(self) -> Cell:
        """各类型企业: every unit except those of the categories that are not enterprises
        (大个体; ``UnitSource.not_enterprises``)."""
        source = units_source()
        return self.select(
            c for c in [*source.category_values, ""] if c not in source.not_enterprises
        )

    @property
    def rate(self) -> Decimal | None:
        return self.total.rate(self.denominator)

    def as_dict(self) -> dict:
        return {
            "node": self.node.code,
            "day": self.day.isoformat(),
            "denominator": self.denominator,
            "groups": [
                {"category": c, "section": s, **cell.as_dict()}
                for (c, s), cell in sorted(self.groups.items())
            ],
            "children": [
                {"code": child.jurisdiction.code, **child.cell.as_dict()} for child in self.children
            ],
            "direct": self.direct.as_dict(),
        }

    @classmethod
    def from_dict(
        cls,
        data: dict,
        *,
        node: Jurisdiction,
        children: dict[str, Jurisdiction],
        source: str,
        taken_at: datetime.datetime | None = None,
    ) -> Figures:
        groups = {(g["category"], g["section"]): Cell.from_dict(g) for g in data.get("groups", [])}
        return cls(
            node=node,
            day=datetime.date.fromisoformat(data["day"]),
            denominator=data["denominator"],
            groups=groups,
            children=[
                ChildFigures(children[c["code"]], Cell.from_dict(c))
                for c in data.get("children", [])
                if c["code"] in children
            ],
            direct=Cell.from_dict(data["direct"]),
            source=source,
            taken_at=taken_at,
        )


def setting_for(node: Jurisdiction):
    """The nearest StatsSetting on the node or above it, or None."""

    return tree.nearest(StatsSetting.objects.all(), node)


def denominator_for(node: Jurisdiction) -> str:
    setting = setting_for(node)
    if setting is not None:
        return setting.rate_denominator
    return settings.FUGONG_RATE_DENOMINATOR


def deadline_for(node: Jurisdiction) -> datetime.time:
    """The nearest deadline set on the node or above it (a setting may leave it empty), else
    FUGONG_REPORT_DEADLINE."""

    setting = tree.nearest(StatsSetting.objects.filter(report_deadline__isnull=False), node)
    return setting.report_deadline if setting is not None else settings.FUGONG_REPORT_DEADLINE


def check_day(node: Jurisdiction, day: datetime.date) -> None:
    """A day figures can be asked for: not in the future, not before the node existed."""
    today = timezone.localdate()
    if day > today:
        raise UserError(
            _("%(day)s is in the future; figures exist up to today (%(today)s).")
            % {"day": day.isoformat(), "today": today.isoformat()},
            code="future_date",
        )
    if node.established_on and day < node.established_on:
        raise UserError(
            _("%(name)s was established on %(since)s; choose a day from then on.")
            % {"name": node.name, "since": node.established_on.isoformat()},
            code="before_established",
        )


def parse_day(value: str | None) -> datetime.date:
    """A day from a query string (empty: today), or a UserError saying how to write one."""
    if not value:
        return timezone.localdate()
    try:
        text = str(value).strip()
        if len(text) != 10:
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UserError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2026-03-05.")
            % {"value": str(value)[:20]},
            code="bad_date",
        ) from None


def covers(user, node: Jurisdiction) -> bool:
    """True when the user's scope holds the node's whole subtree, so that the node's frozen
    snapshots and submissions (computed over all of it) may be shown to them."""
    scope = get_scope(user)
    return scope.everything or any(node.path.startswith(p) for p in scope.jurisdiction_paths)


_SECTIONS: dict[int | None, str] = {}
_SECTION_NAMES: dict[str, str] = {}


def section_names() -> dict[str, str]:
    """Section code -> name (GB/T 4754 standard data, read once per process)."""
    if not _SECTION_NAMES:
        c = units_source().industries
        _SECTION_NAMES.update(
            c.model._default_manager.filter(**{c.level: c.section}).values_list(c.code, c.name)
        )
    return _SECTION_NAMES


def industry_sections() -> dict[int | None, str]:
    """Industry division id -> its section code (门类). The table is national standard data,
    loaded by a migration; it is read once per process."""
    if not _SECTIONS:
        c = units_source().industries
        _SECTIONS.update(
            c.model._default_manager.filter(**{c.level: c.division}).values_list(
                "pk", f"{c.parent}__{c.code}"
            )
        )
    return _SECTIONS


def all_units():
    """Every unit, unscoped: the queryset ``compute`` and the snapshots count from."""
    return units_source().model._default_manager.all()


def _units(user, node: Jurisdiction):
    qs = all_units()
    if user is not None:
        qs = scoped(qs, user)
    return qs.filter(subtree_q(units_source().place_path, node.path))


def _visible_children(user, node: Jurisdiction) -> list[Jurisdiction]:
    children = list(node.children.filter(is_active=True).order_by("code"))
    if user is None or not children:
        return children
    visible = set(scoped(node.children.all(), user).values_list("pk", flat=True))
    return [c for c in children if c.pk in visible]


def compute(
    *,
    user,
    node: Jurisdiction,
    day: datetime.date,
    denominator: str | None = None,
    from_units: bool = False,
) -> Figures:
    """The node's figures as of ``day`` from the registry as it stands, over the units the
    user may see (``user=None``: all units, for snapshots taken by the system). A city's or a
    county's figures, for a user who may see all of it, are summed from the tally of its
    children (``fugong.stats.tally``), which holds the same counts (``from_units``: count
    the units all the same, as ``tally_differences`` does)."""
    if not from_units and _tallied(user, node):
        figures = _tally_rollup(node).figures(node, day)
        if denominator:
            figures.denominator = denominator
        return figures
    source = units_source()
    category, industry, ledger = source.fields.category, source.industry_id, source.fields.ledger
    units = _units(user, node)
    children = _visible_children(user, node)
    # One grouped read gives both the category groups and the children: grouped by the child
    # a unit falls under (its jurisdiction path cut at the children's length), category,
    # industry and ledger, then summed both ways here.
    length = len(children[0].path) if children else 0
    if children:
        units = units.annotate(prefix=Substr(source.place_path, 1, length))
        keys = ("prefix", category, industry, ledger)
    else:
        keys = (category, industry, ledger)
    rows = units.values(*keys).annotate(**_aggregates(day)).order_by()
    sections = industry_sections()
    groups: dict[tuple[str, str], Cell] = {}
    by_child: dict[str, Cell] = {}
    for row in rows:
        key = (row[category] or "", sections.get(row[industry], ""))
        cell = _cell_from_row(row, row[ledger], source.no_need)
        if key in groups:
            groups[key].add(cell)
        else:
            groups[key] = _cell_from_row(row, row[ledger], source.no_need)
        prefix = row.get("prefix", "")
        if len(prefix) != length:
            prefix = ""
        by_child.setdefault(prefix, Cell()).add(cell)
    return Figures(
        node=node,
        day=day,
        denominator=denominator or denominator_for(node),
        groups=groups,
        children=[ChildFigures(c, by_child.get(c.path, Cell())) for c in children],
        direct=by_child.get("", Cell()),
    )


# ---------------------------------------------------------------------------- the trend


@dataclass(frozen=True)
class TrendPoint:
    day: datetime.date
    resumed: int
    resumed_need: int
    new_resumed: int
    returned: int
    rate: Decimal | None
    return_rate: Decimal | None


def trend(
    *,
    user,
    node: Jurisdiction,
    end: datetime.date,
    days: int = 60,
    base: Cell | None = None,
    denominator: str | None = None,
    from_units: bool = False,
) -> list[TrendPoint]:
    """Resumed units, staff back and the two rates for each of the ``days`` days up to
    ``end``, on the same definitions as ``compute``: two queries, or one when the caller
    already has the node's totals (``base``: ``compute(...).total`` for the same user)."""
    if not from_units and _tallied(user, node):
        return _tally_rollup(node).trend(node, end=end, days=days, denominator=denominator)
    source = units_source()
    ledger, resumed_on = source.fields.ledger, source.fields.resumed_on
    units = _units(user, node)
    if base is not None:
        total, need, employees = base.units, base.need, base.employees
    else:
        total = need = employees = 0
        rows = units.values(ledger).annotate(
            n=Count("id"), e=Coalesce(Sum(source.fields.employees), 0)
        )
        for row in rows.order_by():
            total += row["n"]
            employees += row["e"]
            if (row[ledger] or "") not in source.no_need:
                need += row["n"]
    series = _Series(end, days, source.no_need)
    rows = (
        units.filter(**{f"{resumed_on}__lte": end})
        .values(resumed_on, ledger)
        .annotate(n=Count("id"), r=Coalesce(Sum(source.fields.returned), 0))
        .order_by()
    )
    for row in rows:
        series.add(row[resumed_on], row[ledger] or "", row["n"], row["r"])
    return series.points(total, need, employees, denominator or denominator_for(node))


class _Series:
    """Units resumed and staff back by resumption day, cumulated into the trend's points."""

    def __init__(self, end: datetime.date, days: int, no_need: tuple[str, ...]) -> None:
        self.end = end
        self.days = days
        self.no_need = no_need
        self.start = end - datetime.timedelta(days=days - 1)
        self.by_day: dict[datetime.date, list[int]] = {}
        self.before = [0, 0, 0]  # resumed, resumed_need, returned before start

    def add(self, on: datetime.date, ledger: str, units: int, returned: int) -> None:
        if on > self.end:
            return
        target = self.before if on < self.start else self.by_day.setdefault(on, [0, 0, 0])
        target[0] += units
        target[1] += units if ledger not in self.no_need else 0
        target[2] += returned

    def points(self, total: int, need: int, employees: int, denominator: str) -> list[TrendPoint]:
        points = []
        resumed, resumed_need, returned = self.before
        for i in range(self.days):
            day = self.start + datetime.timedelta(days=i)
            new = self.by_day.get(day, [0, 0, 0])
            resumed += new[0]
            resumed_need += new[1]
            returned += new[2]
            rate = (
                percent(resumed, total)
                if denominator == Denominator.ALL
                else percent(resumed_need, need)
            )
            points.append(
                TrendPoint(
                    day, resumed, resumed_need, new[0], returned, rate, percent(returned, employees)
                )
            )
        return points


def compute_with_trend(
    *, user, node: Jurisdiction, day: datetime.date, days: int = 60
) -> tuple[Figures, list[TrendPoint]]:
    """``compute`` and the ``trend`` of the ``days`` days up to ``day``, as a dashboard shows
    them: from one read of the tally where it may be used, else from two of the units."""
    if _tallied(user, node):
        rollup = _tally_rollup(node)
        figures = rollup.figures(node, day)
        return figures, rollup.trend(node, end=day, days=days, denominator=figures.denominator)
    figures = compute(user=user, node=node, day=day)
    return figures, trend(
        user=user,
        node=node,
        end=day,
        days=days,
        base=figures.total,
        denominator=figures.denominator,
    )


# ---------------------------------------------------------------------------- snapshots


# The figures a node submitted for a day, read from the app that keeps them (fugong.reporting
# registers its reader when it starts): reader(node, day) -> (data, submitted_at) or None.
_submitted_figures: Callable[[Jurisdiction, datetime.date], tuple[dict, Any] | None] | None = None


def register_submitted_figures(
    reader: Callable[[Jurisdiction, datetime.date], tuple[dict, Any] | None],
) -> None:
    global _submitted_figures
    _submitted_figures = reader


def snapshot_get(*, node: Jurisdiction, day: datetime.date) -> Figures | None:
    """The frozen figures of the node for the day: its submission if it was submitted, else
    the end-of-day snapshot; None if neither exists. Callers check ``covers`` first."""

    children = {c.code: c for c in node.children.all()}
    submitted = _submitted_figures(node, day) if _submitted_figures is not None else None
    if submitted is not None:
        data, submitted_at = submitted
        return Figures.from_dict(
            data, node=node, children=children, source="submission", taken_at=submitted_at
        )
    snap = Snapshot.objects.filter(jurisdiction=node, day=day).first()
    if snap is None:
        return None
    return Figures.from_dict(
        snap.data, node=node, children=children, source="snapshot", taken_at=snap.taken_at
    )


# The snapshot is kept for the nodes down to towns and streets (depth 3): the levels that
# report upwards. Deeper nodes are computed live.
SNAPSHOT_MAX_DEPTH = 3


def snapshot_take(
    *,
    day: datetime.date | None = None,
    root: Jurisdiction | None = None,
    days: Iterable[datetime.date] = (),
) -> int:
    """Freeze every node's figures (down to towns) as of ``day``, and as of each of ``days``,
    from the registry as it stands; replaces those days' earlier snapshots. Returns the number
    of snapshots written (nodes × days).

    Each snapshot holds exactly ``compute(user=None, node=node, day=day).as_dict()``; it is
    worked out for every node and day at once from one grouped read of the units (by place,
    category, industry, ledger and resumption day) rolled up here, so that the 60 days of a
    city's history are taken in seconds rather than in 60 × nodes × 2 queries."""
    from django.db import transaction

    wanted = sorted({*days, *([day] if day is not None else [])})
    nodes = Jurisdiction.objects.filter(depth__lte=SNAPSHOT_MAX_DEPTH, is_active=True)
    if root is not None:
        nodes = nodes.filter(path__startswith=root.path)
    nodes = list(nodes.order_by("path"))
    if not wanted or not nodes:
        return 0
    source = _units_rollup(nodes, root)
    now = timezone.now()
    written = 0
    for each in wanted:
        rows = [
            Snapshot(
                jurisdiction=node,
                day=each,
                taken_at=now,
                data=source.figures(node, each).as_dict(),
            )
            for node in nodes
        ]
        with transaction.atomic():  # a day's snapshot is complete or absent
            Snapshot.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["jurisdiction", "day"],
                update_fields=["taken_at", "data"],
            )
        written += len(rows)
    return written


class _Resumptions:
    """Units of one ledger in some group, as of any day: their number and employees, and
    how many resumed (with their staff back) on each day, cumulated for a search by day."""

    __slots__ = ("by_day", "days", "employees", "resumed", "returned", "units")

    def __init__(self) -> None:
        self.units = 0
        self.employees = 0
        self.by_day: dict[datetime.date, list[int]] = {}

    def add(self, units: int, employees: int, resumed_on, returned: int) -> None:
        self.units += units
        self.employees += employees
        if resumed_on is not None:
            entry = self.by_day.setdefault(resumed_on, [0, 0])
            entry[0] += units
            entry[1] += returned

    def merge(self, other: _Resumptions) -> None:
        self.units += other.units
        self.employees += other.employees
        for on, (units, returned) in other.by_day.items():
            entry = self.by_day.setdefault(on, [0, 0])
            entry[0] += units
            entry[1] += returned

    def freeze(self) -> None:
        self.days = sorted(self.by_day)
        self.resumed = [0]
        self.returned = [0]
        for on in self.days:
            units, returned = self.by_day[on]
            self.resumed.append(self.resumed[-1] + units)
            self.returned.append(self.returned[-1] + returned)

    def cell(self, day: datetime.date, ledger: str, needs: bool) -> Cell:
        """What ``_cell_from_row`` makes of this ledger's row in ``compute`` for ``day``
        (``needs``: the ledger's units need to resume)."""
        from bisect import bisect_right

        i = bisect_right(self.days, day)
        resumed = self.resumed[i]
        return Cell(
            units=self.units,
            need=self.units if needs else 0,
            resumed=resumed,
            resumed_need=resumed if needs else 0,
            new_resumed=self.by_day[day][0] if day in self.by_day else 0,
            employees=self.employees,
            returned=self.returned[i],
            ledgers={ledger: self.units},
        )


@dataclass
class _NodeSource:
    denominator: str
    children: list[Jurisdiction]
    groups: dict[tuple[str, str, str], _Resumptions]  # (category, section, ledger)
    by_child: dict[str, dict[str, _Resumptions]]  # child path ("": the node itself) → ledger


class _Rollup:
    """Units grouped by place (a jurisdiction's path), category, section, ledger and
    resumption day, from which any node's figures and trend are rolled up as ``compute`` and
    ``trend`` group them. ``rows``: (path, category, section, ledger, resumed_on, units,
    employees, returned); ``children``: node id → its active children, ordered by code."""

    def __init__(self, rows: Iterable[tuple], children: dict[int, list[Jurisdiction]]) -> None:
        self.by_place: dict[str, dict[tuple[str, str, str], _Resumptions]] = {}
        for path, category, section, ledger, resumed_on, n, e, r in rows:
            key = (category or "", section or "", ledger or "")
            keyed = self.by_place.setdefault(path, {})
            if key not in keyed:
                keyed[key] = _Resumptions()
            keyed[key].add(n, e, resumed_on, r)
        self.children = children
        self.nodes: dict[int, _NodeSource] = {}
        self.no_need = units_source().no_need

    def _node(self, node: Jurisdiction) -> _NodeSource:
        if node.pk in self.nodes:
            return self.nodes[node.pk]
        children = self.children.get(node.pk, [])
        length = len(children[0].path) if children else 0
        groups: dict[tuple[str, str, str], _Resumptions] = {}
        by_child: dict[str, dict[str, _Resumptions]] = {}
        for path, keyed in self.by_place.items():
            if not path.startswith(node.path):
                continue
            prefix = path[:length] if children and len(path) >= length else ""
            ledgers = by_child.setdefault(prefix, {})
            for key, resumptions in keyed.items():
                if key not in groups:
                    groups[key] = _Resumptions()
                groups[key].merge(resumptions)
                if key[2] not in ledgers:
                    ledgers[key[2]] = _Resumptions()
                ledgers[key[2]].merge(resumptions)
        for resumptions in groups.values():
            resumptions.freeze()
        for ledgers in by_child.values():
            for resumptions in ledgers.values():
                resumptions.freeze()
        self.nodes[node.pk] = _NodeSource(denominator_for(node), children, groups, by_child)
        return self.nodes[node.pk]

    def figures(self, node: Jurisdiction, day: datetime.date) -> Figures:
        """``compute(user=None, node=node, day=day)``."""
        source = self._node(node)
        no_need = self.no_need
        groups: dict[tuple[str, str], Cell] = {}
        for (category, section, ledger), resumptions in source.groups.items():
            cell = resumptions.cell(day, ledger, ledger not in no_need)
            if (category, section) in groups:
                groups[(category, section)].add(cell)
            else:
                groups[(category, section)] = cell
        if source.children:
            by_child = {
                prefix: Cell.total_of(
                    r.cell(day, ledger, ledger not in no_need) for ledger, r in ledgers.items()
                )
                for prefix, ledgers in source.by_child.items()
            }
        else:
            by_child = {"": Cell.total_of(groups.values())}
        return Figures(
            node=node,
            day=day,
            denominator=source.denominator,
            groups=groups,
            children=[ChildFigures(c, by_child.get(c.path, Cell())) for c in source.children],
            direct=by_child.get("", Cell()),
        )

    def trend(
        self, node: Jurisdiction, *, end: datetime.date, days: int, denominator: str | None
    ) -> list[TrendPoint]:
        """``trend(user=None, node=node, end=end, days=days)``."""
        source = self._node(node)
        series = _Series(end, days, self.no_need)
        total = need = employees = 0
        for (_category, _section, ledger), resumptions in source.groups.items():
            total += resumptions.units
            need += resumptions.units if ledger not in self.no_need else 0
            employees += resumptions.employees
            for on, (units, returned) in resumptions.by_day.items():
                series.add(on, ledger, units, returned)
        return series.points(total, need, employees, denominator or source.denominator)


def _children_of(nodes: Iterable[Jurisdiction]) -> dict[int, list[Jurisdiction]]:
    children: dict[int, list[Jurisdiction]] = {node.pk: [] for node in nodes}
    for child in Jurisdiction.objects.filter(parent__in=list(children), is_active=True).order_by(
        "code"
    ):
        children[child.parent_id].append(child)
    return children


def _unit_rows(units, paths: dict[int, str]):
    """A queryset of units as the roll-up's rows, grouped in the database."""
    sections = industry_sections()
    source = units_source()
    fields = source.fields
    rows = (
        units.values_list(
            source.place_id, fields.category, source.industry_id, fields.ledger, fields.resumed_on
        )
        .annotate(
            n=Count("id"),
            e=Coalesce(Sum(fields.employees), 0),
            r=Coalesce(Sum(fields.returned), 0),
        )
        .order_by()
    )
    for place, category, industry, ledger, resumed_on, n, e, r in rows:
        yield paths[place], category, sections.get(industry), ledger, resumed_on, n, e, r


def _units_rollup(nodes: list[Jurisdiction], root: Jurisdiction | None) -> _Rollup:
    """Every unit under ``root`` (None: all) read once, for the snapshots of ``nodes``."""
    places = Jurisdiction.objects.all()
    units = all_units()
    if root is not None:
        places = places.filter(path__startswith=root.path)
        units = units.filter(subtree_q(units_source().place_path, root.path))
    paths = dict(places.values_list("pk", "path"))
    return _Rollup(_unit_rows(units, paths), _children_of(nodes))


# The nodes whose figures may be summed from the tally: those whose children are tallied.
TALLY_NODE_DEPTHS = frozenset(depth - 1 for depth in TALLY_DEPTHS)


def _tallied(user, node: Jurisdiction) -> bool:
    """True when ``compute`` and ``trend`` read the tally for this user and node: the node's
    children are tallied and the user may see every unit under it."""
    return (
        node.depth in TALLY_NODE_DEPTHS
        and (user is None or covers(user, node))
        # A tree that breaks the levels (a child at another depth) is counted from its units.
        and not node.children.exclude(depth__in=TALLY_DEPTHS).exists()
    )


def _tally_rollup(node: Jurisdiction) -> _Rollup:
    """The node's tally rows (one per child, category, section, ledger and resumption day)
    and the units registered on the node itself, as a roll-up: a few thousand rows for a
    city instead of its hundred thousand units."""

    children = list(node.children.order_by("code"))  # inactive ones too: their units count
    paths = {child.pk: child.path for child in children}
    tallied, summed = tally.read(list(paths))
    if summed - len(tallied) > COMPACT_SLACK:
        compact_tally_soon()
    rows = [(paths[row[0]], *row[1:]) for row in tallied]
    direct = all_units().filter(**{units_source().fields.place: node})
    rows.extend(_unit_rows(direct, {node.pk: node.path}))
    return _Rollup(rows, {node.pk: [c for c in children if c.is_active]})


def tally_differences(days: Iterable[datetime.date]) -> list[str]:
    """The nodes read from the tally whose figures (for any of ``days``) or 60-day trend (up
    to the last of them) differ from those counted from the units: none, unless something
    wrote to the database around its triggers (``fugong tally --check``)."""
    days = sorted(days)
    wrong = []
    for node in Jurisdiction.objects.filter(depth__in=TALLY_NODE_DEPTHS).order_by("path"):
        same = all(
            compute(user=None, node=node, day=day).as_dict()
            == compute(user=None, node=node, day=day, from_units=True).as_dict()
            for day in days
        ) and trend(user=None, node=node, end=days[-1]) == trend(
            user=None, node=node, end=days[-1], from_units=True
        )
        if not same:
            wrong.append(node.code)
    return wrong


@dataclass(frozen=True)
class Correction:
    label: str
    figure: str
    reported: int
    now: int


CORRECTED_FIGURES = ("units", "need", "resumed", "resumed_need", "employees", "returned")


def corrections(*, frozen: Figures, live: Figures) -> list[Correction]:
    """Where today's knowledge of the day differs from what was frozen, row by row."""
    out: list[Correction] = []
    pairs = [(_("Total"), frozen.total, live.total)]
    for spec in category_rows():
        if spec.indent:
            continue
        pairs.append((spec.label, frozen.row(spec), live.row(spec)))
    for label, old, new in pairs:
        for name in CORRECTED_FIGURES:
            a, b = getattr(old, name), getattr(new, name)
            if a != b:
                out.append(Correction(str(label), name, a, b))
    return out
