"""The API's fast lane (fugong/core/fastlane.py): a declared route answers its common case in
front of Django and hands every other request to Django untouched (its body readable again),
with the headers Django's middleware gives a JSON answer; one thread a process writes what
many request threads submit, together."""

from __future__ import annotations

import json
import threading
import time

import pytest

from fugong.core import registry
from fugong.core.fastlane import Batcher, FastLane
from fugong.core.registry import FastRoute
from fugong.core.testing.wsgi import CountingSite, call, connection_kept

PATH = "/api/v1/core-testing/fast"


@pytest.fixture
def lane(monkeypatch):
    """A fast route at PATH whose handler the test sets (``lane.handler``), the lane in front
    of a counting Django; as Django's test client does, the connection is not closed between
    requests (the test's transaction holds it)."""

    class Lane:
        handler = staticmethod(lambda environ, body: (201, {"ok": True}))

    state = Lane()
    route = FastRoute("POST", PATH, lambda environ, body: state.handler(environ, body), 64)
    monkeypatch.setitem(registry._fast, ("POST", PATH), route)
    state.django = CountingSite()
    state.app = FastLane(state.django)
    with connection_kept(monkeypatch):
        yield state


def test_a_route_answers_in_front_of_django_with_the_api_headers(lane, db):
    status, headers, body = call(lane.app, "POST", PATH, b'{"a": 1}')
    assert status == 201 and json.loads(body) == {"ok": True}
    assert lane.django.calls == 0
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Length"] == str(len(body))
    assert len(headers["X-Request-ID"]) == 36
    # The headers Django's middleware puts on an answer of the API, each the same.
    _s, django_headers, _b = call(lane.app, "GET", "/api/v1/nowhere")
    assert lane.django.calls == 1
    ignored = {"Content-Length", "Vary", "Content-Language", "Allow", "X-Request-ID"}
    assert {k: v for k, v in django_headers.items() if k not in ignored} == {
        k: v for k, v in headers.items() if k not in ignored
    }
    assert "X-Request-ID" in django_headers


def test_everything_else_goes_to_django_with_its_body(lane, db):
    lane.handler = lambda environ, body: None  # the route declines
    status, _h, _b = call(lane.app, "POST", PATH, b'{"a": 1}')
    assert lane.django.calls == 1 and lane.django.bodies[-1] == b'{"a": 1}'
    assert status == 404  # no such page behind the lane: Django's own answer
    lane.handler = lambda environ, body: (201, {"ok": True})
    call(lane.app, "POST", PATH, b'{"a": 1}', query="x=1")  # a query string
    call(lane.app, "POST", PATH, b"x" * 65)  # a body longer than the route takes
    call(lane.app, "POST", PATH)  # none
    call(lane.app, "PUT", PATH, b"{}")  # another method
    assert lane.django.calls == 5
    assert lane.django.bodies[2] == b"x" * 65


def test_a_failing_route_leaves_the_request_to_django(lane, db, caplog):
    def broken(environ, body):
        raise RuntimeError("boom")

    lane.handler = broken
    status, _h, body = call(lane.app, "POST", PATH, b"{}")
    assert lane.django.calls == 1 and status == 404
    assert "fast route POST" in caplog.text


def test_the_writer_takes_what_arrived_meanwhile_in_one_call(settings):
    settings.FUGONG_FASTLANE_THREAD = True
    calls = []

    def write(items):
        calls.append(list(items))
        time.sleep(0.02)  # the statement's time: the others arrive meanwhile
        return [item * 10 for item in items]

    batcher = Batcher(write, most=8)
    results = {}

    def submit(i):
        results[i] = batcher.submit(i)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {i: i * 10 for i in range(40)}
    assert sorted(i for batch in calls for i in batch) == list(range(40))
    assert max(len(batch) for batch in calls) > 1  # written together
    assert all(len(batch) <= 8 for batch in calls)


def test_a_failed_batch_fails_its_requests_and_the_writer_goes_on(settings):
    settings.FUGONG_FASTLANE_THREAD = True
    fail = [True]

    def write(items):
        if fail[0]:
            raise RuntimeError("database gone")
        return items

    batcher = Batcher(write, timeout=5)
    with pytest.raises(RuntimeError):
        batcher.submit(1)
    fail[0] = False
    assert batcher.submit(2) == 2


def test_a_request_waits_no_longer_than_the_timeout(settings):
    settings.FUGONG_FASTLANE_THREAD = True
    batcher = Batcher(lambda items: time.sleep(1) or items, timeout=0.05)
    with pytest.raises(TimeoutError):
        batcher.submit(1)


def test_without_the_thread_the_caller_writes_its_own_item(settings):
    settings.FUGONG_FASTLANE_THREAD = False
    seen = []
    batcher = Batcher(lambda items: seen.append(threading.current_thread()) or items)
    assert batcher.submit(7) == 7 and seen == [threading.current_thread()]
