"""Choices of the statistics layer."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Denominator(models.TextChoices):
    """What 复工率 divides by (seed 003 divides by the units that need to resume; seed 000 and
    most town reports divide by all units)."""

    NEED = "need", _("Units that need to resume")
    ALL = "all", _("All units")
