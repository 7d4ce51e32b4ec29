"""Figures of the enterprises' requests (诉求, issue 14 point 7): 事事有回音、件件有着落 measured.
For a node and a day, over what the reader may see: received, replied, replied on time,
overdue, urged, rated and satisfied, with 回复率, 按期办结率 and 满意率; per child
jurisdiction, per department and per category. Definitions: docs/statistics.md, "Requests".

What is counted is declared by the app that keeps the requests
(``sources.register_requests``); without it there are none (``compute`` returns None).
Three grouped counts, whatever the number of requests.
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

NAMES = ("received", "replied", "on_time", "overdue", "urged", "rated", "content")


@dataclass
class RequestCell:
    received: int = 0  # raised by the end of the day, not withdrawn
    replied: int = 0  # of them, replied by the end of the day
    on_time: int = 0  # of those, replied by their reply date
    overdue: int = 0  # with a department past their reply date at the end of the day
    urged: int = 0  # escalated at least once (督办, 催办通知书)
    rated: int = 0  # rated by the end of the day
    content: int = 0  # of those, 满意 or 基本满意

    def add(self, other: RequestCell) -> RequestCell:
        for name in NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def reply_rate(self) -> Decimal | None:
        """回复率: replied ÷ received."""
        return percent(self.replied, self.received)

    @property
    def on_time_rate(self) -> Decimal | None:
        """按期办结率: replied on time ÷ replied."""
        return percent(self.on_time, self.replied)

    @property
    def satisfaction(self) -> Decimal | None:
        """满意率: satisfied or basically satisfied ÷ rated."""
        return percent(self.content, self.rated)

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "reply_rate": self.reply_rate,
            "on_time_rate": self.on_time_rate,
            "satisfaction": self.satisfaction,
        }


@dataclass
class Row:
    key: object  # a Jurisdiction, or a department's or category's (pk, name)
    name: str
    cell: RequestCell


@dataclass
class RequestFigures:
    node: Jurisdiction
    day: datetime.date
    children: list[Row] = field(default_factory=list)
    direct: RequestCell = field(default_factory=RequestCell)
    departments: list[Row] = field(default_factory=list)
    categories: list[Row] = field(default_factory=list)

    @property
    def total(self) -> RequestCell:
        total = RequestCell().add(self.direct)
        for row in self.children:
            total.add(row.cell)
        return total


def _counts(source: sources.RequestSource, day: datetime.date) -> dict:
    following = day + datetime.timedelta(days=1)
    end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
    replied = Q(**{f"{source.replied_at}__lt": end})
    still_open = Q(**{f"{source.replied_at}__isnull": True}) | Q(
        **{f"{source.replied_at}__gte": end}
    )
    return {
        "received": Count("pk"),
        "replied": Count("pk", filter=replied),
        "on_time": Count("pk", filter=replied & Q(**{source.on_time: True})),
        "overdue": Count(
            "pk",
            filter=still_open
            & Q(**{f"{source.due}__lt": day, f"{source.status}__in": source.with_department}),
        ),
        "urged": Count("pk", filter=Q(**{f"{source.escalation}__gt": 0})),
        "rated": Count(
            "pk", filter=Q(**{f"{source.rated_at}__lt": end}) & ~Q(**{source.rating: ""})
        ),
        "content": Count(
            "pk",
            filter=Q(**{f"{source.rated_at}__lt": end, f"{source.rating}__in": source.content}),
        ),
    }


def compute(*, user, node: Jurisdiction, day: datetime.date) -> RequestFigures | None:
    """The node's request figures as of the end of ``day`` over what the user may see
    (``user=None``: all)."""
    source = sources.requests()
    if source is None:
        return None
    following = day + datetime.timedelta(days=1)
    end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
    qs = source.model._default_manager.filter(
        subtree_q(source.place_path, node.path), **{f"{source.created}__lt": end}
    ).exclude(**{source.status: source.withdrawn})
    if user is not None:
        qs = scoped(qs, user)
    counts = _counts(source, day)
    children = _visible_children(user, node)
    figures = RequestFigures(node=node, day=day)
    if children:
        length = len(children[0].path)
        by: dict[str, RequestCell] = {}
        rows = (
            qs.annotate(prefix=Substr(source.place_path, 1, length))
            .values("prefix")
            .annotate(**counts)
            .order_by()
        )
        for row in rows:
            key = row.pop("prefix") or ""
            by.setdefault(key if len(key) == length else "", RequestCell()).add(RequestCell(**row))
        figures.children = [Row(c, c.name, by.get(c.path, RequestCell())) for c in children]
        figures.direct = by.get("", RequestCell())
    else:
        figures.direct = RequestCell(**qs.aggregate(**counts))
    figures.departments = _grouped(qs, source.department, counts)
    figures.categories = _grouped(qs, source.category, counts)
    return figures


def _grouped(qs, key: str, counts: dict) -> list[Row]:
    """One row per value of the foreign key ``key`` (its name), most received first."""
    rows = qs.values(f"{key}_id", f"{key}__name").annotate(**counts).order_by()
    out = [
        Row(
            row.pop(f"{key}_id"),
            row.pop(f"{key}__name") or "",
            RequestCell(**row),
        )
        for row in rows
        if row[f"{key}_id"] is not None
    ]
    return sorted(out, key=lambda r: (-r.cell.received, r.name))
