"""What each reader sees of batches, passengers, commuter buses, letters and the riders'
temperatures, always in their data scope (``fugong.core.scope.scoped``). Temperatures are
health data: only readers who see the enterprise's personal data (its own users, platform
administrators: the ``sees_personal_data`` hook) get them; others get counts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from fugong.buses.choices import LetterStatus
from fugong.buses.models import (
    CharterBatch,
    CommuterBus,
    Disinfection,
    Letter,
    Passenger,
    Rider,
    Stop,
)
from fugong.buses.services import reach
from fugong.core import registry
from fugong.core.crypto import lookup_hash
from fugong.core.scope import scoped
from fugong.workforce.choices import Half
from fugong.workforce.models import CheckIn
from fugong.workforce.services import ID_PURPOSE, id_number_text


def sees_personal(user, enterprise_id: int | None) -> bool:
    return registry.hook("sees_personal_data")(user, enterprise_id=enterprise_id)


# --- charter batches ---------------------------------------------------------------------------


def batch_list(user) -> QuerySet[CharterBatch]:
    return (
        scoped(CharterBatch.objects.all(), user)
        .select_related("enterprise", "office", "jurisdiction")
        .annotate(riding=Count("passengers"))
        .order_by("-departs_on", "-id")
    )


def batch_get(user, pk: int) -> CharterBatch:
    batch = batch_list(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def passengers_of(user, batch: CharterBatch) -> QuerySet[Passenger]:
    return (
        scoped(Passenger.objects.filter(batch=batch), user)
        .select_related("employee__person", "enterprise")
        .order_by("enterprise__name", "employee__person__name", "pk")
    )


def rides_elsewhere(user) -> QuerySet[Passenger]:
    """The user's enterprises' people on batches others organise (a government office's)."""
    from fugong.buses.services import organiser_enterprises

    mine = [e.pk for e in organiser_enterprises(user)]
    return (
        scoped(Passenger.objects.filter(enterprise_id__in=mine), user)
        .exclude(batch__enterprise_id__in=mine)
        .select_related("batch", "employee__person", "enterprise")
        .order_by("-batch__departs_on", "pk")
    )


def candidates(batch: CharterBatch, query: str = "", limit: int = 50):
    """Roster entries that may still ride ``batch``, found by name or by a whole ID number
    (compared by its hash: the numbers are encrypted), at most ``limit``."""
    qs = reach(batch).exclude(pk__in=batch.passengers.values("employee_id"))
    query = query.strip()
    if len(id_number_text(query)) == 18:
        qs = qs.filter(person__id_hash=lookup_hash(id_number_text(query), ID_PURPOSE))
    elif query:
        qs = qs.filter(person__name__contains=query[:60])
    return qs.select_related("person", "enterprise").order_by("enterprise__name", "person__name")[
        :limit
    ]


# --- commuter buses ----------------------------------------------------------------------------


def bus_list(user) -> QuerySet[CommuterBus]:
    return (
        scoped(CommuterBus.objects.all(), user)
        .select_related("enterprise")
        .annotate(rider_count=Count("riders", distinct=True))
        .prefetch_related("letters")
        .order_by("enterprise__name", "route_name", "pk")
    )


def bus_get(user, pk: int) -> CommuterBus:
    bus = (
        scoped(CommuterBus.objects.all(), user)
        .select_related("enterprise__jurisdiction")
        .prefetch_related(Prefetch("stops", queryset=Stop.objects.order_by("position")))
        .filter(pk=pk)
        .first()
    )
    if bus is None:
        raise Http404
    return bus


def riders_of(bus: CommuterBus) -> QuerySet[Rider]:
    return bus.riders.select_related("employee__person", "stop").order_by(
        "stop__position", "employee__person__name", "pk"
    )


def letter_list(user) -> QuerySet[Letter]:
    return scoped(Letter.objects.all(), user).select_related(
        "bus__enterprise", "jurisdiction", "office"
    )


def letter_get(user, pk: int) -> Letter:
    letter = letter_list(user).filter(pk=pk).first()
    if letter is None:
        raise Http404
    return letter


def letters_to_review(user) -> list[Letter]:
    from fugong.buses.workflow import issues

    waiting = letter_list(user).filter(status=LetterStatus.SUBMITTED).order_by("submitted_at")
    return [x for x in waiting if issues(user, x.jurisdiction, x.office_id)]


def current_letter(bus: CommuterBus) -> Letter | None:
    """The bus's latest letter issued (valid or not), else its latest; from the prefetched
    letters when the list prefetched them (``bus_list``)."""
    letters = sorted(bus.letters.all(), key=lambda x: x.pk, reverse=True)
    issued = [x for x in letters if x.status in (LetterStatus.APPROVED, LetterStatus.REVOKED)]
    return (issued or letters or [None])[0]


# --- the riders' temperature ledger ------------------------------------------------------------


@dataclass
class LedgerRow:
    name: str
    stop: str
    readings: list  # per half-day: the CheckIn, or None (missing, or not due yet)
    pending: list = field(default_factory=list)  # per half-day: not due yet (today)

    @property
    def cells(self) -> list[tuple]:
        """(reading, not due yet) per half-day."""
        return list(zip(self.readings, self.pending or [False] * len(self.readings), strict=True))

    @property
    def abnormal(self) -> bool:
        return any(r is not None and r.abnormal for r in self.readings)


@dataclass
class Ledger:
    day: datetime.date
    personal: bool  # the reader sees each temperature
    rows: list[LedgerRow] = field(default_factory=list)
    riders: int = 0
    checked: list[int] = field(default_factory=list)  # per half-day
    abnormal: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    pending: list[bool] = field(default_factory=list)  # per half-day: not due yet (today)


HALVES = (Half.MORNING, Half.AFTERNOON)
NOON = datetime.time(12, 0)  # the afternoon check is due from noon


def pending_halves(day: datetime.date, now: datetime.datetime | None = None) -> list[bool]:
    """Per half-day: not due yet (today's afternoon before noon; a day to come)."""
    from django.utils import timezone

    now = timezone.localtime(now)
    if day > now.date():
        return [True, True]
    return [False, day == now.date() and now.time() < NOON]


def ledger(user, bus: CommuterBus, day: datetime.date) -> Ledger:
    """Each rider's check-ins of ``day`` (workforce), morning and afternoon; the counts for
    everyone, the rows only for readers who see personal data. ``bus`` is one the user sees."""
    riders = list(riders_of(bus))
    readings = {
        (c.employee_id, c.half): c
        for c in CheckIn.objects.filter(employee_id__in=[r.employee_id for r in riders], day=day)
    }
    out = Ledger(day=day, personal=sees_personal(user, bus.enterprise_id), riders=len(riders),
                 pending=pending_halves(day))  # fmt: skip
    for half, pending in zip(HALVES, out.pending, strict=True):
        got = [readings.get((r.employee_id, half)) for r in riders]
        out.checked.append(sum(c is not None for c in got))
        out.abnormal.append(sum(c is not None and c.abnormal for c in got))
        out.missing.append(0 if pending else sum(c is None for c in got))
    if out.personal:
        out.rows = [
            LedgerRow(
                name=r.employee.person.name,
                stop=r.stop.name if r.stop else "",
                readings=[readings.get((r.employee_id, half)) for half in HALVES],
                pending=out.pending,
            )
            for r in riders
        ]
    return out


def days_without_disinfection(bus: CommuterBus, start: datetime.date,
                              end: datetime.date) -> list[datetime.date]:  # fmt: skip
    """The days from ``start`` to ``end`` (local time) with no disinfection recorded."""
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    done = {
        timezone.localtime(at).date()
        for at in Disinfection.objects.filter(bus=bus, at__gte=since, at__lt=until).values_list(
            "at", flat=True
        )
    }
    days = []
    day = start
    while day <= end:
        if day not in done:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days
