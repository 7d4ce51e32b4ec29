"""One file per person (一人一档, seed 004): a ``Person`` is one identity (one 身份证号,
whatever enterprise they work for); an ``Employee`` is that person in one enterprise's roster.
The ID number and the phone are encrypted at rest (``fugong.core.crypto``) and found by their
keyed hashes; neither reaches the audit log in clear."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.crypto import EncryptedTextField
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.workforce.choices import Origin, Transport, WorkStatus


class Person(TimestampedModel):
    name = models.CharField(_("name"), max_length=60)
    id_number = EncryptedTextField(_("ID number"))
    # HMAC of the ID number (crypto.lookup_hash, purpose "id_number"): one person per number.
    id_hash = models.CharField(_("ID number hash"), max_length=64, unique=True)

    audit_excluded_fields = ("id_number", "id_hash")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class Employee(TimestampedModel):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="employees",
        verbose_name=_("enterprise"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="employments", verbose_name=_("person")
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(_("phone hash"), max_length=64, blank=True, db_index=True)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    travel_14d = models.CharField(_("travel in the last 14 days"), max_length=300, blank=True)
    planned_return = models.DateField(_("planned return date"), null=True, blank=True)
    transport = models.CharField(
        _("transport"), max_length=20, choices=Transport.choices, blank=True
    )
    transit_hours = models.PositiveSmallIntegerField(_("hours in transit"), null=True, blank=True)
    dormitory = models.CharField(_("dormitory room"), max_length=40, blank=True)
    work_status = models.CharField(
        _("work status"), max_length=20, choices=WorkStatus.choices, default=WorkStatus.NOT_RETURNED
    )

    audit_excluded_fields = ("phone", "phone_hash")
    audit_masked_fields = ("travel_14d",)
    scope_rules = ScopeRules(
        jurisdiction_path="enterprise__jurisdiction__path",
        assigned_user="enterprise__assignments__user",
        enterprise="enterprise_id",
        park_operator="enterprise__park__operator",
        many=frozenset({"enterprise__assignments__user"}),
    )

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "person"], name="workforce_employee_once_per_enterprise"
            )
        ]
        indexes = [models.Index(fields=["enterprise", "work_status"], name="workforce_roster")]

    def __str__(self) -> str:
        return f"{self.person} · {self.enterprise_id}"
