"""Tips (举报) in the JSON API, for the officers (the public sends tips from its page, with
the CAPTCHA): list in the caller's scope (``view=all|queue|inbox|overdue``, ``status``), read
with the actions the caller may take now, take a step (dispatch, dismiss, reply, send_back,
close), download the photo. Each endpoint calls the service or selector its page calls. No
contact is ever in an answer: the page shows it, masked, to those who call back."""

import datetime
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate

from fugong.cases import tips
from fugong.cases.api import router
from fugong.cases.api_more import FILE_ANSWER
from fugong.cases.choices import TipStatus, Urgency
from fugong.cases.models import Category, Tip
from fugong.core.api_types import ErrorOut, Id, Pagination, Text
from fugong.core.errors import UserError
from fugong.core.files import file_response
from fugong.core.scope import scoped
from fugong.enterprises.models import Enterprise


class TipActionOut(Schema):
    action: str
    label: str
    needs_reason: bool


class TipOut(Schema):
    id: int
    number: str
    place: str
    enterprise_name: str
    enterprise_id: int | None
    text: str
    by_staff: bool
    has_contact: bool
    has_photo: bool
    status: TipStatus
    status_label: str
    revision: int
    category: str | None
    urgency: Urgency
    lead_office: str | None
    due: datetime.date | None
    overdue: bool
    reply: str
    on_time: bool | None
    dismissal: str
    created_at: datetime.datetime
    actions: list[TipActionOut] = Field(description="the steps you may take now")

    @staticmethod
    def resolve_place(obj: Tip) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_has_contact(obj: Tip) -> bool:
        return bool(obj.contact_name or obj.contact_phone)

    @staticmethod
    def resolve_has_photo(obj: Tip) -> bool:
        return bool(obj.photo)

    @staticmethod
    def resolve_status_label(obj: Tip) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_category(obj: Tip) -> str | None:
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_lead_office(obj: Tip) -> str | None:
        return obj.lead_office.name if obj.lead_office_id else None

    @staticmethod
    def resolve_overdue(obj: Tip) -> bool:
        return tips.overdue(obj)

    @staticmethod
    def resolve_actions(obj: Tip, context) -> list[dict]:
        user = context["request"].auth
        return [
            {"action": t.action, "label": str(t.label), "needs_reason": t.needs_reason}
            for t in tips.available_actions(user, obj)
        ]


class TipListQuery(Schema):
    view: Literal["all", "queue", "inbox", "overdue"] = "all"
    status: TipStatus | None = None


def _tip(request, pk: int) -> Tip:
    tip = tips.tip_list(request.auth).filter(pk=pk).first()
    if tip is None:
        raise Http404
    return tip


@router.get("/tips", response=list[TipOut])
@paginate(Pagination)
def tip_list(request, params: Query[TipListQuery]):
    """Tips in the caller's scope (command offices of their places, the departments they are
    dispatched to): all, to screen, to handle or overdue."""
    qs = {
        "all": tips.tip_list,
        "queue": tips.to_screen,
        "inbox": tips.inbox,
        "overdue": tips.overdue_list,
    }[params.view](request.auth)
    if params.status:
        qs = qs.filter(status=params.status)
    return qs


@router.get("/tips/{int:pk}", response={200: TipOut, 404: ErrorOut})
def tip_get(request, pk: int):
    return _tip(request, pk)


@router.get("/tips/{int:pk}/photo", response={404: ErrorOut}, openapi_extra=FILE_ANSWER)
def tip_photo(request, pk: int):
    """The photo, always downloaded (never shown in the browser), with nosniff."""
    tip = _tip(request, pk)
    if not tip.photo:
        raise Http404
    return file_response(
        tip.photo, kind=tip.photo_type, filename=f"{tip.number}.{tip.photo_type}", inline=False
    )


class TipStepIn(Schema):
    reason: Text = Field("", max_length=500, description="dismiss, send_back: the reason")
    reply: Text = Field("", max_length=2000, description="reply: what was found and done")
    category: str = Field("", max_length=30, description="dispatch: a category code")
    urgency: Urgency = Urgency.NORMAL
    lead: Id | None = Field(
        None, description="dispatch: the department (default: the routing table's)"
    )
    enterprise: Id | None = Field(None, description="dispatch: the enterprise matched")
    revision: int | None = Field(None, ge=0, description="the revision you read")


@router.post(
    "/tips/{int:pk}/{action}",
    response={200: TipOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def tip_step(request, pk: int, action: str, payload: TipStepIn):
    """Take a step: dispatch (category, urgency, lead, enterprise), dismiss (reason), reply
    (reply), send_back (reason), close."""
    user, tip = request.auth, _tip(request, pk)
    common = {"actor": user, "tip": tip, "revision": payload.revision}
    if action == "dispatch":
        category = Category.objects.filter(code=payload.category, is_active=True).first()
        if category is None:
            raise UserError(_("Choose a category in use."), code="category")
        lead = tips.departments_for(tip).filter(pk=payload.lead).first() if payload.lead else None
        if payload.lead and lead is None:
            raise UserError(
                _("Choose a department of the tip's town or above it."), code="department"
            )
        enterprise = None
        if payload.enterprise:
            enterprise = scoped(Enterprise.objects.filter(pk=payload.enterprise), user).first()
            if enterprise is None:
                raise Http404
        tip = tips.tip_dispatch(
            category=category, lead=lead, urgency=payload.urgency, enterprise=enterprise, **common
        )
    elif action == "dismiss":
        tip = tips.tip_dismiss(reason=payload.reason, **common)
    elif action == "reply":
        tip = tips.tip_reply(reply=payload.reply, **common)
    elif action == "send_back":
        tip = tips.tip_send_back(reason=payload.reason, **common)
    elif action == "close":
        tip = tips.tip_close(**common)
    else:
        raise Http404
    return _tip(request, tip.pk)
