"""Following a ``next`` URL that came from the request: only to this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, url: str | None, default: str) -> str:
    """``url`` when it stays on this site (a path, or this host), otherwise ``default``.
    ``//evil.example``, ``/\\evil.example``, ``https://evil.example/`` and ``javascript:`` are
    all refused, as Django's login view refuses them."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default
