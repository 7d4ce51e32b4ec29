from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.scope import ScopeRules


class Event(models.Model):
    """Something that happened and that people are told of: a kind declared by an app
    (``registry.add_event_kind``), about one object (the subject), with the values its message
    names. Fanned out once, after the step that raised it committed, into messages."""

    kind = models.CharField(_("kind"), max_length=80)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Raising an event twice with one key (a retried step, a double click) tells people once.
    dedup_key = models.CharField(_("deduplication key"), max_length=200, null=True, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    fanned_out_at = models.DateTimeField(_("fanned out at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="notif_event_subject")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.subject_id}"


class Message(models.Model):
    """One person's copy of an event in their inbox (站内信). Its text is written when it is
    shown, in the reader's language, from the event kind and ``params``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("user"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="messages", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=80)
    url = models.CharField(_("link"), max_length=300, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    scope_rules = ScopeRules(user="user_id")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="notif_message_once")]
        indexes = [
            # The inbox, newest first, a page at a time (keyset on the id); the unread badge.
            models.Index(fields=["user", "-id"], name="notif_message_inbox"),
            models.Index(fields=["user", "read_at"], name="notif_message_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"
