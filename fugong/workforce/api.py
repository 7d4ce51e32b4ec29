"""The bulk check-in API (issue 13 point 4): the enterprise's attendance or HR system sends
its staff's check-ins, by ID number, many at a time. Idempotent: a batch sent again writes
nothing twice (one row per person and half-day)."""

from __future__ import annotations

import datetime
import uuid

from django.http import Http404
from ninja import Field, Router, Schema

from fugong.core.api_types import ErrorOut
from fugong.workforce import checkins, services

router = Router(tags=["workforce"])


class CheckInIn(Schema):
    id_number: str = Field(max_length=20)
    day: datetime.date
    half: int = Field(0, ge=0, le=1, description="0 morning, 1 afternoon")
    temperature: float = Field(description="°C, 34-43")
    symptoms: int = Field(0, ge=0, description="bits: 1 fever, 2 cough, 4 fatigue, ...")
    location: int = Field(2, ge=0, le=4)
    key: uuid.UUID | None = Field(None, description="the client's idempotency key")


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
    return checkins.checkins_bulk(
        actor=request.auth, enterprise=enterprise, items=[i.dict() for i in payload.items]
    )
