"""Settings, daily snapshots and upward reporting of the statistics layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Jurisdiction
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.stats.choices import (
    Denominator,
    ReportKind,
    SubmissionEventKind,
    SubmissionStatus,
)


class StatsSetting(TimestampedModel):
    """Per-jurisdiction settings; the nearest ancestor's row applies (see
    ``fugong.stats.figures.setting_for``)."""

    jurisdiction = models.OneToOneField(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="stats_setting",
    )
    rate_denominator = models.CharField(
        _("resumption rate divides by"),
        max_length=10,
        choices=Denominator.choices,
        default=Denominator.NEED,
    )
    report_deadline = models.TimeField(_("daily report due by"), null=True, blank=True)

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        verbose_name = _("statistics setting")
        verbose_name_plural = _("statistics settings")

    def __str__(self) -> str:
        return str(self.jurisdiction)


class Snapshot(models.Model):
    """A node's figures as of the end of one day, frozen when taken. Reports for that day are
    produced from it again identically; today's figures that differ are corrections."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    taken_at = models.DateTimeField(_("taken at"))
    data = models.JSONField(_("figures"))

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "day"], name="snapshot_unique_day")
        ]
        ordering = ["jurisdiction", "day"]
        verbose_name = _("daily snapshot")
        verbose_name_plural = _("daily snapshots")

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.day}"


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
        ordering = ["at", "id"]
        verbose_name = _("submission event")
        verbose_name_plural = _("submission events")

    def __str__(self) -> str:
        return f"{self.submission} {self.kind}"


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
        ordering = ["-created_at", "-id"]
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")

    def __str__(self) -> str:
        return self.filename


class Tally(models.Model):
    """The units under a jurisdiction node of depth 1–3, by category, industry section,
    ledger and resumption day. Written only by database triggers on the enterprise table, as
    +1 / −1 rows that readers sum (fugong/stats/tally.py); never by the application."""

    id = models.BigAutoField(primary_key=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=20, blank=True)
    section = models.CharField(max_length=4, blank=True)
    ledger = models.CharField(max_length=20, blank=True)
    resumed_on = models.DateField(null=True)
    units = models.IntegerField()
    employees = models.BigIntegerField()
    returned = models.BigIntegerField()

    class Meta:
        db_table = "stats_tally"
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        indexes = [
            # A node's rows are found by their jurisdiction and grouped in the index's order.
            models.Index(
                fields=["jurisdiction", "category", "section", "ledger", "resumed_on"],
                name="stats_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.category}/{self.section}/{self.ledger} {self.units:+}"
