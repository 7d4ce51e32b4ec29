"""The checks. A test class inherits one or more of them and defines the ``world`` fixture (its
small data) and the hooks each check names; pytest then collects the inherited ``test_*``
methods for that class. A hook returns plain ``Call``s, so each check reads as: for every call,
this must hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fugong.core.models import AuditLog
from fugong.core.testing.api import TEST_PASSWORD, bearer, issue_token


@dataclass(frozen=True)
class Call:
    """One request by one signed-in user: a page (``/…``, session) or the API (``/api/…``,
    bearer token). ``data`` is the form (pages) or the JSON body (API)."""

    user: Any
    method: str
    url: str
    data: dict | None = None

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} as {self.user.username}"


@dataclass(frozen=True)
class Write:
    """A write and the audit rows it must leave: ``rows`` of them (one unless told), each by the
    call's user; ``model`` ("app_label.model") names whose rows they are, when given."""

    call: Call
    model: str | None = None
    rows: int = 1


def _headers(client, call: Call, password: str) -> dict[str, str]:
    if not call.is_api:
        return {}
    tokens = client.__dict__.setdefault("_fugong_tokens", {})
    if call.user.username not in tokens:
        tokens[call.user.username] = issue_token(client, call.user.username, password)
    return bearer(tokens[call.user.username])


def send(client, call: Call, *, password: str = TEST_PASSWORD):
    """Send ``call`` with ``client``: signed in for a page, with the user's token for the API."""
    headers = _headers(client, call, password)
    if not call.is_api:
        client.force_login(call.user)
    request = getattr(client, call.method)
    if call.data is None:
        return request(call.url, headers=headers)
    if call.is_api and call.method != "get":
        return request(call.url, call.data, content_type="application/json", headers=headers)
    return request(call.url, call.data, headers=headers)


def _templates(response) -> set[str]:
    return {t.name for t in getattr(response, "templates", []) if t.name}


class _Checks:
    """What every check shares: the password the world's users sign in with."""

    password: str = TEST_PASSWORD

    def send(self, client, call: Call):
        return send(client, call, password=self.password)


class RefusesWithoutRole(_Checks):
    """``refused_calls(world)``: calls by signed-in users whose role may not do them. Each gets
    the shared refusal: status 403 and the ``errors/403.html`` page, or JSON ``forbidden``."""

    def refused_calls(self, world) -> Iterable[Call]:
        raise NotImplementedError

    def test_refused_without_the_role(self, client, world):
        calls = list(self.refused_calls(world))
        assert calls, "refused_calls gave no call to check"
        for call in calls:
            response = self.send(client, call)
            assert response.status_code == 403, f"{call}: {response.status_code}, not 403"
            if call.is_api:
                assert response.json().get("code") == "forbidden", f"{call}: {response.content}"
            else:
                assert "errors/403.html" in _templates(response), (
                    f"{call}: not the shared refusal page"
                )


class HidesOutsideScope(_Checks):
    """``hidden_calls(world)``: calls for objects outside the user's data scope (another
    enterprise's, another town's): each is 404, as if the object did not exist (page
    ``errors/404.html``, JSON ``not_found``). ``seen_calls(world)``: the same objects asked for
    by users in scope, which get them (so a wrong URL cannot pass for a hidden object)."""

    def hidden_calls(self, world) -> Iterable[Call]:
        raise NotImplementedError

    def seen_calls(self, world) -> Iterable[Call]:
        raise NotImplementedError

    def test_hidden_outside_the_scope(self, client, world):
        calls = list(self.hidden_calls(world))
        assert calls, "hidden_calls gave no call to check"
        for call in calls:
            response = self.send(client, call)
            assert response.status_code == 404, f"{call}: {response.status_code}, not 404"
            if call.is_api:
                assert response.json().get("code") == "not_found", f"{call}: {response.content}"
            else:
                assert "errors/404.html" in _templates(response), f"{call}: not the 404 page"

    def test_seen_inside_the_scope(self, client, world):
        calls = list(self.seen_calls(world))
        assert calls, "seen_calls gave no call to check"
        for call in calls:
            response = self.send(client, call)
            assert response.status_code == 200, f"{call}: {response.status_code}, not 200"


class OneAuditRowPerWrite(_Checks):
    """``writes(world)``: writes that succeed (status below 400). Each leaves exactly
    ``Write.rows`` audit rows (one by default), every one naming the call's user as actor."""

    def writes(self, world) -> Iterable[Write]:
        raise NotImplementedError

    def test_one_audit_row_per_write(self, client, world):
        writes = list(self.writes(world))
        assert writes, "writes gave no write to check"
        for write in writes:
            call = write.call
            _headers(client, call, self.password)  # the token's own rows come before
            last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = self.send(client, call)
            assert response.status_code < 400, f"{call}: {response.status_code}"
            rows = list(AuditLog.objects.filter(pk__gt=last).select_related("content_type"))
            if write.model:
                rows = [r for r in rows if r.content_type.natural_key() == _label(write.model)]
            assert len(rows) == write.rows, (
                f"{call}: {len(rows)} audit rows, not {write.rows}: "
                + ", ".join(f"{r.content_type.model} {r.object_id} {r.action}" for r in rows)
            )
            for row in rows:
                assert row.actor_id == call.user.pk, f"{call}: audit row by {row.actor_name}"


def _label(model: str) -> tuple[str, str]:
    app_label, name = model.lower().split(".")
    return app_label, name


@dataclass
class _Measure:
    queries: int
    shown: int | None
    sql: list[str] = field(default_factory=list)


class FixedQueryCount(_Checks):
    """``query_calls(world)``: list pages and endpoints. ``grow(world)``: add rows they show,
    through the services. Each call costs the same number of queries before and after, and
    shows more rows after (``rows_shown``: the page's paginator count or the JSON list's
    length, when the response has one)."""

    def query_calls(self, world) -> Iterable[Call]:
        raise NotImplementedError

    def grow(self, world) -> None:
        raise NotImplementedError

    def rows_shown(self, response) -> int | None:
        if response.get("Content-Type", "").startswith("application/json"):
            body = response.json()
            return len(body) if isinstance(body, list) else None
        page = (response.context or {}).get("page") if response.context is not None else None
        return page.paginator.count if page is not None and hasattr(page, "paginator") else None

    def _measure(self, client, call: Call) -> _Measure:
        self.send(client, call)  # first visit: session, token, caches
        with CaptureQueriesContext(connection) as queries:
            response = self.send(client, call)
        assert response.status_code == 200, f"{call}: {response.status_code}"
        return _Measure(
            len(queries), self.rows_shown(response), [q["sql"] for q in queries.captured_queries]
        )

    def test_query_count_fixed_as_the_data_grows(self, client, world):
        calls = list(self.query_calls(world))
        assert calls, "query_calls gave no call to check"
        before = [self._measure(client, call) for call in calls]
        self.grow(world)
        for call, first in zip(calls, before, strict=True):
            then = self._measure(client, call)
            if first.shown is not None:
                assert then.shown > first.shown, f"{call}: grow() added no row it shows"
            assert then.queries == first.queries, (
                f"{call}: {first.queries} queries with {first.shown} rows, "
                f"{then.queries} with {then.shown}:\n" + "\n".join(then.sql)
            )
