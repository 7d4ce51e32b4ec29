"""Statuses and kinds of the policy catalog, the matching and the claims."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Size(models.TextChoices):
    """企业规模, derived from staff and revenue (see ``rules.size_of``)."""

    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Being filled in")
    SUBMITTED = "submitted", _("Submitted")
    PROPOSED = "proposed", _("Computed, to confirm")  # 免申即享: computed by the platform
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    CANCELLED = "cancelled", _("Withdrawn")


OPEN_CLAIM = (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.PROPOSED)
