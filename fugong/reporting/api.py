"""Upward reporting in the JSON API, under /api/v1/stats beside the figures: the day's
submissions of a node and its children (the 催报 board), submitting, reopening and reminding.
Writes go through ``fugong.reporting.services``; errors become {"code", "message"} in
``fugong/core/api.py``. The routes keep the operation ids they had in ``fugong.stats.api``."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from fugong.accounts.models import Jurisdiction
from fugong.core.api_types import Count, Id
from fugong.core.errors import UserError
from fugong.reporting import selectors as reporting
from fugong.reporting import services
from fugong.reporting.selectors import SubmissionState
from fugong.reporting.workflow import available_actions
from fugong.stats import figures as F
from fugong.stats.api import (
    CellOut,
    DayText,
    ErrorOut,
    NodeDayQuery,
    NodeOut,
    Note,
    _cell,
    _day,
    _node,
    _node_out,
)

router = Router(tags=["stats"])

# --- schemas ---------------------------------------------------------------------------------


class EventOut(Schema):
    kind: str
    kind_label: str
    at: datetime.datetime
    actor: str | None
    reason: str


class SubmissionActionOut(Schema):
    action: str
    label: str
    needs_reason: bool
    endpoint: str = Field(description="Where to send it, relative to /api/v1")


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
    actions: list[SubmissionActionOut] = Field(
        description="What you may do with this day's report now (send the revision back)"
    )


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


# --- helpers ---------------------------------------------------------------------------------


def _submission(user, state: SubmissionState, *, with_events: bool = False) -> dict:
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
        "actions": [
            {
                "action": t.action,
                "label": str(t.label),
                "needs_reason": t.needs_reason,
                "endpoint": f"/stats/submissions/{t.action}",
            }
            for t in available_actions(user, state)
        ],
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


def _own(user, node: Jurisdiction, day: datetime.date) -> dict:
    return _submission(user, reporting.submission_state(node=node, day=day), with_events=True)


# --- upward reporting ------------------------------------------------------------------------


@router.get(
    "/submissions",
    response={200: BoardOut, 400: ErrorOut, 404: ErrorOut},
    operation_id="fugong_stats_api_submissions",
)
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
        "own": _own(user, node, day) if upward else None,
        "children": [_submission(user, row) for row in board.rows],
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
    operation_id="fugong_stats_api_submission_submit",
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
    return _own(request.auth, node, day)


@router.post(
    "/submissions/reopen",
    response={200: SubmissionDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="fugong_stats_api_submission_reopen",
)
def submission_reopen(request, payload: ReopenIn):
    """Reopen a submitted day of a node below you, with a reason the node sees."""
    node = _node(request, payload.node)
    day = _day(node, payload.day)
    services.submission_reopen(
        actor=request.auth, node=node, day=day, reason=payload.reason, revision=payload.revision
    )
    return _own(request.auth, node, day)


@router.post(
    "/submissions/remind",
    response={200: RemindOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="fugong_stats_api_submission_remind",
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
