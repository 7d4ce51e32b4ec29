"""An employee's own check-in from their phone, ``POST /api/v1/workforce/checkin``, in the
API's fast lane (``fugong.core.fastlane``): the morning and afternoon peaks bring thousands a
second. The lane writes the common case, a normal reading of the token's own user: the
process's requests of the moment together, with one statement that checks their tokens,
writes their last use and inserts each check-in for the person's employment, or finds it
stored by the same submission (a client's retry with the same key:
``checkins.checkins_own_by_tokens``), and answers 201 or 200 with what the API answers. Everything else goes to
the API (``fugong.workforce.api.checkin``), which explains it: a body with anything unusual, a
value the rules refuse, an abnormal reading (its alert and the pass revoked, in one
transaction), the enterprise's check-in for one of its staff (``id_number``), a token that is
not valid, a person on no roster, a half-day stored already by another submission."""

from __future__ import annotations

import datetime
import json
import uuid

from django.utils import timezone

from fugong.core.errors import UserError
from fugong.core.fastlane import Batcher
from fugong.core.registry import FastRoute
from fugong.workforce import checkins
from fugong.workforce.choices import Location, Source
from fugong.workforce.models import CheckIn

PATH = "/api/v1/workforce/checkin"
FIELDS = frozenset({"temperature", "symptoms", "location", "day", "half", "key"})


def _bearer(environ: dict) -> str | None:
    """The token as ninja's ``HttpBearer`` reads it."""
    parts = environ.get("HTTP_AUTHORIZATION", "").split(" ")
    if len(parts) < 2 or parts[0].lower() != "bearer":
        return None
    return " ".join(parts[1:])


def _day(value) -> datetime.date | None:
    if value is None:
        return timezone.localdate()
    if type(value) is not str or len(value) != 10:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _key(value) -> uuid.UUID | None | bool:
    """The idempotency key; False when it is not one the lane reads (the API says why)."""
    if value is None:
        return None
    if type(value) is not str or len(value) != 36:
        return False
    try:
        return uuid.UUID(value)
    except ValueError:
        return False


def own_checkin(environ: dict, body: bytes) -> tuple[int, dict] | None:
    raw = _bearer(environ)
    if not raw:
        return None
    try:
        data = json.loads(body)
    except ValueError:  # not JSON, not UTF-8
        return None
    if type(data) is not dict or not FIELDS.issuperset(data):
        return None
    temperature = data.get("temperature")
    symptoms = data.get("symptoms", 0)
    location = data.get("location", int(Location.HOME))
    half = data.get("half")
    # Exactly the JSON the schema takes without converting (no text for a number, no bool).
    if type(temperature) not in (int, float) or type(symptoms) is not int:
        return None
    if type(location) is not int or (half is not None and type(half) is not int):
        return None
    day, key = _day(data.get("day")), _key(data.get("key"))
    if day is None or key is False:
        return None
    try:
        values = checkins._checked(
            day, checkins.current_half() if half is None else half, temperature, symptoms, location
        )
    except UserError:
        return None
    if values["abnormal"]:
        return None
    row = CheckIn(key=key, source=Source.PHONE, **values)
    made = _writer.submit((raw, row))
    if made is None:
        return None
    return 201 if made else 200, {
        "id": row.pk,
        "day": row.day.isoformat(),
        "half": row.half,
        "temperature": row.tenths / 10,
        "abnormal": row.abnormal,
        "created": made,
    }


# The process's check-ins written together, as many as arrive while one statement runs.
_writer = Batcher(checkins.checkins_own_by_tokens)
ROUTE = FastRoute("POST", PATH, own_checkin)
