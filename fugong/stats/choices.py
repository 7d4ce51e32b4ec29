"""Choices of the statistics layer."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Denominator(models.TextChoices):
    """What 复工率 divides by (seed 003 divides by the units that need to resume; seed 000 and
    most town reports divide by all units)."""

    NEED = "need", _("Units that need to resume")
    ALL = "all", _("All units")


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("Not submitted")
    SUBMITTED = "submitted", pgettext_lazy("upward reporting", "Submitted")
    REOPENED = "reopened", _("Reopened")


class SubmissionEventKind(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("upward reporting", "Submitted")
    REOPENED = "reopened", _("Reopened")
    REMINDED = "reminded", _("Reminded")


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
