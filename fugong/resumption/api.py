"""Resumption filings API: the same scope, services and state machine as the pages.

Every endpoint finds its filing through ``selectors.filing_get`` (a filing outside the caller's
scope is a 404, exactly like a missing one) and writes through ``services``; the errors those
raise (UserError, Conflict, NotAllowed, ValidationError, RulesFailed) become JSON in
``fugong/core/api.py``."""

import datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fugong.accounts.models import User
from fugong.accounts.selectors import sees_personal_data
from fugong.core.api_types import ID_MAX, Count, ErrorOut, Id, Pagination, Text
from fugong.core.masking import mask_text
from fugong.enterprises.selectors import enterprise_get
from fugong.resumption import checks, selectors, services, workflow
from fugong.resumption.choices import VALID, Mode, RuleCode
from fugong.resumption.choices import Status as FilingStatus
from fugong.resumption.models import APPLICATION_FIELDS, Filing, Notice

router = Router(tags=["resumption"])

Litres = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=1)]


# --- schemas ---------------------------------------------------------------------------------


class ApplicationSchema(Schema):
    """The application (seed 004's 备案材料); the same fields as the page's form."""

    leading_group: Text = ""
    disinfection_measures: Text = ""
    masks: Count = 0
    gloves: Count = 0
    protective_suits: Count = 0
    thermometers: Count = 0
    alcohol_litres: Litres = Decimal(0)
    disinfectant_litres: Litres = Decimal(0)
    staff_local: Count = 0
    staff_city: Count = 0
    staff_province: Count = 0
    staff_other_province: Count = 0
    return_plan: Text = ""
    has_isolation_room: bool = False
    isolation_room: Text = ""
    planned_date: datetime.date | None = None
    risk_assessment: Text = ""
    emergency_plan: Text = ""
    production_plan: Text = ""
    has_orders: bool = False
    has_canteen: bool = False
    canteen_measures: Text = ""
    has_dormitory: bool = False
    dormitory_per_room: Count | None = None
    dormitory_measures: Text = ""
    has_commuter_bus: bool = False
    commuter_bus: Text = ""


class FilingCreateIn(ApplicationSchema):
    enterprise_id: Id


class FilingUpdateIn(ApplicationSchema):
    revision: int | None = Field(
        None, description="The revision you read; a stale one is answered with 409."
    )


class RevisionIn(Schema):
    revision: int | None = None


class TransitionIn(Schema):
    reason: Annotated[Text, Field(max_length=2000)] = ""
    revision: int | None = None


class ScheduleIn(Schema):
    date: datetime.date
    inspector_id: Id | None = None
    revision: int | None = None


class ResumedIn(Schema):
    date: datetime.date
    returned_count: int | None = Field(
        default=None,
        ge=0,
        description="Staff back at work (返岗人数); the filing's returning staff if not given",
    )


class FilingQuery(Schema):
    status: list[FilingStatus] | None = None
    mode: Mode | None = None
    enterprise_id: Id | None = None


class QueueQuery(Schema):
    office_id: Id | None = None
    overdue: bool = False


class OfficeRef(Schema):
    id: int
    name: str


class FilingOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    jurisdiction_id: int
    jurisdiction_name: str
    group_id: int | None
    mode: str
    mode_label: str
    status: str
    status_label: str
    revision: int
    planned_date: datetime.date | None
    submitted_at: datetime.datetime | None
    priority: int
    needs_county_approval: bool
    stage_due: datetime.date | None
    overdue: bool
    lead_office: OfficeRef | None
    resumed_on: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_enterprise_name(obj) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_jurisdiction_name(obj) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_mode_label(obj) -> str:
        return str(obj.get_mode_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return selectors.is_overdue(obj)

    @staticmethod
    def resolve_lead_office(obj):
        return _office(obj.lead_office)


class RuleOut(Schema):
    code: str
    label: str
    outcome: str = Field(description="pass, fail or escalate (passes; the county approves)")
    message: str
    detail: dict


class FilingEventOut(Schema):
    at: datetime.datetime
    action: str
    actor: str
    office: OfficeRef | None
    from_status: str
    to_status: str
    reason: str


class AttachmentOut(Schema):
    id: int
    kind: str
    kind_label: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class AcceptanceOut(Schema):
    id: int
    scheduled_for: datetime.date
    inspector: str | None
    performed_at: datetime.datetime | None
    passed: bool | None
    opinion: str


class ActionOut(Schema):
    action: str
    label: str
    needs_reason: bool
    endpoint: str | None = Field(
        description="Where to send it, relative to /api/v1; null: on the pages only"
    )


class NoticeOut(Schema):
    id: int
    filing_id: int
    number: str
    jurisdiction_id: int
    issued_at: datetime.datetime
    revoked: bool


class FilingDetailOut(FilingOut):
    versions_count: int
    routed_offices: list[OfficeRef]
    application: ApplicationSchema
    rules: list[RuleOut]
    missing: list[dict] = Field(description="Everything to fix, told at once (一次性告知)")
    attachments: list[AttachmentOut]
    acceptances: list[AcceptanceOut]
    events: list[FilingEventOut]
    actions: list[ActionOut] = Field(description="What the caller may do now")
    can_confirm_resumption: bool
    can_attach: bool = Field(
        description="Whether the caller may add or remove attachments now (draft, returned, "
        "acceptance failed; the enterprise or its park operator)"
    )
    notice: NoticeOut | None

    @staticmethod
    def resolve_routed_offices(obj) -> list:
        return list(obj.routed_offices.order_by("pk"))

    @staticmethod
    def resolve_application(obj, context) -> dict:
        data = {name: getattr(obj, name) for name in APPLICATION_FIELDS}
        # Phones and ID numbers in the free text only for those who need them.
        if not sees_personal_data(context["request"].auth, enterprise_id=obj.enterprise_id):
            for name in Filing.audit_masked_fields:
                if isinstance(data.get(name), str):
                    data[name] = mask_text(data[name])
        return data

    @staticmethod
    def resolve_rules(obj) -> list[dict]:
        return [_rule(r) for r in obj.rule_results or []]

    @staticmethod
    def resolve_missing(obj) -> list[dict]:
        return obj.missing or []

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(selectors.filing_attachments(obj))

    @staticmethod
    def resolve_acceptances(obj) -> list[dict]:
        return [
            {
                "id": a.pk,
                "scheduled_for": a.scheduled_for,
                "inspector": a.inspector.display_name if a.inspector else None,
                "performed_at": a.performed_at,
                "passed": a.passed,
                "opinion": a.opinion,
            }
            for a in obj.acceptances.select_related("inspector").order_by("-pk")
        ]

    @staticmethod
    def resolve_events(obj) -> list[dict]:
        return [
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor_name,
                "office": _office(e.office),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
            }
            for e in selectors.filing_events(obj)
        ]

    @staticmethod
    def resolve_actions(obj, context) -> list[dict]:
        return [
            {
                "action": t.action,
                "label": str(t.label),
                "needs_reason": t.needs_reason,
                "endpoint": _endpoint(obj, t.action),
            }
            for t in workflow.available_actions(context["request"].auth, obj)
        ]

    @staticmethod
    def resolve_can_confirm_resumption(obj, context) -> bool:
        kinds = workflow.actor_kinds(context["request"].auth, obj)
        return (
            obj.status in VALID
            and not obj.resumed_on
            and bool(kinds & {workflow.ENTERPRISE, workflow.INSPECTOR, workflow.APPROVER})
        )

    @staticmethod
    def resolve_can_attach(obj, context) -> bool:
        return workflow.may_change(context["request"].auth, obj)

    @staticmethod
    def resolve_notice(obj):
        return Notice.objects.filter(filing=obj).first()


class RuleResultOut(Schema):
    code: str
    outcome: str
    message: str
    detail: dict


class RulesFailedOut(ErrorOut):
    rules: list[RuleResultOut] = Field(description="Every rule checked, failed or not")
    missing_attachments: list[str] = Field(
        default_factory=list,
        description="Attachment kinds the filing's mode asks for and the filing lacks",
    )


# --- helpers ---------------------------------------------------------------------------------


def _filing(request, filing_id: int) -> Filing:
    if not 0 < filing_id <= ID_MAX:
        raise Http404
    try:
        return selectors.filing_get(user=request.auth, pk=filing_id)
    except Filing.DoesNotExist as exc:
        raise Http404 from exc


def _office(office) -> dict | None:
    return {"id": office.pk, "name": office.name} if office else None


def _rule(result: dict) -> dict:
    code = result.get("code", "")
    return {
        "code": code,
        "label": checks.rule_label(code) if code in RuleCode.values else code,
        "outcome": result.get("outcome", ""),
        "message": checks.describe(result),
        "detail": result.get("detail") or {},
    }


def _endpoint(filing: Filing, action: str) -> str | None:
    base = f"/filings/{filing.pk}"
    if action == "submit":
        return f"{base}/submit"
    if action == "schedule_acceptance":
        return f"{base}/acceptance/schedule"
    if action == "issue_notice":
        return f"{base}/notice"
    if action in TRANSITION_ACTIONS:
        return f"{base}/transitions/{action}"
    return None  # the on-site checklist (pass / fail acceptance) is recorded on its page


def _detail(request, filing_id: int) -> Filing:
    """The filing as the caller sees it now (read again after a write)."""
    return _filing(request, filing_id)


def _inspector(filing: Filing, inspector_id: int | None) -> User | None:
    """The chosen inspector, if they may inspect this filing (a member of a routed office, a
    cadre assigned to the enterprise or the chief of its grid); anyone else is refused without
    saying who they are."""
    if inspector_id is None:
        return None
    person = User.objects.filter(pk=inspector_id, is_active=True).first()
    if person is None or workflow.INSPECTOR not in workflow.actor_kinds(person, filing):
        raise ValidationError(
            {
                "inspector_id": _(
                    "Choose a member of a reviewing office, a cadre assigned to the enterprise "
                    "or the chief of its grid."
                )
            }
        )
    return person


# Transitions without a form of their own: POST /filings/{id}/transitions/{action}.
TRANSITION_ACTIONS = ("start_review", "return", "reject", "record", "approve", "withdraw")


# --- endpoints -------------------------------------------------------------------------------


@router.get("", response=list[FilingOut])
@paginate(Pagination)
def filings(request, filters: Query[FilingQuery]):
    """Filings in the caller's scope, newest first; filter by status (repeatable), mode and
    enterprise_id."""
    qs = selectors.filing_list(user=request.auth)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    if filters.enterprise_id is not None:
        qs = qs.filter(enterprise_id=filters.enterprise_id)
    return qs


@router.get("/queue", response=list[FilingOut])
@paginate(Pagination)
def queue(request, filters: Query[QueueQuery]):
    """Filings waiting for government in the caller's scope (a reviewer: those routed to their
    office), most urgent first; office_id narrows to one routed office, overdue=true to those
    past their stage's time limit."""
    return selectors.review_queue(
        user=request.auth, office_id=filters.office_id, overdue_only=filters.overdue
    )


@router.post("", response={201: FilingDetailOut, 403: ErrorOut, 422: ErrorOut})
def filing_create(request, payload: FilingCreateIn):
    """Start a draft for an enterprise you file for (its own user or its park's operator).
    Fields left out take their defaults; canteen, dormitory, bus and isolation room default to
    the registry's values."""
    data = payload.model_dump(exclude_unset=True)
    enterprise_id = data.pop("enterprise_id")
    try:
        enterprise = enterprise_get(user=request.auth, pk=enterprise_id)
    except Http404 as exc:
        raise ValidationError({"enterprise_id": _("No such enterprise in your area.")}) from exc
    filing = services.filing_create(actor=request.auth, enterprise=enterprise, **data)
    return Status(201, _detail(request, filing.pk))


@router.get("/{int:filing_id}", response=FilingDetailOut)
def filing_detail(request, filing_id: int):
    """The filing with its rule results (in the caller's language), what to fix, attachments,
    acceptances, events, the actions the caller may take now and the notice, if issued."""
    return _detail(request, filing_id)


@router.patch("/{int:filing_id}", response={200: FilingDetailOut, 403: ErrorOut, 409: ErrorOut})
def filing_update(request, filing_id: int, payload: FilingUpdateIn):
    """Change the application while it is a draft, returned or failed acceptance. Send the
    revision you read; if someone changed the filing since, the answer is 409."""
    data = payload.model_dump(exclude_unset=True)
    revision = data.pop("revision", None)
    filing = _filing(request, filing_id)
    services.filing_update(actor=request.auth, filing=filing, revision=revision, **data)
    return _detail(request, filing_id)


@router.get("/{int:filing_id}/attachments", response=list[AttachmentOut])
def attachments(request, filing_id: int):
    return list(selectors.filing_attachments(_filing(request, filing_id)))


@router.post(
    "/{int:filing_id}/attachments",
    response={201: AttachmentOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
)
def attachment_add(
    request,
    filing_id: int,
    kind: Form[str],
    file: File[UploadedFile],  # noqa: B008
):
    """Attach a file (multipart: kind = plan, roster, commitment, bus_list or other; file =
    PDF, Word .docx, Excel .xlsx, JPEG or PNG, told from its content, not its name)."""
    filing = _filing(request, filing_id)
    attachment = services.attachment_add(actor=request.auth, filing=filing, kind=kind, upload=file)
    return Status(201, attachment)


@router.post(
    "/{int:filing_id}/submit",
    # 422 is either a rule that failed (with every rule's result) or a request body that is not
    # valid (with the details of what is wrong).
    response={200: FilingDetailOut, 403: ErrorOut, 409: ErrorOut, 422: RulesFailedOut | ErrorOut},
)
def filing_submit(request, filing_id: int, payload: RevisionIn | None = None):
    """Check the rules and submit. If a rule is not met the answer is 422 with code
    rules_failed and every rule's result; if a file the mode asks for is missing, 422 with
    code attachments_missing (both name the kinds in missing_attachments). The filing stays
    as it was."""
    filing = _filing(request, filing_id)
    services.filing_submit(
        actor=request.auth, filing=filing, revision=payload.revision if payload else None
    )
    return _detail(request, filing_id)


@router.post(
    "/{int:filing_id}/transitions/{action}",
    response={200: FilingDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def filing_transition(request, filing_id: int, action: str, payload: TransitionIn | None = None):
    """start_review, return, reject, record, approve or withdraw. Return, reject and withdraw
    need a reason. 403: not yours to take; 409: not possible in the filing's state, or the
    revision is stale."""
    filing = _filing(request, filing_id)
    if action not in TRANSITION_ACTIONS:
        raise Http404
    payload = payload or TransitionIn()
    services.filing_transition(
        actor=request.auth,
        filing=filing,
        action=action,
        reason=payload.reason,
        revision=payload.revision,
    )
    return _detail(request, filing_id)


@router.post(
    "/{int:filing_id}/acceptance/schedule",
    response={200: FilingDetailOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def acceptance_schedule(request, filing_id: int, payload: ScheduleIn):
    """Schedule the on-site acceptance (the lead office, while under review), optionally naming
    the inspector: a member of a routed office, a cadre assigned to the enterprise or the chief
    of its grid."""
    filing = _filing(request, filing_id)
    services.acceptance_schedule(
        actor=request.auth,
        filing=filing,
        date=payload.date,
        inspector=_inspector(filing, payload.inspector_id),
        revision=payload.revision,
    )
    return _detail(request, filing_id)


@router.post(
    "/{int:filing_id}/notice",
    response={201: NoticeOut, 403: ErrorOut, 409: ErrorOut},
)
def notice_issue(request, filing_id: int, payload: RevisionIn | None = None):
    """Issue the numbered resumption notice (复工复产通知书) of an approved filing."""
    filing = _filing(request, filing_id)
    notice = services.notice_issue(
        actor=request.auth, filing=filing, revision=payload.revision if payload else None
    )
    return Status(201, notice)


@router.post(
    "/{int:filing_id}/resumed",
    response={200: FilingDetailOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
)
def filing_resumed(request, filing_id: int, payload: ResumedIn):
    """Confirm the enterprise has resumed on ``date`` (today or earlier); the registry takes
    the date and the returning staff."""
    filing = _filing(request, filing_id)
    services.filing_confirm_resumption(
        actor=request.auth, filing=filing, date=payload.date, returned_count=payload.returned_count
    )
    return _detail(request, filing_id)
