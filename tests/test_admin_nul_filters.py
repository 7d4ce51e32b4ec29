"""A NUL byte in an admin change list's query string (a list filter, a search) is a bad filter:
the admin's own "invalid lookup" answer (?e=1), never a query that carries it. PostgreSQL refuses
NUL in text, and these change lists answered 500 there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, field",
    [
        ("/admin/enterprises/enterprise/", "category"),
        ("/admin/enterprises/enterprise/", "ledger"),
        ("/admin/enterprises/enterprise/", "tier"),
        ("/admin/accounts/user/", "username"),
        ("/admin/core/auditlog/", "action"),
    ],
)
def test_a_nul_byte_in_an_admin_filter_never_reaches_a_query(client, login, url, field):
    login("admin")
    client.raise_request_exception = False
    sent = []

    def record(execute, sql, params, many, context):
        if not many:
            sent.extend(str(p) for p in (params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        answer = client.get(url, {field: "a\x00b"})
    assert answer.status_code < 500
    assert not [p for p in sent if "\x00" in p]
    if answer.status_code == 302:
        assert answer["Location"].endswith("?e=1")


def test_an_admin_change_list_without_nul_is_untouched(client, login):
    login("admin")
    assert client.get("/admin/enterprises/enterprise/", {"ledger": "normal"}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/enterprises/",
        "/resumption/",
        "/resumption/queue/",
        "/jurisdictions/",
        "/jobs/",
        "/api/v1/enterprises",
        "/api/v1/filings",
        "/api/v1/jobs",
    ],
)
def test_a_nul_byte_in_any_query_string_never_reaches_a_query(client, login, url):
    """Not only the admin: every page and API list reads its query string through the same
    step, so no filter or search of a later page can carry a NUL to PostgreSQL (a 500)."""
    from fugong.accounts.services import api_token_issue

    admin = login("admin")
    _obj, token = api_token_issue(user=admin) if url.startswith("/api/") else (None, None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client.raise_request_exception = False
    sent = []

    def record(execute, sql, params, many, context):
        if not many:
            sent.extend(str(p) for p in (params or ()))
        return execute(sql, params, many, context)

    query = {"q": "a\x00b", "status": "x\x00", "jurisdiction": "1\x00", "search": "\x00"}
    with connection.execute_wrapper(record):
        answer = client.get(url, query, headers=headers)
    assert answer.status_code < 500, url
    assert not [p for p in sent if "\x00" in p]


def test_the_step_drops_nul_bytes_before_any_view_reads_them(rf):
    from fugong.core.middleware import NulQueryMiddleware

    seen = {}

    def view(request):
        seen.update(request.GET.lists())
        return HttpResponse("ok")

    NulQueryMiddleware(view)(rf.get("/enterprises/", {"q": "a\x00b", "x\x00": "1"}))
    assert seen == {"q": ["ab"], "x": ["1"]}
