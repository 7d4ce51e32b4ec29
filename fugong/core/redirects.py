"""Where a request goes next: a ``next`` URL that came from the request (only to this site),
and back to a page after a step posted from it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from fugong.core.errors import UserError


def safe_next(request: HttpRequest, url: str | None, default: str) -> str:
    """``url`` when it stays on this site (a path, or this host), otherwise ``default``.
    ``//evil.example``, ``/\\evil.example``, ``https://evil.example/`` and ``javascript:`` are
    all refused, as Django's login view refuses them."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def step_then_back(
    request: HttpRequest, step: Callable[[], object], done: str, back: HttpResponse
) -> HttpResponse:
    """Take a step posted from a page (``step()``, a service call), tell the user how it went
    (``done``, or the service's sentence when it refused) and go ``back`` to the page."""
    try:
        step()
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return back
