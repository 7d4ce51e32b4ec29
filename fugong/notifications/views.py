from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.notifications import services
from fugong.notifications.models import Message

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
