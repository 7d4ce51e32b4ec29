"""The login log: every login, failure, lockout and logout, with address and browser."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from fugong.accounts.models import LoginEvent, LoginLog, User
from fugong.core.middleware import client_ip

# Sent inside the transaction that gave a subtree of jurisdictions new paths (a new parent or
# code): whatever is counted by ancestor must be counted again.
jurisdictions_moved = Signal()


def _write(event: str, request, username: str, user=None) -> None:
    LoginLog.objects.create(
        event=event,
        username=(username or "")[:150],
        user=user if isinstance(user, User) else None,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:200],
    )


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs) -> None:
    _write(LoginEvent.LOGIN, request, user.get_username(), user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        _write(LoginEvent.LOGOUT, request, user.get_username(), user)


@receiver(user_login_failed)
def on_failed(sender, credentials, request=None, **kwargs) -> None:
    username = credentials.get("username", "")
    _write(LoginEvent.FAILED, request, username, User.objects.filter(username=username).first())


@receiver(user_locked_out)
def on_locked(sender, request, username=None, ip_address=None, **kwargs) -> None:
    _write(
        LoginEvent.LOCKED, request, username or "", User.objects.filter(username=username).first()
    )
