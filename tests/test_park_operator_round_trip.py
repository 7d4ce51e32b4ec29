"""A park operator's tenants sit in grids outside the operator's own area. Sending back a
tenant's place unchanged (an exported ledger imported again, or an API client that PATCHes the
record it read) is not a change of place, and must not be refused as one."""

from __future__ import annotations

import pytest

from fugong.core.models import Job
from fugong.enterprises.models import Enterprise, ImportStatus
from tests.test_import import enterprise_audit_rows, run

pytestmark = pytest.mark.django_db


def test_a_park_operators_export_imports_again_unchanged(
    client, login, django_capture_on_commit_callbacks
):
    me = login("town01_park")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/enterprises/export/", {"query": ""})
    job = Job.objects.latest("pk")
    content = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    tenants = Enterprise.objects.filter(park__operator__memberships__user=me).distinct().count()
    assert tenants > 0
    logged = enterprise_audit_rows()  # the batch's own steps are audited too
    batch = run(me, content, filename="export.xlsx")
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert batch.result["created"] == 0 and batch.result["updated"] == 0
    assert batch.result["unchanged"] == tenants
    assert enterprise_audit_rows() == logged


def test_a_park_operators_import_still_cannot_move_a_tenant(user):
    me = user("town01_park")
    tenant = Enterprise.objects.filter(park__operator__memberships__user=me).first()
    elsewhere = (
        type(tenant.jurisdiction)
        .objects.filter(level="grid")
        .exclude(pk=tenant.jurisdiction_id)
        .exclude(path__startswith=tenant.park.jurisdiction.path)
        .first()
    )
    content = (
        f"企业名称,统一社会信用代码,辖区代码\n{tenant.name},{tenant.credit_code},{elsewhere.code}\n"
    ).encode()
    batch = run(me, content, filename="台账.csv", confirm=False)
    assert batch.status == ImportStatus.READY and batch.preview["valid"] == 0
    assert "辖区代码" in batch.preview["errors"][0]["message"]
    tenant.refresh_from_db()
    assert tenant.jurisdiction_id != elsewhere.pk


def test_a_park_operator_may_send_a_tenants_place_back_unchanged_over_the_api(client, user):
    from fugong.accounts.services import api_token_issue

    me = user("town01_park")
    tenant = Enterprise.objects.filter(park__operator__memberships__user=me).first()
    _, token = api_token_issue(user=me)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/enterprises/{tenant.pk}"
    read = client.get(url, headers=headers).json()
    answer = client.patch(
        url,
        {"jurisdiction_id": read["jurisdiction_id"], "address": "园区东门1号"},
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["address"] == "园区东门1号"
    moved = client.patch(
        url, {"jurisdiction_id": read["jurisdiction_id"] + 1}, content_type="application/json",
        headers=headers,
    )  # fmt: skip
    assert moved.status_code in (403, 422)
