"""Choices of upward reporting."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("Not submitted")
    SUBMITTED = "submitted", pgettext_lazy("upward reporting", "Submitted")
    REOPENED = "reopened", _("Reopened")


class SubmissionEventKind(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("upward reporting", "Submitted")
    REOPENED = "reopened", _("Reopened")
    REMINDED = "reminded", _("Reminded")
