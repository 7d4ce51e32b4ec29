"""Choices of report generation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    DAILY = "daily", _("Daily table (xlsx)")
    ZERO = "zero", _("Zero report (xlsx)")
    LEDGERS = "ledgers", _("The four ledgers (xlsx)")
    NARRATIVE_TOWN = "narrative_town", _("Narrative report, town shape (docx)")
    NARRATIVE_COUNTY = (
        "narrative_county",
        _("Narrative report, county industry and services shape (docx)"),
    )


NARRATIVE_KINDS = (ReportKind.NARRATIVE_TOWN, ReportKind.NARRATIVE_COUNTY)
