"""Statistics API at /api/v1/stats: every figure of the dashboards, the trend, upward reporting
(submissions, reminders, reopening), the statistics settings and the generated reports.

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

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from fugong.accounts.models import Jurisdiction
from fugong.core.api_types import Count, ErrorOut, Id, Text
from fugong.core.errors import UserError
from fugong.enterprises.choices import Ledger
from fugong.stats import figures as F
from fugong.stats import reporting, services
from fugong.stats import selectors as stats_selectors
from fugong.stats.choices import Denominator
from fugong.stats.reporting import SubmissionState

router = Router(tags=["stats"])

DayText = Annotated[str, Field(max_length=40, description="YYYY-MM-DD; empty: today")]
Note = Annotated[Text, Field(max_length=500)]
LongText = Annotated[Text, Field(max_length=5000)]  # reports.jobs.MAX_TEXT

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


class EventOut(Schema):
    kind: str
    kind_label: str
    at: datetime.datetime
    actor: str | None
    reason: str


class SubmissionOut(Schema):
    node: NodeOut
    day: datetime.date
    status: str
    status_label: str
    is_zero: bool
    note: str
    submitted_at: datetime.datetime | None
    submitted_by: str | None
    deadline: datetime.datetime | None
    is_late: bool
    reminders: int
    last_reminded_at: datetime.datetime | None
    revision: int
    reopened_reason: str = Field(description="Why the day was reopened (while reopened)")
    totals: CellOut | None = Field(description="The submitted figures (while submitted)")


class SubmissionDetailOut(SubmissionOut):
    events: list[EventOut]


class SummaryOut(Schema):
    total: int
    submitted: int
    not_submitted: int
    late: int


class BoardOut(Schema):
    node: NodeOut
    day: datetime.date
    reports_upward: bool = Field(description="Towns, streets and the levels above report")
    own: SubmissionDetailOut | None
    children: list[SubmissionOut] = Field(description="The nodes reporting to this one")
    summary: SummaryOut = Field(description="Over the children")
    can_submit: bool
    can_oversee: bool = Field(description="May remind the children and reopen their days")


class SubmitIn(Schema):
    node: Id
    day: DayText | None = None
    zero: bool = False
    note: Note = ""
    revision: Count | None = Field(
        None, description="The revision you read; a stale one is answered with 409."
    )


class ReopenIn(Schema):
    node: Id
    day: DayText | None = None
    reason: Note
    revision: Count | None = None


class RemindIn(Schema):
    node: Id = Field(description="The parent whose children are reminded")
    day: DayText | None = None
    children: list[Id] | None = Field(
        None, max_length=1000, description="Default: every child that has not submitted"
    )


class RemindOut(Schema):
    reminded: int


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


class ReportIn(Schema):
    node: Id
    day: DayText | None = None
    kind: Annotated[Text, Field(max_length=40)]
    next_steps: LongText = ""
    problems: LongText = ""


class ReportStartedOut(Schema):
    job_id: int
    url: str = Field(description="Follow the job here (its status and progress)")
    file_url: str = Field(description="Download the report here once the job is done")
    page_url: str = Field(description="The job's page with its progress bar and download")


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
    ledgers = {key: cell.ledger(key) for key in Ledger.values}
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


def _submission(state: SubmissionState, *, with_events: bool = False) -> dict:
    totals = None
    if state.is_submitted and state.submission.data:
        frozen = F.Figures.from_dict(
            state.submission.data, node=state.node, children={}, source="submission"
        )
        totals = _cell(frozen.total, frozen.denominator)
    out = {
        "node": _node_out(state.node),
        "day": state.day,
        "status": state.status,
        "status_label": state.status_label,
        "is_zero": state.is_zero,
        "note": state.note,
        "submitted_at": state.submitted_at,
        "submitted_by": state.submitted_by.display_name if state.submitted_by else None,
        "deadline": state.deadline,
        "is_late": state.late,
        "reminders": state.reminders,
        "last_reminded_at": state.last_reminded_at,
        "revision": state.revision,
        "reopened_reason": state.reopened_reason,
        "totals": totals,
    }
    if with_events:
        out["events"] = [
            {
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "at": e.at,
                "actor": e.actor.display_name if e.actor else None,
                "reason": e.reason,
            }
            for e in reporting.submission_events(state)
        ]
    return out


def _own(node: Jurisdiction, day: datetime.date) -> dict:
    return _submission(reporting.submission_state(node=node, day=day), with_events=True)


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


# --- upward reporting ------------------------------------------------------------------------


@router.get("/submissions", response={200: BoardOut, 400: ErrorOut, 404: ErrorOut})
def submissions(request, params: Query[NodeDayQuery]):
    """Upward reporting of the day: the node's own report (with its history; null for a node
    that does not report upwards, such as a village) and the report of each node reporting to
    it (the 催报 board), with what you may do."""
    user = request.auth
    node = _node(request, params.node)
    day = _day(node, params.day)
    board = reporting.submission_board(user=user, node=node, day=day)
    upward = reporting.reports_upward(node)
    return {
        "node": _node_out(node),
        "day": day,
        "reports_upward": upward,
        "own": _own(node, day) if upward else None,
        "children": [_submission(row) for row in board.rows],
        "summary": {
            "total": board.total,
            "submitted": board.submitted,
            "not_submitted": board.not_submitted,
            "late": board.late,
        },
        "can_submit": upward and services.can_submit(user, node),
        "can_oversee": bool(board.rows) and services.can_oversee(user, board.rows[0].node),
    }


@router.post(
    "/submissions/submit",
    response={200: SubmissionDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def submission_submit(request, payload: SubmitIn):
    """Submit the node's figures for the day (computed, never typed); the day is then locked
    for the node. ``zero``: a zero report, refused (not_zero) if a unit resumed on the day.
    409: already submitted, or the revision is stale; 403: not the node's command office."""
    node = _node(request, payload.node)
    day = _day(node, payload.day)
    services.submission_submit(
        actor=request.auth,
        node=node,
        day=day,
        zero=payload.zero,
        note=payload.note,
        revision=payload.revision,
    )
    return _own(node, day)


@router.post(
    "/submissions/reopen",
    response={200: SubmissionDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def submission_reopen(request, payload: ReopenIn):
    """Reopen a submitted day of a node below you, with a reason the node sees."""
    node = _node(request, payload.node)
    day = _day(node, payload.day)
    services.submission_reopen(
        actor=request.auth, node=node, day=day, reason=payload.reason, revision=payload.revision
    )
    return _own(node, day)


@router.post(
    "/submissions/remind",
    response={200: RemindOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def submission_remind(request, payload: RemindIn):
    """Remind children of ``node`` to submit the day (催报): those listed in ``children``, or
    every child that has not submitted. Children that have submitted are skipped."""
    node = _node(request, payload.node)
    day = _day(node, payload.day)
    board = reporting.submission_board(user=request.auth, node=node, day=day)
    if payload.children is None:
        chosen = [row.node for row in board.waiting]
    else:
        by_id = {row.node.pk: row.node for row in board.rows}
        unknown = [pk for pk in payload.children if pk not in by_id]
        if unknown:
            raise UserError(
                _("%(id)s is not a jurisdiction in your area that reports to %(name)s.")
                % {"id": unknown[0], "name": node.name},
                code="not_found",
                status=404,
            )
        chosen = [by_id[pk] for pk in dict.fromkeys(payload.children)]
    reminded = services.submission_remind(actor=request.auth, nodes=chosen, day=day)
    return {"reminded": reminded}


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


# --- reports ---------------------------------------------------------------------------------


@router.post(
    "/reports", response={202: ReportStartedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def report_start(request, payload: ReportIn):
    """Generate a report in the background: kind daily, zero, ledgers (xlsx), narrative_town or
    narrative_county (docx; next_steps and problems fill its free-text parts). Follow the job at
    ``url`` and download the file from ``file_url``."""
    node = _node(request, payload.node)
    day = _day(node, payload.day)
    from fugong.stats.reports import start_report

    job = start_report(
        user=request.auth,
        node=node,
        day=day,
        kind=payload.kind,
        next_steps=payload.next_steps,
        problems=payload.problems,
    )
    job_id = getattr(job, "pk", job)
    return Status(
        202,
        {
            "job_id": job_id,
            "url": reverse("api:job", kwargs={"job_id": job_id}),
            "file_url": reverse("api:job_file", kwargs={"job_id": job_id}),
            "page_url": reverse("core:job", args=[job_id]),
        },
    )
