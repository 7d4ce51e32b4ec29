"""One file per person (一人一档, seed 004): a ``Person`` is one identity (one 身份证号,
whatever enterprise they work for); an ``Employee`` is that person in one enterprise's roster.
The ID number and the phone are encrypted at rest (``fugong.core.crypto``) and found by their
keyed hashes; neither reaches the audit log in clear."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.crypto import EncryptedTextField
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.workforce.choices import (
    Half,
    Location,
    Measure,
    Origin,
    PassStatus,
    RiskLevel,
    Source,
    Transport,
    WorkStatus,
)


def through_enterprise(prefix: str) -> ScopeRules:
    """The data scope of a row that belongs to an enterprise's employee (``prefix``: the
    lookup from the row to the employee, "" for the employee): as the enterprise's, and the
    person's own account sees their own."""
    return ScopeRules(
        jurisdiction_path=f"{prefix}enterprise__jurisdiction__path",
        assigned_user=f"{prefix}enterprise__assignments__user",
        enterprise=f"{prefix}enterprise_id",
        park_operator=f"{prefix}enterprise__park__operator",
        user=f"{prefix}user_id",
        many=frozenset({f"{prefix}enterprise__assignments__user"}),
    )


class Person(TimestampedModel):
    name = models.CharField(_("name"), max_length=60)
    id_number = EncryptedTextField(_("ID number"))
    # HMAC of the ID number (crypto.lookup_hash, purpose "id_number"): one person per number.
    # On PostgreSQL the hashes (this and the phone's) compare byte by byte (COLLATE "C",
    # migration 0009): a hash has no language, and the database's collation made each insert
    # into their indexes slower.
    # Unique by a constraint in Meta, not unique=True: on PostgreSQL Django would add a
    # second index for LIKE (varchar_pattern_ops) beside it, which no query uses and every
    # insert pays for.
    id_hash = models.CharField(_("ID number hash"), max_length=64)

    audit_excluded_fields = ("id_number", "id_hash")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(fields=["id_hash"], name="workforce_person_once_per_number")
        ]

    def __str__(self) -> str:
        return self.name


class Employee(TimestampedModel):
    # No index of its own: the once-per-enterprise and the roster indexes start with it.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="employees",
        verbose_name=_("enterprise"),
        db_index=False,
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="employments", verbose_name=_("person")
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    # Indexed in Meta (not db_index=True, which adds a LIKE index on PostgreSQL, as above).
    phone_hash = models.CharField(_("phone hash"), max_length=64, blank=True)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    travel_14d = models.CharField(_("travel in the last 14 days"), max_length=300, blank=True)
    # When the travel history was written (retention deletes it a period after this, whatever
    # else of the entry changes later); None without one.
    travel_at = models.DateTimeField(
        _("travel history written"), null=True, blank=True, editable=False
    )
    planned_return = models.DateField(_("planned return date"), null=True, blank=True)
    transport = models.CharField(
        _("transport"), max_length=20, choices=Transport.choices, blank=True
    )
    transit_hours = models.PositiveSmallIntegerField(_("hours in transit"), null=True, blank=True)
    dormitory = models.CharField(_("dormitory room"), max_length=40, blank=True)
    work_status = models.CharField(
        _("work status"), max_length=20, choices=WorkStatus.choices, default=WorkStatus.NOT_RETURNED
    )
    # The person's own account (the employee role: my status, my pass, check in).
    # Indexed in Meta for the entries with an account only (most have none; an import of
    # 100,000 would add as many empty entries to a full index).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="employments", verbose_name=_("account"), db_index=False,
    )  # fmt: skip
    # The county (6 digits) or province (2) the person comes back from, for the risk list.
    origin_region = models.CharField(_("region come back from"), max_length=6, blank=True)
    # What the origin rules say (rules.assess), kept so lists and counts need no engine run;
    # rules.reassess writes them again when a rule or a region's risk changes.
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices, blank=True)
    may_work_from = models.DateField(_("may work from"), null=True, blank=True)
    measure_reason = models.CharField(_("why"), max_length=300, blank=True)

    audit_excluded_fields = ("phone", "phone_hash")
    audit_masked_fields = ("travel_14d",)
    scope_rules = through_enterprise("")

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "person"], name="workforce_employee_once_per_enterprise"
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "work_status"], name="workforce_roster"),
            models.Index(fields=["phone_hash"], name="workforce_employee_phone"),
            models.Index(
                fields=["user"], name="workforce_employee_account", condition=Q(user__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.enterprise_id}"


class OriginRule(TimestampedModel):
    """What a place asks of the people coming back from one kind of origin (seed 004: 市内区外
    14 days' monitoring, 省内市外 14 days' isolation, 省外 deferred), from a day on. A place
    without its own rule follows the nearest one above it; a ``binding`` rule (不得层层加码,
    seed 001) forbids the places below a stricter one."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("jurisdiction"),
    )  # fmt: skip
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    days = models.PositiveSmallIntegerField(_("days"), default=14)
    needs_approval = models.BooleanField(_("grid chief approves the return"), default=False)
    binding = models.BooleanField(_("places below may not be stricter"), default=False)
    effective_from = models.DateField(_("effective from"))
    basis = models.CharField(_("basis (document)"), max_length=200, blank=True)

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        verbose_name = _("origin rule")
        verbose_name_plural = _("origin rules")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "origin", "effective_from"],
                name="workforce_origin_rule_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.origin} {self.measure}"


class RegionRisk(models.Model):
    """A region's epidemic risk from a day on (the risk list, with its history: a change is
    a new row). People coming back from a high-risk region are treated as from a key area."""

    region = models.CharField(_("region code"), max_length=6, db_index=True)
    name = models.CharField(_("region"), max_length=60)
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("region risk")
        verbose_name_plural = _("region risks")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "effective_from"], name="workforce_region_risk_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.level}"


def pass_token() -> str:
    return secrets.token_urlsafe(18)


class Pass(TimestampedModel):
    """出入证 (seed 004): a person's pass to their enterprise's gate, issued once they may work
    (after the grid chief's approval where the rule asks for it), numbered by the place that
    issues it, shown as a signed QR code; revoked by hand or on an abnormal check-in."""

    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="passes", verbose_name=_("employee")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PassStatus.choices, default=PassStatus.PENDING
    )
    # Numbered when issued (a pending request has no number yet).
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("issued by"),
    )  # fmt: skip
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    number = models.CharField(_("pass number"), max_length=60, blank=True)
    token = models.CharField(_("token"), max_length=40, unique=True, default=pass_token)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("approved by"),
    )  # fmt: skip
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    audit_excluded_fields = ("token",)
    scope_rules = through_enterprise("employee__")

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "sequence"], name="workforce_pass_number_once"
            )
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class CheckIn(models.Model):
    """One half-day's health check-in (体温监测, twice a day): kept small (the most numerous
    rows): the temperature in tenths of a degree, symptoms as bits, small numbers for the
    rest. One per person and half-day: a retried submission is the same row (``key``, the
    client's idempotency key, tells a retry from a second, different submission)."""

    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("employee")
    )
    day = models.DateField(_("day"))
    half = models.PositiveSmallIntegerField(_("half-day"), choices=Half.choices)
    tenths = models.PositiveSmallIntegerField(_("temperature (tenths of °C)"))
    symptoms = models.PositiveSmallIntegerField(_("symptoms"), default=0)
    location = models.PositiveSmallIntegerField(_("where"), choices=Location.choices, default=0)
    abnormal = models.BooleanField(_("abnormal"), default=False)
    source = models.PositiveSmallIntegerField(_("source"), choices=Source.choices, default=0)
    key = models.UUIDField(_("idempotency key"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    scope_rules = through_enterprise("employee__")

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "day", "half"], name="workforce_checkin_once_a_half_day"
            )
        ]
        indexes = [
            # The day's abnormal readings, latest first: a list of the latest 100 reads 100.
            models.Index(
                fields=["day", "-at"],
                condition=models.Q(abnormal=True),
                name="workforce_checkin_abnormal_at",
            )
        ]

    def __str__(self) -> str:  # no reading in it: it may reach a log or an audit row
        return f"{self.day:%Y-%m-%d} {Half(self.half).label}"

    @property
    def temperature(self):
        return self.tenths / 10


class CheckInDay(models.Model):
    """What stays of an enterprise's check-ins of a day once the rows are purged (PIPL): how
    many checked in and how many were abnormal, each half-day."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    day = models.DateField(_("day"))
    half = models.PositiveSmallIntegerField(_("half-day"), choices=Half.choices)
    checked = models.PositiveIntegerField(_("checked in"), default=0)
    abnormal = models.PositiveIntegerField(_("abnormal"), default=0)

    class Meta:
        verbose_name = _("check-ins of a day")
        verbose_name_plural = _("check-ins of a day")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "day", "half"], name="workforce_checkin_day_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day} {self.half}"


class Purge(models.Model):
    """One retention purge (PIPL): what was deleted, older than which day, how many."""

    at = models.DateTimeField(_("time"), auto_now_add=True)
    what = models.CharField(_("what"), max_length=40)
    before = models.DateField(_("older than"))
    count = models.PositiveIntegerField(_("how many"))

    class Meta:
        verbose_name = _("purge")
        verbose_name_plural = _("purges")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.what} < {self.before}: {self.count}"


# The counts the health overview reads (issue 13: the 未报 list of a county of 600,000 people
# in ≤ 100 ms): kept by the database itself, by triggers on the employees and the check-ins
# (migration 0007), so that every writer keeps them (the forms, the import's COPY, the bulk
# API, a cascade); no code writes them. What is expected to check in: at work, under
# observation, working from home (``checkins.EXPECTED``).
COUNTED_STATUSES = (WorkStatus.AT_WORK.value, WorkStatus.OBSERVING.value, WorkStatus.REMOTE.value)


def _counts_scope() -> ScopeRules:
    """An enterprise's counts are seen by whoever sees its roster (no reviewing office)."""
    return ScopeRules(
        jurisdiction_path="enterprise__jurisdiction__path",
        assigned_user="enterprise__assignments__user",
        enterprise="enterprise_id",
        park_operator="enterprise__park__operator",
        many=frozenset({"enterprise__assignments__user"}),
    )


class StaffCount(models.Model):
    """How many of an enterprise's people are expected to check in, now."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, primary_key=True, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    expected = models.IntegerField(_("expected to check in"), default=0)

    scope_rules = _counts_scope()

    class Meta:
        verbose_name = _("staff count")
        verbose_name_plural = _("staff counts")

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.expected}"


class CheckInTally(models.Model):
    """How many of an enterprise's people expected to check in have checked in for a
    half-day. Four slots an enterprise, one for each of the last four half-days (check-ins are
    for today or yesterday): a check-in of a later half-day takes its slot over, so the table
    never grows."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="checkin_tallies",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    slot = models.PositiveSmallIntegerField(_("slot"))  # (days since 2000-01-01 × 2 + half) % 4
    day = models.DateField(_("day"))
    half = models.PositiveSmallIntegerField(_("half-day"), choices=Half.choices)
    checked = models.IntegerField(_("checked in"), default=0)

    scope_rules = _counts_scope()

    class Meta:
        verbose_name = _("check-in tally")
        verbose_name_plural = _("check-in tallies")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "slot"], name="workforce_tally_slot")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day} {self.half}: {self.checked}"
