"""The registry API: the same filters as the list, writes through the same services,
imports and exports as jobs, all within the caller's scope."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from stdnum.cn import uscc

from fugong.accounts.models import Jurisdiction
from fugong.core.jobs import execute
from fugong.core.models import Job
from fugong.core.testing import bearer, issue_token
from fugong.enterprises.models import Enterprise, ImportBatch
from fugong.enterprises.selectors import enterprise_filtered
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def auth(client, username: str) -> dict:
    return bearer(issue_token(client, username, DEMO_PASSWORD))


@pytest.mark.parametrize(
    "query",
    [
        "ledger=can_resume",
        "status=resumed&sort=-employee_count",
        "category=industry_above&category=trade_above",
        "industry=C",
        "unassigned=true",
        "is_key=true&tier=major",
    ],
)
def test_list_filters_match_the_page(client, user, query):
    from django.http import QueryDict

    headers = auth(client, "county_cmd")
    body = client.get(f"/api/v1/enterprises?limit=1000&{query}", headers=headers).json()
    qs, _ = enterprise_filtered(user=user("county_cmd"), data=QueryDict(query))
    assert [i["id"] for i in body["items"]] == list(qs.values_list("pk", flat=True))
    page = client.get(
        f"/enterprises/?{query}"
    )  # anonymous: redirected; the page itself is tested in test_registry_pages
    assert page.status_code == 302


def grid_of(town_index: int) -> Jurisdiction:
    town = Jurisdiction.objects.filter(level__in=["town", "street"]).order_by("code")[town_index]
    return Jurisdiction.objects.filter(level="grid", path__startswith=town.path).first()


def new_code(n: int) -> str:
    body = f"91339821{n:09d}"
    return body + uscc.calc_check_digit(body)


def test_create_and_patch_with_derivation(client):
    headers = auth(client, "town01_cmd")
    created = client.post(
        "/api/v1/enterprises",
        {
            "name": "接口新建公司",
            "credit_code": new_code(1),
            "jurisdiction_id": grid_of(0).pk,
            "industry_code": "52",
            "revenue_last_year": "800",
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["category"] == "trade_above"  # retail ≥ 500万元
    patched = client.patch(
        f"/api/v1/enterprises/{body['id']}",
        {"revenue_last_year": "100"},
        content_type="application/json",
        headers=headers,
    )
    assert patched.json()["category"] == "below_limit"


def test_create_rejects_a_bad_credit_code_and_a_place_outside_scope(client):
    headers = auth(client, "town01_cmd")
    bad = client.post(
        "/api/v1/enterprises",
        {"name": "坏", "credit_code": "91339821000000000X", "jurisdiction_id": grid_of(0).pk},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 422 and "credit_code" in bad.json()["details"]
    outside = client.post(
        "/api/v1/enterprises",
        {"name": "外", "credit_code": new_code(2), "jurisdiction_id": grid_of(1).pk},
        content_type="application/json",
        headers=headers,
    )
    assert outside.status_code == 422 and "jurisdiction_id" in outside.json()["details"]


def test_bulk_status_touches_only_the_callers_scope(client):
    headers = auth(client, "town01_cmd")
    mine = Enterprise.objects.filter(
        jurisdiction__path__startswith=grid_of(0).parent.parent.path
    ).first()
    other = Enterprise.objects.filter(
        jurisdiction__path__startswith=grid_of(1).parent.parent.path
    ).first()
    response = client.post(
        "/api/v1/enterprises/bulk-status",
        {"ids": [mine.pk, other.pk], "ledger": "cannot_resume"},
        content_type="application/json",
        headers=headers,
    )
    assert response.json() == {"changed": 1}
    other.refresh_from_db()
    assert other.ledger != "cannot_resume"


def test_import_and_export_through_the_api(client, user):
    headers = auth(client, "town01_cmd")
    wb = Workbook()
    wb.active.append(["企业名称", "统一社会信用代码", "辖区代码"])
    wb.active.append(["接口导入公司", new_code(3), grid_of(0).code])
    out = io.BytesIO()
    wb.save(out)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/v1/enterprises/imports",
        {"file": SimpleUploadedFile("a.xlsx", out.getvalue()), "mode": "all"},
        headers=headers,
    )
    assert response.status_code == 202, response.content
    batch = ImportBatch.objects.get(pk=response.json()["id"])
    execute(batch.check_job_id)
    assert (
        client.get(f"/api/v1/enterprises/imports/{batch.pk}", headers=headers).json()["status"]
        == "ready"
    )
    confirmed = client.post(
        f"/api/v1/enterprises/imports/{batch.pk}/confirm",
        {},
        content_type="application/json",
        headers=headers,
    )
    assert confirmed.status_code == 202
    execute(ImportBatch.objects.get(pk=batch.pk).import_job_id)
    assert Enterprise.objects.filter(credit_code=new_code(3)).exists()
    other = auth(client, "town02_cmd")
    assert client.get(f"/api/v1/enterprises/imports/{batch.pk}", headers=other).status_code == 404

    started = client.post("/api/v1/enterprises/exports?ledger=can_resume", headers=headers)
    assert started.status_code == 202
    job = Job.objects.get(pk=started.json()["job_id"])
    assert job.params == {"ledger": ["can_resume"]}


def test_api_clients_download_job_files(client):
    from fugong.core.jobs import execute as run_job

    headers = auth(client, "town01_cmd")
    started = client.post("/api/v1/enterprises/exports", headers=headers)
    run_job(started.json()["job_id"])
    response = client.get(f"/api/v1/jobs/{started.json()['job_id']}/file", headers=headers)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    other = auth(client, "town02_cmd")
    assert (
        client.get(f"/api/v1/jobs/{started.json()['job_id']}/file", headers=other).status_code
        == 404
    )


def test_api_field_errors_are_in_the_users_language(client):
    headers = auth(client, "town01_cmd")
    outside = client.post(
        "/api/v1/enterprises",
        {"name": "外", "credit_code": new_code(9), "jurisdiction_id": grid_of(1).pk},
        content_type="application/json",
        headers=headers,
    )
    assert "辖区" in " ".join(outside.json()["details"]["jurisdiction_id"])


def test_huge_page_numbers_are_refused_not_crashed(client):
    response = client.get(
        "/api/v1/enterprises", {"offset": 10**20}, headers=auth(client, "county_cmd")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("patch", "/api/v1/enterprises/{pk}", lambda pk: {"employee_count": 10**20}),
        ("patch", "/api/v1/enterprises/{pk}", lambda pk: {"jurisdiction_id": 10**20}),
        (
            "post",
            "/api/v1/enterprises/bulk-status",
            lambda pk: {"ids": [10**20], "ledger": "normal"},
        ),
        (
            "post",
            "/api/v1/enterprises/bulk-status",
            lambda pk: {"ids": [pk], "resumed_on": "2026-01-05", "returned_count": 10**20},
        ),
        (
            "post",
            "/api/v1/enterprises/bulk-status",
            lambda pk: {"ids": [pk], "resumed_on": "2026-01-05", "returned_counts": {pk: 10**20}},
        ),
    ],
)
def test_out_of_range_numbers_are_refused_not_crashed(client, method, path, payload):
    """A count or id too big for the database is a 422, never a 500."""
    pk = (
        Enterprise.objects.filter(jurisdiction__path__startswith=grid_of(0).parent.parent.path)
        .values_list("pk", flat=True)
        .first()
    )
    response = getattr(client, method)(
        path.format(pk=pk),
        payload(pk),
        content_type="application/json",
        headers=auth(client, "town01_cmd"),
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
