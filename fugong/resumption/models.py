"""Resumption filings (复工申请 / 备案) with the rules, routing and policy that govern them, the
on-site acceptance and the numbered notice."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import OfficeKind
from fugong.core.audit import _plain
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.enterprises.choices import Category
from fugong.resumption.choices import (
    PENDING_GOVERNMENT,
    AttachmentKind,
    CheckValue,
    Mode,
    OfficeLevel,
    RouteFlag,
    RuleCode,
    Status,
)

FILING_SCOPE = ScopeRules(
    jurisdiction_path="jurisdiction__path",
    office="routed_offices",
    assigned_user="enterprise__assignments__user",
    enterprise="enterprise_id",
    park_operator="enterprise__park__operator_id",
    many=frozenset({"routed_offices", "enterprise__assignments__user"}),
)

# What hangs off a filing (its versions, its notice) is seen by whoever sees the filing.
FILING_CHILD_SCOPE = ScopeRules(
    jurisdiction_path="filing__jurisdiction__path",
    office="filing__routed_offices",
    enterprise="filing__enterprise_id",
    park_operator="filing__enterprise__park__operator_id",
    many=frozenset({"filing__routed_offices"}),
)


def _private_path(folder: str, owner_id: int, filename: str, keep: int) -> str:
    """A stored name that cannot be guessed: the owner's folder, a random part, the name's end
    (the services pass a generated name; only letters, digits, '.', '-' and '_' are kept)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "", filename.replace("\\", "/").rsplit("/", 1)[-1])
    return f"{folder}/{owner_id}/{secrets.token_hex(8)}-{name.lstrip('.')[-keep:] or 'file'}"


class ResumptionPolicy(TimestampedModel):
    """The mode a jurisdiction works in from a date on. The policy that applies to an
    enterprise is the one of its nearest jurisdiction (town before county) in force on the day."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="resumption_policies",
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    effective_from = models.DateField(_("effective from"))
    notice_prefix = models.CharField(
        _("notice number prefix"),
        max_length=20,
        blank=True,
        help_text=_("Printed before the year in notice numbers; the jurisdiction code if empty."),
    )
    priority_weights = models.JSONField(
        _("queue priority weights"),
        default=dict,
        blank=True,
        help_text=_("Overrides of the default weights of the reviewer's queue."),
    )
    stage_days = models.JSONField(
        _("working days per stage"),
        default=dict,
        blank=True,
        help_text=_("Overrides of the default time limit of each stage, in working days."),
    )
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    audit_masked_fields = ("remarks",)  # free text: phones and ID numbers masked

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        ordering = ["jurisdiction__path", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "effective_from"], name="policy_one_per_day"
            )
        ]
        verbose_name = _("resumption policy")
        verbose_name_plural = _("resumption policies")

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.get_mode_display()} ({self.effective_from})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.notice_prefix
            and ResumptionPolicy.objects.filter(notice_prefix=self.notice_prefix)
            .exclude(jurisdiction_id=self.jurisdiction_id)
            .exists()
        ):
            raise ValidationError(
                {"notice_prefix": _("Another jurisdiction numbers its notices with this prefix.")}
            )


class FilingRule(TimestampedModel):
    """A check made on submission, with its parameters and an on/off switch. A rule of a
    jurisdiction overrides the rule of the same code higher up; rules without a jurisdiction
    are the platform defaults."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="filing_rules",
    )
    code = models.CharField(_("rule"), max_length=20, choices=RuleCode.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code"],
                condition=Q(jurisdiction__isnull=False),
                name="filing_rule_one_per_jurisdiction",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(jurisdiction__isnull=True),
                name="filing_rule_one_default",
            ),
        ]
        verbose_name = _("filing rule")
        verbose_name_plural = _("filing rules")

    def __str__(self) -> str:
        where = self.jurisdiction or _("default")
        return f"{self.get_code_display()} ({where})"


class RoutingRule(TimestampedModel):
    """One row of the routing table: enterprises matching category, industry and flag go to
    an office of this kind at this level. Empty conditions match everything. A jurisdiction's
    own rows replace the table above it; rows without a jurisdiction are the default table
    (seed 004's street table). The office with the lowest position leads the review."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    category = models.CharField(
        _("statistical category"), max_length=30, choices=Category.choices, blank=True
    )
    industry_prefix = models.CharField(
        _("industry code prefix"),
        max_length=4,
        blank=True,
        help_text=_("GB/T 4754 division or class code, e.g. 26 for chemicals."),
    )
    flag = models.CharField(_("condition"), max_length=20, choices=RouteFlag.choices, blank=True)
    office_kind = models.CharField(_("office"), max_length=20, choices=OfficeKind.choices)
    office_level = models.CharField(
        _("office level"), max_length=20, choices=OfficeLevel.choices, default=OfficeLevel.TOWN
    )
    position = models.PositiveIntegerField(_("position"), default=10)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    audit_masked_fields = ("note",)  # free text: phones and ID numbers masked

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.get_category_display() or self.industry_prefix or self.flag} → {self.get_office_kind_display()}"


class FilingGroup(TimestampedModel):
    """Filings a park operator made at once for several tenants; each is reviewed on its own."""

    park = models.ForeignKey(
        "enterprises.Park", verbose_name=_("park"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=100)

    scope_rules = ScopeRules(
        jurisdiction_path="park__jurisdiction__path", park_operator="park__operator_id"
    )

    class Meta:
        verbose_name = _("group filing")
        verbose_name_plural = _("group filings")

    def __str__(self) -> str:
        return self.title


class Application(models.Model):
    """The plan of seed 004 (备案材料 1(1)–(10)); a filing holds the current one and every
    submitted version keeps a copy."""

    leading_group = models.TextField(
        _("leading group"), blank=True, help_text=_("One member per line: name, post, phone.")
    )
    disinfection_measures = models.TextField(_("disinfection measures"), blank=True)
    masks = models.PositiveIntegerField(_("masks"), default=0)
    gloves = models.PositiveIntegerField(_("disposable gloves"), default=0)
    protective_suits = models.PositiveIntegerField(_("protective suits"), default=0)
    thermometers = models.PositiveIntegerField(_("thermometers"), default=0)
    alcohol_litres = models.DecimalField(
        _("alcohol (litres)"), max_digits=8, decimal_places=1, default=0,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    disinfectant_litres = models.DecimalField(
        _("disinfectant (litres)"), max_digits=8, decimal_places=1, default=0,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    staff_local = models.PositiveIntegerField(_("returning staff: local"), default=0)
    staff_city = models.PositiveIntegerField(
        _("returning staff: this city, other district"), default=0
    )
    staff_province = models.PositiveIntegerField(
        _("returning staff: this province, other city"), default=0
    )
    staff_other_province = models.PositiveIntegerField(
        _("returning staff: other provinces"), default=0
    )
    return_plan = models.TextField(_("staggered return plan"), blank=True)
    has_isolation_room = models.BooleanField(_("isolation room"), default=False)
    isolation_room = models.CharField(_("isolation room details"), max_length=200, blank=True)
    planned_date = models.DateField(_("planned resumption date"), null=True, blank=True)
    risk_assessment = models.TextField(_("risk assessment"), blank=True)
    emergency_plan = models.TextField(_("emergency plan"), blank=True)
    production_plan = models.TextField(
        _("production plan"),
        blank=True,
        help_text=_("Production plan, raw material purchase, sales and logistics."),
    )
    has_orders = models.BooleanField(_("orders in hand"), default=False)
    has_canteen = models.BooleanField(_("canteen"), default=False)
    canteen_measures = models.TextField(_("canteen measures"), blank=True)
    has_dormitory = models.BooleanField(_("dormitory"), default=False)
    dormitory_per_room = models.PositiveIntegerField(
        _("most people in one dormitory room"), null=True, blank=True
    )
    dormitory_measures = models.TextField(_("dormitory measures"), blank=True)
    has_commuter_bus = models.BooleanField(_("commuter bus"), default=False)
    commuter_bus = models.TextField(_("commuter bus details"), blank=True)

    # Free text that may name people with their phones (the leading group above all): the
    # audit log keeps it with every phone and ID number masked (fugong.core.masking).
    audit_masked_fields = (
        "leading_group", "disinfection_measures", "return_plan", "isolation_room",
        "risk_assessment", "emergency_plan", "production_plan", "canteen_measures",
        "dormitory_measures", "commuter_bus",
    )  # fmt: skip

    class Meta:
        abstract = True

    @property
    def returning_staff(self) -> int:
        return self.staff_local + self.staff_city + self.staff_province + self.staff_other_province

    @property
    def staff_from_outside_city(self) -> int:
        return self.staff_province + self.staff_other_province


APPLICATION_FIELDS = [f.name for f in Application._meta.local_fields]


class Filing(Application, TimestampedModel):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="filings",
    )
    # The enterprise's jurisdiction when the filing was made (scope and counts by place).
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.ForeignKey(
        FilingGroup,
        verbose_name=_("group filing"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="filings",
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    # Bumped by every change; a form sends the revision it showed, so a stale form is caught.
    revision = models.PositiveIntegerField(default=0, verbose_name=_("revision"))
    versions_count = models.PositiveIntegerField(_("versions"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    rule_results = models.JSONField(_("rule results"), default=list, blank=True)
    needs_county_approval = models.BooleanField(_("needs the county's approval"), default=False)
    priority = models.IntegerField(_("priority"), default=0)
    stage_due = models.DateField(_("stage due"), null=True, blank=True)
    lead_office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("lead reviewing office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    routed_offices = models.ManyToManyField(
        "accounts.Office", verbose_name=_("reviewing offices"), blank=True, related_name="filings"
    )
    missing = models.JSONField(
        _("what to fix"),
        default=list,
        blank=True,
        help_text=_("Everything the enterprise must fix, told at once (一次性告知)."),
    )
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_rules = FILING_SCOPE

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-priority", "submitted_at"], name="filing_queue"),
            # The queue's order over every state waiting for government (a partial index:
            # PostgreSQL reads a page of a large queue in order instead of sorting all of it).
            models.Index(
                fields=["-priority", "submitted_at", "id"],
                condition=Q(status__in=PENDING_GOVERNMENT),
                name="filing_waiting_order",
            ),
            models.Index(fields=["enterprise", "status"], name="filing_enterprise_status"),
            # Counts by place (the pipeline, overdue filings) read the index, not the rows.
            models.Index(
                fields=["jurisdiction", "status", "stage_due", "enterprise"],
                name="filing_place_counts",
            ),
        ]
        verbose_name = _("resumption filing")
        verbose_name_plural = _("resumption filings")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_status_display()}"

    def application_data(self) -> dict:
        return {name: _plain(getattr(self, name)) for name in APPLICATION_FIELDS}


class FilingVersion(models.Model):
    """A submitted version, kept for ever: what was filed, which rules it met."""

    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, related_name="versions", verbose_name=_("filing")
    )
    number = models.PositiveIntegerField(_("version"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    data = models.JSONField(_("application"))
    attachments = models.JSONField(_("attachments"), default=list)
    rule_results = models.JSONField(_("rule results"), default=list)

    audit_masked_fields = ("data", "attachments")  # a copy of the application (phones inside)

    scope_rules = FILING_CHILD_SCOPE

    class Meta:
        ordering = ["filing", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "number"], name="filing_version_number")
        ]
        verbose_name = _("filing version")
        verbose_name_plural = _("filing versions")

    def __str__(self) -> str:
        return f"{self.filing_id} v{self.number}"


class FilingEvent(models.Model):
    """Every transition: who, when, from which state to which, and why."""

    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, related_name="events", verbose_name=_("filing")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("by"), max_length=150)
    office = models.ForeignKey(
        "accounts.Office",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("office"),
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(
        max_length=24, choices=Status.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=24, choices=Status.choices, verbose_name=_("to status"))
    reason = models.TextField(_("reason"), blank=True)
    audit_masked_fields = ("reason",)  # free text: phones and ID numbers masked

    class Meta:
        ordering = ["filing", "at", "id"]
        verbose_name = _("filing event")
        verbose_name_plural = _("filing events")

    def __str__(self) -> str:
        return f"{self.filing_id} {self.action} {self.to_status}"


def attachment_path(instance: FilingAttachment, filename: str) -> str:
    return _private_path("filings", instance.filing_id, filename, 80)


class FilingAttachment(models.Model):
    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("filing")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    filename = models.CharField(_("file name"), max_length=200)
    audit_masked_fields = ("filename",)  # free text: phones and ID numbers masked
    content_type = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["filing", "kind", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Acceptance(models.Model):
    """On-site acceptance (现场验收) by the grid supervision group: the checklist, photos and the
    inspector's preliminary opinion."""

    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, related_name="acceptances", verbose_name=_("filing")
    )
    template = models.ForeignKey(
        "inspections.ChecklistTemplate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checklist template"),
    )
    scheduled_for = models.DateField(_("scheduled for"))
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scheduled by"),
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    opinion = models.TextField(_("inspector's opinion"), blank=True)
    audit_masked_fields = ("opinion",)  # free text: phones and ID numbers masked

    class Meta:
        ordering = ["filing", "-id"]
        verbose_name = _("on-site acceptance")
        verbose_name_plural = _("on-site acceptances")

    def __str__(self) -> str:
        return f"{self.filing_id} {self.scheduled_for}"


def photo_path(instance: AcceptanceAnswer, filename: str) -> str:
    return _private_path("acceptance", instance.acceptance_id, filename, 60)


class AcceptanceAnswer(models.Model):
    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="answers", verbose_name=_("acceptance")
    )
    item = models.ForeignKey(
        "inspections.ChecklistItem",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checklist item"),
    )
    value = models.CharField(_("result"), max_length=4, choices=CheckValue.choices, blank=True)
    number = models.DecimalField(_("number"), max_digits=12, decimal_places=2, null=True)
    text = models.TextField(_("text"), blank=True)
    audit_masked_fields = ("text",)  # free text: phones and ID numbers masked
    photo = models.FileField(_("photo"), upload_to=photo_path, blank=True)

    class Meta:
        ordering = ["acceptance", "item__position"]
        verbose_name = _("acceptance answer")
        verbose_name_plural = _("acceptance answers")
        constraints = [
            models.UniqueConstraint(fields=["acceptance", "item"], name="acceptance_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.acceptance_id} {self.item_id} {self.value}"


def verification_token() -> str:
    return secrets.token_urlsafe(18)


class Notice(models.Model):
    """复工复产通知书."""

    filing = models.OneToOneField(
        Filing, on_delete=models.PROTECT, related_name="notice", verbose_name=_("filing")
    )
    number = models.CharField(_("notice number"), max_length=60, unique=True)
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveIntegerField(verbose_name=_("year"))
    sequence = models.PositiveIntegerField(verbose_name=_("sequence number"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issuer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    token = models.CharField(
        max_length=40, unique=True, default=verification_token, verbose_name=_("verification token")
    )
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    audit_excluded_fields = ("token",)

    scope_rules = FILING_CHILD_SCOPE

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "sequence"], name="notice_sequence_once"
            )
        ]
        verbose_name = _("resumption notice")
        verbose_name_plural = _("resumption notices")

    def __str__(self) -> str:
        return self.number
