"""A NUL byte in the user name or password sent to POST /api/v1/auth/token is a wrong user name
or password (401), like on the sign-in page, and never reaches the database: PostgreSQL
refuses NUL in text and the answer was a 500."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "username, password", [("town01_cmd\x00", "x"), ("a\x00b", "x\x00"), ("town01_cmd", "\x00")]
)
def test_a_nul_byte_in_the_credentials_is_a_401_and_no_query_carries_it(client, username, password):
    sent = []

    def record(execute, sql, params, many, context):
        sent.extend(str(p) for p in (params or ()) if not many)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        answer = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": password},
            content_type="application/json",
        )
    assert answer.status_code == 401, answer.content
    assert answer.json()["code"] == "invalid_credentials"
    assert not [p for p in sent if "\x00" in p]
