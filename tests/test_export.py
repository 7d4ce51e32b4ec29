"""The enterprise export job: exactly the filtered, scoped list; who exported it and when;
phones shown only to roles that need them."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from fugong.accounts.models import Jurisdiction
from fugong.core.models import Job, JobStatus
from fugong.enterprises.columns import COLUMNS
from fugong.enterprises.selectors import enterprise_filtered, enterprise_list

pytestmark = pytest.mark.django_db
PHONE = [c.field for c in COLUMNS].index("contact_phone")


def export(client, django_capture_on_commit_callbacks, **filters) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/enterprises/export/", {"query": urlencode(filters, doseq=True)})
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def rows_of(client, job: Job) -> list[tuple]:
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


def test_export_holds_exactly_the_scoped_list(client, login, django_capture_on_commit_callbacks):
    me = login("town01_cmd")
    job = export(client, django_capture_on_commit_callbacks)
    assert job.created_by == me  # the Job row is the export log: who, when, which filters
    rows = rows_of(client, job)
    assert me.display_name in rows[0][0] and me.username in rows[0][0]
    assert list(rows[1][: len(COLUMNS)]) == [c.label for c in COLUMNS]
    expected = set(enterprise_list(user=me).values_list("credit_code", flat=True))
    assert {r[1] for r in rows[2:]} == expected
    assert all("*" not in (r[PHONE] or "") for r in rows[2:])  # a command office needs the phones


def test_export_masks_phones_for_roles_that_do_not_need_them(
    client, login, django_capture_on_commit_callbacks
):
    login("town01_jmb")
    rows = rows_of(client, export(client, django_capture_on_commit_callbacks))
    assert rows[2:] and all("****" in r[PHONE] for r in rows[2:])


def test_export_with_filters_equals_the_list(client, login, django_capture_on_commit_callbacks):
    me = login("county_cmd")
    filters = {"ledger": "can_resume", "status": "resumed", "sort": "-employee_count"}
    job = export(client, django_capture_on_commit_callbacks, **filters)
    qs, _fs = enterprise_filtered(user=me, data=filters)
    assert [r[1] for r in rows_of(client, job)[2:]] == list(
        qs.values_list("credit_code", flat=True)
    )


def test_export_narrowed_to_a_jurisdiction_outside_scope_shows_nothing_more(
    client, login, django_capture_on_commit_callbacks
):
    me = login("town01_cmd")
    county = Jurisdiction.objects.get(level="county")
    job = export(client, django_capture_on_commit_callbacks, jurisdiction=county.pk)
    assert len(rows_of(client, job)) - 2 == enterprise_list(user=me).count()


def test_export_needs_post(client, login):
    login("town01_cmd")
    assert client.get("/enterprises/export/").status_code == 405
