"""Statuses of charter batches (包车), commuter buses (通勤班车) and their opinion letters."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BatchStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DEPARTED = "departed", _("On the way")
    ARRIVED = "arrived", _("Arrived")
    CANCELLED = "cancelled", _("Cancelled")


# A batch whose passengers are on the way or have arrived: they rode it.
RIDDEN = (BatchStatus.DEPARTED, BatchStatus.ARRIVED)
# A batch that still holds its seats (a passenger may not ride two of these on the same days).
LIVE = (BatchStatus.PLANNED, BatchStatus.DEPARTED, BatchStatus.ARRIVED)


class BusStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    SUSPENDED = "suspended", _("Suspended")
    RETIRED = "retired", _("Out of service")


class LetterStatus(models.TextChoices):
    DRAFT = "draft", _("Being filled in")
    SUBMITTED = "submitted", _("Waiting for review")
    APPROVED = "approved", pgettext_lazy("letter status", "Issued")
    REJECTED = "rejected", _("Not approved")
    REVOKED = "revoked", pgettext_lazy("letter status", "Revoked")
