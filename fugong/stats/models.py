"""Settings, daily snapshots and the tally of the statistics layer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Jurisdiction
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.stats.choices import Denominator


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


class Tally(models.Model):
    """The units under a jurisdiction node of depth 1–3, by category, industry section,
    ledger and resumption day. Written only by database triggers on the enterprise table, as
    +1 / −1 rows that readers sum (fugong/stats/tally.py); never by the application."""

    id = models.BigAutoField(primary_key=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,  # stats_tally_key starts with it
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
