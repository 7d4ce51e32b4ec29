"""Every write to users, jurisdictions, offices and memberships: atomic and audited."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from fugong.accounts.models import ApiToken, Jurisdiction, Membership, Office, User, hash_token
from fugong.core.audit import audited_create, audited_update, record, snapshot
from fugong.core.models import AuditAction


def jurisdiction_create(
    *, actor, code: str, name: str, level: str, parent: Jurisdiction | None
) -> Jurisdiction:
    return audited_create(
        Jurisdiction, actor=actor, code=code, name=name, level=level, parent=parent
    )


def office_create(*, actor, name: str, kind: str, jurisdiction: Jurisdiction) -> Office:
    return audited_create(Office, actor=actor, name=name, kind=kind, jurisdiction=jurisdiction)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    check_password: bool = True,
) -> User:
    user = User(username=username, full_name=full_name, phone=phone, email=email)
    if password:
        if check_password:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    record(actor=actor, obj=user, action=AuditAction.CREATE, before=None, after=snapshot(user))
    return user


def user_set_password(*, actor, user: User, password: str, check_password: bool = True) -> User:
    if check_password:
        validate_password(password, user)
    return audited_update(
        user, actor=actor, reason="password changed", password=make_password(password)
    )


def user_update(*, actor, user: User, reason: str = "", **changes) -> User:
    return audited_update(user, actor=actor, reason=reason, **changes)


def membership_create(*, actor, user: User, role: str, **fields) -> Membership:
    return audited_create(Membership, actor=actor, user=user, role=role, **fields)


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new bearer token; the raw value is returned once and only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + timedelta(days=settings.FUGONG_API_TOKEN_DAYS),
    )
    record(actor=user, obj=token, action=AuditAction.CREATE, before=None, after=snapshot(token))
    return token, raw


def api_token_user(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked=False, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
