"""Staff figures from the rosters (一人一档, issue 13 point 5): for a node and a day, the
people on the enterprises' rosters, those back at work and the return rate they give, those
expected to check in and those who did in the half-day (coverage), and the abnormal
check-ins of the day; per child jurisdiction, rolled up the tree by path prefix. They stand
beside the self-reported headcount of ``figures`` (用工人数, 返岗人数), which the enterprises
type on their ledger entry: both definitions are in docs/statistics.md.

What is counted is declared by the app that keeps the rosters (``sources.register_staff``);
without it there are no staff figures (``compute`` returns None). Two grouped counts,
whatever the number of people: the people and the day's check-ins, each grouped by the
child its enterprise falls under.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.core.scope import scoped, subtree_q
from fugong.stats import sources
from fugong.stats.figures import _visible_children, percent


@dataclass
class StaffCell:
    on_roster: int = 0  # people on the rosters (those who left not counted)
    back: int = 0  # of them, at work (在岗)
    expected: int = 0  # of them, expected to check in (at work, observing, remote)
    checked: int = 0  # of those expected, checked in for the half-day
    abnormal: int = 0  # abnormal check-ins of the day (either half)

    def add(self, other: StaffCell) -> StaffCell:
        for name in ("on_roster", "back", "expected", "checked", "abnormal"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def return_rate(self) -> Decimal | None:
        """返工率 from the rosters: at work ÷ on the rosters."""
        return percent(self.back, self.on_roster)

    @property
    def coverage(self) -> Decimal | None:
        """Check-in coverage: checked in for the half-day ÷ expected to."""
        return percent(self.checked, self.expected)

    @property
    def not_checked(self) -> int:
        return max(self.expected - self.checked, 0)

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "return_rate": self.return_rate,
            "coverage": self.coverage,
            "not_checked": self.not_checked,
        }


@dataclass
class StaffChild:
    jurisdiction: Jurisdiction
    cell: StaffCell


@dataclass
class StaffFigures:
    node: Jurisdiction
    day: datetime.date
    half: int
    half_label: str
    children: list[StaffChild] = field(default_factory=list)
    direct: StaffCell = field(default_factory=StaffCell)  # people registered at the node

    @property
    def total(self) -> StaffCell:
        total = StaffCell().add(self.direct)
        for child in self.children:
            total.add(child.cell)
        return total


def half_of(day: datetime.date) -> int:
    """The half-day counted for ``day``: the current one today, the last one of a past day."""
    source = sources.staff()
    return source.current_half() if day == timezone.localdate() else source.last_half


def compute(
    *, user, node: Jurisdiction, day: datetime.date, half: int | None = None
) -> StaffFigures | None:
    """The node's staff figures for the day over what the user may see (``user=None``: all).
    The rosters are counted as they stand now; the check-ins are the day's (kept for the
    retention period only: an older day has none)."""
    source = sources.staff()
    if source is None:
        return None
    if half is None:
        half = half_of(day)
    children = _visible_children(user, node)
    length = len(children[0].path) if children else 0
    person = source.checkin_person

    def grouped(qs, path: str, **counts) -> dict[str, dict]:
        qs = qs.filter(subtree_q(path, node.path))
        if user is not None:
            qs = scoped(qs, user)
        if not children:
            return {"": qs.aggregate(**counts)}
        by: dict[str, dict] = {}
        rows = qs.annotate(prefix=Substr(path, 1, length)).values("prefix").annotate(**counts)
        for row in rows.order_by():
            key = row["prefix"] if len(row["prefix"] or "") == length else ""  # at the node
            into = by.setdefault(key, dict.fromkeys(counts, 0))
            for name in counts:
                into[name] += row[name]
        return by

    people = grouped(
        source.people._default_manager.exclude(**{f"{source.status}__in": source.off_roster}),
        source.place_path,
        on_roster=Count("pk"),
        back=Count("pk", filter=Q(**{f"{source.status}__in": source.at_work})),
        expected=Count("pk", filter=Q(**{f"{source.status}__in": source.expected})),
    )
    checked = grouped(
        source.checkins._default_manager.filter(**{source.day: day}),
        f"{person}__{source.place_path}",
        checked=Count(
            "pk",
            filter=Q(**{source.half: half, f"{person}__{source.status}__in": source.expected}),
        ),
        abnormal=Count("pk", filter=Q(**{source.abnormal: True})),
    )

    def cell(key: str) -> StaffCell:
        return StaffCell(**people.get(key, {}), **checked.get(key, {}))

    return StaffFigures(
        node=node,
        day=day,
        half=half,
        half_label=str(dict(source.halves)[half]),
        children=[StaffChild(c, cell(c.path)) for c in children],
        direct=cell(""),
    )
