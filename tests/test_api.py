"""The JSON API: token auth, OpenAPI, errors as JSON, the same data scope as the pages."""

from __future__ import annotations

from functools import partial

import pytest

from fugong.accounts.choices import Level
from fugong.accounts.models import ApiToken, Jurisdiction
from fugong.core.testing import bearer, issue_token
from fugong.enterprises.models import Enterprise
from fugong.enterprises.selectors import enterprise_list
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


token_for = partial(issue_token, password=DEMO_PASSWORD)


def get(client, url: str, token: str | None):
    return client.get(url, headers=bearer(token))


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    assert "/api/v1/auth/token" in paths and "/api/v1/enterprises" in paths


def test_token_is_stored_hashed(client, user):
    raw = token_for(client, "town01_cmd")
    token = ApiToken.objects.get(user=user("town01_cmd"))
    assert raw not in (token.key_hash, token.prefix) and raw.startswith(token.prefix)


def test_wrong_credentials_give_json_error(client):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "town01_cmd", "password": "nope-123456"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials" and response.json()["message"]


def test_locked_account_gets_429_with_wait_time(client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/api/v1/auth/token",
            {"username": "town02_ajb", "password": "nope-123456"},
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token",
        {"username": "town02_ajb", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked"


def test_missing_or_bad_token_is_401_json(client):
    for token in (None, "not-a-token"):
        response = get(client, "/api/v1/enterprises", token)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_malformed_body_is_422_json(client):
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "code" in response.json() and "message" in response.json()


def test_unknown_api_url_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_me(client):
    body = get(client, "/api/v1/me", token_for(client, "town01_jmb")).json()
    assert body["username"] == "town01_jmb" and body["primary_role"] == "reviewer"


@pytest.mark.parametrize(
    "username",
    ["town01_cmd", "town02_cmd", "town01_cadre", "town01_ent1", "town01_jmb", "county_rsj"],
)
def test_enterprise_list_has_the_same_scope_as_the_pages(client, user, username):
    token = token_for(client, username)
    body = get(client, "/api/v1/enterprises?limit=1000", token).json()
    expected = set(enterprise_list(user=user(username)).values_list("pk", flat=True))
    assert {item["id"] for item in body["items"]} == expected
    assert body["count"] == len(expected)


def test_enterprise_outside_scope_is_404(client):
    token = token_for(client, "town01_cmd")
    town2 = Jurisdiction.objects.filter(level__in=[Level.TOWN, Level.STREET]).order_by("code")[1]
    other = Enterprise.objects.filter(jurisdiction__path__startswith=town2.path).first()
    response = get(client, f"/api/v1/enterprises/{other.pk}", token)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_phones_are_masked_in_the_api(client):
    token = token_for(client, "town01_jmb")
    item = get(client, "/api/v1/enterprises", token).json()["items"][0]
    assert "****" in item["contact_phone"]


def test_jurisdictions_are_scoped(client):
    token = token_for(client, "town01_cmd")
    items = get(client, "/api/v1/jurisdictions?limit=1000", token).json()["items"]
    assert items and all(i["level"] not in ("county", "city", "province") for i in items)


def test_bad_query_parameter_is_422(client):
    token = token_for(client, "town01_cmd")
    response = get(client, "/api/v1/enterprises?jurisdiction=abc", token)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_api_docs_are_served_from_our_own_static_files(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle" in html and "cdn" not in html.lower()


def test_validation_details_speak_the_users_language(client, settings, user):
    """Issue 10: a 422's details carried pydantic's English ("Input should be a valid
    integer…") under a Chinese message; each detail now says what to fix in Chinese, and keeps
    its ``type`` and ``loc`` for programs."""
    from fugong.core.api import localized_errors

    settings.LANGUAGE_CODE = "zh-hans"
    token = token_for(client, "town01_cmd")
    e = enterprise_list(user=user("town01_cmd")).first()
    response = client.patch(
        f"/api/v1/enterprises/{e.pk}",
        {"employee_count": "many"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.content
    details = response.json()["details"]
    by_field = {d["loc"][-1]: d for d in details}
    assert by_field["employee_count"]["type"] == "int_parsing"
    assert by_field["employee_count"]["msg"] == "请输入整数。"
    choice = {"type": "enum", "loc": ["ledger"], "msg": "…", "ctx": {"expected": "'a', 'b' or 'c'"}}
    assert localized_errors([choice])[0]["msg"] == "请从以下选项中选择：'a', 'b', 'c'。"
    # A kind we have no sentence for keeps pydantic's text rather than losing it.
    assert localized_errors([{"type": "unheard_of", "loc": ["x"], "msg": "as is"}]) == [
        {"type": "unheard_of", "loc": ["x"], "msg": "as is"}
    ]
