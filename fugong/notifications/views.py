from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.errors import UserError
from fugong.notifications import services
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
    return render(
        request,
        "notifications/deliveries.html",
        {"page": page, "status": status, "statuses": DeliveryStatus.choices},
    )
