from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from fugong.core import context


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind FUGONG_PROXY_COUNT reverse proxies, the entry of
    X-Forwarded-For that the outermost trusted proxy added; spoofed entries to its left are
    ignored."""
    count = settings.FUGONG_PROXY_COUNT
    if count > 0:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Gives each request an id that audit rows and the response header carry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.activate(ip_address=client_ip(request))
        try:
            request.request_id = context.current().request_id
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            context.deactivate(token)


class LanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose another language (the language cookie set by
    the switcher); the browser's Accept-Language is not followed."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        codes = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in codes else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
