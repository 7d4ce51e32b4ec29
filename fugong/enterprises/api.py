"""Enterprise registry API: the same filters, scope, services and jobs as the pages."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fugong.accounts.models import Jurisdiction
from fugong.core.api_types import Count, ErrorOut, Id, Pagination, Text
from fugong.core.concurrency import stamp_revision
from fugong.core.imports.services import check_size
from fugong.core.jobs import job_start
from fugong.core.masking import mask_phone
from fugong.core.scope import scoped
from fugong.enterprises import io, permissions, services
from fugong.enterprises.choices import Duty, Ledger, Post
from fugong.enterprises.filters import filter_params
from fugong.enterprises.forms import PLACE_LEVELS
from fugong.enterprises.models import Enterprise, Industry, Park
from fugong.enterprises.selectors import (
    assignable_people,
    enterprise_assignments,
    enterprise_filtered,
    enterprise_get,
)

router = Router(tags=["enterprises"])


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    jurisdiction_id: int
    jurisdiction_code: str
    jurisdiction_name: str
    park_id: int | None
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    industry_code: str | None
    employee_count: int
    revenue_last_year: Decimal | None
    tax_paid_last_year: Decimal | None
    category: str
    category_overridden: bool
    tier: str
    is_key: bool
    ledger: str
    resumed_on: datetime.date | None
    returned_count: int | None
    closed_management: bool
    has_canteen: bool
    has_dormitory: bool
    has_commuter_bus: bool
    has_isolation_room: bool
    updated_at: datetime.datetime
    revision: int = Field(
        description="Send it back with a change: a change to a record changed since is refused "
        "with 409 (microseconds since 1970 of updated_at)."
    )

    @staticmethod
    def resolve_revision(obj) -> int:
        return stamp_revision(obj.updated_at)

    @staticmethod
    def resolve_jurisdiction_code(obj) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_industry_code(obj) -> str | None:
        return obj.industry.code if obj.industry_id else None

    @staticmethod
    def resolve_contact_phone(obj, context) -> str:
        user = context["request"].auth
        return obj.contact_phone if permissions.can_edit(user) else mask_phone(obj.contact_phone)


class EnterpriseIn(Schema):
    name: Text | None = None
    credit_code: Text | None = None
    jurisdiction_id: Id | None = None
    park_id: Id | None = None
    address: Text | None = None
    legal_representative: Text | None = None
    contact_name: Text | None = None
    contact_phone: Text | None = None
    industry_code: Text | None = None
    employee_count: Count | None = None
    revenue_last_year: Decimal | None = None
    tax_paid_last_year: Decimal | None = None
    tier: Text | None = None
    ledger: Text | None = None
    resumed_on: datetime.date | None = None
    returned_count: Count | None = None
    closed_management: bool | None = None
    has_canteen: bool | None = None
    has_dormitory: bool | None = None
    has_commuter_bus: bool | None = None
    has_isolation_room: bool | None = None
    remarks: Text | None = None


def _fields(request, payload: EnterpriseIn, enterprise: Enterprise | None = None) -> dict:
    """Model fields from the payload, with places and industry resolved inside the scope.
    The enterprise's own place sent back unchanged is no change (a park operator's tenant sits
    in a grid outside the operator's area)."""
    data = payload.dict(exclude_unset=True)
    for name in ("jurisdiction_id", "park_id"):
        if enterprise is not None and name in data and data[name] == getattr(enterprise, name):
            del data[name]
    if "jurisdiction_id" in data:
        place = (
            scoped(Jurisdiction.objects.filter(level__in=PLACE_LEVELS), request.auth)
            .filter(pk=data.pop("jurisdiction_id"))
            .first()
        )
        if place is None:
            raise ValidationError(
                {"jurisdiction_id": _("Not a village, community or grid in your area.")}
            )
        data["jurisdiction"] = place
    if "park_id" in data:
        park_id = data.pop("park_id")
        data["park"] = (
            scoped(Park.objects.all(), request.auth).filter(pk=park_id).first() if park_id else None
        )
        if park_id and data["park"] is None:
            raise ValidationError({"park_id": _("Not a park or building in your area.")})
    if "industry_code" in data:
        code = data.pop("industry_code")
        data["industry"] = (
            Industry.objects.select_related("parent").filter(code=code, level="division").first()
            if code
            else None
        )
        if code and data["industry"] is None:
            raise ValidationError({"industry_code": _("Not a GB/T 4754-2017 division code.")})
    for name in (
        "tier",
        "ledger",
        "address",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "remarks",
    ):
        if name in data and data[name] is None:
            data[name] = ""
    return data


class EnterpriseQuery(Schema):
    q: str | None = None
    jurisdiction: int | None = None
    category: list[str] | None = None
    industry: str | None = None
    tier: str | None = None
    is_key: bool | None = None
    ledger: str | None = None
    status: str | None = None
    assigned: int | None = None
    unassigned: bool | None = None
    sort: str | None = None


@router.get("", response=list[EnterpriseOut])
@paginate(Pagination)
def enterprises(request, filters: Query[EnterpriseQuery]):
    """Enterprises in the caller's scope, narrowed by the same filters as the list page
    (q, jurisdiction, category (repeatable), industry, tier, is_key, ledger, status=resumed|
    not_resumed, assigned=<user id>, unassigned, sort=name|-employee_count|…)."""
    qs, _filterset = enterprise_filtered(user=request.auth, data=request.GET)
    return qs


@router.get("/{int:enterprise_id}", response=EnterpriseOut)
def enterprise(request, enterprise_id: int):
    return enterprise_get(user=request.auth, pk=enterprise_id)


@router.post("", response={201: EnterpriseOut})
def enterprise_create(request, payload: EnterpriseIn):
    if not permissions.can_manage(request.auth):
        raise PermissionDenied
    return Status(201, services.enterprise_create(actor=request.auth, **_fields(request, payload)))


class EnterpriseChangeIn(EnterpriseIn):
    revision: int | None = Field(
        None,
        description="The revision of the record as you read it: if someone changed it since, "
        "the answer is 409 and nothing is changed. Left out: not checked.",
    )


@router.patch("/{int:enterprise_id}", response={200: EnterpriseOut, 403: ErrorOut, 409: ErrorOut})
def enterprise_update(request, enterprise_id: int, payload: EnterpriseChangeIn):
    """Change the fields sent. Fields that count in the statistics or decide 包保 (ledger,
    resumed_on, returned_count, employee_count, industry, amounts, tier, place, park, credit
    code) may be changed only by the roles that may (docs/registry.md); changing one of them
    without that right answers 403 with a sentence naming them."""
    if not permissions.can_edit(request.auth):
        raise PermissionDenied
    enterprise = enterprise_get(user=request.auth, pk=enterprise_id)
    changes = _fields(request, payload, enterprise)
    seen = changes.pop("revision", None)
    return services.enterprise_update(
        actor=request.auth, enterprise=enterprise, seen=seen, **changes
    )


class StatusIn(Schema):
    ids: list[Id]
    ledger: Ledger | None = None
    resumed_on: datetime.date | None = None
    # With resumed_on, the staff back at work: one number for all, or by enterprise id.
    returned_count: Count | None = None
    returned_counts: dict[Id, Count] | None = None
    reason: str = ""


class CountOut(Schema):
    changed: int


@router.post("/bulk-status", response=CountOut)
def bulk_status(request, payload: StatusIn):
    """Put many enterprises in a ledger, or mark them resumed on a date with the staff back
    at work (``returned_count`` for all, or ``returned_counts`` by id; required with a date).
    Only enterprises in your scope are touched."""
    if not permissions.can_set_status(request.auth):
        raise PermissionDenied
    return {
        "changed": services.enterprises_set_status(
            actor=request.auth,
            enterprise_ids=payload.ids,
            ledger=payload.ledger,
            resumed_on=payload.resumed_on,
            returned_count=payload.returned_count,
            returned_counts=payload.returned_counts,
            reason=payload.reason,
        )
    }


class AssignmentOut(Schema):
    id: int
    user_id: int
    username: str
    duty: str
    post: str

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username


class AssignmentIn(Schema):
    user_id: int
    duty: Duty = Duty.CADRE
    post: Post = Post.A


@router.get("/{int:enterprise_id}/assignments", response=list[AssignmentOut])
def assignments(request, enterprise_id: int):
    return list(
        enterprise_assignments(
            user=request.auth, enterprise=enterprise_get(user=request.auth, pk=enterprise_id)
        )
    )


@router.post("/{int:enterprise_id}/assignments", response={201: AssignmentOut})
def assignment_add(request, enterprise_id: int, payload: AssignmentIn):
    if not permissions.can_manage(request.auth):
        raise PermissionDenied
    enterprise = enterprise_get(user=request.auth, pk=enterprise_id)
    person = assignable_people(user=request.auth).filter(pk=payload.user_id).first()
    if person is None:
        raise Http404
    assignment = services.assignment_create(
        actor=request.auth, enterprise=enterprise, user=person, duty=payload.duty, post=payload.post
    )
    return Status(201, assignment)


class ImportOut(Schema):
    id: int
    filename: str
    mode: str
    status: str
    message: str
    options: dict
    preview: dict
    result: dict
    check_job_id: int | None
    import_job_id: int | None


@router.post("/imports", response={202: ImportOut})
def import_upload(
    request,
    file: File[UploadedFile],  # noqa: B008
    mode: Form[str] = "all",
    place: Form[Id | None] = None,
):
    """Upload a ledger (xlsx, xls or csv). It is checked in the background; nothing is
    written until you confirm with POST /imports/{id}/confirm. ``place``: the id of one of
    your places, where new enterprises whose row names no place are registered."""
    if not permissions.can_import(request.auth):
        raise PermissionDenied
    check_size(file.size)  # before the file is read
    batch = io.import_start(
        user=request.auth,
        filename=file.name or "upload",
        content=file.read(),
        mode=mode,
        place=place,
    )
    return Status(202, batch)


@router.get("/imports/{int:batch_id}", response=ImportOut)
def import_status(request, batch_id: int):
    batch = io.import_batch_list(user=request.auth).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


class ConfirmIn(Schema):
    mode: str | None = None


@router.post("/imports/{int:batch_id}/confirm", response={202: ImportOut})
def import_confirm(request, batch_id: int, payload: ConfirmIn):
    if not permissions.can_import(request.auth):
        raise PermissionDenied
    batch = io.import_batch_list(user=request.auth).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return Status(202, io.import_confirm(user=request.auth, batch=batch, mode=payload.mode))


class ColumnsIn(Schema):
    # Header as in the file -> the field to read it as ("" = ignore the column).
    mapping: dict[str, str]


@router.post("/imports/{int:batch_id}/columns", response={202: ImportOut})
def import_map_columns(request, batch_id: int, payload: ColumnsIn):
    """Say what the headers the check did not recognise hold (see ``preview.unknown_headers``
    and ``preview.unknown_samples``); remembered for your office, and the file is checked
    again with it."""
    if not permissions.can_import(request.auth):
        raise PermissionDenied
    batch = io.import_batch_list(user=request.auth).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return Status(
        202, io.import_map_columns(user=request.auth, batch=batch, mapping=payload.mapping)
    )


@router.post("/imports/{int:batch_id}/recheck", response={202: ImportOut})
def import_recheck(request, batch_id: int):
    """Check a rejected or failed upload's file again (after a crash, for instance)."""
    if not permissions.can_import(request.auth):
        raise PermissionDenied
    batch = io.import_batch_list(user=request.auth).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return Status(202, io.import_recheck(user=request.auth, batch=batch))


class JobStarted(Schema):
    job_id: int


@router.post("/exports", response={202: JobStarted})
def export(request, filters: Query[EnterpriseQuery]):
    """Export the filtered list to xlsx in the background; follow it at /api/v1/jobs/{job_id}
    and download it from /api/v1/jobs/{job_id}/file."""
    job = job_start(
        kind="enterprises.export",
        title=_("Export of the enterprise list"),
        user=request.auth,
        params=filter_params(request.GET),
    )
    return Status(202, {"job_id": job.pk})
