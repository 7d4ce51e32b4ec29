"""Users, the jurisdiction tree, offices and memberships (which give each user a data scope)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import CODE_LENGTH, LEVEL_DEPTH, CadreTitle, Level, OfficeKind, Role
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _(
        "Enter an 11-digit mobile number or a landline number with its area code, e.g. 0571-88886666."
    ),
)

# Sent inside the transaction that gave a subtree of jurisdictions new paths (a new parent or
# code): whatever is counted by ancestor must be counted again.
jurisdictions_moved = Signal()


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])

    audit_excluded_fields = ("password", "last_login")
    audit_masked_fields = ("phone",)
    scope_rules = ScopeRules(user="pk")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def code_prefix(code: str, depth: int) -> str:
    """The part of a division code that every descendant's code starts with.
    330000 (province) -> 33, 330400 (city) -> 3304, 330411 (county) -> 330411, deeper: all."""
    return {0: code[:2], 1: code[:4]}.get(depth, code)


class Jurisdiction(TimestampedModel):
    """A node of 省 → 市 → 县/区 → 镇/街道 → 村/社区 → 网格 with its division code
    (GB/T 2260 six digits down to counties, the statistical 9 and 12 digits for towns and
    villages, and our own 15 digits for grids)."""

    code = models.CharField(
        _("division code"),
        max_length=15,
        unique=True,
        validators=[
            RegexValidator(r"^\d{6}(\d{3}){0,3}$", _("A division code has 6, 9, 12 or 15 digits."))
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(
        max_length=255, db_index=True, editable=False, verbose_name=_("tree path")
    )
    depth = models.PositiveSmallIntegerField(editable=False, default=0, verbose_name=_("depth"))
    established_on = models.DateField(_("established on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope_rules = ScopeRules(jurisdiction_path="path")

    class Meta:
        ordering = ["path"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        depth = LEVEL_DEPTH.get(self.level)
        if depth is None:
            return
        if (
            self.parent_id is None
            and depth != 0
            and Jurisdiction.objects.exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"parent": _("Only the top of the tree may have no parent.")})
        if self.parent is not None:
            parent_depth = LEVEL_DEPTH[self.parent.level]
            if depth != parent_depth + 1:
                raise ValidationError(
                    {
                        "level": _("A %(level)s cannot sit directly under a %(parent)s.")
                        % {
                            "level": self.get_level_display(),
                            "parent": self.parent.get_level_display(),
                        }
                    }
                )
            prefix = code_prefix(self.parent.code, parent_depth)
            if self.code and not self.code.startswith(prefix):
                raise ValidationError(
                    {
                        "code": _("The code must start with %(prefix)s, the code of its parent.")
                        % {"prefix": prefix}
                    }
                )
        if self.code and len(self.code) != CODE_LENGTH[depth]:
            raise ValidationError(
                {
                    "code": _("A %(level)s code has %(n)s digits.")
                    % {"level": self.get_level_display(), "n": CODE_LENGTH[depth]}
                }
            )

    @transaction.atomic
    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        parent_path = self.parent.path if self.parent_id else "/"
        self.path = f"{parent_path}{self.code}/"
        self.depth = LEVEL_DEPTH.get(self.level, 0)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = list({*update_fields, "path", "depth"})
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # A new code or parent moves the whole subtree: rewrite the descendants' paths.
            Jurisdiction.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1))
            )
            jurisdictions_moved.send(sender=Jurisdiction, root=self)

    def ancestors(self) -> models.QuerySet[Jurisdiction]:
        codes = [c for c in self.path.strip("/").split("/") if c and c != self.code]
        return Jurisdiction.objects.filter(code__in=codes).order_by("depth")

    def descendants(self, include_self: bool = True) -> models.QuerySet[Jurisdiction]:
        qs = Jurisdiction.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)


class Office(TimestampedModel):
    """A government office, department or operator that reviews, inspects or handles items."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=OfficeKind.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="offices",
    )
    is_active = models.BooleanField(_("active"), default=True)

    scope_rules = ScopeRules(
        jurisdiction_path="jurisdiction__path", office="pk", park_operator="pk"
    )

    class Meta:
        ordering = ["jurisdiction__path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="office_unique_name_per_jurisdiction"
            )
        ]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name


# What each role's membership must name.
ROLE_REQUIRES = {
    Role.PLATFORM_ADMIN: set(),
    Role.COMMAND: {"jurisdiction"},
    Role.REVIEWER: {"office"},
    Role.CADRE: set(),
    Role.DEPARTMENT: {"office"},
    Role.ENTERPRISE: {"enterprise"},
    Role.PARK_OPERATOR: {"office"},
    Role.EMPLOYEE: {"enterprise"},
}


class Membership(TimestampedModel):
    """A user's role in a place. The role and what it names decide the data scope:
    command → a jurisdiction subtree; reviewer / department → the items routed to the office;
    cadre → the enterprises assigned to the user (and a grid, for a grid chief);
    enterprise user → one enterprise; park operator → the enterprises in its parks;
    employee → their own record; platform admin → everything."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    title = models.CharField(_("title"), max_length=20, choices=CadreTitle.choices, blank=True)
    is_primary = models.BooleanField(_("primary"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope_rules = ScopeRules(
        jurisdiction_path="jurisdiction__path",
        office="office_id",
        enterprise="enterprise_id",
        user="user_id",
    )

    class Meta:
        ordering = ["user", "-is_primary", "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        place = self.office or self.enterprise or self.jurisdiction
        return f"{self.user} · {self.get_role_display()}" + (f" · {place}" if place else "")

    def clean(self) -> None:
        required = ROLE_REQUIRES.get(self.role, set())
        missing = {
            name: _("A %(role)s membership must name this.") % {"role": self.get_role_display()}
            for name in required
            if getattr(self, f"{name}_id") is None
        }
        if missing:
            raise ValidationError(missing)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenRevocation(models.TextChoices):
    """Why an API token stopped working before it expired."""

    OWNER = "owner", _("Revoked by its owner")
    ADMIN = "admin", _("Revoked by an administrator")
    PASSWORD = "password", _("Password changed")
    DEACTIVATED = "deactivated", _("Account deactivated")


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored. Its owner lists and revokes
    it at /account/tokens/ (or through the API), a platform admin revokes anyone's, and a
    password change or deactivation of the owner revokes all of them."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("revocation reason"), max_length=20, choices=TokenRevocation.choices, blank=True
    )

    audit_excluded_fields = ("key_hash", "last_used_at")
    # Its owner sees it; platform admins see every token.
    scope_rules = ScopeRules(user="user_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "revoked"], name="apitoken_user_revoked")]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.revoked and not self.is_expired

    @property
    def status_label(self) -> str:
        if self.revoked:
            return str(_("Revoked"))
        if self.is_expired:
            return str(_("Expired"))
        return str(_("Active"))


class LoginEvent(models.TextChoices):
    LOGIN = "login", _("Logged in")
    FAILED = "failed", _("Wrong user name or password")
    LOCKED = "locked", _("Locked out")
    LOGOUT = "logout", _("Logged out")
    TOKEN = "token", _("API token issued")


class LoginLog(models.Model):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    username = models.CharField(_("user name"), max_length=150)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    event = models.CharField(_("event"), max_length=10, choices=LoginEvent.choices)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    scope_rules = ScopeRules(user="user_id")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("login log entry")
        verbose_name_plural = _("login log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_event_display()}"
