from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from fugong.core import context
from fugong.core.busy import is_database_busy

logger = logging.getLogger(__name__)

#: Session key holding when the session was last saved only to slide its idle expiry.
SESSION_TOUCHED = "_fugong_touched"


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


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, but a request that changed nothing in the session saves it at most once per
    ``FUGONG_SESSION_REFRESH_SECONDS``, only to slide the idle expiry
    (``FUGONG_SESSION_IDLE_MINUTES``), instead of on every request
    (``SESSION_SAVE_EVERY_REQUEST``, off). So reading a page does not write to the database,
    and does not wait for SQLite's single write lock while an import holds it.

    If that refresh cannot be written because the database is busy, the page is answered
    anyway (the next request refreshes it); Django would have turned it into a 400 "session
    interrupted". A session that really changed (a login, a message) and cannot be saved is
    a busy database: the user gets the 503 sentence (``fugong.core.views``)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        touch_only = False
        if session is not None and response.status_code < 500:
            try:
                if not session.modified and not session.is_empty():
                    now = int(time.time())
                    if now - int(session.get(SESSION_TOUCHED, 0)) >= _refresh_seconds():
                        session[SESSION_TOUCHED] = now
                        touch_only = True
            except (AttributeError, DatabaseError):
                pass
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, DatabaseError) as exc:
            if touch_only and is_database_busy(exc):
                logger.info("session refresh skipped: the database is busy")
                return response
            raise


def _refresh_seconds() -> int:
    return int(getattr(settings, "FUGONG_SESSION_REFRESH_SECONDS", 60))


class NulQueryMiddleware:
    """No NUL byte of a query string reaches a view: PostgreSQL refuses NUL in text, so any
    filter or search that passed one on was a 500 there. One step for every page and the API,
    instead of a guard in each view. An admin page gets the admin's own answer to a bad filter,
    the list again with ``?e=1``; elsewhere the NUL bytes are dropped from the values (they
    never mean anything in a filter) and the request goes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            from django.http import HttpResponseRedirect, QueryDict
            from django.urls import reverse

            if request.path.startswith(reverse("admin:index")):
                return HttpResponseRedirect(request.path + "?e=1")
            clean = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            clean._mutable = False
            request.GET = clean
        return self.get_response(request)
