"""Every write of the buses app: charter batches and their passengers, commuter buses with
their stops, riders and disinfections, and the opinion letters. Atomic, audited, keyword-only;
refused with a sentence the user can act on. The rules of a batch (``batch_problems``) are the
ones the form, the API and these services apply."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Jurisdiction, Office
from fugong.accounts.selectors import active_memberships
from fugong.buses.choices import LIVE, RIDDEN, BatchStatus, BusStatus, LetterStatus
from fugong.buses.models import (
    CharterBatch,
    CommuterBus,
    Disinfection,
    Letter,
    LetterRule,
    Passenger,
    Rider,
    Stop,
)
from fugong.buses.workflow import BATCHES, ISSUING, LETTERS, command_over, is_admin, organises
from fugong.core import numbering, tree
from fugong.core.audit import audited_create, audited_delete, audited_update
from fugong.core.concurrency import ensure_current
from fugong.core.crypto import lookup_hash
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.scope import subtree_q
from fugong.workforce import services as roster
from fugong.workforce.choices import Origin, Transport
from fugong.workforce.models import Employee

LETTER_NUMBERING = "buses.letter"
PHONE_PURPOSE = roster.PHONE_PURPOSE  # the roster's hashes: one phone, one hash
# The offices that organise charter batches for the enterprises of their place.
ORGANISING_OFFICES = (OfficeKind.TRANSPORT, OfficeKind.HR, OfficeKind.COMMAND)
MAX_SEATS = 99
MAX_AMOUNT = Decimal("10000000")  # yuan; a batch costs far less
TOWN_DEPTH = 3
_REGION = re.compile(r"\d{6}").fullmatch


# --- charter batches ---------------------------------------------------------------------------


def batch_problems(values: dict) -> dict[str, str]:
    """What is wrong with a batch's values, by field (the form shows each at its field; the
    services and the API refuse with them)."""
    problems: dict[str, str] = {}
    region = str(values.get("origin_region") or "")
    if not _REGION(region) or region.startswith("00"):
        problems["origin_region"] = _(
            "The origin's region code has 6 digits (GB/T 2260), e.g. 520302 for 红花岗区 or "
            "520000 for 贵州省."
        )
    if not str(values.get("origin_name") or "").strip():
        problems["origin_name"] = _("Name the origin, e.g. 贵州省遵义市.")
    departs, arrives = values.get("departs_on"), values.get("arrives_on")
    if departs and arrives and arrives < departs:
        problems["arrives_on"] = _("The bus cannot arrive before it departs.")
    seats = values.get("seats")
    if seats is not None and not 1 <= seats <= MAX_SEATS:
        problems["seats"] = _("A bus has 1 to %(n)s seats.") % {"n": MAX_SEATS}
    cost, subsidy = values.get("cost"), values.get("subsidy")
    for name, amount in (("cost", cost), ("subsidy", subsidy)):
        if amount is not None and not Decimal(0) <= amount < MAX_AMOUNT:
            problems[name] = _("An amount is 0 or more and below 10,000,000 yuan.")
    if not problems.keys() & {"cost", "subsidy"} and None not in (cost, subsidy) and subsidy > cost:
        problems["subsidy"] = _("The subsidy cannot be more than the cost (%(cost)s yuan).") % {
            "cost": f"{cost:,.2f}"
        }
    return problems


def _check_batch(values: dict) -> None:
    problems = batch_problems(values)
    if problems:
        raise UserError(" ".join(problems.values()), code="invalid")


def organiser_offices(user) -> list[Office]:
    """The offices ``user`` organises charter batches for (transport and HR bureaus, command
    offices, as their member)."""
    return [
        m.office
        for m in active_memberships(user)
        if m.office is not None and m.office.kind in ORGANISING_OFFICES and m.office.is_active
    ]


def organiser_enterprises(user) -> list:
    return [
        m.enterprise
        for m in active_memberships(user)
        if m.role == Role.ENTERPRISE and m.enterprise is not None
    ]


BATCH_FIELDS = (
    "title", "origin_region", "origin_name", "departs_on", "arrives_on", "seats", "plate",
    "cost", "subsidy", "note",
)  # fmt: skip


@transaction.atomic
def batch_create(*, actor, enterprise=None, office: Office | None = None, **fields) -> CharterBatch:
    """A planned batch organised by ``enterprise`` (its own users) or ``office`` (its
    members; its place's enterprises)."""
    if (enterprise is None) == (office is None):
        raise ValueError("a batch has one organiser: an enterprise or an office")
    if enterprise is not None:
        if not (is_admin(actor) or enterprise in organiser_enterprises(actor)):
            raise NotAllowed(_("Only the enterprise's own users organise its charter buses."))
        jurisdiction = enterprise.jurisdiction
    else:
        if not (is_admin(actor) or office in organiser_offices(actor)):
            raise NotAllowed(_("Only the members of %(office)s organise its charter buses.")
                             % {"office": office.name})  # fmt: skip
        jurisdiction = office.jurisdiction
    unknown = set(fields) - set(BATCH_FIELDS)
    if unknown:
        raise ValueError(f"not a batch field: {sorted(unknown)}")
    _check_batch(fields)
    return audited_create(
        CharterBatch, actor=actor, enterprise=enterprise, office=office,
        jurisdiction=jurisdiction, created_by=actor, **fields,
    )  # fmt: skip


def _locked_batch(batch: CharterBatch, revision=None) -> CharterBatch:
    locked = (
        CharterBatch.objects.select_for_update(of=("self",))
        .select_related("jurisdiction")
        .get(pk=batch.pk)
    )
    BATCHES.check_revision(locked, None if revision in ("", None) else revision)
    return locked


def _require_organiser(actor, batch: CharterBatch) -> None:
    if not organises(actor, batch):
        raise NotAllowed(_("Only the organiser of this batch may change it."))


@transaction.atomic
def batch_update(*, actor, batch: CharterBatch, revision=None, **fields) -> CharterBatch:
    """Change a planned batch; its passengers must still fit (seats, other batches' days)."""
    _require_organiser(actor, batch)
    batch = _locked_batch(batch, revision)
    if batch.status != BatchStatus.PLANNED:
        raise UserError(
            _("Only a planned batch can be changed; this one is “%(status)s”.")
            % {"status": batch.get_status_display()},
            code="not_planned",
        )
    unknown = set(fields) - set(BATCH_FIELDS)
    if unknown:
        raise ValueError(f"not a batch field: {sorted(unknown)}")
    merged = {name: getattr(batch, name) for name in BATCH_FIELDS} | fields
    _check_batch(merged)
    riding = batch.passengers.count()
    if merged["seats"] < riding:
        raise UserError(
            _("%(n)s passengers are on this batch; remove some before lowering the seats.")
            % {"n": riding},
            code="seats",
        )
    clashes = _clashes(
        batch.passengers.values_list("employee_id", flat=True),
        merged["departs_on"], merged["arrives_on"], exclude=batch.pk,
    )  # fmt: skip
    if clashes:
        raise UserError(" ".join(clashes), code="overlap")
    fields["revision"] = batch.revision + 1
    return audited_update(batch, actor=actor, **fields)


def _clashes(employee_ids, departs_on, arrives_on, *, exclude: int | None) -> list[str]:
    """A sentence for each of the employees already riding another live batch whose days
    overlap [departs_on, arrives_on]."""
    qs = (
        Passenger.objects.filter(
            employee_id__in=list(employee_ids),
            batch__status__in=LIVE,
            batch__departs_on__lte=arrives_on,
            batch__arrives_on__gte=departs_on,
        )
        .exclude(batch_id=exclude)
        .select_related("batch", "employee__person")
    )
    return [
        _("%(name)s already rides %(batch)s (%(start)s to %(end)s), on the same days.")
        % {
            "name": p.employee.person.name,
            "batch": p.batch.label,
            "start": p.batch.departs_on.isoformat(),
            "end": p.batch.arrives_on.isoformat(),
        }
        for p in qs
    ]


def reach(batch: CharterBatch):
    """The roster entries that may ride ``batch``: its enterprise's, or those of the
    enterprises of the organising office's place."""
    qs = Employee.objects.all()
    if batch.enterprise_id:
        return qs.filter(enterprise_id=batch.enterprise_id)
    return qs.filter(subtree_q("enterprise__jurisdiction__path", batch.jurisdiction.path))


@transaction.atomic
def passengers_add(*, actor, batch: CharterBatch, employee_ids: list[int]) -> list[Passenger]:
    """Put roster entries on the batch: all of them, or none with every reason (not in the
    organiser's reach, already on it, another batch on the same days, seats)."""
    _require_organiser(actor, batch)
    batch = _locked_batch(batch)
    if batch.status == BatchStatus.CANCELLED:
        raise UserError(_("This batch is cancelled."), code="cancelled")
    ids = list(dict.fromkeys(employee_ids))
    # The people's entries locked (in order) while their other batches are checked: two
    # organisers putting one person on two batches of the same days wait for each other.
    list(Employee.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    found = {e.pk: e for e in reach(batch).filter(pk__in=ids).select_related("person")}
    problems = []
    if len(found) != len(ids):
        problems.append(
            _("Some of the people chosen cannot ride this batch: choose them from the list.")
        )
    on = set(batch.passengers.filter(employee_id__in=ids).values_list("employee_id", flat=True))
    problems += [
        _("%(name)s is on this batch already.") % {"name": found[pk].person.name}
        for pk in ids if pk in on and pk in found
    ]  # fmt: skip
    problems += _clashes(ids, batch.departs_on, batch.arrives_on, exclude=batch.pk)
    free = batch.seats - batch.passengers.count()
    if not problems and len(ids) > free:
        problems.append(
            _("This batch has %(free)s free seats of %(seats)s; %(n)s people were chosen.")
            % {"free": free, "seats": batch.seats, "n": len(ids)}
        )
    if problems:
        raise UserError(" ".join(problems), code="passengers")
    added = [
        audited_create(
            Passenger,
            actor=actor,
            reason=batch.label,
            batch=batch,
            employee=found[pk],
            enterprise_id=found[pk].enterprise_id,
        )  # fmt: skip
        for pk in ids
    ]
    if batch.status in RIDDEN:
        for p in added:
            _record_ride(actor, p, batch)
    return added


@transaction.atomic
def passenger_remove(*, actor, passenger: Passenger) -> None:
    batch = passenger.batch
    _require_organiser(actor, batch)
    batch = _locked_batch(batch)
    if batch.status != BatchStatus.PLANNED:
        raise UserError(_("The bus has left: its passengers stay on record."), code="not_planned")
    audited_delete(passenger, actor=actor, reason=batch.label)


def region_key(code: str) -> str:
    """A region code as the roster keeps it: a province's 2 digits (520000), a city's 4
    (520300), a county's 6."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _origin_after(employee: Employee, region: str) -> str:
    """The roster's origin once the person rode from ``region``: from another province,
    "outside the province"; from elsewhere in it, at least "elsewhere in the province". A key
    area or an origin already as far stays."""
    place = employee.enterprise.jurisdiction.path.strip("/").split("/")[0][:2]
    if region[:2] != place:
        farther = Origin.OUT_OF_PROVINCE
    elif region[:4] != employee.enterprise.jurisdiction.code[:4]:
        farther = Origin.PROVINCE
    else:
        return employee.origin
    order = [Origin.LOCAL, Origin.CITY, Origin.PROVINCE, Origin.OUT_OF_PROVINCE]
    if employee.origin in order and order.index(employee.origin) < order.index(farther):
        return farther
    return employee.origin


def ride_note(batch: CharterBatch) -> str:
    """What the roster's travel history says of the ride (in the site's language: stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Rode charter batch %(n)s from %(origin)s, arrived %(day)s.") % {
            "n": batch.pk,
            "origin": batch.origin_name,
            "day": batch.arrives_on.isoformat(),
        }


def _record_ride(actor, passenger: Passenger, batch: CharterBatch) -> None:
    """Write the ride on the passenger's roster entry through the roster's ride service
    (transport charter bus, region, return day, travel history), so the origin rules and
    passes know who rode. The organiser may be a government office that does not keep the
    enterprise's roster: the callers have checked that ``actor`` organises the batch."""
    employee = Employee.objects.select_related("enterprise__jurisdiction").get(
        pk=passenger.employee_id
    )
    note = ride_note(batch)
    travel = employee.travel_14d
    if note not in travel:
        travel = f"{travel}；{note}" if travel else note
        travel = travel[-300:]
    region = region_key(batch.origin_region)
    roster.employee_record_ride(
        actor=actor,
        employee=employee,
        reason=batch.label,
        transport=Transport.CHARTER_BUS,
        origin_region=region,
        origin=_origin_after(employee, region),
        planned_return=batch.arrives_on,
        travel_14d=travel,
    )
    Passenger.objects.filter(pk=passenger.pk).update(roster_updated_at=timezone.now())


@transaction.atomic
def batch_step(*, actor, batch: CharterBatch, action: str, reason: str = "", revision=None,
               arrived_on: datetime.date | None = None) -> CharterBatch:  # fmt: skip
    """Depart (before the planned day: ``departs_on`` becomes today), arrive (on
    ``arrived_on``, by default the planned day; not in the future) or cancel. On arrival each passenger's roster entry records the ride."""
    batch = _locked_batch(batch)
    changes = {}
    if action == "depart" and timezone.localdate() < batch.departs_on:
        # Left earlier than planned: the batch records the actual day (arrival stays after).
        changes["departs_on"] = timezone.localdate()
    if action == "arrive":
        today = timezone.localdate()
        day = arrived_on or min(batch.arrives_on, today)
        if day > today:
            raise UserError(_("The arrival day cannot be in the future."), code="future")
        if day < batch.departs_on:
            raise UserError(_("The bus cannot arrive before it departs."), code="dates")
        changes["arrives_on"] = day
    batch = BATCHES.apply(
        batch, actor=actor, action=action, reason=reason, revision=revision, locked=True,
        **changes,
    )  # fmt: skip
    if action == "arrive":
        for p in batch.passengers.all():
            _record_ride(actor, p, batch)
    return batch


# --- commuter buses ----------------------------------------------------------------------------


def keeps_buses(user, enterprise) -> bool:
    """The enterprise's own users (and platform administrators) keep its commuter buses."""
    return is_admin(user) or enterprise in organiser_enterprises(user)


def _require_keeper(actor, enterprise) -> None:
    if not keeps_buses(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its commuter buses."))


BUS_FIELDS = ("plate", "seats", "driver_name", "route_name", "status")


def _stale_bus() -> Conflict:
    return Conflict(
        _(
            "Someone else changed this bus while you had it open. Reload the page; what you "
            "typed is still in the form."
        ),
        code="stale",
    )


def stop_problems(stops: list[tuple[str, datetime.time | None]]) -> str:
    if not stops:
        return _("Give the route at least one stop.")
    if len({name for name, _t in stops}) != len(stops):
        return _("A stop is named twice; name each stop once.")
    return ""


@transaction.atomic
def bus_save(*, actor, enterprise, bus: CommuterBus | None = None, stops: list[tuple],
             driver_phone: str = "", revision=None, **fields) -> CommuterBus:  # fmt: skip
    """Register a commuter bus or change one, with its stops in order (a stop keeps its
    riders when renamed: stops are matched by their place in the route). A change of the
    plate, seats, route or stops revokes the bus's issued letters (``superseded_letters`` on
    the returned bus lists them)."""
    _require_keeper(actor, enterprise)
    unknown = set(fields) - set(BUS_FIELDS)
    if unknown:
        raise ValueError(f"not a bus field: {sorted(unknown)}")
    if problem := stop_problems(stops):
        raise UserError(problem, code="stops")
    seats = fields.get("seats")
    if seats is not None and not 1 <= seats <= MAX_SEATS:
        raise UserError(_("A bus has 1 to %(n)s seats.") % {"n": MAX_SEATS}, code="seats")
    phone = "".join(str(driver_phone or "").split())
    before = None
    if bus is None:
        bus = audited_create(
            CommuterBus, actor=actor, enterprise=enterprise, driver_phone=phone,
            driver_phone_hash=lookup_hash(phone, PHONE_PURPOSE) if phone else "", **fields,
        )  # fmt: skip
    else:
        bus = CommuterBus.objects.select_for_update().get(pk=bus.pk, enterprise=enterprise)
        if revision not in ("", None):
            ensure_current(bus, revision, field="revision", conflict=_stale_bus)
        before = certified(bus)
        if phone != bus.driver_phone:
            fields["driver_phone"] = phone
            fields["driver_phone_hash"] = lookup_hash(phone, PHONE_PURPOSE) if phone else ""
        fields["revision"] = bus.revision + 1
        bus = audited_update(bus, actor=actor, **fields)
    existing = {s.position: s for s in bus.stops.all()}
    for position, (name, time) in enumerate(stops, start=1):
        stop = existing.pop(position, None)
        if stop is None:
            audited_create(Stop, actor=actor, bus=bus, position=position, name=name, time=time)
        else:
            audited_update(stop, actor=actor, name=name, time=time)
    for stop in existing.values():
        audited_delete(stop, actor=actor)
    if before is not None and certified(bus) != before:
        bus.superseded_letters = _supersede_letters(actor, bus)
    return bus


def certified(bus: CommuterBus) -> tuple:
    """What a letter certifies of ``bus``: plate, seats, route, the stops' names in order."""
    stops = tuple(bus.stops.order_by("position").values_list("name", flat=True))
    return (bus.plate, bus.seats, bus.route_name, stops)


def _step_name(actor) -> str:
    if getattr(actor, "pk", None):
        return (actor.get_full_name() or actor.get_username())[:150]
    return str(actor)[:150]


def _supersede_letters(actor, bus: CommuterBus) -> list[Letter]:
    """The bus's plate, seats, route or stops changed: its issued letters no longer describe
    it, so they are revoked (a step in their history, with the reason); a new letter is
    needed."""
    from fugong.buses.models import LetterStep

    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "The bus's plate, seats, route or stops were changed after the letter was issued; "
            "a new letter is needed."
        )
    now = timezone.now()
    letters = list(Letter.objects.select_for_update().filter(bus=bus, status=LetterStatus.APPROVED))
    for letter in letters:
        audited_update(
            letter, actor=actor, reason=reason, status=LetterStatus.REVOKED, revoked_at=now,
            revoked_reason=reason[:200], revision=letter.revision + 1,
        )  # fmt: skip
        LetterStep.objects.create(
            letter=letter, action="revoke", before=LetterStatus.APPROVED,
            after=LetterStatus.REVOKED, actor=actor if getattr(actor, "pk", None) else None,
            actor_name=_step_name(actor),
            reason=reason,
        )  # fmt: skip
    return letters


@transaction.atomic
def rider_set(*, actor, bus: CommuterBus, employee: Employee, stop: Stop | None) -> Rider:
    """Put an employee of the bus's enterprise on it (or change where they board)."""
    _require_keeper(actor, bus.enterprise)
    if employee.enterprise_id != bus.enterprise_id:
        raise UserError(_("Only the enterprise's own employees ride its bus."), code="employee")
    if stop is not None and stop.bus_id != bus.pk:
        raise UserError(_("Choose a stop of this bus's route."), code="stop")
    rider = Rider.objects.filter(bus=bus, employee=employee).first()
    if rider is None:
        return audited_create(Rider, actor=actor, bus=bus, employee=employee, stop=stop)
    return audited_update(rider, actor=actor, stop=stop)


@transaction.atomic
def rider_remove(*, actor, rider: Rider) -> None:
    _require_keeper(actor, rider.bus.enterprise)
    audited_delete(rider, actor=actor)


DISINFECTION_PAST_DAYS = 366  # a disinfection is logged within a year of it


def disinfection_problem(at: datetime.datetime) -> str:
    """Why a disinfection's time cannot be recorded, or ""."""
    now = timezone.now()
    if at > now + datetime.timedelta(minutes=5):
        return _("A disinfection is recorded once it is done, not in advance.")
    if at < now - datetime.timedelta(days=DISINFECTION_PAST_DAYS):
        return _("A disinfection is recorded within a year of it; check the date.")
    return ""


@transaction.atomic
def disinfection_add(*, actor, bus: CommuterBus, at: datetime.datetime, disinfectant: str,
                     done_by: str, note: str = "") -> Disinfection:  # fmt: skip
    _require_keeper(actor, bus.enterprise)
    if problem := disinfection_problem(at):
        raise UserError(problem, code="time")
    if not disinfectant.strip() or not done_by.strip():
        raise UserError(_("Say which disinfectant was used and who did it."), code="required")
    return audited_create(
        Disinfection, actor=actor, bus=bus, at=at, disinfectant=disinfectant.strip(),
        done_by=done_by.strip(), note=note.strip(), recorded_by=actor,
    )  # fmt: skip


# --- letters -----------------------------------------------------------------------------------


def approval_required(jurisdiction: Jurisdiction) -> bool:
    """Whether the letters of ``jurisdiction`` wait for a review: the nearest rule at or above
    it, else the setting ``FUGONG_BUS_LETTER_APPROVAL`` (default yes)."""
    rule = tree.nearest(LetterRule.objects.all(), jurisdiction)
    if rule is not None:
        return rule.approval_required
    return bool(getattr(settings, "FUGONG_BUS_LETTER_APPROVAL", True))


@transaction.atomic
def letter_rule_set(*, actor, jurisdiction: Jurisdiction, approval_required: bool) -> LetterRule:
    """A command office says whether its place's letters are reviewed (for letters applied
    for from now on)."""
    if not (is_admin(actor) or command_over(actor, jurisdiction)):
        raise NotAllowed(_("Only a command office of %(place)s or above sets this.")
                         % {"place": jurisdiction.name})  # fmt: skip
    rule = LetterRule.objects.filter(jurisdiction=jurisdiction).first()
    if rule is None:
        return audited_create(LetterRule, actor=actor, jurisdiction=jurisdiction,
                              approval_required=approval_required)  # fmt: skip
    return audited_update(rule, actor=actor, approval_required=approval_required)


def issuer_of(enterprise) -> tuple[Jurisdiction, Office | None]:
    """The town or street that issues the letters of ``enterprise``, and its economy office
    (seed 004: 经贸办 issues them), if it has one."""
    place = tree.at_depth(enterprise.jurisdiction, TOWN_DEPTH)
    office = (
        Office.objects.filter(jurisdiction=place, kind=OfficeKind.ECONOMY, is_active=True)
        .order_by("pk")
        .first()
    )
    return place, office


OPEN_LETTER = (LetterStatus.DRAFT, LetterStatus.SUBMITTED)
MAX_LETTER_DAYS = 366  # a letter holds for a year at most


def letter_days_problems(valid_from: datetime.date, valid_until: datetime.date) -> dict[str, str]:
    """What is wrong with a letter's validity, by field: it ends today or later, not before
    it starts, and spans at most 366 days."""
    if valid_until < valid_from:
        return {"valid_until": _("A letter cannot end before it starts.")}
    problems = {}
    if valid_until < timezone.localdate():
        problems["valid_until"] = _("A letter must be valid until today or later.")
    elif (valid_until - valid_from).days + 1 > MAX_LETTER_DAYS:
        problems["valid_until"] = _(
            "A letter is valid for at most %(n)s days; choose an end day no later than %(day)s."
        ) % {
            "n": MAX_LETTER_DAYS,
            "day": (valid_from + datetime.timedelta(days=MAX_LETTER_DAYS - 1)).isoformat(),
        }
    return problems


def _check_letter_days(valid_from: datetime.date, valid_until: datetime.date) -> None:
    problems = letter_days_problems(valid_from, valid_until)
    if problems:
        raise UserError(" ".join(problems.values()), code="dates")


@transaction.atomic
def letter_create(*, actor, bus: CommuterBus, valid_from: datetime.date,
                  valid_until: datetime.date) -> Letter:  # fmt: skip
    _require_keeper(actor, bus.enterprise)
    bus = (
        CommuterBus.objects.select_for_update()
        .select_related("enterprise__jurisdiction")
        .get(pk=bus.pk)
    )
    if bus.status != BusStatus.ACTIVE:
        raise UserError(_("Only a bus in service gets a letter."), code="bus_status")
    _check_letter_days(valid_from, valid_until)
    if bus.letters.filter(status__in=OPEN_LETTER).exists():
        raise UserError(
            _("This bus has a letter being filled in or reviewed; finish that one first."),
            code="open_letter",
        )
    place, office = issuer_of(bus.enterprise)
    return audited_create(
        Letter, actor=actor, bus=bus, jurisdiction=place, office=office,
        needs_approval=approval_required(place), valid_from=valid_from, valid_until=valid_until,
    )  # fmt: skip


@transaction.atomic
def letter_update(*, actor, letter: Letter, valid_from: datetime.date,
                  valid_until: datetime.date, revision=None) -> Letter:  # fmt: skip
    _require_keeper(actor, letter.bus.enterprise)
    letter = LETTERS.lock(letter)
    LETTERS.check_revision(letter, None if revision in ("", None) else revision)
    if letter.status != LetterStatus.DRAFT:
        raise UserError(_("Only a letter being filled in can be changed."), code="not_draft")
    _check_letter_days(valid_from, valid_until)
    return audited_update(letter, actor=actor, valid_from=valid_from, valid_until=valid_until,
                          revision=letter.revision + 1)  # fmt: skip


def letter_prefix(jurisdiction: Jurisdiction) -> str:
    """青溪通勤: the place's short name (its first two characters, as the other documents)."""
    return f"{jurisdiction.name[:2]}通勤"


@transaction.atomic
def letter_step(*, actor, letter: Letter, action: str, reason: str = "", revision=None) -> Letter:
    """Take a step of the letter's workflow; issuing numbers it (no number is skipped: the
    number is taken in this transaction)."""
    letter = LETTERS.lock(letter)
    LETTERS.check(letter, actor=actor, action=action, reason=reason,
                  revision=None if revision in ("", None) else revision)  # fmt: skip
    now = timezone.now()
    changes: dict = {}
    if action == "submit":
        changes["submitted_at"] = now
    if action in ISSUING:
        if letter.valid_until < timezone.localdate():
            raise UserError(
                _("This letter would end on %(day)s, already past; send it back to change it.")
                % {"day": letter.valid_until.isoformat()},
                code="expired",
            )
        year = timezone.localtime(now).year
        sequence = numbering.take(LETTER_NUMBERING, letter.jurisdiction, year)
        changes |= {
            "year": year,
            "sequence": sequence,
            "number": numbering.format_number(letter_prefix(letter.jurisdiction), year, sequence),
            "issued_at": now,
        }
        plate, seats, route, stops = certified(letter.bus)
        changes |= {
            "issued_plate": plate,
            "issued_seats": seats,
            "issued_route": route,
            "issued_stops": "\n".join(stops),
        }
    if action in ("approve", "reject", "issue"):
        changes["decided_by"] = actor if getattr(actor, "pk", None) else None
    if action == "revoke":
        changes |= {"revoked_at": now, "revoked_reason": reason.strip()[:200]}
    return LETTERS.apply(letter, actor=actor, action=action, reason=reason, locked=True,
                         **changes)  # fmt: skip


VALID, NOT_YET, EXPIRED, REVOKED, NOT_ISSUED = "valid", "not_yet", "expired", "revoked", "none"
OUT_OF_SERVICE = "out_of_service"  # issued, but the bus is suspended or out of service
SUPERSEDED = "superseded"  # issued for the bus as it was: its plate, seats or route differ


def letter_state(letter: Letter, day: datetime.date | None = None) -> str:
    """Whether the letter holds on ``day`` (today)."""
    day = day or timezone.localdate()
    if letter.status == LetterStatus.REVOKED:
        return REVOKED
    if letter.status != LetterStatus.APPROVED:
        return NOT_ISSUED
    if day < letter.valid_from:
        return NOT_YET
    if day > letter.valid_until:
        return EXPIRED
    if letter.bus.status != BusStatus.ACTIVE:
        return OUT_OF_SERVICE
    bus = letter.bus
    if (letter.issued_plate, letter.issued_seats, letter.issued_route) != (
        bus.plate, bus.seats, bus.route_name,
    ):  # fmt: skip
        return SUPERSEDED
    return VALID
