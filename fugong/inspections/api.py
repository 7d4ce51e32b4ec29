"""Inspections in the JSON API: the caller's inspections (an inspector's own list, or all in
scope), one with its answers and the steps the caller may take, rectification orders (the
overdue ones), and the enterprise's report of what it put right. Filling a checklist (photos)
is done on its page."""

import datetime

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fugong.core.api_types import ErrorOut, Pagination, Text
from fugong.inspections import selectors, services, workflow
from fugong.inspections.choices import InspectionKind, InspectionStatus, OrderStatus
from fugong.inspections.models import Inspection, Rectification

router = Router(tags=["inspections"])


class InspectionOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    kind: InspectionKind
    status: InspectionStatus
    checklist: str
    planned_for: datetime.date
    due: datetime.date | None
    inspector: str | None
    office: str | None
    performed_at: datetime.datetime | None
    score: float | None
    passed: bool | None
    revision: int

    @staticmethod
    def resolve_enterprise(obj: Inspection) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_checklist(obj: Inspection) -> str:
        return str(obj.template)

    @staticmethod
    def resolve_inspector(obj: Inspection) -> str | None:
        return (obj.inspector.full_name or obj.inspector.username) if obj.inspector else None

    @staticmethod
    def resolve_office(obj: Inspection) -> str | None:
        return obj.office.name if obj.office else None


class AnswerOut(Schema):
    item: int
    text: str
    value: str
    number: float | None
    note: str
    failed: bool


class InspectionDetailOut(InspectionOut):
    opinion: str
    answers: list[AnswerOut]
    actions: list[str] = Field(description="the steps you may take now")
    rectification_id: int | None

    @staticmethod
    def resolve_answers(obj: Inspection) -> list[dict]:
        return [
            {
                "item": a.item.position,
                "text": a.item.text,
                "value": a.value,
                "number": a.number,
                "note": a.text,
                "failed": a.failed,
            }  # fmt: skip
            for a in obj.answers.select_related("item")
        ]

    @staticmethod
    def resolve_actions(obj: Inspection, context) -> list[str]:
        user = context["request"].auth
        return [t.action for t in workflow.INSPECTIONS.available(user, obj)]

    @staticmethod
    def resolve_rectification_id(obj: Inspection) -> int | None:
        return Rectification.objects.filter(inspection=obj).values_list("pk", flat=True).first()


class InspectionListQuery(Schema):
    view: str = Field("all", pattern="^(all|mine)$", description="mine: your planned ones")
    kind: InspectionKind | None = None
    status: InspectionStatus | None = None


@router.get("", response=list[InspectionOut])
@paginate(Pagination)
def inspection_list(request, params: Query[InspectionListQuery]):
    """Inspections in the caller's scope, or (view=mine) the planned ones named to them."""
    if params.view == "mine":
        return selectors.my_inspections(request.auth)
    qs = selectors.inspection_list(request.auth)
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.status:
        qs = qs.filter(status=params.status)
    return qs


@router.get("/{int:pk}", response={200: InspectionDetailOut, 404: ErrorOut})
def inspection_detail(request, pk: int):
    inspection = selectors.inspection_list(request.auth).filter(pk=pk).first()
    if inspection is None:
        raise Http404
    return inspection


class OrderOut(Schema):
    id: int
    number: str
    enterprise_id: int
    enterprise: str
    inspection_id: int
    items: list[dict]
    deadline: datetime.date
    status: OrderStatus
    overdue: bool
    report: str
    closed_at: datetime.datetime | None
    on_time: bool | None
    revision: int

    @staticmethod
    def resolve_enterprise(obj: Rectification) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_overdue(obj: Rectification) -> bool:
        return obj.status == OrderStatus.OPEN and obj.deadline < timezone.localdate()


class OrderListQuery(Schema):
    overdue: bool = Field(False, description="only those open past their deadline")
    status: OrderStatus | None = None


@router.get("/orders", response=list[OrderOut])
@paginate(Pagination)
def order_list(request, params: Query[OrderListQuery]):
    """Rectification orders (整改通知书) in the caller's scope; overdue=true: the open ones
    past their deadline, the oldest first."""
    if params.overdue:
        return selectors.overdue_orders(request.auth)
    qs = selectors.order_list(request.auth).order_by("-issued_at", "-id")
    return qs.filter(status=params.status) if params.status else qs


class RectificationReportIn(Schema):
    report: Text = Field(max_length=4000, description="what was done for each item")
    revision: int | None = Field(None, ge=0, description="the revision you read")


@router.post(
    "/orders/{int:pk}/report",
    response={200: OrderOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def order_report(request, pk: int, payload: RectificationReportIn):
    """The enterprise reports what it put right; the re-inspection is planned at once."""
    order = selectors.order_list(request.auth).filter(pk=pk).first()
    if order is None:
        raise Http404
    services.rectification_report(
        actor=request.auth, order=order, report=payload.report, revision=payload.revision
    )
    return selectors.order_list(request.auth).get(pk=pk)
