"""API tokens for tests, issued the way a client gets one: POST /api/v1/auth/token."""

from __future__ import annotations

TEST_PASSWORD = "Test-pass-2026"  # noqa: S105 - the builders' users sign in with it


def issue_token(client, username: str, password: str = TEST_PASSWORD) -> str:
    """A fresh bearer token for ``username``, through the token endpoint."""
    response = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def bearer(token: str | None) -> dict[str, str]:
    """The request headers that carry ``token`` (none without one)."""
    return {"Authorization": f"Bearer {token}"} if token else {}
