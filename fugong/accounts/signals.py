"""The login log: every login, failure, lockout and logout, with address and browser; and
API tokens revoked whenever a user's password changes (``set_password`` then ``save``: the
admin, ``changepassword``, a password reset) or the user is deactivated. ``user_set_password``
in services sets the hash itself and revokes explicitly, naming who acted."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from fugong.accounts.models import LoginEvent, LoginLog, TokenRevocation, User
from fugong.accounts.services import acting_user, api_tokens_revoke_all
from fugong.core.middleware import client_ip


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


@receiver(pre_save, sender=User)
def note_credential_change(sender, instance: User, raw=False, update_fields=None, **kwargs):
    """Before a user is saved: does this save deactivate them or give them a new password?
    A hash upgraded at login (same password, new hasher settings) is not a new password:
    Django saves it with ``_password`` cleared, while ``set_password`` keeps it set."""
    instance._fugong_revoke_tokens = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    if old["is_active"] and not instance.is_active:
        instance._fugong_revoke_tokens = TokenRevocation.DEACTIVATED
    elif old["password"] != instance.password and getattr(instance, "_password", None):
        instance._fugong_revoke_tokens = TokenRevocation.PASSWORD


@receiver(post_save, sender=User)
def revoke_tokens_on_credential_change(sender, instance: User, raw=False, **kwargs) -> None:
    why = getattr(instance, "_fugong_revoke_tokens", None)
    if raw or not why:
        return
    instance._fugong_revoke_tokens = None
    api_tokens_revoke_all(actor=acting_user() or "system", user=instance, why=why)
