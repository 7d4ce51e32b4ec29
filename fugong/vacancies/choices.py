"""Statuses and requirements of a vacancy."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VacancyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("vacancy status", "Draft")
    PUBLISHED = "published", pgettext_lazy("vacancy status", "Published")
    CLOSED = "closed", pgettext_lazy("vacancy status", "Closed")


class Education(models.TextChoices):
    """The least schooling a post asks for (blank: none)."""

    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior middle school")
    SENIOR = "senior", _("Senior middle school or vocational school")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree or above")


# Allowed status changes: (from, to).
TRANSITIONS = {
    (VacancyStatus.DRAFT, VacancyStatus.PUBLISHED),
    (VacancyStatus.PUBLISHED, VacancyStatus.CLOSED),
    (VacancyStatus.CLOSED, VacancyStatus.PUBLISHED),  # reopened (a new expiry)
    (VacancyStatus.DRAFT, VacancyStatus.CLOSED),
}
