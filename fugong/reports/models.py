"""The narrative report templates uploaded by the jurisdictions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Jurisdiction
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.reports.choices import ReportKind


class ReportTemplate(TimestampedModel):
    """An uploaded .docx template for a narrative report, for a jurisdiction's subtree (the
    nearest one applies; none: the template shipped with Fugong)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    file = models.FileField(_("file"), upload_to="report-templates/%Y/")
    filename = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        db_table = "stats_reporttemplate"  # kept from when the model was in fugong.stats
        ordering = ["-created_at", "-id"]
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")

    def __str__(self) -> str:
        return self.filename
