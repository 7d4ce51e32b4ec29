"""A NUL byte in an admin change list's query string (a list filter, a search) is a bad filter:
the admin's own "invalid lookup" answer (?e=1), never a query that carries it. PostgreSQL refuses
NUL in text, and these change lists answered 500 there."""

from __future__ import annotations

import pytest
from django.db import connection

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
