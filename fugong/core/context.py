"""Per-request context (request id, client address) readable from services."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "fugong_request", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def activate(ip_address: str | None = None) -> contextvars.Token:
    return _current.set(RequestContext(request_id=str(uuid.uuid4()), ip_address=ip_address))


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)
