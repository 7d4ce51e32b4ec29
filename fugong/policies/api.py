"""Policies in the JSON API (/api/v1/policies): the policies the caller sees with their
articles, the enterprises eligible for a benefit (the office's list, paginated and scoped),
the caller's enterprise's benefits and why (政策找企业), claims and their steps, and the
disbursement ledger with its reversals. The same services and selectors as the pages; errors
as everywhere in the API: ``{"code", "message"}`` with 400, 403, 404 or 409."""

import datetime
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja import Status as Answer
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fugong.core.api_types import INT_MAX, ErrorOut, Id, Pagination, Text
from fugong.core.errors import NotAllowed
from fugong.enterprises.models import Enterprise
from fugong.policies import rules, selectors, services
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.mine_views import benefits_above, explained
from fugong.policies.models import Benefit, Claim, Match, Payment, Policy
from fugong.policies.public_views import grant_text
from fugong.policies.workflow import CLAIM_TRANSITIONS, CLAIMS

router = Router(tags=["policies"])

MONEY = {"max_digits": 14, "decimal_places": 2}
ACTIONS = sorted({t.action for t in CLAIM_TRANSITIONS})


# --- policies ------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    title: str
    short_name: str
    document_number: str
    issuer_id: int
    issuer: str
    office_id: int | None
    office: str | None
    status: PolicyStatus
    issued_on: datetime.date | None
    valid_until: datetime.date | None
    published_at: datetime.datetime | None
    benefit_count: int
    revision: int

    @staticmethod
    def resolve_issuer(obj: Policy) -> str:
        return obj.issuer.name

    @staticmethod
    def resolve_office(obj: Policy) -> str | None:
        return obj.office.name if obj.office_id else None


class PolicyConditionOut(Schema):
    fact: str
    op: str
    value: bool | str | list[str] | list[int]
    text: str = Field(description="the condition in words")


class PolicyBenefitOut(Schema):
    id: int
    position: int
    title: str
    text: str
    conditions: list[PolicyConditionOut]
    formula: str
    formula_text: str = Field(description="what it grants, in words")
    cap: Decimal | None
    automatic: bool = Field(description="granted without application (免申即享)")
    needs_attachment: bool


class PolicyDetailOut(PolicyOut):
    summary: str
    benefits: list[PolicyBenefitOut]

    @staticmethod
    def resolve_benefits(obj: Policy) -> list[dict]:
        return [_benefit(b) for b in selectors.benefits_of(obj)]


def _benefit(b: Benefit) -> dict:
    return {
        "id": b.pk,
        "position": b.position,
        "title": b.title,
        "text": b.text,
        "conditions": [{**c, "text": rules.condition_text(c)} for c in b.conditions],
        "formula": b.formula,
        "formula_text": grant_text(b),
        "cap": b.cap,
        "automatic": b.automatic,
        "needs_attachment": b.needs_attachment,
    }


class PolicyListQuery(Schema):
    status: PolicyStatus | None = None


@router.get("", response=list[PolicyOut])
@paginate(Pagination)
def policy_list(request, params: Query[PolicyListQuery]):
    """Published policies, and the drafts and withdrawn ones of the caller's places
    (government users)."""
    qs = selectors.policy_list(request.auth).order_by("-issued_on", "-id")
    return qs.filter(status=params.status) if params.status else qs


@router.get("/{int:pk}", response={200: PolicyDetailOut, 404: ErrorOut})
def policy_get(request, pk: int):
    policy = selectors.policy_list(request.auth).filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


# --- the enterprises eligible for a benefit --------------------------------------------------


class EligibleOut(Schema):
    enterprise_id: int
    enterprise: str
    credit_code: str
    place: str
    amount: Decimal | None = Field(description="yuan; null: a figure the formula needs is missing")
    matched_at: datetime.datetime

    @staticmethod
    def resolve_enterprise(obj: Match) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_credit_code(obj: Match) -> str:
        return obj.enterprise.credit_code or ""

    @staticmethod
    def resolve_place(obj: Match) -> str:
        return obj.enterprise.jurisdiction.name


def _visible_benefit(request, pk: int) -> Benefit:
    """A benefit of a policy the caller sees: published (the common case, one query), or a
    draft or withdrawn one of the caller's places."""
    benefit = Benefit.objects.filter(pk=pk).select_related("policy").first()
    if benefit is None or (
        benefit.policy.status != PolicyStatus.PUBLISHED
        and not selectors.policy_list(request.auth).filter(pk=benefit.policy_id).exists()
    ):
        raise Http404
    return benefit


@router.get("/benefits/{int:pk}/eligible", response={200: list[EligibleOut], 404: ErrorOut})
@paginate(Pagination)
def benefit_eligible(request, pk: int):
    """The enterprises eligible for a benefit that the caller sees, the largest amount first
    (an enterprise's user: its own, if eligible)."""
    return selectors.eligible(request.auth, _visible_benefit(request, pk)).only(
        "enterprise_id", "amount", "matched_at", "enterprise__name", "enterprise__credit_code",
        "enterprise__jurisdiction__name",
    )  # fmt: skip


# --- the caller's enterprise ---------------------------------------------------------------


class ReasonOut(Schema):
    text: str = Field(description="the condition in words")
    value: str = Field(description="the enterprise's value")
    met: bool


class MineBenefitOut(Schema):
    benefit_id: int
    policy_id: int
    policy: str
    title: str
    automatic: bool
    grant: str
    amount: Decimal | None
    reasons: list[ReasonOut]


class MineOut(Schema):
    enterprise_id: int
    enterprise: str
    total: Decimal = Field(description="yuan, the eligible benefits' known amounts")
    eligible: list[MineBenefitOut]
    not_eligible: list[MineBenefitOut] = Field(
        description="the other benefits in force for the enterprise's place, and why not"
    )


def _own_enterprise(request, pk: int | None = None) -> Enterprise:
    own = selectors.enterprise_ids(request.auth)
    if not own:
        raise NotAllowed(_("Only an enterprise's own users have benefits of their own."))
    if pk is not None and pk not in own:
        raise Http404
    return Enterprise.objects.select_related("jurisdiction").get(pk=pk or own[0])


def _row(b: Benefit, amount, reasons) -> dict:
    return {
        "benefit_id": b.pk,
        "policy_id": b.policy_id,
        "policy": str(b.policy),
        "title": b.title,
        "automatic": b.automatic,
        "grant": grant_text(b),
        "amount": amount,
        "reasons": [{"text": r.text, "value": r.actual, "met": r.met} for r in reasons],
    }


@router.get("/mine", response={200: MineOut, 403: ErrorOut, 404: ErrorOut})
def mine(request, enterprise: Id | None = None):
    """The caller's enterprise (an enterprise's user): the benefits in force it is eligible
    for with their amounts, and the other benefits of its place with each condition met or
    not."""
    e = _own_enterprise(request, enterprise)
    matches = list(selectors.matches_of(e.pk))
    benefits = benefits_above(e)
    benefits += [m.benefit for m in matches if m.benefit_id not in {b.pk for b in benefits}]
    why = explained(e, benefits)
    matched = {m.benefit_id for m in matches}
    return {
        "enterprise_id": e.pk,
        "enterprise": e.name,
        "total": sum((m.amount for m in matches if m.amount is not None), Decimal(0)),
        "eligible": [
            _row(m.benefit, m.amount, why.get(m.benefit_id, {}).get("reasons", [])) for m in matches
        ],
        "not_eligible": [
            _row(b, why[b.pk]["amount"], why[b.pk]["reasons"])
            for b in benefits
            if b.pk not in matched and b.pk in why
        ],
    }


# --- claims --------------------------------------------------------------------------------


class ClaimOut(Schema):
    id: int
    benefit_id: int
    benefit: str
    policy_id: int
    policy: str
    enterprise_id: int
    enterprise: str
    automatic: bool
    status: ClaimStatus
    status_label: str
    revision: int
    due: datetime.date | None
    computed_amount: Decimal | None
    requested_amount: Decimal | None
    approved_amount: Decimal | None
    paid: Decimal = Field(description="yuan paid, reversals deducted")
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_benefit(obj: Claim) -> str:
        return obj.benefit.title

    @staticmethod
    def resolve_policy_id(obj: Claim) -> int:
        return obj.benefit.policy_id

    @staticmethod
    def resolve_policy(obj: Claim) -> str:
        return str(obj.benefit.policy)

    @staticmethod
    def resolve_enterprise(obj: Claim) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_status_label(obj: Claim) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_paid(obj: Claim) -> Decimal:
        paid = getattr(obj, "paid", None)
        return paid if paid is not None else Decimal(0)


class ClaimFileOut(Schema):
    id: int
    name: str
    kind: str
    size: int


class ClaimActionOut(Schema):
    action: str
    label: str
    needs_reason: bool


class ClaimDetailOut(ClaimOut):
    statement: str
    files: list[ClaimFileOut]
    actions: list[ClaimActionOut] = Field(description="the steps you may take now")

    @staticmethod
    def resolve_files(obj: Claim) -> list[dict]:
        return [
            {"id": f.pk, "name": f.name, "kind": f.kind, "size": f.size} for f in obj.files.all()
        ]

    @staticmethod
    def resolve_actions(obj: Claim, context) -> list[dict]:
        user = context["request"].auth
        return [
            {"action": t.action, "label": str(t.label), "needs_reason": t.needs_reason}
            for t in CLAIMS.available(user, obj)
        ]


class ClaimListQuery(Schema):
    status: ClaimStatus | None = None
    benefit: Id | None = None
    enterprise: Id | None = None


@router.get("/claims", response=list[ClaimOut])
@paginate(Pagination)
def claim_list(request, params: Query[ClaimListQuery]):
    """Claims in the caller's scope (an enterprise's user: its own), the newest first."""
    qs = selectors.claim_list(request.auth).order_by("-created_at", "-id")
    if params.status:
        qs = qs.filter(status=params.status)
    if params.benefit:
        qs = qs.filter(benefit_id=params.benefit)
    if params.enterprise:
        qs = qs.filter(enterprise_id=params.enterprise)
    return qs


def _claim(request, pk: int) -> Claim:
    claim = selectors.claim_list(request.auth).filter(pk=pk).first()
    if claim is None:
        raise Http404
    return claim


@router.get("/claims/{int:pk}", response={200: ClaimDetailOut, 404: ErrorOut})
def claim_get(request, pk: int):
    return _claim(request, pk)


class ClaimIn(Schema):
    benefit: Id
    enterprise: Id | None = Field(None, description="one of your enterprises (default: the first)")
    statement: Text = Field("", max_length=4000)
    requested: Decimal | None = Field(None, ge=0, lt=Decimal("1e12"), **MONEY)


@router.post(
    "/claims",
    response={201: ClaimDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def claim_start(request, payload: ClaimIn):
    """Start a claim of the caller's enterprise to a benefit in force (a draft: attach the
    documents on its page, then submit it with the step ``submit``)."""
    enterprise = _own_enterprise(request, payload.enterprise)
    benefit = (
        Benefit.objects.filter(pk=payload.benefit, policy__status=PolicyStatus.PUBLISHED)
        .select_related("policy__issuer")
        .first()
    )
    if benefit is None:
        raise Http404
    claim = services.claim_start(
        actor=request.auth, benefit=benefit, enterprise=enterprise,
        statement=payload.statement, requested=payload.requested,
    )  # fmt: skip
    return Answer(201, _claim(request, claim.pk))


class ClaimStepIn(Schema):
    action: str = Field(pattern=f"^({'|'.join(ACTIONS)})$", description=", ".join(ACTIONS))
    reason: Text = Field("", max_length=1000)
    revision: int | None = Field(None, ge=0, le=INT_MAX, description="the revision you read")
    amount: Decimal | None = Field(
        None, ge=0, lt=Decimal("1e12"), description="approve, confirm: yuan approved", **MONEY
    )


@router.post(
    "/claims/{int:pk}/steps",
    response={200: ClaimDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def claim_step(request, pk: int, payload: ClaimStepIn):
    """Take a step of the claim's workflow: the enterprise submits or withdraws; the office
    approves (with the amount approved, by default the amount requested), confirms a claim
    computed without application, sends back or does not approve (with a reason)."""
    services.claim_step(
        actor=request.auth, claim=_claim(request, pk), action=payload.action,
        reason=payload.reason, revision=payload.revision, amount=payload.amount,
    )  # fmt: skip
    return _claim(request, pk)


@router.post(
    "/claims/{int:pk}/files",
    response={201: ClaimFileOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def claim_file_add(request, pk: int, file: File[UploadedFile]):  # noqa: B008
    """Attach a file to a claim being filled in (multipart: file = PDF, Word .docx, Excel
    .xlsx, JPEG or PNG, told from its content, not its name; at most 10 a claim)."""
    attached = services.claim_attach(actor=request.auth, claim=_claim(request, pk), upload=file)
    return Answer(201, {"id": attached.pk, "name": attached.name, "kind": attached.kind,
                        "size": attached.size})  # fmt: skip


# --- the disbursement ledger ---------------------------------------------------------------


class PaymentOut(Schema):
    id: int
    claim_id: int
    enterprise_id: int
    enterprise: str
    benefit: str
    paid_on: datetime.date
    amount: Decimal = Field(description="yuan; a reversal is negative")
    batch: str
    voucher: str
    reverses_id: int | None
    note: str
    recorded_at: datetime.datetime

    @staticmethod
    def resolve_enterprise_id(obj: Payment) -> int:
        return obj.claim.enterprise_id

    @staticmethod
    def resolve_enterprise(obj: Payment) -> str:
        return obj.claim.enterprise.name

    @staticmethod
    def resolve_benefit(obj: Payment) -> str:
        return obj.claim.benefit.title


class PaymentListQuery(Schema):
    claim: Id | None = None
    batch: str | None = Field(None, max_length=40)


@router.get("/payments", response=list[PaymentOut])
@paginate(Pagination)
def payment_list(request, params: Query[PaymentListQuery]):
    """The ledger in the caller's scope (an enterprise's user: its own), the latest first."""
    qs = selectors.payment_list(request.auth).order_by("-paid_on", "-id")
    if params.claim:
        qs = qs.filter(claim_id=params.claim)
    if params.batch:
        qs = qs.filter(batch=params.batch.replace("\x00", ""))
    return qs


class PaymentIn(Schema):
    paid_on: datetime.date
    amount: Decimal = Field(gt=0, lt=Decimal("1e12"), **MONEY)
    batch: Text = Field(min_length=1, max_length=40)
    voucher: Text = Field(min_length=1, max_length=60)
    note: Text = Field("", max_length=300)


def _payment(request, pk: int) -> Payment:
    payment = selectors.payment_list(request.auth).filter(pk=pk).first()
    if payment is None:
        raise Http404
    return payment


@router.post(
    "/claims/{int:pk}/payments",
    response={201: PaymentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def payment_record(request, pk: int, payload: PaymentIn):
    """Record a payment of an approved claim (the office); the total paid never exceeds the
    amount approved."""
    payment = services.payment_record(
        actor=request.auth, claim=_claim(request, pk), paid_on=payload.paid_on,
        amount=payload.amount, batch=payload.batch, voucher=payload.voucher, note=payload.note,
    )  # fmt: skip
    return Answer(201, _payment(request, payment.pk))


class ReversalIn(Schema):
    voucher: Text = Field(min_length=1, max_length=60, description="the reversal's voucher")
    reason: Text = Field(min_length=1, max_length=300)
    paid_on: datetime.date | None = Field(None, description="default: today")


@router.post(
    "/payments/{int:pk}/reversal",
    response={201: PaymentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def payment_reverse(request, pk: int, payload: ReversalIn):
    """Reverse a payment (冲销): a line of the opposite amount pointing at it."""
    reversal = services.payment_reverse(
        actor=request.auth, payment=_payment(request, pk), voucher=payload.voucher,
        reason=payload.reason, paid_on=payload.paid_on,
    )  # fmt: skip
    return Answer(201, _payment(request, reversal.pk))
