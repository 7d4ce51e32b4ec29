"""WSGI requests for tests of what sits in front of Django (the API's fast lane,
``fugong.core.fastlane``), where the test client cannot reach."""

from __future__ import annotations

import contextlib
import io

from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections


def call(app, method: str, path: str, body: bytes = b"", query: str = "", **headers):
    """One WSGI request to ``app``: (status code, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "CONTENT_TYPE": "application/json",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    chunks = app(environ, start_response)
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return answer["status"], answer["headers"], content


class CountingSite:
    """The site behind the lane, counting what reaches it and what body it read."""

    def __init__(self):
        self.site = WSGIHandler()
        self.calls = 0
        self.bodies = []

    def __call__(self, environ, start_response):
        self.calls += 1
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.bodies.append(environ["wsgi.input"].read(length) if length else b"")
        environ["wsgi.input"] = io.BytesIO(self.bodies[-1])
        # Django's test client connects the per-request hygiene again after each of its
        # requests; off again for this one (connection_kept connects it at the end).
        _hygiene_off()
        return self.site(environ, start_response)


def _hygiene_off() -> None:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)


@contextlib.contextmanager
def connection_kept(monkeypatch):
    """As Django's test client does, the connection is not closed between requests (the
    test's transaction holds it): neither Django's nor the lane's per-request hygiene."""
    from fugong.core import fastlane

    monkeypatch.setattr(fastlane, "_connections_kept", lambda: None)
    _hygiene_off()
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
