"""The rest of the requests module in the JSON API (issue 14 point 9): callbacks (回访), the
handling steps (帮办代办), attachments, 催办通知书, visits (走访) and their coverage, common
problems (共性问题), the green channel (绿色通道) and the requests' figures
(``/api/v1/stats/requests``).

Each endpoint calls the service or selector its page calls (``views.py``), over the caller's
data scope, so the rules and the sentences are the page's. Registered from ``api.py`` before
its step route ``POST /{pk}/{action}``, which would take any word after a request's id."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Schema
from ninja import Status as Answer
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fugong.accounts.selectors import active_memberships, command_jurisdictions
from fugong.cases import common, services, visits
from fugong.cases import workflow as W
from fugong.cases.api import _case, router
from fugong.cases.models import Case, CommonProblem, Urge, Visit, VisitTarget
from fugong.core.api_types import ErrorOut, Id, Pagination, Text
from fugong.core.errors import NotAllowed
from fugong.core.files import file_response
from fugong.core.jobs_api import JobOut
from fugong.core.scope import scoped
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import Enterprise, GreenChannel
from fugong.stats import figures as F
from fugong.stats import requests as stats_requests
from fugong.stats import selectors as stats_selectors
from fugong.stats.api import router as stats_router

# The models' choices inline (their enums are all named State or Kind, which the document's
# schema names would mix up).
VisitState = Literal[tuple(Visit.State.values)]
ProblemState = Literal[tuple(CommonProblem.State.values)]
TargetKind = Literal[tuple(VisitTarget.Kind.values)]

# A file's download: its bytes, always as an attachment (never shown inline).
FILE_ANSWER = {
    "responses": {
        "200": {
            "description": "The file, as an attachment (Content-Disposition: attachment)",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


def _name(user) -> str | None:
    return (user.full_name or user.username) if user is not None else None


def _command_place(request):
    """The command office's place (its first), as the pages take it; 403 for anyone else."""
    places = command_jurisdictions(request.auth)
    if not places:
        raise NotAllowed(_("For command offices."))
    return places[0]


# ---------------------------------------------------------------------------- callbacks


class CallbackIn(Schema):
    note: Text = Field(max_length=1000, description="what was said")
    reached: bool = Field(True, description="the enterprise was reached")


class CallbackOut(Schema):
    id: int
    at: datetime.datetime
    by: str | None
    reached: bool
    note: str

    @staticmethod
    def resolve_by(obj) -> str | None:
        return _name(obj.by)


def _dispatcher_case(request, pk: int) -> Case:
    case = _case(request, pk)
    if W.DISPATCHER not in W.actor_kinds(request.auth, case):
        raise NotAllowed(_("Only the request's dispatcher logs callbacks."))
    return case


@router.get("/{int:pk}/callbacks", response={200: list[CallbackOut], 403: ErrorOut, 404: ErrorOut})
@paginate(Pagination)
def callback_list(request, pk: int):
    """回访: the dispatcher's callbacks to the enterprise (the dispatcher only)."""
    return _dispatcher_case(request, pk).callbacks.select_related("by").order_by("at", "pk")


@router.post(
    "/{int:pk}/callbacks",
    response={201: CallbackOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def callback_add(request, pk: int, payload: CallbackIn):
    """Log a callback (the request's dispatcher, a command office of its place or above)."""
    callback = services.callback_log(
        actor=request.auth, case=_case(request, pk), note=payload.note, reached=payload.reached
    )
    return Answer(201, callback)


# ---------------------------------------------------------------------------- notes


class NoteIn(Schema):
    text: Text = Field(max_length=1000, description="the step taken")


class CaseNoteOut(Schema):
    id: int
    at: datetime.datetime
    by: str | None
    office: str | None
    text: str

    @staticmethod
    def resolve_by(obj) -> str | None:
        return _name(obj.by)

    @staticmethod
    def resolve_office(obj) -> str | None:
        return obj.office.name if obj.office_id else None


@router.get("/{int:pk}/notes", response={200: list[CaseNoteOut], 404: ErrorOut})
@paginate(Pagination)
def note_list(request, pk: int):
    """The handling steps logged by its departments (帮办代办), as its page shows them."""
    return _case(request, pk).notes.select_related("by", "office").order_by("at", "pk")


@router.post(
    "/{int:pk}/notes", response={201: CaseNoteOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def note_add(request, pk: int, payload: NoteIn):
    """Log a step of the handling (the lead or a co-handling department, while handling)."""
    note = services.note_add(actor=request.auth, case=_case(request, pk), text=payload.text)
    return Answer(201, note)


# ---------------------------------------------------------------------------- files


class CaseFileOut(Schema):
    id: int
    filename: str
    content_type: str = Field(description="the type told from its content: pdf, jpg, …")
    size: int
    uploaded_at: datetime.datetime


@router.get("/{int:pk}/files", response={200: list[CaseFileOut], 404: ErrorOut})
@paginate(Pagination)
def file_list(request, pk: int):
    return _case(request, pk).attachments.order_by("pk")


@router.post(
    "/{int:pk}/files",
    response={201: CaseFileOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def file_add(request, pk: int, file: File[UploadedFile]):  # noqa: B008
    """Attach a file (multipart, field ``file``: PDF, JPEG, PNG, Word .docx or Excel .xlsx,
    told from its content; images re-encoded): the enterprise's side until it is closed,
    its departments while handling; at most 5 a request."""
    attachment = services.attachment_add(actor=request.auth, case=_case(request, pk), upload=file)
    return Answer(201, attachment)


@router.get("/{int:pk}/files/{int:file_id}", response={404: ErrorOut}, openapi_extra=FILE_ANSWER)
def file_get(request, pk: int, file_id: int):
    """The file, always downloaded (never shown in the browser), with nosniff."""
    f = _case(request, pk).attachments.filter(pk=file_id).first()
    if f is None:
        raise Http404
    return file_response(f.file, kind=f.content_type, filename=f.filename, inline=False)


# ---------------------------------------------------------------------------- urges


class UrgeOut(Schema):
    id: int
    number: str
    case_id: int
    case_number: str
    case_title: str
    enterprise: str
    level: int = Field(description="levels above the request's town")
    issuer: str = Field(description="the command office's place that issued it")
    office: str | None = Field(description="the department urged")
    due_was: datetime.date
    issued_at: datetime.datetime
    reply_days: int = Field(description="working days to answer it")

    @staticmethod
    def resolve_case_number(obj) -> str:
        return obj.case.number

    @staticmethod
    def resolve_case_title(obj) -> str:
        return obj.case.title

    @staticmethod
    def resolve_enterprise(obj) -> str:
        return obj.case.enterprise.name

    @staticmethod
    def resolve_issuer(obj) -> str:
        return obj.issuer.name

    @staticmethod
    def resolve_office(obj) -> str | None:
        return obj.office.name if obj.office_id else None

    @staticmethod
    def resolve_reply_days(obj) -> int:
        return services.URGE_EVERY


class UrgeQuery(Schema):
    case: Id | None = Field(None, description="only this request's")


def _urges(request):
    return scoped(
        Urge.objects.select_related("case__enterprise", "issuer", "office"), request.auth
    ).order_by("-issued_at", "-pk")


@router.get("/urges", response=list[UrgeOut])
@paginate(Pagination)
def urge_list(request, params: Query[UrgeQuery]):
    """催办通知书 in your scope, newest first."""
    qs = _urges(request)
    return qs.filter(case_id=params.case) if params.case else qs


@router.get("/urges/{int:pk}", response={200: UrgeOut, 404: ErrorOut})
def urge_get(request, pk: int):
    notice = _urges(request).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


# ---------------------------------------------------------------------------- visits


class VisitOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    visitor: str | None
    day: datetime.date
    state: VisitState
    state_label: str
    asked_by_enterprise: bool
    met: str
    findings: str
    photos: list[int] = Field(description="photo ids: GET …/visits/{id}/photos/{photo}")
    cases: list[int] = Field(description="the requests raised from it")

    @staticmethod
    def resolve_enterprise(obj) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_visitor(obj) -> str | None:
        return _name(obj.visitor)

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_photos(obj) -> list[int]:
        return [p.pk for p in obj.photos.all()]

    @staticmethod
    def resolve_cases(obj) -> list[int]:
        return [c.pk for c in obj.cases.all()]


class VisitIn(Schema):
    enterprise: Id
    day: datetime.date
    asked: bool = Field(
        False, description="the enterprise asked for it (无事不扰 does not count it)"
    )


class VisitRecordIn(Schema):
    met: Text = Field("", max_length=200, description="whom you met")
    findings: Text = Field(max_length=4000, description="what was found")
    day: datetime.date | None = Field(None, description="the day it was made; default: today")


def _visitor(request) -> None:
    if not {m.role for m in active_memberships(request.auth)} & visits.VISITORS:
        raise NotAllowed(_("For cadres and command offices."))


def _visits(request):
    return scoped(
        Visit.objects.select_related("enterprise", "visitor").prefetch_related("photos", "cases"),
        request.auth,
    )


def _visit(request, pk: int) -> Visit:
    v = _visits(request).filter(pk=pk).first()
    if v is None:
        raise Http404
    return v


@router.get("/visits", response={200: list[VisitOut], 403: ErrorOut})
@paginate(Pagination)
def visit_list(request):
    """The visits in your scope (cadres and command offices), latest day first."""
    _visitor(request)
    return _visits(request).order_by("-day", "-pk")


@router.post("/visits", response={201: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def visit_plan(request, payload: VisitIn):
    """Plan a visit (无事不扰: over the limit in the period it is a 400 with code quiet
    unless ``asked``)."""
    _visitor(request)
    enterprise = scoped(Enterprise.objects.filter(pk=payload.enterprise), request.auth).first()
    if enterprise is None:
        raise Http404
    v = visits.visit_plan(
        actor=request.auth, enterprise=enterprise, day=payload.day, asked=payload.asked
    )
    return Answer(201, _visit(request, v.pk))


class VisitDueOut(Schema):
    enterprise_id: int
    enterprise: str
    last_visit: datetime.date | None
    every_days: int


@router.get("/visits/due", response={200: list[VisitDueOut], 403: ErrorOut})
@paginate(Pagination)
def visit_due(request):
    """Your own enterprises (包保) not visited within their target's period."""
    _visitor(request)
    return [
        {"enterprise_id": e.pk, "enterprise": e.name, "last_visit": last, "every_days": days}
        for e, last, days in visits.my_due(request.auth)
    ]


class CoverageMissingOut(Schema):
    enterprise_id: int
    enterprise: str
    cadres: list[str]


class CoverageOut(Schema):
    target_id: int
    kind: TargetKind
    kind_label: str
    days: int = Field(description="the period: visited within this many days")
    enterprises: int
    visited: int
    rate: Decimal | None = Field(description="visited ÷ enterprises, in percent")
    missing: list[CoverageMissingOut] = Field(description="not visited, first 200, by name")


class CoveragePlaceOut(Schema):
    id: int
    name: str


class VisitCoverageOut(Schema):
    place: CoveragePlaceOut
    targets: list[CoverageOut]


@router.get("/visits/coverage", response={200: VisitCoverageOut, 403: ErrorOut})
def visit_coverage(request):
    """走访覆盖 of each visit target under your command office's place."""
    place = _command_place(request)
    rows = visits.coverage(user=request.auth, node=place)
    return {
        "place": {"id": place.pk, "name": place.name},
        "targets": [
            {
                "target_id": c.target.pk,
                "kind": c.target.kind,
                "kind_label": str(c.target.get_kind_display()),
                "days": c.target.days,
                "enterprises": c.enterprises,
                "visited": c.visited,
                "rate": c.rate,
                "missing": [
                    {"enterprise_id": e.pk, "enterprise": e.name, "cadres": cadres}
                    for e, cadres in c.missing
                ],
            }
            for c in rows
        ],
    }


@router.get("/visits/{int:pk}", response={200: VisitOut, 404: ErrorOut})
def visit_get(request, pk: int):
    return _visit(request, pk)


@router.post(
    "/visits/{int:pk}/record",
    response={200: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def visit_record(
    request,
    pk: int,
    data: Form[VisitRecordIn],
    photos: File[list[UploadedFile]] = None,  # noqa: B008
):
    """Record the visit made (multipart: met, findings, day; photos: up to 5 JPEG or PNG)."""
    v = _visit(request, pk)
    visits.visit_record(
        actor=request.auth,
        visit=v,
        met=data.met,
        findings=data.findings,
        day=data.day,
        photos=photos or [],
    )
    return _visit(request, pk)


@router.post(
    "/visits/{int:pk}/cancel", response={200: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def visit_cancel(request, pk: int):
    visits.visit_cancel(actor=request.auth, visit=_visit(request, pk))
    return _visit(request, pk)


@router.get(
    "/visits/{int:pk}/photos/{int:photo}", response={404: ErrorOut}, openapi_extra=FILE_ANSWER
)
def visit_photo(request, pk: int, photo: int):
    p = _visit(request, pk).photos.filter(pk=photo).first()
    if p is None:
        raise Http404
    return file_response(
        p.file, kind=p.content_type, filename=f"visit-{pk}-{photo}.{p.content_type}", inline=False
    )


# ---------------------------------------------------------------------------- common problems


class CommonMemberOut(Schema):
    id: int
    number: str
    title: str
    enterprise_id: int
    enterprise: str

    @staticmethod
    def resolve_enterprise(obj) -> str:
        return obj.enterprise.name


class CommonProblemOut(Schema):
    id: int
    place: str
    category: str
    keywords: str
    enterprises: int = Field(description="how many enterprises raised it")
    state: ProblemState
    state_label: str
    question: str = Field(description="the policy question, once turned into one")
    decided_by: str | None
    decided_at: datetime.datetime | None
    created_at: datetime.datetime
    members: list[CommonMemberOut]

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return _name(obj.decided_by)

    @staticmethod
    def resolve_members(obj) -> list:
        return list(obj.members.all())


class CommonQuery(Schema):
    state: ProblemState | None = None


class CommonDecisionIn(Schema):
    state: str = Field(max_length=20, description="policy or dismissed")
    question: Text = Field("", max_length=2000, description="the policy question (policy)")


def _problems(request):
    return scoped(
        CommonProblem.objects.select_related("category", "decided_by", "jurisdiction"),
        request.auth,
    )


@router.get("/common", response={200: list[CommonProblemOut], 403: ErrorOut})
@paginate(Pagination)
def common_list(request, params: Query[CommonQuery]):
    """共性问题 of your command office's place: each group with its requests."""
    place = _command_place(request)
    qs = _problems(request).filter(jurisdiction__path__startswith=place.path)
    if params.state:
        qs = qs.filter(state=params.state)
    return qs.prefetch_related("members__enterprise").order_by("-enterprises", "pk")


@router.post("/common/grouping", response={202: JobOut, 400: ErrorOut, 403: ErrorOut})
def common_group(request):
    """Group the place's requests again, in the background (GET /api/v1/jobs/{id})."""
    job = common.grouping_start(actor=request.auth, place=_command_place(request))
    return Answer(202, job)


@router.post(
    "/common/{int:pk}",
    response={200: CommonProblemOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def common_decide(request, pk: int, payload: CommonDecisionIn):
    """Turn it into a policy question (state policy, with the question) or dismiss it."""
    problem = _problems(request).filter(pk=pk).first()
    if problem is None:
        raise Http404
    common.decide(
        actor=request.auth, problem=problem, state=payload.state, question=payload.question
    )
    return _problems(request).prefetch_related("members__enterprise").get(pk=pk)


# ---------------------------------------------------------------------------- green channel


class GreenChannelOut(Schema):
    enterprise_id: int
    enterprise: str
    active: bool
    why: str
    set_by: str | None
    updated_at: datetime.datetime | None

    @staticmethod
    def resolve_enterprise(obj) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.is_active

    @staticmethod
    def resolve_set_by(obj) -> str | None:
        return _name(obj.set_by)


class GreenIn(Schema):
    enterprise: Id
    on: bool = Field(True, description="true: put it on the green channel; false: take it off")
    reason: Text = Field("", max_length=1000, description="why (needed to put it on)")


@router.get("/green", response={200: list[GreenChannelOut], 403: ErrorOut})
@paginate(Pagination)
def green_list(request):
    """绿色通道: the enterprises put first in every queue, in your scope (command offices)."""
    _command_place(request)
    channels = scoped(
        GreenChannel.objects.filter(is_active=True).select_related("enterprise", "set_by"),
        request.auth,
    ).order_by("enterprise__name", "pk")
    return channels


@router.post("/green", response={200: GreenChannelOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def green_set(request, payload: GreenIn):
    """Put an enterprise on the green channel (with the reason) or take it off (the command
    offices whose place holds it)."""
    _command_place(request)
    enterprise = scoped(Enterprise.objects.filter(pk=payload.enterprise), request.auth).first()
    if enterprise is None:
        raise Http404
    channel = enterprise_services.green_channel_set(
        actor=request.auth, enterprise=enterprise, on=payload.on, reason=payload.reason
    )
    if channel is None:  # taken off one that was never on: nothing stored
        return GreenChannel(enterprise=enterprise, is_active=False, why="")
    return GreenChannel.objects.select_related("enterprise", "set_by").get(pk=channel.pk)


# ---------------------------------------------------------------------------- figures


class RequestCellOut(Schema):
    """As of the end of the day: received (not withdrawn), replied, replied on time, overdue
    (with a department past the reply date), urged, rated and content (满意 or 基本满意);
    回复率, 按期办结率 and 满意率 in percent, null when there is nothing to divide by."""

    received: int
    replied: int
    on_time: int
    overdue: int
    urged: int
    rated: int
    content: int
    reply_rate: Decimal | None
    on_time_rate: Decimal | None
    satisfaction: Decimal | None


class RequestRowOut(RequestCellOut):
    id: int
    name: str


class RequestNodeOut(Schema):
    id: int
    code: str
    name: str
    level: str


class RequestFiguresOut(Schema):
    node: RequestNodeOut
    day: datetime.date
    totals: RequestCellOut
    direct: RequestCellOut = Field(description="the requests of the node itself")
    children: list[RequestRowOut]
    departments: list[RequestRowOut]
    categories: list[RequestRowOut]


class RequestFiguresQuery(Schema):
    node: Id | None = Field(None, description="A jurisdiction id; default: your own")
    day: Annotated[str, Field(max_length=40, description="YYYY-MM-DD; empty: today")] | None = None


@stats_router.get(
    "/requests", response={200: RequestFiguresOut, 400: ErrorOut, 404: ErrorOut}, tags=["stats"]
)
def request_figures(request, params: Query[RequestFiguresQuery]):
    """The enterprises' requests of a node as of the end of a day, over what you may see (the
    dashboard's figures): in all, on the node itself, per child jurisdiction, per department
    and per category. Definitions: docs/statistics.md, "Requests"."""
    node = stats_selectors.visible_node(user=request.auth, value=params.node, default_top=True)
    day = F.parse_day(params.day)
    F.check_day(node, day)
    figures = stats_requests.compute(user=request.auth, node=node, day=day)
    if figures is None:
        raise Http404

    def row(r) -> dict:
        key = r.key.pk if hasattr(r.key, "pk") else r.key
        return {**r.cell.as_dict(), "id": key, "name": r.name}

    return {
        "node": {"id": node.pk, "code": node.code, "name": node.name, "level": node.level},
        "day": day,
        "totals": figures.total.as_dict(),
        "direct": figures.direct.as_dict(),
        "children": [row(r) for r in figures.children],
        "departments": [row(r) for r in figures.departments],
        "categories": [row(r) for r in figures.categories],
    }
