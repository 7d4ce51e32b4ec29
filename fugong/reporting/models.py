"""Upward reporting: a node's figures of a day, submitted to the level above, and the
history of each submission."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Jurisdiction
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.reporting.choices import SubmissionEventKind, SubmissionStatus


class Submission(TimestampedModel):
    """One node's figures for one day, reported up the tree (DHIS2's data approval). While
    submitted, the day is locked for the node: resumption dates cannot move into or out of it."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="stat_submissions",
    )
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
    )
    is_zero = models.BooleanField(_("zero report"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    audit_masked_fields = ("note",)  # free text: phones and ID numbers masked
    data = models.JSONField(_("figures"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    deadline = models.DateTimeField(_("due by"), null=True, blank=True)
    reminders = models.PositiveIntegerField(_("reminders"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    revision = models.PositiveIntegerField(default=0, verbose_name=_("revision"))

    # The frozen figures are the submission's content, not a change worth a copy per audit row.
    audit_excluded_fields = ("data",)
    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "day"], name="submission_unique_day")
        ]
        indexes = [models.Index(fields=["day", "status"], name="submission_day_status")]
        db_table = "stats_submission"  # kept from when the model was in fugong.stats
        ordering = ["-day", "jurisdiction__path"]
        verbose_name = _("daily submission")
        verbose_name_plural = _("daily submissions")

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.day}"

    @property
    def is_late(self) -> bool:
        if self.deadline is None:
            return False
        if self.submitted_at is not None:
            return self.submitted_at > self.deadline
        from django.utils import timezone

        return timezone.now() > self.deadline


class SubmissionEvent(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="events", verbose_name=_("submission")
    )
    kind = models.CharField(_("event"), max_length=10, choices=SubmissionEventKind.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    audit_masked_fields = ("reason",)  # free text: phones and ID numbers masked

    scope_rules = ScopeRules(jurisdiction_path="submission__jurisdiction__path")

    class Meta:
        db_table = "stats_submissionevent"
        ordering = ["at", "id"]
        verbose_name = _("submission event")
        verbose_name_plural = _("submission events")

    def __str__(self) -> str:
        return f"{self.submission} {self.kind}"
