"""Raising events and fanning them out into messages (issue 12). An event is raised inside
the step that causes it and fanned out by a background task once that step has committed: a
step rolled back tells nobody, and a slow fan-out never holds up the user's request."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fugong.accounts.selectors import with_memberships
from fugong.core import registry
from fugong.core.audit import audited_update, record_many, snapshot
from fugong.core.errors import UserError
from fugong.core.masking import mask_structure, mask_text
from fugong.core.models import AuditAction
from fugong.core.scope import DataScope, get_scope, scope_q, scoped
from fugong.core.tree import paths_to
from fugong.notifications import setup
from fugong.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Message,
    Mute,
    RobotKind,
    RobotWebhook,
)

logger = logging.getLogger(__name__)


def event_raise(
    *,
    kind: str,
    subject: models.Model,
    actor: Any = None,
    params: dict | None = None,
    dedup_key: str | None = None,
) -> Event | None:
    """Record an event of ``kind`` about ``subject`` and fan it out after commit. None when
    an event with ``dedup_key`` was raised before (nobody is told twice)."""
    if registry.event_kind(kind) is None:
        raise ValueError(f"no app declares the event kind {kind!r}")
    is_user = getattr(actor, "pk", None) is not None
    try:
        with transaction.atomic():
            event = Event.objects.create(
                kind=kind,
                subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
                subject_id=subject.pk,
                actor=actor if is_user else None,
                # No phone or ID number in a message, whoever typed one into a reason.
                params=mask_structure(params or {}),
                dedup_key=dedup_key,
            )
    except IntegrityError:
        if dedup_key and Event.objects.filter(dedup_key=dedup_key).exists():
            return None
        raise
    from fugong.notifications.tasks import fan_out  # the task module imports this one

    transaction.on_commit(lambda: fan_out.enqueue(event.pk))
    return event


def recipients(event: Event, subject: models.Model) -> list[int]:
    """Who the event reaches: the users its kind names, active, who see the subject in their
    data scope, but not the actor (nobody is told of their own step). Set-wise: the named
    users' memberships in one query, then one query per distinct data scope (the members of
    one office share theirs), not per user."""
    kind = registry.event_kind(event.kind)
    # Those the kind names, and those the command offices above the subject subscribed.
    named = set(kind.recipients(subject)) | setup.subscribed(event.kind, _subject_path(subject))
    named -= {event.actor_id, None}
    users = with_memberships(
        list(get_user_model().objects.filter(pk__in=named, is_active=True).order_by("pk"))
    )
    same = type(subject)._default_manager.filter(pk=subject.pk)
    rules = getattr(same.model, "scope_rules", None)
    sees: dict[DataScope, bool] = {}
    out = []
    for user in users:
        scope = get_scope(user)
        # The user's own id matters only to a grant of the subject's rules that names a user.
        personal = rules is not None and (
            (scope.assigned and rules.assigned_user) or (scope.own_records and rules.user)
        )
        key = scope if personal else replace(scope, user_id=None)
        if key not in sees:
            q = scope_q(same.model, scope)
            sees[key] = same.exists() if q is None else same.filter(q).exists()
        if sees[key]:
            out.append(user.pk)
    return out


@transaction.atomic
def event_fan_out(event_id: int) -> int:
    """Write the event's messages, once (a second run finds it fanned out). Returns how many."""
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None or event.fanned_out_at is not None:
        return 0
    kind = registry.event_kind(event.kind)
    model = event.subject_type.model_class()
    subject = model._default_manager.filter(pk=event.subject_id).first() if model else None
    users = recipients(event, subject) if kind is not None and subject is not None else []
    url = kind.url(subject) if users else ""
    Message.objects.bulk_create(
        [
            Message(user_id=pk, event=event, kind=event.kind, url=url, params=event.params)
            for pk in users
        ]
    )
    if kind is not None and subject is not None:
        _queue_deliveries(event, kind, users, subject)
    event.fanned_out_at = timezone.now()
    event.recipients = len(users)
    event.save(update_fields=["fanned_out_at", "recipients"])
    return len(users)


SEND_AT_ONCE = 500  # deliveries per send task


def _sms_template(kind) -> str:
    """The SMS template of ``kind``; "" when SMS is off, the kind has none, or it is about
    someone's health (never sent by SMS)."""
    if not settings.FUGONG_SMS_URL or kind.health:
        return ""
    return str(settings.FUGONG_SMS_TEMPLATES.get(kind.code, ""))


def _queue_deliveries(event: Event, kind, users: list[int], subject) -> None:
    """An email to each recipient with an address, an SMS to each with a phone when the kind
    has an SMS template, but not through a channel the user muted for the kind (a mandatory
    kind's reach them anyway); sent by tasks after commit."""
    people = get_user_model().objects.filter(pk__in=users)
    reach = {Channel.EMAIL: set(people.exclude(email="").values_list("pk", flat=True))}
    if _sms_template(kind):
        reach[Channel.SMS] = set(people.exclude(phone="").values_list("pk", flat=True))
    if not kind.mandatory:
        for channel, pks in reach.items():
            pks -= set(
                Mute.objects.filter(user_id__in=pks, kind=event.kind, channel=channel).values_list(
                    "user_id", flat=True
                )
            )
    told = _told_lately(event)
    for channel, pks in reach.items():
        pks -= {user for ch, user, robot in told if ch == channel}
    robots = set(_robots_for(event, subject)) - {robot for _ch, _user, robot in told}
    made = Delivery.objects.bulk_create(
        [
            Delivery(event=event, user_id=pk, channel=channel)
            for channel, pks in reach.items()
            for pk in sorted(pks)
        ]
        + [Delivery(event=event, robot_id=pk, channel=Channel.ROBOT) for pk in sorted(robots)]
    )
    # Both databases give bulk_create the new ids. The people's messages go in tasks of their
    # own, before the groups': a robot that does not answer holds up no email or SMS.
    _enqueue_sends([d.pk for d in made if d.robot_id is None])
    _enqueue_sends([d.pk for d in made if d.robot_id is not None])


def _told_lately(event: Event) -> set[tuple[str, int | None, int | None]]:
    """(channel, user, robot) that were sent, or are to be sent, the same kind of event about
    the same subject in the last FUGONG_NOTIFY_DEDUP_MINUTES: a 催报 pressed by two people,
    a filing returned twice in a minute, reach a phone or a group once (the inbox keeps each
    event)."""
    minutes = settings.FUGONG_NOTIFY_DEDUP_MINUTES
    if minutes <= 0:
        return set()
    return set(
        Delivery.objects.filter(
            event__kind=event.kind,
            event__subject_type_id=event.subject_type_id,
            event__subject_id=event.subject_id,
            created_at__gte=event.created_at - datetime.timedelta(minutes=minutes),
        )
        .exclude(event=event)
        .exclude(status__in=[DeliveryStatus.FAILED, DeliveryStatus.SKIPPED])
        .values_list("channel", "user_id", "robot_id")
    )


def _enqueue_sends(ids: list[int], run_after=None) -> None:
    from fugong.notifications.tasks import send_deliveries  # the task module imports this one

    task = send_deliveries
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # left queued: deliveries_due sends it when its time has come
        task = task.using(run_after=run_after)
    for start in range(0, len(ids), SEND_AT_ONCE):
        part = ids[start : start + SEND_AT_ONCE]
        transaction.on_commit(lambda part=part: task.enqueue(part))


def backoff(attempts: int) -> datetime.timedelta:
    """How long after its ``attempts``-th failed try a delivery is tried again."""
    return datetime.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


class SendFailed(Exception):
    """A channel could not send; ``retry``: whether trying again may succeed."""

    def __init__(self, reason: str, *, retry: bool):
        super().__init__(reason)
        self.retry = retry


def _send_email(delivery: Delivery) -> None:
    kind = registry.event_kind(delivery.event.kind)
    message = Message(kind=delivery.event.kind, params=delivery.event.params)
    with translation.override(settings.LANGUAGE_CODE):
        title = message_title(message)
        link = settings.FUGONG_SITE_URL + (kind.url(_subject(delivery.event)) if kind else "")
        body = _("%(title)s\n\nOpen it: %(link)s") % {"title": title, "link": link}
    try:
        EmailMessage(subject=title[:150], body=body, to=[delivery.user.email]).send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendFailed(f"address refused: {exc}", retry=False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}", retry=True) from exc


# The values an SMS template may name: names, places and days, never a reason typed by
# somebody (an SMS is not read inside the platform).
SMS_PARAMS = ("enterprise", "node", "day")


def _send_sms(delivery: Delivery) -> None:
    kind = registry.event_kind(delivery.event.kind)
    template = _sms_template(kind) if kind else ""
    if not template:
        raise SendFailed("no SMS template for this kind of event any more", retry=False)
    params = {k: v for k, v in delivery.event.params.items() if k in SMS_PARAMS}
    sms_send(delivery.user.phone, template, params)


def sms_send(phone: str, template: str, params: dict) -> None:
    """One SMS through the gateway of FUGONG_SMS_URL (the provider's shape: signature,
    template id, parameters); SendFailed when it is refused or not reached."""
    payload = {
        "phone": phone,
        "sign_name": settings.FUGONG_SMS_SIGN,
        "template_id": template,
        "params": params,
    }
    reply = _post_json(
        settings.FUGONG_SMS_URL,
        payload,
        headers={"Authorization": f"Bearer {settings.FUGONG_SMS_TOKEN}"},
    )
    if str(reply.get("code", "")).upper() != "OK":
        raise SendFailed(f"gateway refused: {str(reply.get('message', reply))[:200]}", retry=False)


def _sms_over_cap(delivery: Delivery, now: datetime.datetime) -> bool:
    """Whether the user already had FUGONG_SMS_DAILY_CAP messages sent today."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Delivery.objects.filter(
            user_id=delivery.user_id,
            channel=Channel.SMS,
            status=DeliveryStatus.SENT,
            sent_at__gte=start,
        ).count()
        >= settings.FUGONG_SMS_DAILY_CAP
    )


def _subject_path(subject) -> str:
    """The path of the jurisdiction the subject lies in (by its scope rules), or ""."""
    rules = getattr(type(subject), "scope_rules", None)
    if rules is None or not rules.jurisdiction_path:
        return ""
    return (
        type(subject)
        ._default_manager.filter(pk=subject.pk)
        .values_list(rules.jurisdiction_path, flat=True)
        .first()
        or ""
    )


def _robots_for(event: Event, subject) -> list[int]:
    """The active group robots of the places above the subject that take this kind."""
    paths = paths_to(_subject_path(subject))
    if not paths:
        return []
    return [
        r.pk
        for r in RobotWebhook.objects.filter(is_active=True, jurisdiction__path__in=paths)
        if event.kind in (r.kinds or [])
    ]


def robot_text(event: Event, link: str) -> str:
    """What a group chat reads: the kind of event, the names, places and day it is about,
    and the link (never a reason typed by somebody: a group chat is outside the platform)."""
    kind = registry.event_kind(event.kind)
    names = " ".join(str(event.params[k]) for k in SMS_PARAMS if event.params.get(k))
    if event.kind == setup.ROBOT_TEST:
        names = _("The platform's notifications will be posted to this group.")
    label = str(kind.label) if kind else event.kind
    return f"【{label}】{names}\n{link}"


# The robots' answers that mean "too many messages, try later" (WeCom, DingTalk).
ROBOT_RATE_LIMITED = {45009, 130101}


def _robot_url(robot: RobotWebhook) -> str:
    if robot.kind == RobotKind.WECOM:
        return f"{settings.FUGONG_WECOM_ROBOT_URL}?{urllib.parse.urlencode({'key': robot.key})}"
    query = {"access_token": robot.key}
    if robot.secret:
        # DingTalk's 加签: base64(HMAC-SHA256(secret, "<ms>\n<secret>")), URL-encoded once.
        timestamp = str(int(time.time() * 1000))
        digest = hmac.new(
            robot.secret.encode(), f"{timestamp}\n{robot.secret}".encode(), hashlib.sha256
        ).digest()
        query |= {"timestamp": timestamp, "sign": base64.b64encode(digest).decode()}
    return f"{settings.FUGONG_DINGTALK_ROBOT_URL}?{urllib.parse.urlencode(query)}"


def _rate_wait(delivery: Delivery, now: datetime.datetime) -> datetime.timedelta | None:
    """How long until the delivery's channel may send again, or None: now. A group robot
    takes FUGONG_ROBOT_PER_MINUTE a minute (WeCom and DingTalk refuse more than 20); the
    site sends at most FUGONG_EMAIL_PER_MINUTE emails and FUGONG_SMS_PER_MINUTE SMS a minute
    (what its mail relay and SMS contract allow; 0: no limit). Counted from what was sent, so
    two workers at once may pass the limit by what they send in the same instant."""
    minute = datetime.timedelta(minutes=1)
    if delivery.channel == Channel.ROBOT:
        limit = settings.FUGONG_ROBOT_PER_MINUTE
        sent = Delivery.objects.filter(robot_id=delivery.robot_id)
    else:
        limit = {
            Channel.EMAIL: settings.FUGONG_EMAIL_PER_MINUTE,
            Channel.SMS: settings.FUGONG_SMS_PER_MINUTE,
        }.get(delivery.channel, 0)
        sent = Delivery.objects.filter(channel=delivery.channel)
    if limit <= 0:
        return None
    recent = list(
        sent.filter(sent_at__gt=now - minute, status=DeliveryStatus.SENT)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return max(recent[-1] + minute - now, datetime.timedelta(seconds=1))


def _send_robot(delivery: Delivery) -> None:
    robot = delivery.robot
    kind = registry.event_kind(delivery.event.kind)
    subject = _subject(delivery.event)
    link = settings.FUGONG_SITE_URL + (kind.url(subject) if kind and subject else "")
    with translation.override(settings.LANGUAGE_CODE):  # a group reads the site's language
        text = robot_text(delivery.event, link)
    reply = _post_json(
        _robot_url(robot),
        {"msgtype": "text", "text": {"content": text}},
        headers={},
        timeout=ROBOT_TIMEOUT,
    )
    code = reply.get("errcode", -1)
    if code != 0:
        raise SendFailed(
            f"robot answered {code}: {str(reply.get('errmsg', ''))[:200]}",
            retry=code in ROBOT_RATE_LIMITED,
        )


# A robot that does not answer holds a worker this long at most (the robots answer in well
# under a second; a dropped connection should not hold up the other messages).
ROBOT_TIMEOUT = 5


def _post_json(url: str, payload: dict, *, headers: dict, timeout: float = 10) -> dict:
    """POST ``payload`` as JSON and read the JSON answer (64 KB at most): SendFailed on HTTP
    errors (5xx retried) and when nobody answers (retried)."""
    request = urllib.request.Request(  # noqa: S310 - the operator's configured services
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read(65536) or b"{}")
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"answered HTTP {exc.code}", retry=exc.code >= 500) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SendFailed(f"not reached: {exc}", retry=True) from exc


CHANNELS = {Channel.EMAIL: _send_email, Channel.SMS: _send_sms, Channel.ROBOT: _send_robot}


def _subject(event: Event):
    model = event.subject_type.model_class()
    return model._default_manager.filter(pk=event.subject_id).first() if model else None


def deliveries_send(ids: list[int], *, now: datetime.datetime | None = None) -> int:
    """Send the deliveries among ``ids`` whose time has come; each is claimed first (a
    conditional update), so two workers never send one twice. A failure is tried again after
    ``backoff`` until FUGONG_NOTIFY_MAX_ATTEMPTS, then logged as failed with its reason.
    Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for pk in ids:
        claimed = Delivery.objects.filter(
            pk=pk, status=DeliveryStatus.QUEUED, next_attempt_at__lte=now
        ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1)
        if not claimed:
            continue
        delivery = Delivery.objects.select_related("event", "user", "robot").get(pk=pk)
        if wait := _rate_wait(delivery, now):
            # The channel takes so many a minute: later, and no attempt counted.
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.QUEUED,
                attempts=F("attempts") - 1,
                next_attempt_at=now + wait,
            )
            with transaction.atomic():
                _enqueue_sends([pk], run_after=now + wait)
            continue
        if delivery.channel == Channel.SMS and _sms_over_cap(delivery, now):
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.SKIPPED, last_error=_("Daily SMS limit reached.")
            )
            continue
        try:
            try:
                CHANNELS[delivery.channel](delivery)
            except SendFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - one broken message must not stop the rest
                logger.exception("delivery %s (%s) raised", pk, delivery.channel)
                raise SendFailed(f"error: {type(exc).__name__}", retry=True) from exc
        except SendFailed as exc:
            reason = mask_text(str(exc))[:500]
            final = (
                not exc.retry
                or delivery.attempts >= settings.FUGONG_NOTIFY_MAX_ATTEMPTS
                or not getattr(registry.event_kind(delivery.event.kind), "retry", True)
            )
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.FAILED if final else DeliveryStatus.QUEUED,
                last_error=reason,
                next_attempt_at=now + backoff(delivery.attempts),
            )
            logger.warning(
                "delivery %s (%s) failed, attempt %s%s: %s",
                pk,
                delivery.channel,
                delivery.attempts,
                "" if final else ", will retry",
                reason,
            )
            if not final:
                with transaction.atomic():
                    _enqueue_sends([pk], run_after=now + backoff(delivery.attempts))
            continue
        Delivery.objects.filter(pk=pk).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        sent += 1
    return sent


STUCK_AFTER = datetime.timedelta(minutes=10)


def deliveries_due(*, now: datetime.datetime | None = None) -> int:
    """Send what waits: queued deliveries whose time has come, and those a worker that died
    left "sending" for over ten minutes. Run at start-up, by ``fugong notify-due`` (cron) and
    after each failure where the task backend cannot defer. Returns how many were sent."""
    now = now or timezone.now()
    Delivery.objects.filter(
        status=DeliveryStatus.SENDING, next_attempt_at__lt=now - STUCK_AFTER
    ).update(status=DeliveryStatus.QUEUED)
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return deliveries_send(ids, now=now)


def failure_text(reason: str) -> str:
    """Why a delivery failed, in the reader's language (the log keeps the technical reason,
    shown beside it)."""
    if not reason:
        return ""
    if reason.startswith("not reached"):
        return _("The service could not be reached (network or address).")
    if reason.startswith("answered HTTP"):
        return _("The service answered with an error (%(detail)s).") % {"detail": reason[9:]}
    if reason.startswith("robot answered"):
        return _("The group robot refused the message (check its key, secret and keywords).")
    if reason.startswith("gateway refused"):
        return _("The SMS gateway refused the message.")
    if reason.startswith("address refused"):
        return _("The mail server refused the address.")
    if reason.startswith(("SMTP", "error:")) or "Error" in reason.split(":")[0]:
        return _("The message could not be sent; it is tried again.")
    return reason


def message_title(message: Message) -> str:
    """The message in the active language (its kind's sentence with its values)."""
    kind = registry.event_kind(message.kind)
    if kind is None:
        return _("A notification of a kind no longer in use")
    try:
        return kind.title(message.params)
    except (KeyError, TypeError, ValueError):
        logger.warning("notification %s: its values do not fit its kind's text", message.pk)
        return str(kind.label)


def inbox(*, user, before: int | None = None, unread: bool = False, size: int = 50):
    """The user's messages, newest first, a page of ``size`` below id ``before``."""
    qs = Message.objects.filter(user=user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if before:
        qs = qs.filter(pk__lt=before)
    return list(qs.order_by("-pk")[:size])


BADGE_CAP = 99


def unread_count(user) -> int:
    """Unread messages, counted up to BADGE_CAP + 1 (the badge says "99+")."""
    return Message.objects.filter(user=user, read_at__isnull=True)[: BADGE_CAP + 1].count()


def message_open(*, user, pk: int) -> Message:
    """The user's message, marked read (Message.DoesNotExist for anybody else's)."""
    message = Message.objects.get(pk=pk, user=user)
    if message.read_at is None:
        message.read_at = timezone.now()
        Message.objects.filter(pk=pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


def messages_read_all(*, user) -> int:
    return Message.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def enabled_channels() -> list[Channel]:
    """The channels beyond the inbox this site sends by (SMS once its gateway is set)."""
    return [
        c for c in Channel if c != Channel.ROBOT and (c != Channel.SMS or settings.FUGONG_SMS_URL)
    ]


def preferences(user) -> list[tuple[Any, dict[str, bool]]]:
    """Each event kind with, per channel beyond the inbox, whether the user receives it
    (a mandatory kind always)."""
    muted = set(Mute.objects.filter(user=user).values_list("kind", "channel"))
    return [
        (
            kind,
            {
                c.value: kind.mandatory or (kind.code, c.value) not in muted
                for c in enabled_channels()
            },
        )
        for kind in setup.people_kinds()
    ]


@transaction.atomic
def preferences_set(*, user, receive: set[tuple[str, str]]) -> int:
    """Mute every (kind, channel) not in ``receive`` (mandatory kinds stay on); returns how
    many are muted now."""
    kinds = {k.code: k for k in setup.people_kinds()}
    channels = [c.value for c in enabled_channels()]
    wanted = {
        (code, channel)
        for code, kind in kinds.items()
        for channel in channels
        if not kind.mandatory and (code, channel) not in receive
    }
    have = {(m.kind, m.channel): m for m in Mute.objects.filter(user=user, channel__in=channels)}
    gone = [m for key, m in have.items() if key not in wanted]
    made = Mute.objects.bulk_create(
        [Mute(user=user, kind=k, channel=c) for k, c in sorted(wanted - have.keys())]
    )
    Mute.objects.filter(pk__in=[m.pk for m in gone]).delete()
    # One audit row per setting changed (none when the form is saved unchanged).
    record_many(
        actor=user,
        model=Mute,
        changes=[(m.pk, str(m), AuditAction.CREATE, None, snapshot(m)) for m in made]
        + [(m.pk, str(m), AuditAction.DELETE, snapshot(m), None) for m in gone],
        reason=_("Notification settings"),
    )
    return len(wanted)


def delivery_log(*, user, status: str = ""):
    """The deliveries the user may see (their own; an administrator's every one), newest
    first."""
    qs = scoped(Delivery.objects.all(), user).select_related("event", "user", "robot")
    qs = qs.order_by("-pk")
    return qs.filter(status=status) if status else qs


@transaction.atomic
def delivery_retry(*, user, pk: int) -> Delivery:
    """Send a failed delivery again now (audited): Delivery.DoesNotExist outside the user's
    scope; refused unless it failed or was skipped."""
    delivery = scoped(Delivery.objects.select_for_update(), user).get(pk=pk)
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        raise UserError(_("Only a message that was not sent can be sent again."), code="not_failed")
    delivery = audited_update(
        delivery,
        actor=user,
        reason=_("Sent again by hand"),
        status=DeliveryStatus.QUEUED,
        attempts=0,
        next_attempt_at=timezone.now(),
    )
    _enqueue_sends([delivery.pk])
    return delivery
