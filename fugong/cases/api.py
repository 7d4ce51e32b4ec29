"""Requests (诉求) in the JSON API: list in the caller's scope (the dispatcher's queue, a
department's inbox, the overdue list), raise, read with the actions the caller may take now,
and take them; extension requests. Callbacks, notes, files, urges, visits, common problems,
the green channel and the figures: ``api_more.py``."""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from fugong.accounts.models import Office
from fugong.cases import selectors, services
from fugong.cases import workflow as W
from fugong.cases.choices import CaseStatus, Nature, Rating, Source, Urgency
from fugong.cases.models import Case, Category, Extension
from fugong.core.api_types import ErrorOut, Id, Pagination, Text
from fugong.core.errors import UserError
from fugong.core.scope import scoped
from fugong.enterprises.models import Enterprise

router = Router(tags=["requests"])


class CaseActionOut(Schema):
    action: str
    label: str
    needs_reason: bool


class CaseOut(Schema):
    id: int
    number: str
    enterprise_id: int
    enterprise: str
    category: str
    nature: Nature
    urgency: Urgency
    source: Source
    title: str
    text: str
    status: CaseStatus
    status_label: str
    revision: int
    lead_office: str | None
    offices: list[str]
    due: datetime.date | None
    overdue: bool
    reply: str
    on_time: bool | None
    rating: Rating | None
    reopened: bool
    created_at: datetime.datetime
    actions: list[CaseActionOut] = Field(description="the steps you may take now")

    @staticmethod
    def resolve_enterprise(obj: Case) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_category(obj: Case) -> str:
        return obj.category.name

    @staticmethod
    def resolve_status_label(obj: Case) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_lead_office(obj: Case) -> str | None:
        return obj.lead_office.name if obj.lead_office_id else None

    @staticmethod
    def resolve_offices(obj: Case) -> list[str]:
        return [o.name for o in obj.offices.all()]

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return W.overdue(obj)

    @staticmethod
    def resolve_rating(obj: Case) -> str | None:
        return obj.rating or None

    @staticmethod
    def resolve_actions(obj: Case, context) -> list[dict]:
        user = context["request"].auth
        return [
            {"action": t.action, "label": str(t.label), "needs_reason": t.needs_reason}
            for t in W.available_actions(user, obj)
        ]


class ListQuery(Schema):
    view: str = Field(
        "all", pattern="^(all|queue|inbox|overdue)$", description="all, queue, inbox, overdue"
    )
    status: CaseStatus | None = None


@router.get("", response=list[CaseOut])
@paginate(Pagination)
def case_list(request, params: Query[ListQuery]):
    """Requests in the caller's scope: all, the dispatcher's queue, the department's inbox or
    the overdue ones."""
    user = request.auth
    qs = {
        "all": selectors.case_list,
        "queue": selectors.dispatch_queue,
        "inbox": selectors.inbox,
        "overdue": selectors.overdue,
    }[params.view](user)
    if params.status:
        qs = qs.filter(status=params.status)
    return qs.prefetch_related("offices")


class CaseIn(Schema):
    enterprise: Id
    category: str = Field(max_length=30, description="a category code")
    nature: Nature = Nature.HELP
    urgency: Urgency = Urgency.NORMAL
    title: Text = Field(max_length=100)
    text: Text = Field(max_length=4000)
    from_visit: bool = Field(False, description="found on a visit (走访)")


def _case(request, pk: int) -> Case:
    case = selectors.case_list(request.auth).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


@router.post("", response={201: CaseOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def case_raise(request, payload: CaseIn):
    """Raise a request for an enterprise the caller may raise for (its own users, its park
    operator, its cadres and liaisons, the command offices above it)."""
    enterprise = scoped(Enterprise.objects.filter(pk=payload.enterprise), request.auth).first()
    category = Category.objects.filter(code=payload.category, is_active=True).first()
    if enterprise is None:
        raise Http404
    if category is None:
        raise UserError(_("Choose a category in use."), code="category")
    case = services.case_raise(
        actor=request.auth,
        enterprise=enterprise,
        category=category,
        nature=payload.nature,
        urgency=payload.urgency,
        title=payload.title,
        text=payload.text,
        source=Source.VISIT if payload.from_visit else None,
    )
    return Answer(201, case)


@router.get("/{int:pk}", response={200: CaseOut, 404: ErrorOut})
def case_get(request, pk: int):
    return _case(request, pk)


# Before the step route, whose {action} would take "extensions" for an action.
class ExtensionIn(Schema):
    days: int = Field(ge=1, le=30)
    reason: Text = Field(max_length=500)


class ExtensionOut(Schema):
    id: int
    days: int
    status: str


@router.post(
    "/{int:pk}/extensions",
    response={201: ExtensionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def extension_ask(request, pk: int, payload: ExtensionIn):
    e = services.extension_ask(
        actor=request.auth, case=_case(request, pk), days=payload.days, reason=payload.reason
    )
    return Answer(201, {"id": e.pk, "days": e.days, "status": e.status})


# The rest of the module (callbacks, notes, files, urges, visits, common problems, green
# channel, the figures): registered here, before the step route, for the same reason.
from fugong.cases import api_more, api_tips  # noqa: E402, F401  (api_tips: 举报)


class StepIn(Schema):
    reason: Text = Field("", max_length=500)
    reply: Text = Field("", max_length=4000)
    rating: Rating | None = None
    lead: Id | None = Field(None, description="dispatch: the department that replies")
    co: list[Id] = Field([], max_length=10, description="dispatch: co-handling departments")
    revision: int | None = Field(None, ge=0, description="the revision you read")


@router.post(
    "/{int:pk}/{action}",
    response={200: CaseOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def case_step(request, pk: int, action: str, payload: StepIn):
    """Take a step: dispatch, accept, return, reply, rate (rating; 不满意 reopens once),
    withdraw."""
    user, case = request.auth, _case(request, pk)
    common = {"actor": user, "case": case, "revision": payload.revision}
    if action == "dispatch":
        departments = services.departments_for(case)
        lead = departments.filter(pk=payload.lead).first() if payload.lead else None
        if lead is None:
            raise UserError(_("Choose the department that replies."), code="department")
        co = list(Office.objects.filter(pk__in=payload.co))
        case = services.case_dispatch(lead=lead, co=co, **common)
    elif action == "accept":
        case = services.case_accept(**common)
    elif action == "return":
        case = services.case_return(reason=payload.reason, **common)
    elif action == "reply":
        case = services.case_reply(reply=payload.reply, **common)
    elif action == "rate":
        case = services.case_rate(rating=payload.rating or "", reason=payload.reason, **common)
    elif action == "withdraw":
        case = services.case_withdraw(reason=payload.reason, **common)
    else:
        raise Http404
    return Case.objects.get(pk=case.pk)


class DecisionIn(Schema):
    approve: bool


@router.post(
    "/extensions/{int:pk}",
    response={200: ExtensionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def extension_decide(request, pk: int, payload: DecisionIn):
    e = scoped(Extension.objects.filter(pk=pk), request.auth).first()
    if e is None:
        raise Http404
    e = services.extension_decide(actor=request.auth, extension=e, approve=payload.approve)
    return {"id": e.pk, "days": e.days, "status": e.status}
