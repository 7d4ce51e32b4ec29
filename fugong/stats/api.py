"""Statistics API at /api/v1/stats: every figure of the dashboards, the trend and the
statistics settings (upward reporting: ``fugong/reporting/api.py``; the generated reports:
``fugong/reports/api.py``; both under the same prefix).

Every number comes from ``fugong.stats.figures`` (the same call the pages make), computed over
the caller's scope. A node the caller may not see is a 404 exactly like a missing one; a bad
day is a 400 with code bad_date, future_date or before_established. Writes go through
``fugong.stats.services``, whose UserError / Conflict / NotAllowed become {"code", "message"}
with status 400 / 409 / 403 in ``fugong/core/api.py``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from fugong.accounts.models import Jurisdiction
from fugong.core.api_types import ErrorOut, Id, Text
from fugong.core.errors import UserError
from fugong.stats import figures as F
from fugong.stats import inspections as stats_inspections
from fugong.stats import jobs as stats_jobs
from fugong.stats import selectors as stats_selectors
from fugong.stats import services, staff
from fugong.stats.choices import Denominator

router = Router(tags=["stats"])

DayText = Annotated[str, Field(max_length=40, description="YYYY-MM-DD; empty: today")]
Note = Annotated[Text, Field(max_length=500)]

# --- schemas ---------------------------------------------------------------------------------


class NodeOut(Schema):
    id: int
    code: str
    name: str
    level: str


class CellOut(Schema):
    """One group of units as of the day. ``rate`` is 复工率 in percent over the stated
    denominator (``rate_numerator`` / ``rate_denominator``), ``return_rate`` 返工率; both null
    when there is nothing to divide by. ``ledgers``: units per ledger, ``none`` for no ledger."""

    units: int
    need: int
    resumed: int
    resumed_need: int
    new_resumed: int
    employees: int
    returned: int
    rate: Decimal | None
    rate_numerator: int
    rate_denominator: int
    return_rate: Decimal | None
    ledgers: dict[str, int]


class ListedCellOut(CellOut):
    list_query: str = Field(
        description="Query string of the enterprise list (/enterprises/?… or "
        "/api/v1/enterprises?…) listing exactly this group's units"
    )
    lists: dict[str, str] = Field(
        description="The same for units, need, resumed, resumed_need and new_resumed"
    )


class RowOut(ListedCellOut):
    key: str
    label: str
    indent: int
    categories: list[str]
    sections: list[str]
    not_sections: list[str]


class TownRowOut(ListedCellOut):
    key: str
    categories: list[str]


class ChildOut(ListedCellOut):
    id: int
    code: str
    name: str
    level: str


class CorrectionOut(Schema):
    label: str
    figure: str
    reported: int
    now: int


class FrozenOut(Schema):
    source: str = Field(description="submission or snapshot")
    taken_at: datetime.datetime | None
    totals: CellOut
    corrections: list[CorrectionOut] = Field(
        description="Where today's knowledge of the day differs from the frozen figures"
    )


class FiguresOut(Schema):
    node: NodeOut
    day: datetime.date
    denominator: str
    denominator_label: str
    list_url: str = Field(description="The enterprise list page the list queries go to")
    totals: ListedCellOut
    enterprises: CellOut = Field(description="各类型企业: every unit but 大个体")
    rows: list[RowOut]
    town_rows: list[TownRowOut] = Field(description="Seed 000 §一's numbered rows")
    children: list[ChildOut]
    direct: CellOut = Field(description="Units registered on the node itself")
    frozen: FrozenOut | None


class NodeDayQuery(Schema):
    node: Id | None = Field(None, description="A jurisdiction id; default: your own")
    day: DayText | None = None


class FiguresQuery(NodeDayQuery):
    denominator: Denominator | None = Field(
        None, description="need or all; default: the node's setting"
    )


class TrendQuery(NodeDayQuery):
    days: int = Field(60, ge=1, le=366)


class PointOut(Schema):
    day: datetime.date
    resumed: int
    resumed_need: int
    new_resumed: int
    returned: int
    rate: Decimal | None
    return_rate: Decimal | None


class TrendOut(Schema):
    node: NodeOut
    end: datetime.date
    days: int
    denominator: str
    denominator_label: str
    points: list[PointOut]


class SettingQuery(Schema):
    node: Id | None = None


class SettingPutQuery(Schema):
    node: Id = Field(description="The jurisdiction whose own settings are set (required)")


class SettingIn(Schema):
    # A field it does not know (say, "node" in the body) is refused, never quietly ignored.
    model_config = ConfigDict(extra="forbid")

    rate_denominator: Annotated[Text, Field(max_length=20)]
    report_deadline: datetime.time | None = None


class SettingOut(Schema):
    node: NodeOut
    rate_denominator: str
    rate_denominator_label: str
    # A time of day in the site's time zone, not an instant: an RFC 3339 "time" needs an offset,
    # which a daily deadline does not have, so the document says what it is.
    report_deadline: str = Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        description="When the daily report is due: HH:MM:SS in the site's time zone",
    )
    set_on: NodeOut | None = Field(
        description="The node whose setting applies (this one or an ancestor); null: the "
        "platform's default"
    )
    can_change: bool


# --- helpers ---------------------------------------------------------------------------------


def _node(request, node_id: int | None) -> Jurisdiction:
    """The node the caller asked for (default: their topmost one), if they may see it."""
    return stats_selectors.visible_node(user=request.auth, value=node_id, default_top=True)


def _day(node: Jurisdiction, value: str | None) -> datetime.date:
    day = F.parse_day(value)
    F.check_day(node, day)
    return day


def _node_out(node: Jurisdiction) -> dict:
    return {"id": node.pk, "code": node.code, "name": node.name, "level": node.level}


def _cell(cell: F.Cell, denominator: str) -> dict:
    ledgers = {key: cell.ledger(key) for key in F.units_source().ledger_values}
    ledgers["none"] = cell.ledger("")
    return {
        **{name: getattr(cell, name) for name in F.Cell.NUMBERS},
        "rate": cell.rate(denominator),
        "rate_numerator": cell.rate_numerator(denominator),
        "rate_denominator": cell.rate_denominator(denominator),
        "return_rate": cell.return_rate,
        "ledgers": ledgers,
    }


def _query(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, [], "")}, doseq=True)


def list_queries(base: dict, day: datetime.date) -> dict[str, str]:
    """Enterprise-list query strings listing each counted figure of a group (``base``: the
    group's filters) as of ``day``, on the definitions of fugong.stats.figures."""
    as_of = day.isoformat()
    return {
        "units": _query(base),
        "need": _query({**base, "need": "true"}),
        "resumed": _query({**base, "status": "resumed", "as_of": as_of}),
        "resumed_need": _query({**base, "need": "true", "status": "resumed", "as_of": as_of}),
        "new_resumed": _query({**base, "resumed_day": as_of}),
    }


def _listed(cell: F.Cell, denominator: str, base: dict, day: datetime.date) -> dict:
    lists = list_queries(base, day)
    return {**_cell(cell, denominator), "list_query": lists["units"], "lists": lists}


def _frozen(user, node: Jurisdiction, day: datetime.date, live: F.Figures) -> dict | None:
    if not F.covers(user, node):
        return None
    frozen = F.snapshot_get(node=node, day=day)
    if frozen is None:
        return None
    return {
        "source": frozen.source,
        "taken_at": frozen.taken_at,
        "totals": _cell(frozen.total, live.denominator),
        "corrections": [
            {"label": c.label, "figure": c.figure, "reported": c.reported, "now": c.now}
            for c in F.corrections(frozen=frozen, live=live)
        ],
    }


# --- figures ---------------------------------------------------------------------------------


@router.get("/figures", response={200: FiguresOut, 400: ErrorOut, 404: ErrorOut})
def figures(request, params: Query[FiguresQuery]):
    """A node's figures as of the end of a day (today: as of now) over the units you may see:
    totals, the category table (with 规上服务业's subsectors), seed 000 §一's rows, each child
    jurisdiction and the units on the node itself. Each group's ``list_query`` is the
    enterprise-list filter that lists exactly its units. ``frozen``: the day's submitted or
    snapshot figures and the corrections since, when you oversee the node's whole area."""
    user = request.auth
    node = _node(request, params.node)
    day = _day(node, params.day)
    fig = F.compute(user=user, node=node, day=day, denominator=params.denominator)
    den = fig.denominator
    base = {"jurisdiction": node.pk}
    rows = []
    for spec in F.category_rows():
        rows.append(
            {
                **_listed(fig.row(spec), den, {**base, **spec.query()}, day),
                "key": spec.key,
                "label": str(spec.label),
                "indent": spec.indent,
                "categories": list(spec.categories),
                "sections": list(spec.sections),
                "not_sections": list(spec.not_sections),
            }
        )
    town_rows = [
        {
            **_listed(fig.select(cats), den, {**base, "category": list(cats)}, day),
            "key": key,
            "categories": list(cats),
        }
        for key, cats in F.TOWN_REPORT_ROWS
    ]
    children = [
        {
            **_listed(child.cell, den, {"jurisdiction": child.jurisdiction.pk}, day),
            **_node_out(child.jurisdiction),
        }
        for child in fig.children
    ]
    return {
        "node": _node_out(node),
        "day": day,
        "denominator": den,
        "denominator_label": str(Denominator(den).label),
        "list_url": reverse("enterprises:list"),
        "totals": _listed(fig.total, den, base, day),
        "enterprises": _cell(fig.enterprises(), den),
        "rows": rows,
        "town_rows": town_rows,
        "children": children,
        "direct": _cell(fig.direct, den),
        "frozen": _frozen(user, node, day, fig),
    }


@router.get("/trend", response={200: TrendOut, 400: ErrorOut, 404: ErrorOut})
def trend(request, params: Query[TrendQuery]):
    """Resumed units, staff back and both rates for each of ``days`` days up to ``day``."""
    node = _node(request, params.node)
    day = _day(node, params.day)
    den = F.denominator_for(node)
    points = F.trend(user=request.auth, node=node, end=day, days=params.days)
    return {
        "node": _node_out(node),
        "end": day,
        "days": params.days,
        "denominator": den,
        "denominator_label": str(Denominator(den).label),
        "points": [
            {
                "day": p.day,
                "resumed": p.resumed,
                "resumed_need": p.resumed_need,
                "new_resumed": p.new_resumed,
                "returned": p.returned,
                "rate": p.rate,
                "return_rate": p.return_rate,
            }
            for p in points
        ],
    }


class StaffCellOut(Schema):
    on_roster: int = Field(description="People on the rosters, those who left not counted")
    back: int = Field(description="Of them, at work")
    return_rate: Decimal | None = Field(description="back ÷ on_roster, in percent")
    expected: int = Field(description="Expected to check in: at work, observing or remote")
    checked: int = Field(description="Of those expected, checked in for the half-day")
    coverage: Decimal | None = Field(description="checked ÷ expected, in percent")
    not_checked: int
    abnormal: int = Field(description="Abnormal check-ins of the day")


class StaffChildOut(StaffCellOut):
    jurisdiction: NodeOut


class StaffOut(Schema):
    node: NodeOut
    day: datetime.date
    half: int = Field(description="The half-day counted: 0 morning, 1 afternoon")
    total: StaffCellOut
    children: list[StaffChildOut]
    direct: StaffCellOut = Field(description="People of the units registered on the node itself")


@router.get("/staff", response={200: StaffOut, 400: ErrorOut, 404: ErrorOut})
def staff_figures(request, params: Query[NodeDayQuery]):
    """Staff from the rosters (一人一档) beside the self-reported headcount of ``/figures``:
    on the rosters, at work, the return rate, check-in coverage of the half-day (the current
    one today, the afternoon of a past day) and the day's abnormal check-ins, per child
    (docs/statistics.md, "Staff from the rosters"). 404 where no roster is kept."""
    node = _node(request, params.node)
    day = _day(node, params.day)
    figures = staff.compute(user=request.auth, node=node, day=day)
    if figures is None:
        raise Http404
    return {
        "node": _node_out(node),
        "day": day,
        "half": figures.half,
        "total": figures.total.as_dict(),
        "children": [
            {"jurisdiction": _node_out(c.jurisdiction), **c.cell.as_dict()}
            for c in figures.children
        ],
        "direct": figures.direct.as_dict(),
    }


class InspectionCellOut(Schema):
    """Inspections of the period and the orders they led to (docs/statistics.md,
    "Inspections and rectification"). ``open``, ``overdue`` and ``stops_in_force`` are counted
    at the end of the period; the rates are percentages, null when there is nothing to divide
    by."""

    done: int = Field(description="on-site inspections performed in the period")
    passed: int
    failed: int
    self_submitted: int = Field(description="self-checks submitted in the period")
    self_accepted: int = Field(description="self-checks accepted in the period")
    issued: int = Field(description="rectification orders issued in the period")
    closed: int = Field(description="orders closed in the period")
    on_time: int = Field(description="of those, closed by their deadline")
    open: int = Field(description="orders open at the end of the period")
    overdue: int = Field(description="of those, past their deadline")
    stops_issued: int
    stops_in_force: int
    stops_lifted: int
    by_kind: dict[str, int] = Field(description="inspections done per kind")
    pass_rate: Decimal | None
    on_time_rate: Decimal | None


class InspectionChildOut(InspectionCellOut):
    jurisdiction: NodeOut


class InspectionKindOut(Schema):
    kind: str
    label: str


class InspectionsOut(Schema):
    node: NodeOut
    start: datetime.date | None = Field(description="The period's first day; null: none")
    end: datetime.date
    kinds: list[InspectionKindOut]
    total: InspectionCellOut
    children: list[InspectionChildOut]
    direct: InspectionCellOut = Field(description="Of the enterprises on the node itself")


class PeriodQuery(Schema):
    node: Id | None = Field(None, description="A jurisdiction id; default: your own")
    start: DayText | None = Field(None, description="YYYY-MM-DD; empty: from the beginning")
    end: DayText | None = None


@router.get("/inspections", response={200: InspectionsOut, 400: ErrorOut, 404: ErrorOut})
def inspection_figures(request, params: Query[PeriodQuery]):
    """Inspections done (by kind), passed and failed, self-checks, rectification orders
    issued, closed, closed on time, open and overdue, and orders to stop, for a period (both
    days included), over what you may see, per child (docs/statistics.md, "Inspections and
    rectification"). 404 where no inspections are kept."""
    node, start, end = _period(request, params)
    figures = stats_inspections.compute(user=request.auth, node=node, start=start, end=end)
    if figures is None:
        raise Http404
    return {
        "node": _node_out(node),
        "start": start,
        "end": end,
        "kinds": [{"kind": value, "label": str(label)} for value, label in figures.kinds],
        "total": figures.total.as_dict(),
        "children": [
            {"jurisdiction": _node_out(r.jurisdiction), **r.cell.as_dict()}
            for r in figures.children
        ],
        "direct": figures.direct.as_dict(),
    }


def _period(
    request, params: PeriodQuery
) -> tuple[Jurisdiction, datetime.date | None, datetime.date]:
    """The node and the days of a period query, checked."""
    node = _node(request, params.node)
    end = _day(node, params.end)
    start = F.parse_day(params.start) if params.start else None
    if start is not None and start > end:
        raise UserError(
            _("The period starts on %(start)s, after its end (%(end)s); swap the two days.")
            % {"start": start.isoformat(), "end": end.isoformat()},
            code="bad_period",
        )
    return node, start, end


class JobsCellOut(Schema):
    """Vacancies and buses (docs/statistics.md, "Jobs and buses"): ``open``, ``wanted``,
    ``shortage``, ``hiring`` and ``commuter_buses``, ``riders`` at the end of the period; the
    rest in it."""

    open: int = Field(description="vacancies open (published, not expired) at the end")
    wanted: int = Field(description="people the open vacancies want")
    shortage: int = Field(description="what they still lack (缺工): wanted less filled")
    hiring: int = Field(description="enterprises with an open vacancy")
    posted: int = Field(description="vacancies published in the period")
    filled: int = Field(description="people taken on through them")
    batches: int = Field(description="charter batches (返岗包车) arrived in the period")
    brought_back: int = Field(description="workers those batches brought back")
    subsidy: Decimal = Field(description="their subsidy, yuan")
    commuter_buses: int = Field(description="commuter buses with a letter valid at the end")
    riders: int = Field(description="workers registered on those buses")


class JobsChildOut(JobsCellOut):
    jurisdiction: NodeOut


class JobsSectionOut(Schema):
    code: str
    name: str
    open: int
    shortage: int


class JobsOut(Schema):
    node: NodeOut
    start: datetime.date | None = Field(description="The period's first day; null: none")
    end: datetime.date
    total: JobsCellOut
    children: list[JobsChildOut]
    direct: JobsCellOut = Field(description="Of the node itself")
    by_section: list[JobsSectionOut] = Field(
        description="Open vacancies by industry section, the largest shortage first"
    )


@router.get("/jobs", response={200: JobsOut, 400: ErrorOut, 404: ErrorOut})
def job_figures(request, params: Query[PeriodQuery]):
    """Vacancies open and the shortage (空岗, 缺工), vacancies posted and filled, charter buses
    arrived and the workers they brought back, commuter buses in service, for a period (both
    days included), over what you may see, per child (docs/statistics.md, "Jobs and
    buses")."""
    node, start, end = _period(request, params)
    figures = stats_jobs.compute(user=request.auth, node=node, start=start, end=end)
    return {
        "node": _node_out(node),
        "start": start,
        "end": end,
        "total": figures.total.as_dict(),
        "children": [
            {"jurisdiction": _node_out(r.jurisdiction), **r.cell.as_dict()}
            for r in figures.children
        ],
        "direct": figures.direct.as_dict(),
        "by_section": [
            {"code": s.code, "name": s.name, "open": s.open, "shortage": s.shortage}
            for s in figures.by_section
        ],
    }


# --- settings --------------------------------------------------------------------------------


def _setting_out(request, node: Jurisdiction) -> dict:
    setting = F.setting_for(node)
    den = F.denominator_for(node)
    return {
        "node": _node_out(node),
        "rate_denominator": den,
        "rate_denominator_label": str(Denominator(den).label),
        "report_deadline": F.deadline_for(node).strftime("%H:%M:%S"),
        "set_on": _node_out(setting.jurisdiction) if setting else None,
        "can_change": services.can_configure(request.auth, node),
    }


@router.get("/settings", response={200: SettingOut, 404: ErrorOut})
def setting(request, params: Query[SettingQuery]):
    """What 复工率 divides by and when the daily report is due, for the node."""
    return _setting_out(request, _node(request, params.node))


@router.put("/settings", response={200: SettingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def setting_put(request, params: Query[SettingPutQuery], payload: SettingIn):
    """Set the node's own settings (its command office or one above it): rate_denominator
    need or all; report_deadline HH:MM (null: the platform's default)."""
    node = _node(request, params.node)
    services.setting_set(
        actor=request.auth,
        node=node,
        rate_denominator=payload.rate_denominator,
        report_deadline=payload.report_deadline,
    )
    return _setting_out(request, node)
