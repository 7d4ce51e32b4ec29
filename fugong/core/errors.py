"""Errors a user can act on: a sentence in their language, a stable code for the API and the
HTTP status the API answers with. Pages show the sentence and keep what the user typed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class UserError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message, *, code: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        if status:
            self.status = status


class Conflict(UserError):
    """Someone else acted first, or the object is no longer in the state the user saw."""

    code = "conflict"
    status = 409


class NotAllowed(UserError, PermissionDenied):
    """The user may not take this action on this object: the one refusal error
    (``fugong.core.permissions``). It is a ``PermissionDenied``, so a page that does not catch
    it answers with the shared 403 page showing the sentence, and the API with its one 403
    shape ``{"code": "forbidden", "message": sentence}``."""

    code = "forbidden"
    status = 403
