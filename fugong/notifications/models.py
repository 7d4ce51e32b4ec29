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
            models.Index(
                fields=["user", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="notif_message_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class Channel(models.TextChoices):
    """Where a message goes beyond the inbox (the inbox is every event's record)."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    ROBOT = "robot", _("Group robot")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent (daily limit)")


class Delivery(models.Model):
    """One message sent, or to send, through a channel: its attempts and why the last one
    failed (the delivery log). The address is read from the user when it is sent, never kept
    here."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("user"),
    )
    robot = models.ForeignKey(
        "RobotWebhook",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("group robot"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    # A person sees their own; a command office the posts of its places' group robots.
    scope_rules = ScopeRules(user="user_id", jurisdiction_path="robot__jurisdiction__path")

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "user"], name="notif_delivery_once"
            ),
            models.UniqueConstraint(fields=["event", "robot"], name="notif_delivery_robot_once"),
            # A person's message or a group's, never both nor neither.
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) ^ models.Q(robot__isnull=True),
                name="notif_delivery_to_one",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due"),
            # The rate limit per channel: how many were sent in the last minute.
            models.Index(fields=["channel", "sent_at"], name="notif_delivery_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.user_id} ({self.status})"


class Mute(models.Model):
    """A user's choice not to receive one kind of event through one channel (a mandatory
    kind reaches them anyway; the inbox cannot be muted)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=80)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)

    class Meta:
        verbose_name = _("mute")
        verbose_name_plural = _("mutes")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notif_mute_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.kind} by {self.channel}"


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")


class RobotWebhook(models.Model):
    """A group chat's robot that a command office points the events of its area at: the
    events of ``kinds`` about anything under ``jurisdiction`` are posted to the group (their
    title and link; never a reason). The key and the signing secret are kept out of the audit
    log and shown only by their last characters."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=RobotKind.choices)
    key = models.CharField(_("webhook key"), max_length=200)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    # What the pages and the history show of the key and the secret (never the values): a
    # change of key is seen as "…2222 → …2345".
    key_tail = models.CharField(_("webhook key"), max_length=8, blank=True)
    signed = models.BooleanField(_("signed"), default=False)
    kinds = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    audit_excluded_fields = ("key", "secret")
    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.key_tail = f"…{self.key[-4:]}" if self.key else ""
        self.signed = bool(self.secret)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = list({*kwargs["update_fields"], "key_tail", "signed"})
        super().save(*args, **kwargs)


class RecipientGroup(models.Model):
    """A named list of people a command office sends events to (a 专班, the leaders on duty),
    beyond those the event's kind reaches by role."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        verbose_name = _("recipient group")
        verbose_name_plural = _("recipient groups")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="notif_group_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A command office's choice that the events of ``kind`` about anything under
    ``jurisdiction`` also reach an office's members or a recipient group (each still only
    what their data scope shows them)."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    kind = models.CharField(_("event"), max_length=80)
    office = models.ForeignKey(
        "accounts.Office",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("office"),
    )
    group = models.ForeignKey(
        RecipientGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("recipient group"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            # An office's or a group's, never both nor neither.
            models.CheckConstraint(
                condition=models.Q(office__isnull=True) ^ models.Q(group__isnull=True),
                name="notif_subscription_to_one",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "office"], name="notif_subscription_office_once"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "group"], name="notif_subscription_group_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.office or self.group}"
