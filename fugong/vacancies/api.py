"""Vacancies in the JSON API (/api/v1/vacancies): the vacancies the caller sees (scoped,
paginated, filtered like the list page), one vacancy, and for the enterprise's own users (and
the human resources bureau over it) creating and changing them and their status. The same
services and selectors as the pages; errors as everywhere in the API: ``{"code", "message"}``
with 400, 403, 404 or 409."""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from fugong.accounts.models import Jurisdiction
from fugong.core.api_types import ErrorOut, Id, Pagination, Text
from fugong.core.errors import NotAllowed, UserError
from fugong.enterprises.models import Enterprise
from fugong.vacancies import selectors, services
from fugong.vacancies.choices import Education, VacancyStatus
from fugong.vacancies.models import Vacancy

router = Router(tags=["vacancies"])


class VacancyOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    post: str
    headcount: int
    filled: int
    shortage: int = Field(description="headcount - filled (空岗)")
    pay_min: int | None = Field(description="yuan/month; null with pay_max null: 面议")
    pay_max: int | None
    place_id: int
    place: str = Field(description="the place of work with its town (和平社区 → 城关镇和平社区)")
    address: str
    education: str
    age_min: int | None
    age_max: int | None
    skills: str
    contact_name: str
    contact_phone: str = Field(description="the phone the enterprise publishes")
    status: VacancyStatus
    published_at: datetime.datetime | None
    expires_on: datetime.date
    listed: bool = Field(description="the enterprise shows its vacancies on the public board")
    revision: int

    @staticmethod
    def resolve_enterprise(obj: Vacancy) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_place(obj: Vacancy) -> str:
        return services.place_text(obj.place)


class VacancyQuery(Schema):
    status: str | None = Field(None, description="draft, published, closed, open or expired")
    industry: str | None = Field(None, max_length=4, description="industry section (A…T)")
    place: Id | None = Field(None, description="a jurisdiction: its subtree")
    enterprise: Id | None = None
    q: Text | None = Field(None, max_length=60, description="in the post or enterprise name")


class VacancyIn(Schema):
    post: Text = Field(max_length=60)
    headcount: int = Field(ge=1, le=services.MAX_HEADCOUNT)
    filled: int = Field(0, ge=0, le=services.MAX_HEADCOUNT)
    pay_min: int | None = Field(None, ge=0, le=services.MAX_PAY)
    pay_max: int | None = Field(None, ge=0, le=services.MAX_PAY)
    place: Id | None = Field(None, description="default: the enterprise's place")
    address: Text = Field("", max_length=200)
    education: Education | None = None
    age_min: int | None = Field(None, ge=0, le=99)
    age_max: int | None = Field(None, ge=0, le=99)
    skills: Text = Field("", max_length=2000)
    contact_name: Text = Field("", max_length=60)
    contact_phone: Text = Field("", max_length=20)
    expires_on: datetime.date | None = None


class VacancyCreateIn(VacancyIn):
    enterprise: Id | None = Field(None, description="default: the caller's own enterprise")
    publish: bool = False


class VacancyPatchIn(Schema):
    post: Text | None = Field(None, max_length=60)
    headcount: int | None = Field(None, ge=1, le=services.MAX_HEADCOUNT)
    filled: int | None = Field(None, ge=0, le=services.MAX_HEADCOUNT)
    pay_min: int | None = Field(None, ge=0, le=services.MAX_PAY)
    pay_max: int | None = Field(None, ge=0, le=services.MAX_PAY)
    place: Id | None = None
    address: Text | None = Field(None, max_length=200)
    education: Education | None = None
    age_min: int | None = Field(None, ge=0, le=99)
    age_max: int | None = Field(None, ge=0, le=99)
    skills: Text | None = Field(None, max_length=2000)
    contact_name: Text | None = Field(None, max_length=60)
    contact_phone: Text | None = Field(None, max_length=20)
    expires_on: datetime.date | None = None
    status: VacancyStatus | None = None
    revision: int | None = Field(None, description="the revision read; 409 if changed since")


def _vacancy(request, pk: int) -> Vacancy:
    found = (
        selectors.vacancy_list(request.auth)
        .select_related(services.PLACE_RELATED)
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _place(pk: int | None) -> Jurisdiction | None:
    if pk is None:
        return None
    place = Jurisdiction.objects.filter(pk=pk, is_active=True).first()
    if place is None:
        raise UserError(_("Place of work: not a place of the platform."))
    return place


@router.get("", response=list[VacancyOut])
@paginate(Pagination)
def vacancy_list(request, params: Query[VacancyQuery]):
    """The vacancies the caller sees (an enterprise's user: its own), newest first."""
    qs = selectors.vacancy_list(request.auth)
    place = Jurisdiction.objects.filter(pk=params.place).first() if params.place else None
    if params.place and place is None:
        return qs.none()
    qs = selectors.filtered(
        qs, industry=params.industry or "", place=place, status=params.status or "",
        text=(params.q or "").strip(),
    )  # fmt: skip
    if params.enterprise:
        qs = qs.filter(enterprise_id=params.enterprise)
    return qs.select_related(services.PLACE_RELATED)


@router.get("/{int:pk}", response={200: VacancyOut, 404: ErrorOut})
def vacancy_get(request, pk: int):
    return _vacancy(request, pk)


@router.post("", response={201: VacancyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def vacancy_create(request, payload: VacancyCreateIn):
    """Post a vacancy of the caller's enterprise (a draft unless ``publish``)."""
    user = request.auth
    pk = payload.enterprise
    if pk is None:
        own = selectors.own_enterprise_ids(user)
        if not own:
            raise NotAllowed(_("Name the enterprise whose vacancy this is."))
        pk = own[0]
    enterprise = selectors.writable_enterprises(user).filter(pk=pk).first()
    if enterprise is None:
        if (
            Enterprise.objects.filter(pk=pk).exists()
            and selectors.vacancy_list(user).filter(enterprise_id=pk).exists()
        ):
            raise NotAllowed(_("You may not post this enterprise's vacancies."))
        raise Http404
    values = payload.dict(exclude={"enterprise", "publish"})
    values["place"] = _place(values.get("place"))
    values["education"] = values.get("education") or ""
    saved = services.vacancy_save(
        actor=user, enterprise=enterprise, publish=payload.publish, **values
    )
    return Answer(201, _vacancy(request, saved.pk))


@router.patch(
    "/{int:pk}",
    response={200: VacancyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def vacancy_update(request, pk: int, payload: VacancyPatchIn):
    """Change a vacancy (only the fields sent) and, with ``status``, publish or close it."""
    vacancy = _vacancy(request, pk)
    values = payload.dict(exclude_unset=True)
    status = values.pop("status", None)
    revision = values.pop("revision", None)
    if "place" in values:
        values["place"] = _place(values["place"])
    if "education" in values:
        values["education"] = values["education"] or ""
    if values:
        vacancy = services.vacancy_save(
            actor=request.auth, vacancy=vacancy, revision=revision, **values
        )
        revision = None
    if status and status != vacancy.status:
        services.vacancy_set_status(
            actor=request.auth, vacancy=vacancy, status=status, revision=revision
        )
    return _vacancy(request, pk)
