"""The OpenAPI document tells the truth: one schema per name, responses that match their own
schema, times in RFC 3339 with the site's offset, and every list bounded."""

from __future__ import annotations

import re
import typing
from enum import Enum

import jsonschema_rs
import pytest
from pydantic import BaseModel

from fugong.core.api import api
from fugong.core.api_types import MAX_PAGE_SIZE
from fugong.resumption.models import Filing
from tests.test_api import get, token_for

pytestmark = pytest.mark.django_db

DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
LOOKS_LIKE_A_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]")


def operations():
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            yield from path_view.operations


def schema_classes() -> set[type]:
    """Every model and enum the API's inputs and outputs are made of."""
    found: set[type] = set()

    def walk(tp) -> None:
        for arg in typing.get_args(tp):
            walk(arg)
        if not isinstance(tp, type) or tp in found:
            return
        if issubclass(tp, BaseModel):
            found.add(tp)
            for field in tp.model_fields.values():
                walk(field.annotation)
        elif issubclass(tp, Enum):
            found.add(tp)

    for op in operations():
        for model in op.response_models.values():
            walk(model)
        for model in op.models:
            walk(model)
    return found


def openapi(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_schema_names_are_unique(client):
    """Two different schemas with one name share one entry of the document, so one of them
    is described wrongly (filing events were described as statistics events)."""
    components = set(openapi(client)["components"]["schemas"])
    by_name: dict[str, list[type]] = {}
    for cls in schema_classes():
        if cls.__name__ in components:
            by_name.setdefault(cls.__name__, []).append(cls)

    def shape(cls):
        if issubclass(cls, Enum):
            return sorted(str(m.value) for m in cls)
        return cls.model_json_schema()

    clashes = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in by_name.items()
        if len({repr(shape(c)) for c in classes}) > 1
    }
    assert not clashes, clashes


def response_validator(doc: dict, path: str, method: str = "get", status: str = "200"):
    schema = doc["paths"][path][method]["responses"][status]["content"]["application/json"]
    root = {**schema["schema"], "components": doc["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True)


def test_filing_details_match_their_own_schema(client):
    doc = openapi(client)
    token = token_for(client, "admin")
    filing = Filing.objects.exclude(status="draft").order_by("pk").first()
    body = get(client, f"/api/v1/filings/{filing.pk}", token).json()
    assert body["events"], "a submitted filing has events"
    validator = response_validator(doc, "/api/v1/filings/{filing_id}")
    errors = [str(e) for e in validator.iter_errors(body)]
    assert not errors, errors[:3]


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize(
    "url",
    ["/api/v1/filings/{filing}", "/api/v1/filings?limit=5", "/api/v1/tokens", "/api/v1/jobs"],
)
def test_times_are_rfc3339_with_the_site_offset(client, settings, url):
    settings.TIME_ZONE = "Asia/Shanghai"
    token = token_for(client, "admin")
    filing = Filing.objects.exclude(status="draft").order_by("pk").first()
    body = get(client, url.format(filing=filing.pk), token).json()
    times = [s for s in _strings(body) if LOOKS_LIKE_A_TIME.match(s)]
    dates = [s for s in _strings(body) if DATE.match(s)]
    if url != "/api/v1/jobs":
        assert times
    for value in times:
        assert DATETIME.match(value), value
        assert value.endswith("+08:00"), value
    assert all(DATE.match(d) for d in dates)


def test_the_issued_token_says_when_it_expires_in_rfc3339(client):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "town01_cmd", "password": "Demo-pass-2026"},
        content_type="application/json",
    )
    assert DATETIME.match(response.json()["expires_at"])


def list_paths(doc: dict) -> list[str]:
    return [
        path
        for path, ops in doc["paths"].items()
        if "get" in ops and any(p["name"] == "limit" for p in ops["get"].get("parameters", []))
    ]


def test_every_list_uses_the_bounded_pagination(client):
    doc = openapi(client)
    paths = list_paths(doc)
    assert "/api/v1/jobs" in paths and "/api/v1/enterprises" in paths
    for path in paths:
        params = {p["name"]: p["schema"] for p in doc["paths"][path]["get"]["parameters"]}
        assert params["limit"].get("maximum") == MAX_PAGE_SIZE, path
        assert params["offset"].get("maximum"), path


@pytest.mark.parametrize("query", ["limit=9223372036854775808", "limit=1001", "offset=-1",
                                   "offset=9223372036854775808", "limit=0"])  # fmt: skip
def test_huge_or_negative_pages_are_422_on_every_list(client, query):
    doc = openapi(client)
    token = token_for(client, "admin")
    for path in list_paths(doc):
        if "{" in path:
            continue
        response = get(client, f"{path}?{query}", token)
        assert response.status_code == 422, (path, response.status_code)
        assert response.json()["code"] == "invalid"
