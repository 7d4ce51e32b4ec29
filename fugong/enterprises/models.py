"""The enterprise registry. This is the core record later capabilities hang on; the
registry issue extends it with categories, tiers, statuses and ledgers."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from fugong.accounts.models import Jurisdiction, Office, phone_validator

# The import batch moved to the import engine (fugong.core.imports); importable from here as
# before for the pages, commands and tests of the enterprise import.
from fugong.core.imports.models import ImportBatch, ImportMode, ImportStatus  # noqa: F401
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.enterprises.choices import Category, Duty, Ledger, Post, Tier

_CREDIT_CODE = re.compile(r"^\d{8}[0-9A-HJ-NPQRTUWXY]{10}$")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(code: str) -> str:
    """The check character of a well-formed code: python-stdnum's ``uscc.calc_check_digit``
    without its cleaning of the input, which costs more than the sum (an import checks
    100,000 codes)."""
    total = sum(map(dict.__getitem__, _USCC_PRODUCTS, code[:17]))
    return _USCC_ALPHABET[-total % 31]


# Per position, each character's value times the position's weight (one look-up per
# character instead of a product).
_USCC_PRODUCTS = [{c: v * w for c, v in _USCC_VALUES.items()} for w in _USCC_WEIGHTS]


def validate_credit_code(value: str) -> None:
    """统一社会信用代码 (GB 32100-2015): 18 characters with a check character.
    A well-formed code is checked straight away (imports check 100,000 of them); anything else
    goes through python-stdnum's full validation, which says what is wrong."""
    if _CREDIT_CODE.match(value) and credit_code_check_character(value) == value[17]:
        return
    try:
        uscc.validate(value)
    except uscc.InvalidChecksum as exc:
        raise ValidationError(
            _(
                "The check character of this credit code is wrong; compare it with the business licence."
            ),
            code="checksum",
        ) from exc
    except uscc.InvalidLength as exc:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)s.")
            % {"n": len(value)},
            code="length",
        ) from exc
    except Exception as exc:  # noqa: BLE001 - stdnum's InvalidFormat and friends
        raise ValidationError(
            _("A unified social credit code uses digits and capital letters (not I, O, S, V, Z)."),
            code="format",
        ) from exc


class Park(TimestampedModel):
    """An industrial park or office building whose operator files for its tenants."""

    name = models.CharField(_("name"), max_length=100)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    operator = models.ForeignKey(
        Office,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parks",
    )

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path", park_operator="operator_id")

    class Meta:
        ordering = ["name"]
        verbose_name = _("park or building")
        verbose_name_plural = _("parks and buildings")

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    """GB/T 4754-2017 国民经济行业分类: 门类 (section, A–T) and 大类 (division, 01–97),
    loaded from fugong/enterprises/data/gbt4754_2017.csv by a data migration."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(
        _("level"), max_length=10, choices=[("section", _("Section")), ("division", _("Division"))]
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent industry"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def section_code(self) -> str:
        return (
            self.code if self.level == "section" else (self.parent.code if self.parent_id else "")
        )


class RegistryRule(TimestampedModel):
    """Per-jurisdiction settings of the registry; the nearest ancestor's rule applies.
    Key enterprise: tax paid last year above a threshold (seed 002: 500,000 yuan)."""

    jurisdiction = models.OneToOneField(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="registry_rule",
    )
    key_rule_enabled = models.BooleanField(_("derive key enterprises"), default=True)
    key_min_tax_paid = models.DecimalField(
        _("key enterprise: tax paid above (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        default=50,
    )

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        verbose_name = _("registry rule")
        verbose_name_plural = _("registry rules")

    def __str__(self) -> str:
        return str(self.jurisdiction)


class Enterprise(TimestampedModel):
    # No index of its own: enterprise_name_place starts with it (a second copy of the name
    # in every insert of an import, and on PostgreSQL a third for LIKE, for no query).
    name = models.CharField(_("enterprise name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("park or building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "division"},
    )
    revenue_last_year = models.DecimalField(
        _("revenue last year (10,000 yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    tax_paid_last_year = models.DecimalField(
        _("tax paid last year (10,000 yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # The effective category; derived from industry and revenue unless set by hand.
    category = models.CharField(
        _("statistical category"),
        max_length=20,
        choices=Category.choices,
        blank=True,
    )
    category_overridden = models.BooleanField(_("category set by hand"), default=False)
    category_override_reason = models.CharField(
        _("reason for the category"), max_length=200, blank=True
    )
    tier = models.CharField(_("key tier"), max_length=20, choices=Tier.choices, blank=True)
    is_key = models.BooleanField(_("key enterprise"), default=False)
    is_key_overridden = models.BooleanField(_("key enterprise set by hand"), default=False)
    is_key_override_reason = models.CharField(
        _("reason for key enterprise"), max_length=200, blank=True
    )
    closed_management = models.BooleanField(_("closed management possible"), default=False)
    has_canteen = models.BooleanField(_("canteen"), default=False)
    has_dormitory = models.BooleanField(_("dormitory"), default=False)
    has_commuter_bus = models.BooleanField(_("commuter bus"), default=False)
    has_isolation_room = models.BooleanField(_("isolation room"), default=False)
    ledger = models.CharField(_("ledger"), max_length=20, choices=Ledger.choices, blank=True)
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    returned_count = models.PositiveIntegerField(_("staff returned"), null=True, blank=True)
    remarks = models.CharField(_("remarks"), max_length=500, blank=True)
    routed_offices = models.ManyToManyField(
        Office, verbose_name=_("reviewing offices"), blank=True, related_name="routed_enterprises"
    )

    # The phone, and free text that may hold a phone or ID number (masked inside).
    audit_masked_fields = ("contact_phone", "address", "remarks")
    scope_rules = ScopeRules(
        jurisdiction_path="jurisdiction__path",
        office="routed_offices",
        assigned_user="assignments__user",
        enterprise="pk",
        park_operator="park__operator",
        many=frozenset({"routed_offices", "assignments__user"}),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [
            # Covers a scoped count by any list filter (jurisdiction first: every non-admin
            # query is narrowed by it), so counts read the index, not the rows.
            models.Index(
                fields=[
                    "jurisdiction",
                    "category",
                    "ledger",
                    "resumed_on",
                    "industry",
                    "tier",
                    "is_key",
                ],
                name="enterprise_scope_filters",
            ),
            # A page of a jurisdiction's list by name: the ids in order from the index alone.
            models.Index(fields=["jurisdiction", "name", "id"], name="enterprise_place_name"),
            # A long list's page in name order from the index alone, deep pages too: the
            # place of each entry is checked against the scope without reading the row.
            models.Index(fields=["name", "id", "jurisdiction"], name="enterprise_name_place"),
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(TimestampedModel):
    """包保: a leader, cadre or liaison answerable for an enterprise, on post A or B."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    duty = models.CharField(_("duty"), max_length=20, choices=Duty.choices, default=Duty.CADRE)
    post = models.CharField(_("post"), max_length=1, choices=Post.choices, default=Post.A)

    scope_rules = ScopeRules(
        jurisdiction_path="enterprise__jurisdiction__path",
        assigned_user="user_id",
        enterprise="enterprise_id",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "user", "duty"], name="assignment_unique")
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class GreenChannel(TimestampedModel):
    """绿色通道 (seed 001 §九): an enterprise put first in every queue (requests to dispatch
    and handle, filings to review), with who set it and why."""

    enterprise = models.OneToOneField(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="green_channel",
        verbose_name=_("enterprise"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    why = models.CharField(_("why"), max_length=300)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )

    scope_rules = ScopeRules(
        jurisdiction_path="enterprise__jurisdiction__path",
        assigned_user="enterprise__assignments__user",
        enterprise="enterprise_id",
        many=frozenset({"enterprise__assignments__user"}),
    )
    audit_masked_fields = ("why",)

    class Meta:
        verbose_name = _("green channel")
        verbose_name_plural = _("green channels")

    def __str__(self) -> str:
        return f"{self.enterprise_id}"


def green_first(enterprise_field: str = "enterprise"):
    """An annotation for ordering a queue: True for rows of enterprises on a green channel."""
    return models.Exists(
        GreenChannel.objects.filter(enterprise=models.OuterRef(enterprise_field), is_active=True)
    )
