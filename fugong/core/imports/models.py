"""The import batch (one uploaded file of some registered kind) and the header mappings an
office chose for headers the importer did not recognise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.scope import ScopeRules


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All or nothing: write only if every row is good")
    KEEP_GOOD = "good", _("Keep the good rows: write those, return the others")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking the file")
    READY = "ready", _("Checked; waiting for you to confirm")
    REJECTED = "rejected", _("The file cannot be imported")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Import failed; nothing was written")


class ImportBatch(models.Model):
    """One uploaded file of a registered kind (``kind``: the importer): checked first
    (preview, nothing written), then imported when the user confirms, as background jobs.
    Its status moves on the workflow engine (``fugong.core.imports.workflow``)."""

    kind = models.CharField(_("kind of import"), max_length=40, default="enterprises")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    mode = models.CharField(
        _("mode"), max_length=5, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    message = models.TextField(_("message"), blank=True)
    # What the user chose on the form: the place rows without one go to ("place"), the
    # header mapping used for this file ("mapping": normalised header -> field, "" = ignore).
    options = models.JSONField(_("options"), default=dict, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error_file = models.FileField(_("rows with errors"), upload_to="imports/%Y/%m/", blank=True)
    # The good rows as the check read them (signed frames, fugong.core.imports.checked),
    # which the import then writes.
    checked_file = models.FileField(
        upload_to="imports/%Y/%m/", blank=True, editable=False, verbose_name=_("checked file")
    )
    check_job = models.ForeignKey(
        "core.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("check job"),
    )
    import_job = models.ForeignKey(
        "core.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("import job"),
    )

    audit_masked_fields = ("message",)  # free text: phones and ID numbers masked
    # The preview holds sample rows (phone numbers among them) and is rebuilt by every
    # check: the audit rows keep the states, not the rows.
    audit_excluded_fields = ("preview", "result")

    # Each user sees the files they uploaded (the platform administrators see all).
    scope_rules = ScopeRules(user="created_by")

    class Meta:
        # The table the enterprise ledger's batches were created in: kept, rows and all.
        db_table = "enterprises_importbatch"
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.filename


class HeaderMapping(models.Model):
    """What an office told the importer a header of its ledgers means: ``field`` (one of the
    importer's columns) or ``""`` (ignore the column). Applied to the next uploads of the same
    office (``scope``: the key the importer gives for the uploader's office)."""

    kind = models.CharField(_("kind of import"), max_length=40)
    # The importer's office key: for a place, its whole path (a grid's is 61 characters).
    scope = models.CharField(_("office"), max_length=300)
    header = models.CharField(_("header"), max_length=100)  # normalised (tabular.header_key)
    field = models.CharField(_("field"), max_length=60, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("header mapping")
        verbose_name_plural = _("header mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope", "header"], name="header_mapping_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} {self.header} → {self.field or '-'}"
