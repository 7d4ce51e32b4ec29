"""Buses in the JSON API (/api/v1/buses): the charter batches and the commuter buses the caller
sees (their data scope, as the pages), a batch with its passengers (ID numbers masked unless the
caller sees the enterprise's personal data). Errors as everywhere in the API: ``{"code",
"message"}``."""

import datetime
from decimal import Decimal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fugong.buses import selectors, services
from fugong.buses.choices import BatchStatus, BusStatus, LetterStatus
from fugong.buses.models import CharterBatch, CommuterBus
from fugong.core.api_types import ErrorOut, Pagination
from fugong.core.masking import mask_id_number

router = Router(tags=["buses"])


class BatchOut(Schema):
    id: int
    label: str
    enterprise_id: int | None = Field(description="the organising enterprise, if any")
    office_id: int | None = Field(description="the organising office, if any")
    jurisdiction_id: int
    origin_region: str = Field(description="6-digit GB/T 2260 code")
    origin_name: str
    departs_on: datetime.date
    arrives_on: datetime.date
    seats: int
    passengers: int
    plate: str
    cost: Decimal = Field(description="yuan")
    subsidy: Decimal = Field(description="yuan")
    status: BatchStatus

    @staticmethod
    def resolve_passengers(obj: CharterBatch) -> int:
        return obj.riding


class PassengerOut(Schema):
    id: int
    employee_id: int
    name: str
    id_number: str = Field(
        description="masked unless the caller sees the enterprise's personal data"
    )
    enterprise_id: int
    roster_updated: bool


class BatchDetailOut(BatchOut):
    passenger_list: list[PassengerOut]


class BatchQuery(Schema):
    status: BatchStatus | None = None


@router.get("/batches", response=list[BatchOut])
@paginate(Pagination)
def batch_list(request, params: Query[BatchQuery]):
    """The charter batches the caller sees, latest departure first."""
    qs = selectors.batch_list(request.auth)
    return qs.filter(status=params.status) if params.status else qs


@router.get("/batches/{int:pk}", response={200: BatchDetailOut, 404: ErrorOut})
def batch_get(request, pk: int):
    user = request.auth
    batch = selectors.batch_list(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    batch.passenger_list = [
        {
            "id": p.pk,
            "employee_id": p.employee_id,
            "name": p.employee.person.name,
            "id_number": p.employee.person.id_number
            if selectors.sees_personal(user, p.enterprise_id)
            else mask_id_number(p.employee.person.id_number),
            "enterprise_id": p.enterprise_id,
            "roster_updated": p.roster_updated_at is not None,
        }
        for p in selectors.passengers_of(user, batch)
    ]
    return batch


class LetterBriefOut(Schema):
    id: int
    number: str
    status: LetterStatus
    valid_from: datetime.date
    valid_until: datetime.date
    state: str = Field(
        description="valid, not_yet, expired, revoked, out_of_service (the bus) or none (not issued)"
    )

    @staticmethod
    def resolve_state(obj) -> str:
        return services.letter_state(obj)


class CommuterOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    plate: str
    seats: int
    route_name: str
    stops: list[str]
    riders: int
    status: BusStatus
    letter: LetterBriefOut | None = Field(description="the latest letter issued, else the latest")

    @staticmethod
    def resolve_enterprise(obj: CommuterBus) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_stops(obj: CommuterBus) -> list[str]:
        return [s.name for s in sorted(obj.stops.all(), key=lambda s: s.position)]

    @staticmethod
    def resolve_riders(obj: CommuterBus) -> int:
        return obj.rider_count

    @staticmethod
    def resolve_letter(obj: CommuterBus):
        return selectors.current_letter(obj)


@router.get("/commuter", response=list[CommuterOut])
@paginate(Pagination)
def commuter_list(request):
    """The commuter buses the caller sees, with their latest letter (no driver's phone)."""
    return selectors.bus_list(request.auth).prefetch_related("stops")
