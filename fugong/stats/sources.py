"""What the statistics layer counts, declared by the app that keeps it (issue 11, point 4).

The statistics layer imports no domain app. The app that keeps the counted units (today the
enterprise registry, ``fugong/enterprises/figures.py``) describes them here from its
``AppConfig.ready()``: the model of the units and the fields read, the dimensions they are
counted by with their values and labels (statistical category, ledger, the industry
classification's divisions and sections), and the groupings the reports use. ``figures``,
``selectors``, ``tally`` and the dashboard read this description, never the app's modules.

It is filled while Django starts and only read afterwards; a read before it is registered
raises, so a missing registration cannot pass unnoticed (docs/architecture.md, "Figure
sources").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise

# (value, label) pairs, in display order, as a TextChoices' ``choices``.
Choices = tuple[tuple[str, str | Promise], ...]


@dataclass(frozen=True)
class UnitFields:
    """The names of the unit model's fields the figures and the tally read."""

    place: str  # foreign key to accounts.Jurisdiction: where the unit is registered
    category: str  # statistical category (统计类别), a value of ``UnitSource.categories``
    industry: str  # foreign key to ``Classification.model``, at division level (大类)
    ledger: str  # one of ``UnitSource.ledgers``, or "" when not yet known
    resumed_on: str  # the day the unit resumed, or null
    employees: str  # employees (用工人数)
    returned: str  # staff back (返岗人数), or null


@dataclass(frozen=True)
class Classification:
    """The industry classification the units point at (GB/T 4754): each unit's industry is a
    division, counted under the section (门类) that is the division's parent."""

    model: type[models.Model]
    code: str  # field names on ``model``
    name: str
    level: str
    parent: str
    division: str  # the ``level`` value of a division, and of a section
    section: str


@dataclass(frozen=True)
class Subsectors:
    """A category shown with its subsectors under it: one row per industry section of
    ``sections``, then one for the category's units in any other section (``other_label``).
    Row keys are ``<key>_<section>`` and ``<key>_other``."""

    category: str
    key: str
    sections: tuple[str, ...]
    other_label: str | Promise


@dataclass(frozen=True)
class UnitSource:
    """The counted units and their dimensions (docs/statistics.md defines each figure)."""

    model: type[models.Model]
    fields: UnitFields
    industries: Classification
    categories: Choices
    ledgers: Choices
    # Short ledger names for the dashboard's column heads, by ledger value.
    ledger_short: Mapping[str, str | Promise]
    # Ledgers whose units do not need to resume; every other unit (including one with no
    # ledger yet) needs to.
    no_need: tuple[str, ...]
    # Categories whose units are not enterprises (各类经济主体 less 各类型企业).
    not_enterprises: tuple[str, ...]
    # Rows of the town report (seed 000 §一): (key, the categories summed in it).
    report_rows: tuple[tuple[str, tuple[str, ...]], ...]
    subsectors: tuple[Subsectors, ...] = ()

    @cached_property
    def category_values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.categories)

    @cached_property
    def ledger_values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.ledgers)

    @cached_property
    def industry_id(self) -> str:
        """The industry foreign key's attribute (``<industry>_id``), as ``values()`` names it."""
        return self.model._meta.get_field(self.fields.industry).attname

    @cached_property
    def place_id(self) -> str:
        return self.model._meta.get_field(self.fields.place).attname

    @cached_property
    def place_path(self) -> str:
        """The lookup of the unit's jurisdiction path, for ``subtree_q`` and prefixes."""
        return f"{self.fields.place}__path"

    def column(self, field: str) -> str:
        """The database column of one of the unit model's fields."""
        return self.model._meta.get_field(field).column


_units: UnitSource | None = None


def register_units(source: UnitSource) -> None:
    """Declare the counted units; one app does, once, from its ``AppConfig.ready()``."""
    global _units
    if _units is not None and _units != source:
        raise ImproperlyConfigured(
            f"statistics units already registered by {_units.model._meta.app_label}"
        )
    _units = source


def units() -> UnitSource:
    """The registered units; raises when no app registered them (a read before ``ready()``,
    or the app that keeps them is not installed)."""
    if _units is None:
        raise ImproperlyConfigured(
            "no app registered the units the statistics count (fugong.stats.sources)"
        )
    return _units


@dataclass(frozen=True)
class StaffSource:
    """The people on the enterprises' rosters (一人一档) and their daily check-ins, counted
    beside the self-reported headcount (docs/statistics.md, "Staff from the rosters")."""

    people: type[models.Model]  # one row per person on one enterprise's roster
    place_path: str  # lookup of the person's enterprise's jurisdiction path
    status: str  # the work status field
    off_roster: tuple[str, ...]  # statuses not counted as on the roster (left)
    at_work: tuple[str, ...]  # statuses counted as back at work (返岗)
    expected: tuple[str, ...]  # statuses expected to check in
    checkins: type[models.Model]  # one row per person and half-day
    checkin_person: str  # the check-in's foreign key to ``people``
    day: str
    half: str
    abnormal: str
    halves: Choices  # the half-days, in order (value, label)
    current_half: Callable[[], int]  # the half-day it is now

    @cached_property
    def last_half(self) -> int:
        return self.halves[-1][0]


_staff: StaffSource | None = None


def register_staff(source: StaffSource) -> None:
    """Declare the rosters' people and check-ins; the workforce app does, from ``ready()``."""
    global _staff
    if _staff is not None and _staff != source:
        raise ImproperlyConfigured("staff figures already registered")
    _staff = source


def staff() -> StaffSource | None:
    """The registered rosters, or None when no app keeps them (the figures are then not
    shown)."""
    return _staff


@dataclass(frozen=True)
class RequestSource:
    """Enterprises' requests (诉求) and their handling, counted for 事事有回音、件件有着落
    (docs/statistics.md, "Requests")."""

    model: type[models.Model]
    place_path: str  # lookup of the jurisdiction path the request belongs to
    status: str
    withdrawn: str  # the status of a withdrawn request (not counted as received)
    with_department: tuple[str, ...]  # statuses in which the reply date runs
    created: str  # when it was raised
    replied_at: str
    on_time: str  # replied by the reply date (bool)
    rating: str
    content: tuple[str, ...]  # ratings counted as satisfied (满意, 基本满意)
    rated_at: str  # when the rating closed it
    due: str
    escalation: str  # how many levels up it was urged (督办)
    department: str  # foreign key to the lead department (an office)
    category: str  # foreign key to its category


_requests: RequestSource | None = None


def register_requests(source: RequestSource) -> None:
    global _requests
    if _requests is not None and _requests != source:
        raise ImproperlyConfigured("request figures already registered")
    _requests = source


def requests() -> RequestSource | None:
    return _requests


@dataclass(frozen=True)
class InspectionSource:
    """Inspections, rectification orders (整改通知书) and orders to stop (责令停业), counted for
    the leadership (docs/statistics.md, "Inspections and rectification"). Each of the three
    models has the place lookup ``place_path`` (the enterprise's jurisdiction when it was
    made) and the data scope of its own ``scope_rules``."""

    inspections: type[models.Model]
    kind: str
    status: str
    done: str  # the status of an inspection performed (or a self-check accepted)
    submitted: str  # the status of a self-check waiting for review
    performed_at: str  # when it was performed (a self-check: submitted)
    passed: str  # bool
    reviewed_at: str  # when a self-check was accepted or sent back
    kinds: Choices  # the kinds done on site, in display order (value, label)
    self_check: str  # the kind of an enterprise's self-check
    orders: type[models.Model]
    order_status: str
    order_cancelled: str  # the status of a cancelled order (never counted)
    order_closed: str  # the status of an order closed by a passed re-inspection
    issued_at: str  # when an order or an order to stop was issued (both models)
    deadline: str  # the order's current deadline (a date)
    closed_at: str
    on_time: str  # bool: closed by the deadline
    stops: type[models.Model]
    lifted_at: str
    place_path: str = "jurisdiction__path"


_inspections: InspectionSource | None = None


def register_inspections(source: InspectionSource) -> None:
    """Declare the inspections; the inspections app does, from ``ready()``."""
    global _inspections
    if _inspections is not None and _inspections != source:
        raise ImproperlyConfigured("inspection figures already registered")
    _inspections = source


def inspections() -> InspectionSource | None:
    """The registered inspections, or None when no app keeps them (the figures are then not
    shown)."""
    return _inspections


@dataclass(frozen=True)
class PolicySource:
    """Policy benefits paid (惠企政策兑现) and the claims to them, counted for the reports
    (definitions: ``fugong.stats.policies``). Payments are a ledger of signed lines: a
    reversal (冲销) is a line of the opposite amount, so a sum of lines is net of reversals.
    Each model is read through its own ``scope_rules``."""

    payments: type[models.Model]  # one row per line of the disbursement ledger
    amount: str  # signed amount in yuan
    paid_on: str  # the day of the line (a date)
    enterprise: str  # lookup of the id of the enterprise paid
    category: str  # lookup of that enterprise's statistical category (``units().categories``)
    policy: str  # lookup of the id of the policy the payment is made under
    policy_names: tuple[str, str]  # lookups of the policy's short name and its title
    place_path: str  # lookup of the paid enterprise's jurisdiction path
    claims: type[models.Model]
    claim_status: str
    approved: str  # the status of an approved claim
    waiting: tuple[str, ...]  # the statuses of claims waiting for the office's decision
    decided_at: str
    reached_at: tuple[str, ...]  # when a claim reached the office: the first set of these
    approved_amount: str
    claim_place_path: str  # lookup of the claiming enterprise's jurisdiction path


_policies: PolicySource | None = None


def register_policies(source: PolicySource) -> None:
    """Declare the policy payments and claims; the policies app does, from ``ready()``."""
    global _policies
    if _policies is not None and _policies != source:
        raise ImproperlyConfigured("policy figures already registered")
    _policies = source


def policies() -> PolicySource | None:
    """The registered policy payments, or None when no app keeps them (the figures are then
    not shown)."""
    return _policies


@dataclass(frozen=True)
class VacancySource:
    """Vacancies posted by enterprises (动态空岗信息库), counted by ``fugong.stats.jobs``. Read
    through the model's own ``scope_rules``; placed by the posting enterprise's jurisdiction."""

    vacancies: type[models.Model]
    headcount: str  # people wanted
    filled: str  # people taken on so far
    # The vacancies open on a day: a Q over ``vacancies`` (the app's one definition).
    is_open: Callable[..., models.Q]
    published_at: str  # when it was published (a datetime, null before)
    enterprise: str  # lookup of the posting enterprise's id
    place_path: str  # lookup of that enterprise's jurisdiction path
    section: tuple[str, str]  # lookups of the enterprise's industry section code and name


@dataclass(frozen=True)
class BusSource:
    """Charter buses that brought workers back (返岗包车) and commuter buses (通勤班车),
    counted by ``fugong.stats.jobs``. Each model is read through its own ``scope_rules``."""

    passengers: type[models.Model]  # one row per worker on a charter batch
    passenger_batch: str  # lookup of the batch's id
    passenger_arrived: str  # lookup of the batch's status
    arrived: str  # the status value of a batch that arrived
    passenger_arrival: str  # lookup of the batch's arrival day (a date)
    passenger_place_path: str  # lookup of the worker's enterprise's jurisdiction path
    batches: type[models.Model]
    batch_status: str
    batch_arrival: str
    batch_subsidy: str  # yuan
    batch_place_path: str  # lookup of the organiser's jurisdiction path
    commuter_buses: type[models.Model]
    # The buses in service on a day: a Q over ``commuter_buses`` (a valid letter that day).
    in_service: Callable[..., models.Q]
    commuter_place_path: str  # lookup of the bus's enterprise's jurisdiction path
    riders: str  # lookup from a bus to its riders' ids (counted distinct)


_vacancies: VacancySource | None = None
_buses: BusSource | None = None


def register_vacancies(source: VacancySource) -> None:
    """Declare the vacancies; the vacancies app does, from ``ready()``."""
    global _vacancies
    if _vacancies is not None and _vacancies != source:
        raise ImproperlyConfigured("vacancy figures already registered")
    _vacancies = source


def vacancies() -> VacancySource | None:
    """The registered vacancies, or None when no app keeps them."""
    return _vacancies


def register_buses(source: BusSource) -> None:
    """Declare the charter and commuter buses; the buses app does, from ``ready()``."""
    global _buses
    if _buses is not None and _buses != source:
        raise ImproperlyConfigured("bus figures already registered")
    _buses = source


def buses() -> BusSource | None:
    """The registered buses, or None when no app keeps them."""
    return _buses
