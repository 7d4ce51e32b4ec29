"""Buses (issue 17 points 3 and 4, MISSION §C8 and §C11).

**Charter buses (包车)** bring workers back from where they spent the festival (seed 001 §二:
对于返岗员工比较集中的地方，采取包车等方式集中接回务工人员). A ``CharterBatch`` is organised by an
enterprise for its own workers, or by a government office (transport bureau, HR bureau, a
command office) for the workers of the enterprises of its place. Its ``Passenger`` rows link
it to roster entries (``workforce.Employee``) and carry the employee's enterprise.

Figures (written by ``fugong/stats``, not here):

- **brought back by charter bus**: the passengers of batches whose ``status`` is ``arrived``
  (``Passenger.objects.filter(batch__status=BatchStatus.ARRIVED)``), counted on the batch's
  ``arrives_on`` day, by the passenger's ``enterprise`` (its place) or the batch's
  ``jurisdiction``; a planned, departed or cancelled batch brought nobody back (yet);
- ``seats``, ``cost`` and ``subsidy`` (yuan, ``subsidy`` ≤ ``cost``) are the batch's own;
  the origin is ``origin_region`` (6-digit GB/T 2260 code) and ``origin_name``.

**Commuter buses (通勤班车)**, seed 004: an enterprise's ``CommuterBus`` with its ordered
``Stop`` rows and its ``Rider`` rows (its employees and where they board); the
``Letter`` (通勤班车使用意见函) the town or street issues for it, numbered, with a QR code to a
public page that says whether it is still valid; the ``Disinfection`` log. Riders'
temperatures are not copied here: the ledger reads the workforce check-ins of the day.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fugong.buses.choices import BatchStatus, BusStatus, LetterStatus
from fugong.core.crypto import EncryptedTextField
from fugong.core.models import TimestampedModel, WorkflowStep
from fugong.core.scope import ScopeRules

MONEY = {"max_digits": 12, "decimal_places": 2}


def through_enterprise(prefix: str, *, office: str = "") -> ScopeRules:
    """Rows that belong to an enterprise (``prefix``: the lookup to the row holding
    ``enterprise``): seen as the enterprise is, and by ``office`` when given."""
    return ScopeRules(
        jurisdiction_path=f"{prefix}enterprise__jurisdiction__path",
        office=office,
        assigned_user=f"{prefix}enterprise__assignments__user",
        enterprise=f"{prefix}enterprise_id",
        park_operator=f"{prefix}enterprise__park__operator",
        many=frozenset({f"{prefix}enterprise__assignments__user", office} - {""}),
    )


class CharterBatch(TimestampedModel):
    """One charter bus (or convoy) bringing workers back from one origin (包车批次)."""

    # The organiser: an enterprise for its own workers, or a government office (``office``,
    # or a command office of ``jurisdiction`` without one) for the enterprises of its place.
    # An office that goes leaves its batches to the command office of their place (SET_NULL);
    # a place is deleted only once it has no enterprise and no office left.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", verbose_name=_("organising enterprise"),
    )  # fmt: skip
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("organising office"),
    )  # fmt: skip
    # The place the batch belongs to: the enterprise's, or the office's.
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("jurisdiction"),
    )  # fmt: skip
    title = models.CharField(_("name of the batch"), max_length=100, blank=True)
    origin_region = models.CharField(_("origin region code"), max_length=6)
    origin_name = models.CharField(_("origin"), max_length=60)
    departs_on = models.DateField(_("departure date"))
    arrives_on = models.DateField(_("arrival date"))
    seats = models.PositiveSmallIntegerField(_("seats"))
    plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    cost = models.DecimalField(_("cost (yuan)"), default=0, **MONEY)
    subsidy = models.DecimalField(_("subsidy (yuan)"), default=0, **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PLANNED
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip

    scope_rules = ScopeRules(
        jurisdiction_path="jurisdiction__path",
        office="office_id",
        assigned_user="enterprise__assignments__user",
        enterprise="enterprise_id",
        park_operator="enterprise__park__operator",
        many=frozenset({"enterprise__assignments__user"}),
    )
    audit_masked_fields = ("note",)

    class Meta:
        ordering = ["-departs_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(subsidy__lte=F("cost")), name="bus_subsidy_le_cost"),
            models.CheckConstraint(condition=Q(subsidy__gte=0), name="bus_subsidy_not_negative"),
            models.CheckConstraint(
                condition=Q(arrives_on__gte=F("departs_on")), name="bus_arrives_after_departure"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="bus_batch_has_seats"),
        ]
        indexes = [
            models.Index(fields=["status", "arrives_on"], name="bus_batch_status_day"),
            models.Index(fields=["jurisdiction", "status"], name="bus_batch_place"),
        ]
        verbose_name = _("charter batch")
        verbose_name_plural = _("charter batches")

    def __str__(self) -> str:
        return self.label

    @property
    def organiser_name(self) -> str:
        organiser = self.enterprise or self.office or self.jurisdiction
        return organiser.name

    @property
    def label(self) -> str:
        """How the batch is named to people: its name, else "charter batch N"."""
        return self.title or str(_("Charter batch %(n)s") % {"n": self.pk})


class Passenger(models.Model):
    """A roster entry riding a batch. ``enterprise`` is the employee's (kept for figures and
    scope: an enterprise sees its own people on another organiser's batch)."""

    batch = models.ForeignKey(
        CharterBatch, on_delete=models.CASCADE, related_name="passengers",
        verbose_name=_("charter batch"),
    )  # fmt: skip
    employee = models.ForeignKey(
        "workforce.Employee", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("employee"),
    )  # fmt: skip
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    # When the ride was written on the employee's roster entry (None: not yet, e.g. a batch
    # of a government office that the enterprise's roster keeper has not applied yet).
    roster_updated_at = models.DateTimeField(_("roster updated at"), null=True, blank=True)

    scope_rules = ScopeRules(
        jurisdiction_path="enterprise__jurisdiction__path",
        office="batch__office_id",
        assigned_user="enterprise__assignments__user",
        enterprise="enterprise_id",
        park_operator="enterprise__park__operator",
        user="employee__user_id",
        many=frozenset({"enterprise__assignments__user"}),
    )

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "employee"], name="bus_passenger_once")
        ]
        indexes = [models.Index(fields=["employee"], name="bus_passenger_employee")]
        verbose_name = _("passenger")
        verbose_name_plural = _("passengers")

    def __str__(self) -> str:  # no name: it may reach a log
        return f"{self.batch_id} · {self.employee_id}"


class CommuterBus(TimestampedModel):
    """An enterprise's commuter bus (通勤班车) on one route."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    plate = models.CharField(_("vehicle plate"), max_length=20)
    seats = models.PositiveSmallIntegerField(_("seats"))
    driver_name = models.CharField(_("driver"), max_length=60)
    # Encrypted at rest, found by its keyed hash, as the roster keeps phones.
    driver_phone = EncryptedTextField(_("driver's phone"), blank=True)
    driver_phone_hash = models.CharField(_("driver's phone hash"), max_length=64, blank=True)
    route_name = models.CharField(_("route"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=BusStatus.choices, default=BusStatus.ACTIVE
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)

    scope_rules = through_enterprise("", office="letters__office_id")
    audit_excluded_fields = ("driver_phone", "driver_phone_hash")

    class Meta:
        ordering = ["enterprise", "route_name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="bus_commuter_has_seats")
        ]
        indexes = [models.Index(fields=["enterprise", "status"], name="bus_commuter_enterprise")]
        verbose_name = _("commuter bus")
        verbose_name_plural = _("commuter buses")

    def __str__(self) -> str:
        return f"{self.plate} {self.route_name}"


def _bus_scope() -> ScopeRules:
    return through_enterprise("bus__", office="bus__letters__office_id")


class Stop(models.Model):
    bus = models.ForeignKey(
        CommuterBus, on_delete=models.CASCADE, related_name="stops", verbose_name=_("bus")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("stop"), max_length=60)
    time = models.TimeField(_("time"), null=True, blank=True)

    scope_rules = _bus_scope()

    class Meta:
        ordering = ["bus", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bus", "position"], name="bus_stop_position")
        ]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")

    def __str__(self) -> str:
        return self.name


class Rider(models.Model):
    """An employee of the bus's enterprise who rides it, and where they board."""

    bus = models.ForeignKey(
        CommuterBus, on_delete=models.CASCADE, related_name="riders", verbose_name=_("bus")
    )
    employee = models.ForeignKey(
        "workforce.Employee", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("employee"),
    )  # fmt: skip
    stop = models.ForeignKey(
        Stop, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("boarding stop"),
    )  # fmt: skip

    scope_rules = _bus_scope()

    class Meta:
        ordering = ["bus", "pk"]
        constraints = [models.UniqueConstraint(fields=["bus", "employee"], name="bus_rider_once")]
        verbose_name = _("rider")
        verbose_name_plural = _("riders")

    def __str__(self) -> str:
        return f"{self.bus_id} · {self.employee_id}"


def letter_token() -> str:
    return secrets.token_urlsafe(18)


class LetterRule(TimestampedModel):
    """Whether a place's commuter-bus letters wait for a review (seeds disagree: seed 004's
    street issues them after the departments' check; elsewhere a filing suffices). A place
    without a rule follows the nearest one above it, else ``FUGONG_BUS_LETTER_APPROVAL``
    (default: approval required)."""

    jurisdiction = models.OneToOneField(
        "accounts.Jurisdiction", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("jurisdiction"),
    )  # fmt: skip
    approval_required = models.BooleanField(_("letters are reviewed before issue"), default=True)

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        verbose_name = _("commuter-bus letter rule")
        verbose_name_plural = _("commuter-bus letter rules")

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.approval_required}"


class Letter(TimestampedModel):
    """通勤班车使用意见函: applied for by the enterprise for one bus, reviewed by the town or
    street (its economy office, or its command office), numbered when issued; valid between
    two days unless revoked."""

    bus = models.ForeignKey(
        CommuterBus, on_delete=models.CASCADE, related_name="letters", verbose_name=_("bus")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    needs_approval = models.BooleanField(_("reviewed before issue"), default=True)
    # The town or street that issues it, and the office of it that reviews it (if any).
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )  # fmt: skip
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reviewing office"),
    )  # fmt: skip
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    number = models.CharField(_("letter number"), max_length=60, blank=True)
    token = models.CharField(_("token"), max_length=40, unique=True, default=letter_token)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    revoked_at = models.DateTimeField(pgettext_lazy("letter", "revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)
    # What the letter certifies, stored when it is issued: later edits of the bus do not
    # change an issued letter (its PDF and its public page print these).
    issued_plate = models.CharField(_("certified vehicle plate"), max_length=20, blank=True)
    issued_seats = models.PositiveSmallIntegerField(_("certified seats"), null=True, blank=True)
    issued_route = models.CharField(_("certified route"), max_length=100, blank=True)
    issued_stops = models.TextField(_("certified stops"), blank=True)  # one stop a line

    scope_rules = ScopeRules(
        jurisdiction_path="bus__enterprise__jurisdiction__path",
        office="office_id",
        assigned_user="bus__enterprise__assignments__user",
        enterprise="bus__enterprise_id",
        park_operator="bus__enterprise__park__operator",
        many=frozenset({"bus__enterprise__assignments__user"}),
    )
    audit_excluded_fields = ("token",)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "sequence"], name="bus_letter_number_once"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="bus_letter_valid_days"
            ),
        ]
        verbose_name = _("commuter-bus letter")
        verbose_name_plural = _("commuter-bus letters")

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def stop_names(self) -> list[str]:
        """The certified stops of an issued letter (the bus's current ones before issue)."""
        if self.issued_at:
            return [line for line in self.issued_stops.splitlines() if line]
        return list(self.bus.stops.order_by("position").values_list("name", flat=True))


class LetterStep(WorkflowStep):
    """The history of a letter: every workflow step with its reason."""

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="steps", verbose_name=_("letter")
    )

    scope_rules = ScopeRules(
        jurisdiction_path="letter__bus__enterprise__jurisdiction__path",
        office="letter__office_id",
        enterprise="letter__bus__enterprise_id",
    )

    class Meta:
        ordering = ["letter", "at", "pk"]
        verbose_name = _("step of a letter")
        verbose_name_plural = _("steps of letters")

    def __str__(self) -> str:
        return f"{self.letter_id} {self.action}"


class Disinfection(models.Model):
    """One disinfection of a bus (防疫消毒), as the enterprise records it."""

    bus = models.ForeignKey(
        CommuterBus, on_delete=models.CASCADE, related_name="disinfections",
        verbose_name=_("bus"),
    )  # fmt: skip
    at = models.DateTimeField(_("time"))
    disinfectant = models.CharField(_("disinfectant"), max_length=60)
    done_by = models.CharField(_("done by"), max_length=60)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_rules = _bus_scope()

    class Meta:
        ordering = ["bus", "-at"]
        indexes = [models.Index(fields=["bus", "at"], name="bus_disinfection_day")]
        verbose_name = _("disinfection")
        verbose_name_plural = _("disinfections")

    def __str__(self) -> str:
        return f"{self.bus_id} {self.at:%Y-%m-%d %H:%M}"
