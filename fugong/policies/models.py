"""Policies and benefits (issue 16, MISSION §C7): a policy document issued by a place, its
articles each granting a benefit under structured conditions with a formula; the enterprises
each benefit matches (政策找企业); the claims (applied for, or computed for 免申即享) with
their review; and the disbursement ledger, where a payment is never edited or deleted, only
reversed by a payment of the opposite amount."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.models import TimestampedModel, WorkflowStep
from fugong.core.scope import ScopeRules
from fugong.policies.choices import OPEN_CLAIM, ClaimStatus, PolicyStatus

# Who sees a match or a claim: the government over the enterprise, the policy's office, the
# enterprise's cadres and its own users; not its park's operator (a benefit is between the
# government and the enterprise).
ENTERPRISE_SCOPE = ScopeRules(
    jurisdiction_path="enterprise__jurisdiction__path",
    office="benefit__policy__office_id",
    assigned_user="enterprise__assignments__user",
    enterprise="enterprise_id",
    many=frozenset({"enterprise__assignments__user"}),
)


class Policy(TimestampedModel):
    """A policy document (惠八条, 减免租金实施细则): issued by a place, its benefits apply to
    the enterprises of that place. Published, it is public (a page without login) and its
    benefits are matched; withdrawn, it stays on record but matches nothing."""

    title = models.CharField(_("title"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)  # 惠八条
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issuer = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )  # fmt: skip
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("office reviewing the claims"),
    )  # fmt: skip
    summary = models.TextField(_("summary"), blank=True, max_length=4000)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip

    scope_rules = ScopeRules(jurisdiction_path="issuer__path", office="office_id")

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.short_name or self.title


class Benefit(TimestampedModel):
    """One article of a policy and what it grants: to the enterprises meeting ``conditions``
    (``rules.check_conditions``), ``formula`` over their figures, at most ``cap`` yuan. No
    formula: a measure without money (欠费不停电). ``automatic``: 免申即享, no application; the
    platform computes the claims and the office confirms them."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="benefits", verbose_name=_("policy")
    )
    position = models.PositiveSmallIntegerField(_("article"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text of the article"), blank=True, max_length=4000)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    formula = models.CharField(_("formula"), max_length=300, blank=True)
    cap = models.DecimalField(
        _("cap (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    automatic = models.BooleanField(_("granted without application"), default=False)
    needs_attachment = models.BooleanField(_("an application needs an attachment"), default=False)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    matched_count = models.PositiveIntegerField(_("enterprises matched"), default=0)

    scope_rules = ScopeRules(jurisdiction_path="policy__issuer__path", office="policy__office_id")

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="benefit_position")
        ]
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")

    def __str__(self) -> str:
        return f"{self.policy} {self.position}. {self.title}"

    @property
    def has_money(self) -> bool:
        return bool(self.formula)


class PolicyFacts(TimestampedModel):
    """What policies ask that the registry does not keep, declared by the enterprise or its
    office: flags and the amounts formulas are computed from (yuan)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="policy_facts",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    epidemic_supplies = models.BooleanField(_("produces epidemic supplies"), default=False)
    state_property_tenant = models.BooleanField(
        _("rents state or collective property"), default=False
    )
    high_energy = models.BooleanField(_("high energy consumption"), default=False)
    equipment_investment = models.DecimalField(
        _("investment in production equipment (yuan)"), max_digits=14, decimal_places=2,
        null=True, blank=True,
    )  # fmt: skip
    monthly_rent = models.DecimalField(
        _("monthly rent (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    monthly_power_bill = models.DecimalField(
        _("monthly electricity bill (yuan)"), max_digits=14, decimal_places=2, null=True,
        blank=True,
    )  # fmt: skip
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("updated by"),
    )  # fmt: skip

    scope_rules = ScopeRules(
        jurisdiction_path="enterprise__jurisdiction__path",
        assigned_user="enterprise__assignments__user",
        enterprise="enterprise_id",
        many=frozenset({"enterprise__assignments__user"}),
    )

    class Meta:
        verbose_name = _("policy facts of an enterprise")
        verbose_name_plural = _("policy facts of enterprises")

    def __str__(self) -> str:
        return str(self.enterprise_id)


class Match(models.Model):
    """An enterprise eligible for a benefit, with the amount its figures give (None: a figure
    the formula needs is not known). Rewritten by matching; only eligible pairs are kept."""

    benefit = models.ForeignKey(
        Benefit, on_delete=models.CASCADE, related_name="matches", verbose_name=_("benefit")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    matched_at = models.DateTimeField(_("matched at"))

    scope_rules = ENTERPRISE_SCOPE

    class Meta:
        ordering = ["benefit", "-amount", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["benefit", "enterprise"], name="match_once")]
        indexes = [
            models.Index(fields=["enterprise", "benefit"], name="match_enterprise"),
            # The eligible list of a benefit, largest amount first, a page at a time.
            models.Index(fields=["benefit", "-amount", "enterprise"], name="match_eligible"),
        ]
        verbose_name = _("eligible enterprise")
        verbose_name_plural = _("eligible enterprises")

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.enterprise_id}"


def claim_file_path(instance: ClaimFile, filename: str) -> str:
    return f"policies/claims/{instance.claim_id}/{filename}"


class Claim(TimestampedModel):
    """An enterprise's claim to a benefit: applied for (draft, submitted, reviewed) or
    computed by the platform for 免申即享 (proposed, confirmed by the office). Approved, it
    is paid through the ledger (``Payment``)."""

    benefit = models.ForeignKey(
        Benefit, on_delete=models.RESTRICT, related_name="claims", verbose_name=_("benefit")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    automatic = models.BooleanField(_("granted without application"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    due = models.DateField(_("due"), null=True, blank=True)
    statement = models.TextField(_("statement"), blank=True, max_length=4000)
    computed_amount = models.DecimalField(
        _("amount computed (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    requested_amount = models.DecimalField(
        _("amount requested (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    approved_amount = models.DecimalField(
        _("amount approved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip

    scope_rules = ENTERPRISE_SCOPE
    audit_masked_fields = ("statement",)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One claim at a time per enterprise and benefit (a rejected or withdrawn one may
            # be followed by a new one).
            models.UniqueConstraint(
                fields=["benefit", "enterprise"],
                condition=Q(status__in=[*OPEN_CLAIM, ClaimStatus.APPROVED]),
                name="claim_open_once",
            )
        ]
        indexes = [
            models.Index(fields=["benefit", "status"], name="claim_benefit"),
            models.Index(fields=["enterprise", "status"], name="claim_enterprise"),
        ]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"{self.benefit} {self.enterprise_id}"

    @property
    def jurisdiction(self):
        return self.enterprise.jurisdiction

    @property
    def office_id(self):
        return self.benefit.policy.office_id


class ClaimFile(models.Model):
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="files", verbose_name=_("claim")
    )
    file = models.FileField(_("file"), upload_to=claim_file_path)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_rules = ScopeRules(
        jurisdiction_path="claim__enterprise__jurisdiction__path",
        office="claim__benefit__policy__office_id",
        enterprise="claim__enterprise_id",
    )

    class Meta:
        ordering = ["claim", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class ClaimStep(WorkflowStep):
    """The history of a claim: every workflow step with its reason."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="steps", verbose_name=_("claim")
    )

    scope_rules = ScopeRules(
        jurisdiction_path="claim__enterprise__jurisdiction__path",
        office="claim__benefit__policy__office_id",
        enterprise="claim__enterprise_id",
    )

    class Meta:
        ordering = ["claim", "at", "pk"]
        verbose_name = _("step of a claim")
        verbose_name_plural = _("steps of claims")

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"


class Payment(models.Model):
    """One line of the disbursement ledger (发放台账). Never changed: a wrong payment is
    reversed by a line of the opposite amount pointing at it (``reverses``)."""

    claim = models.ForeignKey(
        Claim, on_delete=models.RESTRICT, related_name="payments", verbose_name=_("claim")
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    batch = models.CharField(_("batch"), max_length=40)
    voucher = models.CharField(_("voucher number"), max_length=60)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="reversal",
        verbose_name=_("reverses"),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_rules = ScopeRules(
        jurisdiction_path="claim__enterprise__jurisdiction__path",
        office="claim__benefit__policy__office_id",
        assigned_user="claim__enterprise__assignments__user",
        enterprise="claim__enterprise_id",
        many=frozenset({"claim__enterprise__assignments__user"}),
    )

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "voucher"], name="payment_voucher"),
            models.CheckConstraint(condition=~Q(amount=Decimal(0)), name="payment_not_zero"),
        ]
        indexes = [models.Index(fields=["paid_on"], name="payment_day")]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.batch} {self.voucher}"
