"""One convention for refusals.

- **Checked in services.** A service decides whether the actor may act, with the app's own
  predicates (``fugong.enterprises.permissions.can_manage``, a workflow's "who may" table, ...)
  or Django permission names, and calls ``require``. Views and API endpoints may check first to
  hide a button or skip work, but the service's check is the one that counts.
- **Raised as one error type**: ``fugong.core.errors.NotAllowed`` with a sentence saying what
  the user may do instead. It is a ``UserError`` (a page that catches ``UserError`` shows the
  sentence beside the form) and a ``PermissionDenied`` (anything that does not catch it gets
  the 403 below). A bare ``PermissionDenied`` raised by a view still works the same way.
- **Rendered one way**: pages answer with the shared 403 page (``templates/errors/403.html``)
  showing the sentence, the API with ``{"code": "forbidden", "message": sentence}`` (schema
  ``fugong.core.api_types.ErrorOut``). Both take the sentence from ``refusal_message``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from fugong.core.errors import NotAllowed

Check = str | Callable[..., bool]


def allowed(user: Any, permission: Check, obj: Any = None) -> bool:
    """Whether ``user`` may: ``permission`` is a predicate ``(user)`` or ``(user, obj)``, or a
    Django permission name (``"enterprises.change_enterprise"``) checked with ``has_perm``."""
    if isinstance(permission, str):
        return bool(user is not None and user.has_perm(permission, obj))
    return bool(permission(user) if obj is None else permission(user, obj))


def require(user: Any, permission: Check, obj: Any = None, *, message: str | None = None) -> None:
    """Raise ``NotAllowed(message)`` unless ``user`` may (see ``allowed``). Give a sentence
    that says what the user may do instead; without one the general refusal is used."""
    if not allowed(user, permission, obj):
        raise NotAllowed(message or general_refusal())


def general_refusal() -> str:
    return _("You may not do this.")


def refusal_message(exception: BaseException | None) -> str:
    """The sentence a refusal carries (``NotAllowed(sentence)`` or
    ``PermissionDenied(sentence)``), or "" when it carries none."""
    if exception is None:
        return ""
    message = getattr(exception, "message", None)
    if isinstance(message, str) and message:
        return message
    if exception.args and isinstance(exception.args[0], str):
        return exception.args[0]
    return ""
