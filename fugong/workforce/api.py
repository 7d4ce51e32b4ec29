"""The check-in API (issue 13 point 4): the enterprise's attendance or HR system sends its
staff's check-ins, by ID number, many at a time; a person's phone app (or the enterprise's
system, for one person) sends one. Idempotent: a batch sent again writes nothing twice (one
row per person and half-day); one check-in sent again with its key is the same row."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, NotRequired

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from typing_extensions import TypedDict  # pydantic wants this one before Python 3.12

from fugong.core.api_types import ErrorOut
from fugong.core.crypto import lookup_hash
from fugong.core.errors import UserError
from fugong.workforce import checkins, services
from fugong.workforce.choices import Location, Source
from fugong.workforce.models import Employee

router = Router(tags=["workforce"])


class CheckInIn(TypedDict):
    """One item of a batch. A TypedDict, not a Schema: pydantic checks it into a plain dict
    (5,000 items in ~8 ms; as ninja Schemas, with their per-object wrapper, ~150 ms), and the
    errors are the same 422 details."""

    id_number: Annotated[str, Field(max_length=20)]
    day: Annotated[datetime.date, Field(description="today or yesterday")]
    half: NotRequired[Annotated[int, Field(ge=0, le=1, description="0 morning (default), 1 afternoon")]]  # fmt: skip
    temperature: Annotated[float, Field(description="°C, 34-43")]
    symptoms: NotRequired[Annotated[int, Field(ge=0, description="bits: 1 fever, 2 cough, 4 fatigue, ...; 0 by default")]]  # fmt: skip
    location: NotRequired[Annotated[int, Field(ge=0, le=4, description="2, at the workplace, by default")]]  # fmt: skip
    key: NotRequired[Annotated[uuid.UUID | None, Field(description="the client's idempotency key")]]  # fmt: skip


class BulkIn(Schema):
    enterprise: int
    items: list[CheckInIn] = Field(max_length=checkins.BULK_MAX)


class RefusedOut(Schema):
    index: int
    message: str


class BulkOut(Schema):
    accepted: int
    duplicates: int
    refused: list[RefusedOut]


@router.post(
    "/checkins",
    response={200: BulkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="fugong_workforce_checkins_bulk",
)
def checkins_bulk(request, payload: BulkIn):
    """Check-ins of the enterprise's staff (at most 5,000 a call). Sent again, a batch is
    counted as duplicates, not written twice; an abnormal reading tells the enterprise and
    its grid chief and revokes the person's pass."""
    enterprise = (
        services.roster_enterprises(request.auth, own_only=True)
        .filter(pk=payload.enterprise)
        .first()
    )
    if enterprise is None:
        raise Http404
    return checkins.checkins_bulk(actor=request.auth, enterprise=enterprise, items=payload.items)


class CheckInOne(Schema):
    temperature: float = Field(description="°C, 34-43")
    symptoms: int = Field(0, ge=0, description="bits: 1 fever, 2 cough, 4 fatigue, ...")
    location: int = Field(
        Location.HOME, ge=0, le=4, description="0 at home (default), 1 dormitory, 2 workplace"
    )
    day: datetime.date | None = Field(None, description="today (default) or yesterday")
    half: int | None = Field(
        None, ge=0, le=1, description="0 morning, 1 afternoon; by default the current one"
    )
    key: uuid.UUID | None = Field(
        None,
        description="the client's idempotency key: sent again with it, the check-in is the "
        "same one (200), not a second (400 duplicate)",
    )
    id_number: str | None = Field(
        None,
        max_length=20,
        description="the person's ID number, when the enterprise's system sends one person's "
        "check-in; without it, the check-in is the token's own user's",
    )
    enterprise: int | None = Field(
        None, description="with id_number: the enterprise, if the person is on several of yours"
    )


class CheckInOut(Schema):
    id: int
    day: datetime.date
    half: int
    temperature: float
    abnormal: bool
    created: bool = Field(description="false: the same check-in was stored already (a retry)")


def _staff_member(user, payload: CheckInOne) -> Employee | None:
    """The person checking in: None for the token's own (their latest employment, which the
    check-in's insert finds itself: one statement), or the one with the ID number on a roster
    the token's user keeps."""
    if payload.id_number is None:
        return None
    enterprises = services.roster_enterprises(user, own_only=True)
    if payload.enterprise is not None:
        enterprises = enterprises.filter(pk=payload.enterprise)
    number = "".join(payload.id_number.split()).upper()
    found = list(
        Employee.objects.filter(
            enterprise__in=enterprises, person__id_hash=lookup_hash(number, services.ID_PURPOSE)
        ).select_related("enterprise", "person")[:2]
    )
    if not found:
        raise Http404  # not on a roster of the user's (another enterprise's staff: not said)
    if len(found) > 1:
        raise UserError(
            _("The person is on several of your enterprises' rosters: say which enterprise."),
            code="enterprise",
        )
    return found[0]


@router.post(
    "/checkin",
    response={200: CheckInOut, 201: CheckInOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="fugong_workforce_checkin",
)
def checkin(request, payload: CheckInOne):
    """One person's check-in: the token's own user's (an employee's phone app), or, with
    `id_number`, one of the staff of the token's enterprise. 201 when written; sent again
    with the same `key`, the stored check-in (200); another for the same half-day is refused
    (400, `duplicate`). An abnormal reading tells the enterprise and its grid chief and
    revokes the person's pass."""
    employee = _staff_member(request.auth, payload)
    row, made = checkins.checkin_record(
        actor=request.auth,
        employee=employee,
        day=payload.day or timezone.localdate(),
        half=checkins.current_half() if payload.half is None else payload.half,
        temperature=payload.temperature,
        symptoms=payload.symptoms,
        location=payload.location,
        key=payload.key,
        source=Source.PHONE if payload.id_number is None else Source.BULK,
    )
    out = {
        "id": row.pk,
        "day": row.day,
        "half": row.half,
        "temperature": row.tenths / 10,
        "abnormal": row.abnormal,
        "created": made,
    }
    return Status(201 if made else 200, out)
