"""Base models and the cross-cutting records: the audit log and background jobs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class WorkflowStep(models.Model):
    """One step of a record's workflow (its timeline): what was done, from which state to
    which, by whom and why. An app's step log subclasses it with a foreign key to its record
    and names both on its workflow (``Workflow.step_model``, ``step_subject``), which writes
    one row a step."""

    action = models.CharField(_("action"), max_length=20)
    before = models.CharField(_("from"), max_length=10)
    after = models.CharField(_("to"), max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("by"),
    )  # fmt: skip
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.action} {self.before} → {self.after}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class AuditLog(models.Model):
    """One row per write: who, when, what, before and after (NetBox's ObjectChange)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # No foreign-key constraints in the database (Django still sets the actor to null when a
    # user is deleted): the log is append-only history, and on PostgreSQL the two deferred
    # checks of each row cost 0.7 s at the commit of a 100,000-row import.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("content type"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the index of (content type, object, time) starts with it
        db_constraint=False,
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} "
            f"{self.object_repr}"
        )

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, old, new) for every field that differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A piece of background work a user started, with its progress and result file."""

    kind = models.CharField(_("kind"), max_length=100)
    title = models.CharField(_("job name"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    task_result_id = models.CharField(_("task result id"), max_length=64, blank=True)
    # The language of the page that started the job: its messages, errors and files are
    # written in it (blank: the site's default).
    language = models.CharField(
        _("language"), max_length=15, blank=True, choices=settings.LANGUAGES
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))


class DocumentCounter(models.Model):
    """The last number given to a kind of document (``resumption.notice``, ...) by an issuing
    place in a year. Taken under a row lock in the transaction that creates the document (see
    ``fugong.core.numbering``), so numbers are never duplicated nor skipped."""

    kind = models.CharField(_("kind of document"), max_length=40)
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    year = models.PositiveIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "jurisdiction", "year"], name="document_counter_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.jurisdiction_id} {self.year} {self.last}"


# The import engine's models live with it (fugong/core/imports); imported here so that Django
# finds them when it loads this app's models.
from fugong.core.imports.models import HeaderMapping, ImportBatch  # noqa: E402, F401
