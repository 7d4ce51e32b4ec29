"""One check-in through the API (issue 13 point 4): the person's own token, or the enterprise's
token with an ID number; a retry with its idempotency key is the same row, another submission
for the half-day is refused, a reading outside 34-43 °C is a 400 in Chinese, an enterprise
cannot check in another's staff. And the bulk path's faster reading and writing (issue 13's
speed targets) say and write what the slower one did."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.testing import person
from fugong.core.errors import UserError
from fugong.core.testing import bearer, issue_token, world_fixtures
from fugong.notifications.models import Event
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import checkins, passes, services
from fugong.workforce.choices import Origin, PassStatus, Source, WorkStatus
from fugong.workforce.models import CheckIn
from fugong.workforce.testing import id_number

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()
URL = "/api/v1/workforce/checkin"


def number(i: int) -> str:
    return id_number(i, born="0202")


def hire(c, i, **fields):
    return services.employee_create(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        name=f"接口{i}",
        id_number=number(i),
        origin=Origin.LOCAL,
        work_status=WorkStatus.AT_WORK,
        **fields,
    )


def post(client, token, body):
    return client.post(URL, body, content_type="application/json", headers=bearer(token))


def test_the_person_checks_in_with_their_own_token_and_a_retry_is_the_same_row(world, client):
    c = add_cast(world, "approval", "api_checkin_own")
    enterprise = c.enterprise.memberships.get().enterprise
    employee = hire(c, 1)
    employee.user = person("w_api_emp", Role.EMPLOYEE, enterprise=enterprise)
    employee.save(update_fields=["user"])
    token = issue_token(client, "w_api_emp")
    key = str(uuid.uuid4())
    body = {"temperature": 36.6, "half": 0, "key": key}
    first = post(client, token, body)
    assert first.status_code == 201, first.content
    out = first.json()
    assert out["created"] and out["temperature"] == 36.6 and not out["abnormal"]
    again = post(client, token, body)  # the client did not get the answer and sends again
    assert again.status_code == 200 and again.json()["id"] == out["id"]
    assert not again.json()["created"]
    other = post(client, token, {"temperature": 36.8, "half": 0, "key": str(uuid.uuid4())})
    assert other.status_code == 400 and other.json()["code"] == "duplicate"
    row = CheckIn.objects.get(employee=employee)
    assert row.pk == out["id"] and row.tenths == 366 and row.source == Source.PHONE
    assert str(row.key) == key and row.day == TODAY
    # Someone on no roster has nobody to check in.
    person("w_api_nobody", Role.EMPLOYEE, enterprise=enterprise)
    refused = post(client, issue_token(client, "w_api_nobody"), {"temperature": 36.6})
    assert refused.status_code == 403
    assert post(client, None, {"temperature": 36.6}).status_code == 401


def test_a_temperature_outside_the_body_is_a_400_in_chinese(world, client):
    c = add_cast(world, "approval", "api_checkin_odd")
    hire(c, 2)
    token = issue_token(client, c.enterprise.username)
    answer = post(client, token, {"id_number": number(2), "temperature": 45})
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "temperature" and "体温" in answer.json()["message"]
    old = post(
        client,
        token,
        {"id_number": number(2), "temperature": 36.5, "day": str(TODAY - datetime.timedelta(2))},
    )
    assert old.status_code == 400 and "今天或昨天" in old.json()["message"]
    unreadable = post(client, token, {"id_number": number(2), "temperature": "热"})
    assert unreadable.status_code == 422  # not a number at all: the schema's own answer
    assert not CheckIn.objects.filter(employee__person__name="接口2").exists()


def test_the_enterprise_checks_in_its_own_staff_only(
    world, client, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "api_checkin_scope")
    employee = hire(c, 3)
    p = passes.pass_request(actor=c.enterprise, employee=employee)
    assert p.status == PassStatus.VALID
    other = add_cast(world, "approval", "api_checkin_scope_other")
    body = {"id_number": number(3), "temperature": 38.2, "half": 1, "key": str(uuid.uuid4())}
    refused = post(client, issue_token(client, other.enterprise.username), body)
    assert refused.status_code == 404  # another enterprise's staff: not said whether they exist
    assert not CheckIn.objects.filter(employee=employee).exists()
    token = issue_token(client, c.enterprise.username)
    with django_capture_on_commit_callbacks(execute=True):
        done = post(client, token, body)
    assert done.status_code == 201 and done.json()["abnormal"]
    row = CheckIn.objects.get(employee=employee)
    assert row.source == Source.BULK and row.half == 1
    p.refresh_from_db()
    assert p.status == PassStatus.REVOKED  # the abnormal reading revoked the pass
    assert Event.objects.filter(kind="workforce.abnormal_checkin", subject_id=row.pk).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, token, body)
    assert again.status_code == 200 and again.json()["id"] == row.pk
    assert Event.objects.filter(kind="workforce.abnormal_checkin", subject_id=row.pk).count() == 1


def test_the_openapi_document_describes_the_check_in(client):
    doc = client.get("/api/v1/openapi.json").json()
    operation = doc["paths"][URL]["post"]
    assert operation["operationId"] == "fugong_workforce_checkin"
    assert {"200", "201", "400", "403", "404"} <= set(operation["responses"])


# -- the faster bulk path says and writes what the slower one did -------------------------------
def decimal_tenths(value) -> int:
    """The reading as the Decimal path takes it (the rule before the fast path)."""
    text = str(value).strip()
    return int((Decimal(text[:10]) * 10).to_integral_value())


@pytest.mark.parametrize(
    "value", [36, 37, 36.5, 36.55, 36.45, 37.25, 36.0, 42.99, 34.0, 43.0, 36.123, 1e-05, 350]
)
def test_numbers_read_as_the_decimal_path_reads_them(value):
    try:
        expected = decimal_tenths(value)
    except ArithmeticError:
        expected = None
    if expected is not None and checkins.LOWEST <= expected <= checkins.HIGHEST:
        assert checkins.tenths(value) == expected
    else:
        with pytest.raises(UserError):
            checkins.tenths(value)


def test_every_tenth_in_range_reads_exactly():
    for t in range(checkins.LOWEST, checkins.HIGHEST + 1):
        assert checkins.tenths(t / 10) == t
        assert checkins.tenths(str(t / 10)) == t


@pytest.mark.parametrize("returning", [True, False])
def test_the_bulk_path_counts_refuses_and_alerts_with_either_writer(
    world, monkeypatch, django_capture_on_commit_callbacks, returning
):
    c = add_cast(world, "approval", f"api_bulk_{returning}")
    enterprise = c.enterprise.memberships.get().enterprise
    offset = 10 if returning else 20
    staff = [hire(c, offset + i) for i in range(3)]
    monkeypatch.setattr(checkins, "_returning", lambda: returning)
    key = uuid.uuid4()
    items = [
        {"id_number": number(offset), "day": TODAY, "temperature": 36.5, "key": key},
        {"id_number": number(offset + 1), "day": TODAY, "temperature": 38.0},
        {"id_number": number(offset + 2), "day": TODAY, "temperature": 36.5, "key": "nope"},
        {"id_number": number(offset), "day": TODAY, "temperature": 36.6},  # the same half-day
        {"id_number": number(offset + 2), "day": TODAY, "half": True, "temperature": 36},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        out = checkins.checkins_bulk(actor=c.enterprise, enterprise=enterprise, items=items)
    assert out["accepted"] == 3 and out["duplicates"] == 0
    assert [r["index"] for r in out["refused"]] == [2, 3]
    assert "UUID" in out["refused"][0]["message"]
    rows = {r.employee_id: r for r in CheckIn.objects.filter(employee__in=staff)}
    assert rows[staff[0].pk].key == key and rows[staff[0].pk].source == Source.BULK
    assert rows[staff[1].pk].abnormal and rows[staff[1].pk].tenths == 380
    assert rows[staff[2].pk].half == 1 and rows[staff[2].pk].tenths == 360
    assert Event.objects.filter(
        kind="workforce.abnormal_checkin", subject_id=rows[staff[1].pk].pk
    ).exists()
    again = checkins.checkins_bulk(actor=c.enterprise, enterprise=enterprise, items=items)
    assert again["accepted"] == 0 and again["duplicates"] == 3
    assert CheckIn.objects.filter(employee__in=staff).count() == 3


def test_one_check_in_with_either_writer(world, monkeypatch):
    c = add_cast(world, "approval", "api_one_writer")
    employee = hire(c, 30)
    monkeypatch.setattr(checkins, "_returning", lambda: False)
    key = uuid.uuid4()
    first, made = checkins.checkin_record(
        actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature=36.5, key=key
    )
    again, made_again = checkins.checkin_record(
        actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature=36.5, key=key
    )
    assert made and not made_again and first.pk == again.pk
    with pytest.raises(UserError):
        checkins.checkin_record(
            actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature=36.5
        )


def test_the_hasher_of_many_numbers_hashes_as_lookup_hash():
    from fugong.core.crypto import lookup_hash, lookup_hasher

    digest = lookup_hasher(services.ID_PURPOSE)
    for i in range(3):
        assert digest(number(i)) == lookup_hash(number(i), services.ID_PURPOSE)


@pytest.mark.parametrize("returning", [True, False])
def test_ones_own_check_in_finds_the_employee_with_either_writer(
    world, monkeypatch, django_capture_on_commit_callbacks, returning
):
    c = add_cast(world, "approval", f"api_own_{returning}")
    enterprise = c.enterprise.memberships.get().enterprise
    employee = hire(c, 40 if returning else 41)
    account = person(f"w_api_own_{returning}", Role.EMPLOYEE, enterprise=enterprise)
    employee.user = account
    employee.save(update_fields=["user"])
    monkeypatch.setattr(checkins, "_returning", lambda: returning)
    key = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        row, made = checkins.checkin_record(
            actor=account, employee=None, day=TODAY, half=1, temperature=38.4, key=key
        )
    assert made and row.employee_id == employee.pk and row.abnormal
    assert Event.objects.filter(kind="workforce.abnormal_checkin", subject_id=row.pk).exists()
    again, made_again = checkins.checkin_record(
        actor=account, employee=None, day=TODAY, half=1, temperature=38.4, key=key
    )
    assert not made_again and again.pk == row.pk
    with pytest.raises(UserError) as twice:
        checkins.checkin_record(actor=account, employee=None, day=TODAY, half=1, temperature=36)
    assert twice.value.code == "duplicate"
    nobody = person(f"w_api_nobody_{returning}", Role.EMPLOYEE, enterprise=enterprise)
    with pytest.raises(UserError) as refused:
        checkins.checkin_record(actor=nobody, employee=None, day=TODAY, half=1, temperature=36)
    assert refused.value.code == "forbidden"
