from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.errors import UserError
from fugong.notifications import services, setup
from fugong.notifications.forms import GroupForm, RobotForm, SubscriptionForm
from fugong.notifications.models import Delivery, DeliveryStatus, Message

PAGE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's messages, newest first, 50 a page (``?before=<id>``: the next page)."""
    unread = request.GET.get("unread") == "1"
    before = _int(request.GET.get("before"))
    page = services.inbox(user=request.user, before=before, unread=unread, size=PAGE + 1)
    rows = [(m, services.message_title(m)) for m in page[:PAGE]]
    return render(
        request,
        "notifications/inbox.html",
        {
            "rows": rows,
            "unread": unread,
            "next_before": page[PAGE - 1].pk if len(page) > PAGE else None,
            "unread_count": services.unread_count(request.user),
        },
    )


@login_required
def message_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the message read and go where it points (a page of this site only)."""
    try:
        message = services.message_open(user=request.user, pk=pk)
    except Message.DoesNotExist:
        raise Http404 from None
    if message.url and url_has_allowed_host_and_scheme(
        message.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(message.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.messages_read_all(user=request.user)
    return redirect("notifications:inbox")


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The top bar's unread count, fetched when a page loads and then every
    ``FUGONG_INBOX_POLL_SECONDS`` (30 by default)."""
    count = services.unread_count(request.user)
    return render(
        request,
        "notifications/_badge.html",
        {
            "count": count,
            "capped": count > services.BADGE_CAP,
            "cap": services.BADGE_CAP,
            "poll": max(1, settings.FUGONG_INBOX_POLL_SECONDS),
        },
    )


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Which events the user also receives by email (the inbox gets every one)."""
    if request.method == "POST":
        receive = {
            tuple(value.split("|", 1)) for value in request.POST.getlist("receive") if "|" in value
        }
        services.preferences_set(user=request.user, receive=receive)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": services.preferences(request.user),
            "channels": [(c.value, c.label) for c in services.enabled_channels()],
        },
    )


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    """The delivery log: the messages sent by email and SMS, their attempts and why the last
    one failed (the user's own; an administrator's every one), with "send again"."""
    if request.method == "POST":
        try:
            services.delivery_retry(user=request.user, pk=_int(request.POST.get("pk")) or 0)
            messages.success(request, _("The message is being sent again."))
        except Delivery.DoesNotExist:
            raise Http404 from None
        except UserError as exc:
            messages.error(request, exc.message)
        return redirect("notifications:deliveries")
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    page = Paginator(services.delivery_log(user=request.user, status=status), 50).get_page(
        request.GET.get("page")
    )
    for delivery in page:
        delivery.title = services.message_title(
            Message(kind=delivery.event.kind, params=delivery.event.params)
        )
        delivery.reason = services.failure_text(delivery.last_error)
    return render(
        request,
        "notifications/deliveries.html",
        {"page": page, "status": status, "statuses": DeliveryStatus.choices},
    )


# -- the command office's set-up (issue 12 point 4) -------------------------------------------
def _setup_user(request: HttpRequest):
    if not setup.can_set_up(request.user):
        raise PermissionDenied(_("Only a command office sets up who receives notifications."))
    return request.user


def _one(qs, pk: int):
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _refusal(form, exc: Exception) -> None:
    form.add_error(None, getattr(exc, "message", None) or str(exc))


@login_required
def setup_page(request: HttpRequest) -> HttpResponse:
    """Who receives which events of the user's places, their recipient groups and robots."""
    user = _setup_user(request)
    form = SubscriptionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            setup.subscription_add(
                actor=user,
                jurisdiction=form.cleaned_data["jurisdiction"],
                kind=form.cleaned_data["kind"],
                **form.cleaned_data["target"],
            )
        except UserError as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("notifications:setup")
    labels = dict(setup.kind_choices())
    subscriptions = list(setup.subscription_list(user))
    for s in subscriptions:
        s.label = labels.get(s.kind, s.kind)
        s.office_label = setup.office_label(s.office) if s.office else ""
    robots = list(setup.robot_list(user))
    for r in robots:
        r.labels = [labels.get(k, k) for k in r.kinds or []]
    return render(
        request,
        "notifications/setup.html",
        {
            "form": form,
            "subscriptions": subscriptions,
            "groups": setup.group_list(user),
            "robots": robots,
        },
    )


@login_required
@require_POST
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _setup_user(request)
    subscription = _one(setup.subscription_list(user), pk)
    setup.subscription_delete(actor=user, subscription=subscription)
    messages.success(request, _("Removed."))
    return redirect("notifications:setup")


def _form_page(request, form_class, template: str, obj, save, initial: dict, extra=None):
    user = _setup_user(request)
    form = form_class(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(user, form.cleaned_data)
        except UserError as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return saved
    return render(request, template, {"form": form, "object": obj, **(extra or {})})


def _robot_log(robot) -> dict:
    deliveries = setup.robot_deliveries(robot)
    for d in deliveries:
        d.title = services.message_title(Message(kind=d.event.kind, params=d.event.params))
        d.reason = services.failure_text(d.last_error)
    # Polled while a post made in the last five minutes waits (not for hours of retries).
    recent = timezone.now() - datetime.timedelta(minutes=5)
    waiting = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    pending = any(d.status in waiting and d.created_at > recent for d in deliveries)
    return {"deliveries": deliveries, "pending": pending}


@login_required
def robot_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _setup_user(request)
    robot = _one(setup.robot_list(user), pk) if pk is not None else None
    initial = {"is_active": True}
    if robot is not None:
        initial = {
            "jurisdiction": robot.jurisdiction_id,
            "name": robot.name,
            "kind": robot.kind,
            "kinds": robot.kinds,
            "is_active": robot.is_active,
        }

    def save(actor, data):
        saved = setup.robot_save(actor=actor, robot=robot, **data)
        return redirect("notifications:robot", pk=saved.pk)

    extra = _robot_log(robot) if robot else {}
    return _form_page(request, RobotForm, "notifications/robot.html", robot, save, initial, extra)


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    user = _setup_user(request)
    robot = _one(setup.robot_list(user), pk)
    try:
        setup.robot_test(actor=user, robot=robot)
    except UserError as exc:
        messages.warning(request, exc.message)
    else:
        messages.info(
            request, _("A test message is being posted to the group; its result shows below.")
        )
    return redirect("notifications:robot", pk=robot.pk)


@login_required
def robot_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The robot's last posts (polled while one waits to be sent)."""
    robot = _one(setup.robot_list(_setup_user(request)), pk)
    return render(request, "notifications/_robot_log.html", {"object": robot, **_robot_log(robot)})


@login_required
@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _setup_user(request)
    setup.robot_delete(actor=user, robot=_one(setup.robot_list(user), pk))
    messages.success(request, _("Removed."))
    return redirect("notifications:setup")


@login_required
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _setup_user(request)
    group = _one(setup.group_list(user), pk) if pk is not None else None
    initial = {}
    if group is not None:
        initial = {
            "jurisdiction": group.jurisdiction_id,
            "name": group.name,
            "members": [m.pk for m in group.members.all()],
        }

    def save(actor, data):
        setup.group_save(actor=actor, group=group, **data)
        return redirect("notifications:setup")

    extra = {"former": setup.former_members(group) if group else []}
    return _form_page(request, GroupForm, "notifications/group.html", group, save, initial, extra)


@login_required
@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _setup_user(request)
    setup.group_delete(actor=user, group=_one(setup.group_list(user), pk))
    messages.success(request, _("Removed."))
    return redirect("notifications:setup")
