"""Checklist templates, versioned: a filled checklist points at the exact version it used, so
editing a template later never changes what an inspector signed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import TimestampedModel


class ChecklistKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("On-site resumption acceptance")  # 复工验收


class ItemKind(models.TextChoices):
    CHECK = "check", _("Pass / fail / not applicable")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")
    PHOTO = "photo", _("Photo")


class ChecklistTemplate(TimestampedModel):
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ChecklistKind.choices)
    is_active = models.BooleanField(_("in use"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

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

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="checklist_item_position")
        ]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"
