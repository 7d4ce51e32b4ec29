"""Every write to users, jurisdictions, offices, memberships and API tokens: atomic and
audited."""

from __future__ import annotations

import contextlib
import contextvars
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.utils import timezone

from fugong.accounts.models import (
    ApiToken,
    Jurisdiction,
    Membership,
    Office,
    TokenRevocation,
    User,
    hash_token,
)
from fugong.core.audit import audited_create, audited_update, record, snapshot
from fugong.core.models import AuditAction

# Who is changing users right now (for the audit rows of the tokens a change revokes, in
# fugong/accounts/signals.py).
_acting: contextvars.ContextVar = contextvars.ContextVar("fugong_acting_user", default=None)


@contextlib.contextmanager
def acting_as(actor):
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def acting_user():
    return _acting.get()


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


@transaction.atomic
def user_set_password(*, actor, user: User, password: str, check_password: bool = True) -> User:
    """A new password; every API token of the user is revoked with it."""
    if check_password:
        validate_password(password, user)
    user = audited_update(
        user, actor=actor, reason="password changed", password=make_password(password)
    )
    api_tokens_revoke_all(actor=actor, user=user, why=TokenRevocation.PASSWORD)
    return user


def user_update(*, actor, user: User, reason: str = "", **changes) -> User:
    """Deactivating a user (is_active=False) revokes their API tokens (accounts.signals)."""
    with acting_as(actor):
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


# A token's last use is written at most this often, so that a busy client does not cost a
# write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this raw value, its user active too; records its last use."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked=False, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so that concurrent requests write it once.
        ApiToken.objects.filter(pk=token.pk).exclude(
            last_used_at__gt=now - LAST_USED_RESOLUTION
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def _token_sql(hashes: str) -> tuple[str, str, list, list]:
    """What :func:`api_token_authenticate` decides, in plain statements: the look-up of the
    valid tokens among those whose hashes ``hashes`` gives (SQL: a parameter or a sub-query)
    as (id, user_id, key_hash), and the conditional write of a token's last use, its ids to
    be appended (``IN (…)``); each with its parameters after those of ``hashes``."""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    q = connection.ops.quote_name
    tokens, users = q(ApiToken._meta.db_table), q(User._meta.db_table)
    find = (
        f"SELECT t.id, t.user_id, t.key_hash FROM {tokens} t "  # noqa: S608
        f"JOIN {users} u ON u.id = t.user_id WHERE t.key_hash IN ({hashes}) "
        "AND NOT t.revoked AND t.expires_at > %s AND u.is_active"
    )
    touch = (
        f"UPDATE {tokens} SET last_used_at = %s "  # noqa: S608
        "WHERE (last_used_at IS NULL OR last_used_at <= %s) AND id IN "
    )
    return find, touch, [adapt(now)], [adapt(now), adapt(now - LAST_USED_RESOLUTION)]


def api_token_cte(hashes: str, params: list) -> tuple[str, list]:
    """:func:`api_token_user_id` for many tokens at the head of another statement on
    PostgreSQL: ``WITH`` clauses giving ``api_token(id, user_id, key_hash)``, the valid ones
    among the tokens whose hashes ``hashes`` (SQL, with ``params``) gives, and writing their
    last use; the statement then reads ``api_token``. (One round trip for the tokens and the
    work they allow: the API's fast lane, ``fugong.core.fastlane``.)"""
    find, touch, find_params, touch_params = _token_sql(hashes)
    used = f"{touch}(SELECT id FROM api_token)"  # noqa: S608
    sql = f"WITH api_token AS ({find}), api_token_used AS ({used}) "
    return sql, [*params, *find_params, *touch_params]


def api_token_user_id(raw: str) -> int | None:
    """What :func:`api_token_authenticate` decides, in plain statements for the API's fast lane
    (``fugong.core.fastlane``): the id of the user of the active token with this raw value,
    the user active too, its last use recorded (at most once a ``LAST_USED_RESOLUTION``).
    tests/test_tokens.py holds them to the same answers."""
    if not raw or len(raw) > 200:
        return None
    find, touch, find_params, touch_params = _token_sql("%s")
    with connection.cursor() as cursor:
        cursor.execute(find, [hash_token(raw), *find_params])
        found = cursor.fetchone()
        if found is None:
            return None
        cursor.execute(f"{touch}(%s)", [*touch_params, found[0]])
    return found[1]


def api_token_user(raw: str) -> User | None:
    token = api_token_authenticate(raw)
    return token.user if token is not None else None


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, why: str | None = None) -> ApiToken:
    """Revoke one token (nothing happens to one already revoked). ``why`` is a
    ``TokenRevocation``; by default the owner's own revocation, or an admin's for someone
    else's token."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked:
        return token
    if why is None:
        is_owner = getattr(actor, "pk", None) == token.user_id
        why = TokenRevocation.OWNER if is_owner else TokenRevocation.ADMIN
    return audited_update(
        token,
        actor=actor,
        reason=f"API token revoked: {TokenRevocation(why).value}",
        revoked=True,
        revoked_at=timezone.now(),
        revoked_reason=why,
    )


@transaction.atomic
def api_tokens_revoke_all(*, actor, user: User, why: str) -> int:
    """Revoke every token of ``user`` that still works; returns how many."""
    tokens = list(
        ApiToken.objects.select_for_update().filter(
            user=user, revoked=False, expires_at__gt=timezone.now()
        )
    )
    for token in tokens:
        api_token_revoke(actor=actor, token=token, why=why)
    return len(tokens)
