"""A lean path in front of Django for the few API calls that arrive by the thousand a second
(an employee's own check-in, issue 13: 1,000 a second on two cores). Django's full stack costs
some 5 ms of CPU a request (the middleware, ninja, the ORM's token look-up); a fast route
answers the common case with the request's JSON and one or two statements, and hands
everything else to Django unchanged: a refusal, a retry, an unusual body, a value to be
explained. So every message and error keeps its one place (the API and its services); the
lane only ever says "done" and gives the same JSON the API gives for it.

A route is declared by its app (``registry.add_fast_route``, a ``registry.FastRoute``); ``config.wsgi`` wraps the site in
:class:`FastLane`. A handler takes the WSGI environ and the body's bytes and returns
``(status, payload)`` or None ("Django, please"). It must write nothing it cannot stand behind
when it returns None: Django then answers the same request again (the lane's own write is what
Django finds, e.g. a retry). An exception in a handler is logged and the request goes to Django.

The answers carry the headers Django's middleware gives a JSON answer (content type,
nosniff, referrer and opener policy, frame options, the CSP, a request id; HSTS on HTTPS); a
test compares them with Django's own."""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from functools import cache
from http import HTTPStatus

from django.conf import settings
from django.db import DatabaseError, connections

from fugong.core import registry
from fugong.core.registry import FastRoute

logger = logging.getLogger("fugong.fastlane")


@cache
def _statuses() -> dict[int, str]:
    return {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


@cache
def _headers() -> tuple[tuple[str, str], ...]:
    """What Django's middleware adds to a JSON answer of the API (see
    ``django.middleware.security``, ``clickjacking``, ``csp.middleware``)."""
    from csp.constants import HEADER
    from csp.utils import build_policy

    out = [("Content-Type", "application/json")]  # as ninja's renderer says it
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        out.append(("X-Content-Type-Options", "nosniff"))
    policy = settings.SECURE_REFERRER_POLICY
    if policy:
        if not isinstance(policy, str):
            policy = ",".join(policy)
        out.append(("Referrer-Policy", policy))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        out.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    out.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()))
    csp = build_policy()
    if csp:
        out.append((HEADER, csp))
    return tuple(out)


def _secure(environ: dict) -> bool:
    header = settings.SECURE_PROXY_SSL_HEADER
    if header:
        name, value = header
        if environ.get(name) is not None:
            return environ[name].split(",")[0].strip() == value
    return environ.get("wsgi.url_scheme") == "https"


def _hsts() -> str:
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


class FastLane:
    """WSGI middleware: the declared fast routes, else (and whenever a route declines)
    ``app``, the Django site."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        route = registry.fast_route(environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
        if route is None or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.app(environ, start_response)
        if not 0 < length <= route.max_body:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # for Django, should the route decline
        answer = self._answer(route, environ, body)
        if answer is None:
            return self.app(environ, start_response)
        status, payload = answer
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [
            *_headers(),
            ("Content-Length", str(len(content))),
            ("X-Request-ID", str(uuid.uuid4())),  # as RequestContextMiddleware gives each
        ]
        if settings.SECURE_HSTS_SECONDS and _secure(environ):
            headers.append(("Strict-Transport-Security", _hsts()))
        start_response(_statuses()[status], headers)
        return [content]

    @staticmethod
    def _answer(route: FastRoute, environ: dict, body: bytes) -> tuple[int, dict] | None:
        _connections_kept()
        try:
            return route.handler(environ, body)
        except DatabaseError as exc:  # a connection lost, the database busy: Django's to say
            logger.warning(
                "fast route %s %s: %s; Django answers", route.method, route.path, type(exc).__name__
            )
        except Exception:  # Django answers it, with its own error handling
            logger.exception("fast route %s %s failed; Django answers", route.method, route.path)
        return None


class Batcher:
    """The work of many request threads done by one thread of the process: as many items as
    arrived while the previous batch ran (at most ``most``), in one call of ``write(items)``,
    which returns a result for each (one statement and one commit for them all: a group
    commit; a lone request is written at once, without waiting for company).
    ``submit(item)`` waits for the item's result; a batch that failed, or a wait longer than
    ``timeout`` seconds, raises (the lane then hands the request to Django, which finds what
    was written, if anything). With ``FUGONG_FASTLANE_THREAD`` off (the tests in a
    transaction), ``submit`` writes its item itself, on the caller's connection."""

    def __init__(self, write: Callable[[list], list], *, most: int = 256, timeout: float = 10.0):
        self.write = write
        self.most = most
        self.timeout = timeout
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, item):
        if not getattr(settings, "FUGONG_FASTLANE_THREAD", True):
            return self.write([item])[0]
        self._running()
        future: Future = Future()
        self._queue.put((item, future))
        return future.result(self.timeout)

    def _running(self) -> None:
        """The writing thread of this process (a forked worker starts its own)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._run, name="fastlane-writer", daemon=True).start()
                self._pid = os.getpid()

    def _run(self) -> None:
        waiting = self._queue
        while True:
            batch = [waiting.get()]
            while len(batch) < self.most:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list) -> None:
        _connections_kept()
        try:
            results = self.write([item for item, _future in batch])
        except Exception as exc:  # each waiting request goes to Django
            logger.warning("fast lane batch of %s failed: %s", len(batch), type(exc).__name__)
            for _item, future in batch:
                future.set_exception(exc)
            return
        for (_item, future), result in zip(batch, results, strict=True):
            future.set_result(result)


def _connections_kept() -> None:
    """What Django does to its connections as a request starts (``close_old_connections``):
    one past its age, left in a transaction or after an error is closed (or, after an error,
    checked), without the per-request health check's extra round trip (``SELECT 1``): a
    statement of the lane on a connection lost raises, and Django, answering the request
    then, checks the connection and opens a new one."""
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
        if conn.connection is not None:
            conn.health_check_done = True
