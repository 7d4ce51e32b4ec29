"""The command office's set-up of notifications (issue 12 point 4): which offices and
recipient groups also receive which events of its place, and the group robots of its
WeChat-Work and DingTalk groups. A command office sets up its own places (the ones its
memberships name); a platform administrator any place. Every change is audited; the robots'
keys and secrets never reach the audit log nor a page."""

from __future__ import annotations

import re
import urllib.parse

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.choices import Level, Role
from fugong.accounts.models import Jurisdiction, Membership, Office
from fugong.accounts.selectors import command_jurisdictions, user_roles
from fugong.core import registry
from fugong.core.audit import audited_create, audited_delete, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.tree import paths_to
from fugong.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    RecipientGroup,
    RobotKind,
    RobotWebhook,
    Subscription,
)

ROBOT_TEST = "notifications.robot_test"

# The roles a recipient group may hold: government staff, not enterprises or employees.
GOVERNMENT_ROLES = (Role.COMMAND, Role.REVIEWER, Role.CADRE, Role.DEPARTMENT, Role.PARK_OPERATOR)


def can_set_up(user) -> bool:
    roles = user_roles(user)
    return Role.PLATFORM_ADMIN in roles or bool(command_jurisdictions(user))


def _require(user) -> None:
    if not can_set_up(user):
        raise NotAllowed(_("Only a command office sets up who receives notifications."))


def places(user) -> QuerySet[Jurisdiction]:
    """The places the user sets up: their command offices' (every one but grids for an
    administrator)."""
    if Role.PLATFORM_ADMIN in user_roles(user):
        qs = Jurisdiction.objects.filter(is_active=True).exclude(level=Level.GRID)
    else:
        qs = Jurisdiction.objects.filter(pk__in=[j.pk for j in command_jurisdictions(user)])
    return qs.order_by("path")


def _mine(qs: QuerySet, user) -> QuerySet:
    """The set-up rows of the user's places (none for anybody else)."""
    if not can_set_up(user):
        return qs.none()
    if Role.PLATFORM_ADMIN in user_roles(user):
        return qs
    return qs.filter(jurisdiction__in=places(user))


def robot_list(user) -> QuerySet[RobotWebhook]:
    return _mine(RobotWebhook.objects.select_related("jurisdiction"), user).order_by(
        "jurisdiction__path", "name"
    )


def group_list(user) -> QuerySet[RecipientGroup]:
    return (
        _mine(RecipientGroup.objects.select_related("jurisdiction"), user)
        .prefetch_related("members")
        .order_by("jurisdiction__path", "name")
    )


def subscription_list(user) -> QuerySet[Subscription]:
    return _mine(
        Subscription.objects.select_related(
            "jurisdiction", "office__jurisdiction__parent", "group"
        ),
        user,
    ).order_by("jurisdiction__path", "kind", "pk")


def _under(paths: list[str], lookup: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def _place_paths(user) -> list[str] | None:
    """The paths of the user's places; None for an administrator (every place)."""
    if Role.PLATFORM_ADMIN in user_roles(user):
        return None
    return [j.path for j in command_jurisdictions(user)]


def office_choices(user) -> QuerySet[Office]:
    """The offices a subscription of the user's may name: those of their places and below."""
    qs = Office.objects.filter(is_active=True).select_related("jurisdiction__parent")
    paths = _place_paths(user)
    if paths is not None:
        qs = qs.filter(_under(paths, "jurisdiction__path"))
    return qs.order_by("jurisdiction__path", "kind", "name")


def _staff_of(paths: list[str] | None) -> QuerySet[Membership]:
    """The active government memberships (not enterprises' users or employees) of the places
    at ``paths`` and below (None: everywhere), of active users."""
    memberships = Membership.objects.filter(
        is_active=True, role__in=GOVERNMENT_ROLES, user__is_active=True
    )
    if paths is not None:
        memberships = memberships.filter(
            _under(paths, "jurisdiction__path") | _under(paths, "office__jurisdiction__path")
        )
    return memberships


def office_label(office: Office) -> str:
    """An office named with its place and the place above (the residents' committees of two
    towns' 和平社区 are told apart)."""
    place = office.jurisdiction
    above = f"{place.parent.name} " if place.parent_id and place.depth > 3 else ""
    return f"{office.name} · {above}{place.name}"


def member_choices(user) -> QuerySet:
    """The people a recipient group of the user's may hold: active government staff of the
    user's places and below."""
    return (
        get_user_model()
        .objects.filter(pk__in=_staff_of(_place_paths(user)).values("user_id"))
        .order_by("full_name", "username")
    )


def people_kinds() -> list:
    """The event kinds people and groups receive, by code (not the robots' test message)."""
    return sorted((k for k in registry.event_kinds() if k.code != ROBOT_TEST), key=lambda k: k.code)


def kind_choices() -> list[tuple[str, str]]:
    """The event kinds a subscription or a robot may take."""
    return [(k.code, str(k.label)) for k in people_kinds()]


def _check_place(user, place: Jurisdiction) -> None:
    if not places(user).filter(pk=place.pk).exists():
        raise NotAllowed(
            _("You may set up the notifications of %(places)s only.")
            % {"places": "、".join(p.name for p in places(user)[:10]) or "-"}
        )


def _check_kinds(kinds) -> list[str]:
    known = {code for code, _label in kind_choices()}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise UserError(
            _("There is no kind of event %(kinds)s.") % {"kinds": "、".join(unknown)[:100]},
            code="kind",
        )
    return sorted(set(kinds))


# A key is what the platform's robot page gives: letters, digits, "-" and "_".
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,200}$")
KEY_PARAM = {RobotKind.WECOM: "key", RobotKind.DINGTALK: "access_token"}


def robot_key(value: str, kind: str) -> str:
    """The robot's key from what was pasted: the key itself or the whole webhook address
    the group's robot page shows (``…/webhook/send?key=…``, ``…/robot/send?access_token=…``)."""
    text = (value or "").strip()
    if "?" in text or text.lower().startswith("http"):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(text).query)
        other = RobotKind.DINGTALK if kind == RobotKind.WECOM else RobotKind.WECOM
        if not query.get(KEY_PARAM.get(kind, "key")) and query.get(KEY_PARAM[other]):
            raise UserError(
                _("This is the address of a %(platform)s robot: choose that platform.")
                % {"platform": RobotKind(other).label},
                code="key",
            )
        text = (query.get(KEY_PARAM.get(kind, "key")) or [""])[0].strip()
        if not text:
            raise UserError(
                _(
                    "This address carries no robot key (%(param)s=…). Paste the webhook address "
                    "shown on the group robot's page, or the key alone."
                )
                % {"param": KEY_PARAM.get(kind, "key")},
                code="key",
            )
    if not KEY_RE.match(text):
        raise UserError(
            _(
                "A robot key is 8 to 200 letters, digits, “-” or “_”. Paste the webhook address "
                "shown on the group robot's page, or the key alone."
            ),
            code="key",
        )
    return text


def _check_secret(secret: str, kind: str) -> str:
    secret = (secret or "").strip()
    if secret and kind != RobotKind.DINGTALK:
        raise UserError(_("Only a DingTalk robot is signed with a secret."), code="secret")
    if secret and not re.fullmatch(r"SEC[0-9a-fA-F]{16,197}", secret):
        raise UserError(
            _(
                "A DingTalk signing secret is SEC followed by hexadecimal digits (0-9, a-f), as "
                "the robot's page shows it."
            ),
            code="secret",
        )
    return secret


def _saved(fn):
    """Save, turning a broken unique constraint (two saves at once, a name used twice) and
    a field the model refuses into a sentence."""
    try:
        with transaction.atomic():
            return fn()
    except IntegrityError as exc:
        raise UserError(_("This is set up already."), code="duplicate") from exc
    except ValidationError as exc:
        errors = (
            [e for errors in exc.error_dict.values() for e in errors]
            if hasattr(exc, "error_dict")
            else exc.error_list
        )
        if any(e.code in ("unique", "unique_together") for e in errors):
            raise UserError(_("This is set up already."), code="duplicate") from exc
        raise UserError(" ".join(exc.messages), code="invalid") from exc


@transaction.atomic
def robot_save(
    *,
    actor,
    robot: RobotWebhook | None,
    jurisdiction: Jurisdiction,
    name: str,
    kind: str,
    key: str,
    secret: str,
    kinds: list[str],
    is_active: bool,
    clear_secret: bool = False,
) -> RobotWebhook:
    """Create a robot, or change one (an empty key or secret keeps the one stored;
    ``clear_secret`` removes the secret)."""
    _require(actor)
    _check_place(actor, jurisdiction)
    if robot is not None:
        robot = robot_list(actor).select_for_update().get(pk=robot.pk)
    if kind not in RobotKind.values:
        raise UserError(_("Choose WeCom or DingTalk."), code="kind")
    if robot is not None and kind != robot.kind and not key:
        raise UserError(
            _("A robot of another platform has another key: paste its webhook address."),
            code="key",
        )
    fields = {
        "jurisdiction": jurisdiction,
        "name": name.strip()[:100],
        "kind": kind,
        "kinds": _check_kinds(kinds),
        "is_active": is_active,
    }
    if is_active and not fields["kinds"]:
        raise UserError(_("Choose the events to post to the group."), code="kinds")
    if key or robot is None:
        fields["key"] = robot_key(key, kind)
        same = RobotWebhook.objects.filter(kind=kind, key=fields["key"])
        if robot is not None:
            same = same.exclude(pk=robot.pk)
        if same.exists():
            raise UserError(
                _("This robot is set up already: one robot, one entry."), code="duplicate"
            )
    if secret:
        fields["secret"] = _check_secret(secret, kind)
    elif clear_secret or kind != RobotKind.DINGTALK:
        fields["secret"] = ""
    reason = _("Notification set-up")
    if robot is None:
        return _saved(lambda: audited_create(RobotWebhook, actor=actor, reason=reason, **fields))
    return _saved(lambda: audited_update(robot, actor=actor, reason=reason, **fields))


@transaction.atomic
def robot_delete(*, actor, robot: RobotWebhook) -> None:
    _require(actor)
    robot = robot_list(actor).get(pk=robot.pk)
    audited_delete(robot, actor=actor, reason=_("Notification set-up"))


@transaction.atomic
def robot_test(*, actor, robot: RobotWebhook) -> Delivery:
    """Post a test message to the robot's group now (as a background task; the robot's page
    shows whether it arrived and, if not, what the platform answered)."""
    from fugong.notifications.services import _enqueue_sends

    _require(actor)
    robot = robot_list(actor).select_for_update().get(pk=robot.pk)
    if Delivery.objects.filter(
        robot=robot,
        event__kind=ROBOT_TEST,
        status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING],
    ).exists():
        raise UserError(
            _("A test message is on its way to this group; wait for its result."), code="waiting"
        )
    event = Event.objects.create(
        kind=ROBOT_TEST,
        subject_type=ContentType.objects.get_for_model(RobotWebhook),
        subject_id=robot.pk,
        actor=actor,
        params={"robot": robot.name},
        fanned_out_at=timezone.now(),
    )
    delivery = Delivery.objects.create(event=event, robot=robot, channel=Channel.ROBOT)
    _enqueue_sends([delivery.pk])
    return delivery


def robot_deliveries(robot: RobotWebhook, limit: int = 10) -> list[Delivery]:
    return list(
        Delivery.objects.filter(robot=robot).select_related("event").order_by("-pk")[:limit]
    )


def _members(actor, members) -> list[int]:
    allowed = set(
        member_choices(actor).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True)
    )
    outside = [m for m in members if m.pk not in allowed]
    if outside:
        raise NotAllowed(
            _("%(names)s cannot be added: only staff of your places can be in a group.")
            % {"names": "、".join(str(m) for m in outside[:5])}
        )
    return sorted(allowed)


@transaction.atomic
def group_save(
    *, actor, group: RecipientGroup | None, jurisdiction: Jurisdiction, name: str, members
) -> RecipientGroup:
    _require(actor)
    _check_place(actor, jurisdiction)
    ids = _members(actor, list(members))
    reason = _("Notification set-up")
    fields = {"jurisdiction": jurisdiction, "name": name.strip()[:100]}
    if group is None:
        return _saved(
            lambda: audited_create(
                RecipientGroup, actor=actor, reason=reason, m2m={"members": ids}, **fields
            )
        )
    group = group_list(actor).select_for_update().get(pk=group.pk)
    if group.subscriptions.exclude(jurisdiction=jurisdiction).exists():
        raise UserError(
            _("This group receives events of its place; remove those first to move it."),
            code="moved",
        )
    return _saved(
        lambda: audited_update(group, actor=actor, reason=reason, m2m={"members": ids}, **fields)
    )


@transaction.atomic
def group_delete(*, actor, group: RecipientGroup) -> None:
    _require(actor)
    group = group_list(actor).get(pk=group.pk)
    reason = _("Notification set-up")
    for subscription in group.subscriptions.all():
        audited_delete(subscription, actor=actor, reason=reason)
    audited_delete(group, actor=actor, reason=reason)


@transaction.atomic
def subscription_add(
    *,
    actor,
    jurisdiction: Jurisdiction,
    kind: str,
    office: Office | None = None,
    group: RecipientGroup | None = None,
) -> Subscription:
    """The events of ``kind`` about anything under ``jurisdiction`` also reach ``office``'s
    members or ``group``."""
    _require(actor)
    _check_place(actor, jurisdiction)
    [kind] = _check_kinds([kind])
    if (office is None) == (group is None):
        raise UserError(_("Choose an office or a recipient group."), code="target")
    if office is not None and not office_choices(actor).filter(pk=office.pk).exists():
        raise NotAllowed(_("Choose an office of your places."))
    if (
        group is not None
        and not group_list(actor).filter(pk=group.pk, jurisdiction=jurisdiction).exists()
    ):
        raise NotAllowed(_("Choose a recipient group of the same place."))
    return _saved(
        lambda: audited_create(
            Subscription,
            actor=actor,
            reason=_("Notification set-up"),
            jurisdiction=jurisdiction,
            kind=kind,
            office=office,
            group=group,
        )
    )


@transaction.atomic
def subscription_delete(*, actor, subscription: Subscription) -> None:
    _require(actor)
    subscription = subscription_list(actor).get(pk=subscription.pk)
    audited_delete(subscription, actor=actor, reason=_("Notification set-up"))


def subscribed(kind: str, path: str) -> set[int]:
    """The users the subscriptions of the places above ``path`` add to an event of ``kind``:
    the active members of the offices named, the members of the groups named."""
    if not path:
        return set()
    subs = Subscription.objects.filter(kind=kind, jurisdiction__path__in=paths_to(path))
    offices = subs.filter(office__isnull=False).values("office_id")
    users = set(
        Membership.objects.filter(office_id__in=offices, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    for group_id, group_path in subs.filter(group__isnull=False).values_list(
        "group_id", "group__jurisdiction__path"
    ):
        users |= set(
            _staff_of([group_path])
            .filter(user__in=RecipientGroup.members.through.objects.filter(
                recipientgroup_id=group_id
            ).values("user_id"))
            .values_list("user_id", flat=True)
        )  # fmt: skip
    return users


def former_members(group: RecipientGroup) -> list:
    """The group's members who are no longer staff of its place (a membership ended or
    moved): they receive nothing through it; saving the group drops them."""
    staff = _staff_of([group.jurisdiction.path]).values("user_id")
    return list(group.members.exclude(pk__in=staff).filter(is_active=True)) + list(
        group.members.filter(is_active=False)
    )
