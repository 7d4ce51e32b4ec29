"""Checklist templates, versioned: a filled checklist points at the exact version it used, so
editing a template later never changes what an inspector signed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.inspections.choices import (
    AppliesIf,
    ChecklistKind,
    CheckValue,
    InspectionKind,
    InspectionStatus,
    ItemKind,
    OrderStatus,
    PassRule,
    StopStatus,
)

__all__ = ["ChecklistKind", "CheckValue", "ItemKind"]  # imported from here by older code


class ChecklistTemplate(TimestampedModel):
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ChecklistKind.choices)
    is_active = models.BooleanField(_("in use"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    pass_rule = models.CharField(
        _("pass rule"), max_length=10, choices=PassRule.choices, default=PassRule.ALL
    )
    pass_score = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=100,
        help_text=_("With the score rule: the share of the applicable points needed to pass."),
    )
    rectify_days = models.PositiveSmallIntegerField(
        _("days to rectify"),
        default=5,
        help_text=_("Working days a rectification order gives, unless the inspector sets another."),
    )

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="checklist_code_version")
        ]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("checklist template"),
    )
    position = models.PositiveIntegerField(_("position"))
    text = models.CharField(_("item"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.CHECK
    )
    required = models.BooleanField(_("required"), default=True)
    photo_required = models.BooleanField(_("photo required"), default=False)
    group = models.CharField(_("group"), max_length=100, blank=True)  # the section's heading
    points = models.PositiveSmallIntegerField(_("points"), default=1)
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("A failure fails the whole check.")
    )
    applies_if = models.CharField(
        _("applies to"), max_length=20, choices=AppliesIf.choices, blank=True, default=""
    )
    minimum = models.DecimalField(
        _("minimum"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a number: a smaller answer fails the item (e.g. 7 days of masks)."),
    )

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="checklist_item_position")
        ]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


# Who sees an inspection, an order and an order to stop: the command offices and grid chiefs of
# the enterprise's place, the responsible office, the enterprise's cadres, its own users (the
# selectors hide an unannounced inspection from them until it is done) and the inspector.
ENTERPRISE_SCOPE = ScopeRules(
    jurisdiction_path="jurisdiction__path",
    office="office_id",
    assigned_user="enterprise__assignments__user",
    enterprise="enterprise_id",
    park_operator="enterprise__park__operator_id",
    many=frozenset({"enterprise__assignments__user"}),
)
INSPECTION_SCOPE = ScopeRules(
    jurisdiction_path=ENTERPRISE_SCOPE.jurisdiction_path,
    office=ENTERPRISE_SCOPE.office,
    assigned_user=ENTERPRISE_SCOPE.assigned_user,
    enterprise=ENTERPRISE_SCOPE.enterprise,
    park_operator=ENTERPRISE_SCOPE.park_operator,
    user="inspector_id",
    many=ENTERPRISE_SCOPE.many,
)


class Inspection(TimestampedModel):
    """One inspection of one enterprise on one checklist version: planned, then done with
    its answers, score and result; an enterprise's self-check is filled by the enterprise and
    reviewed by the office."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="inspections",
        verbose_name=_("enterprise"),
    )
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("jurisdiction"),
    )  # fmt: skip
    office = models.ForeignKey(
        "accounts.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible office"),
    )  # 检查责任单位 (seed 004)
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices)
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("checklist template"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices,
        default=InspectionStatus.PLANNED,
    )  # fmt: skip
    revision = models.PositiveIntegerField(_("revision"), default=0)
    planned_for = models.DateField(_("planned for"))
    due = models.DateField(_("due"), null=True, blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("planned by"),
    )  # fmt: skip
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("inspector"),
    )  # fmt: skip
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True, max_length=4000)
    draft = models.JSONField(_("saved draft"), default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("reviewed by"),
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    order = models.ForeignKey(
        "inspections.Rectification", null=True, blank=True, on_delete=models.RESTRICT,
        related_name="reinspections", verbose_name=_("re-inspects the order"),
    )  # fmt: skip
    stop = models.ForeignKey(
        "inspections.StopOrder", null=True, blank=True, on_delete=models.RESTRICT,
        related_name="reinspections", verbose_name=_("re-inspects the order to stop"),
    )  # fmt: skip

    scope_rules = INSPECTION_SCOPE
    audit_masked_fields = ("opinion",)
    audit_excluded_fields = ("draft",)

    class Meta:
        ordering = ["-planned_for", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [
            # An inspector's list: their planned inspections by day, then the done ones.
            models.Index(fields=["inspector", "status", "planned_for"], name="insp_inspector"),
            models.Index(fields=["office", "status", "planned_for"], name="insp_office"),
            models.Index(fields=["enterprise", "status"], name="insp_enterprise"),
            models.Index(fields=["jurisdiction", "status", "planned_for"], name="insp_place"),
            # Everything in a county's scope, newest first, a page at a time.
            models.Index(fields=["-planned_for", "-id"], name="insp_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.get_kind_display()} {self.planned_for}"


def inspection_photo_path(instance: InspectionAnswer, filename: str) -> str:
    return f"inspections/{instance.inspection_id}/{filename}"


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="answers",
        verbose_name=_("inspection"),
    )  # fmt: skip
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("checklist item"),
    )  # fmt: skip
    value = models.CharField(_("result"), max_length=4, choices=CheckValue.choices, blank=True)
    number = models.DecimalField(_("number"), max_digits=12, decimal_places=2, null=True)
    text = models.TextField(_("note"), blank=True, max_length=1000)
    photo = models.FileField(_("photo"), upload_to=inspection_photo_path, blank=True)
    failed = models.BooleanField(_("failed"), default=False)

    scope_rules = ScopeRules(
        jurisdiction_path="inspection__jurisdiction__path",
        office="inspection__office_id",
        assigned_user="inspection__enterprise__assignments__user",
        enterprise="inspection__enterprise_id",
        user="inspection__inspector_id",
        many=frozenset({"inspection__enterprise__assignments__user"}),
    )
    audit_masked_fields = ("text",)

    class Meta:
        ordering = ["inspection", "item__position"]
        verbose_name = _("inspection answer")
        verbose_name_plural = _("inspection answers")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.item_id} {self.value}"


class NumberedDocument(models.Model):
    """A document numbered by the enterprise's town (core.numbering)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("jurisdiction"),
    )  # fmt: skip
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("responsible office"),
    )  # fmt: skip
    issuer = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("issued by"),
    )  # fmt: skip
    revision = models.PositiveIntegerField(_("revision"), default=0)

    scope_rules = ENTERPRISE_SCOPE

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number


class Rectification(NumberedDocument):
    """整改通知书: the failed items of an inspection, a deadline, the enterprise's report of
    what it did, and the re-inspection that closes it."""

    inspection = models.OneToOneField(
        Inspection, on_delete=models.RESTRICT, related_name="rectification",
        verbose_name=_("inspection"),
    )  # fmt: skip
    items = models.JSONField(_("items to rectify"), default=list)
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    report = models.TextField(_("what was done"), blank=True, max_length=4000)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    on_time = models.BooleanField(_("rectified on time"), null=True, blank=True)

    audit_masked_fields = ("report",)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence"], name="rectification_number_once"
            )
        ]
        indexes = [
            # The overdue list: open orders past their deadline, oldest first.
            models.Index(fields=["status", "deadline", "id"], name="rect_status_deadline"),
            models.Index(fields=["enterprise", "status"], name="rect_enterprise"),
            models.Index(fields=["jurisdiction", "status", "deadline"], name="rect_place"),
            models.Index(fields=["office", "status", "deadline"], name="rect_office"),
        ]


class StopOrder(NumberedDocument):
    """责令停业: an order to stop operating, with its record (the facts found), lifted only
    after a passed re-inspection (seed 000: 立即责令停业并立案调查)."""

    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.RESTRICT, related_name="stops",
        verbose_name=_("inspection"),
    )  # fmt: skip
    order = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.RESTRICT, related_name="stops",
        verbose_name=_("rectification order"),
    )  # fmt: skip
    facts = models.TextField(_("facts found"), max_length=4000)  # the record
    basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=StopStatus.choices, default=StopStatus.IN_FORCE
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("lifted by"),
    )  # fmt: skip
    lifted_on = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.RESTRICT, related_name="+",
        verbose_name=_("lifted on the re-inspection"),
    )  # fmt: skip

    audit_masked_fields = ("facts",)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("order to stop operating")
        verbose_name_plural = _("orders to stop operating")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "sequence"], name="stop_number_once")
        ]
        indexes = [models.Index(fields=["enterprise", "status"], name="stop_enterprise")]


# --- 双随机: random draws of targets and inspectors ------------------------------------------


class Draw(TimestampedModel):
    """A random draw (双随机): targets drawn from a filtered list of enterprises and inspectors
    from a pool, with everything needed to re-run it (the filter as data, the candidates and
    the pool in the order used, the 包保 conflicts, the seed, the algorithm) and a digest of
    that record. Published on the public page by an explicit step of the office."""

    place = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("place"),
    )  # fmt: skip
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("drawing office"),
    )  # fmt: skip
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="draws",
        verbose_name=_("checklist template"),
    )  # fmt: skip
    planned_for = models.DateField(_("inspection date"))
    # Numbered by the place's town (core.numbering), like the orders.
    issuer = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    # The record: what anyone needs to re-run the draw (``fugong.inspections.draws``).
    criteria = models.JSONField(_("filter"), default=dict, blank=True)
    target_count = models.PositiveIntegerField(_("targets"))
    per_target = models.PositiveSmallIntegerField(_("inspectors per target"), default=2)
    candidates = models.JSONField(_("candidate enterprises"), default=list)
    pool = models.JSONField(_("inspector pool"), default=list)
    conflicts = models.JSONField(_("conflicts of interest"), default=dict, blank=True)
    seed = models.CharField(_("seed"), max_length=64)
    algorithm = models.CharField(_("algorithm"), max_length=40)
    digest = models.CharField(_("digest (SHA-256)"), max_length=64)
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("drawn by"),
    )  # fmt: skip
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("published by"),
    )  # fmt: skip

    scope_rules = ScopeRules(jurisdiction_path="place__path", office="office_id")
    # The candidate list and the pool are long; the audit row keeps their digest instead.
    audit_excluded_fields = ("candidates", "pool", "conflicts")

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "sequence"], name="draw_number_once")
        ]
        indexes = [
            models.Index(fields=["place", "drawn_at"], name="draw_place"),
            models.Index(fields=["published_at"], name="draw_published"),
        ]

    def __str__(self) -> str:
        return self.number


class DrawTarget(models.Model):
    """One enterprise drawn, in the order drawn, with its team of inspectors (user ids, the
    first is the inspection's inspector, the second its companion) and the random inspection
    planned for it."""

    draw = models.ForeignKey(
        Draw, on_delete=models.CASCADE, related_name="picks", verbose_name=_("random draw")
    )
    position = models.PositiveIntegerField(_("position"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    inspectors = models.JSONField(_("inspectors"), default=list)
    companion = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("companion inspector"),
    )  # fmt: skip
    inspection = models.OneToOneField(
        Inspection, on_delete=models.RESTRICT, related_name="draw_pick",
        verbose_name=_("inspection"),
    )  # fmt: skip

    scope_rules = ScopeRules(
        jurisdiction_path="draw__place__path", office="draw__office_id", user="companion_id"
    )

    class Meta:
        ordering = ["draw", "position"]
        verbose_name = _("drawn target")
        verbose_name_plural = _("drawn targets")
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="draw_target_position"),
            models.UniqueConstraint(fields=["draw", "enterprise"], name="draw_target_once"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.position} {self.enterprise_id}"
