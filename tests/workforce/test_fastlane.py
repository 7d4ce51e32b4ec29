"""One's own check-in in the API's fast lane (fugong/workforce/fastlane.py, issue 13's 1,000
a second): the lane writes a normal reading and answers what the API answers; a retry with the
same key is the same row (200); everything else reaches the API, which says why (another
submission for the half-day, an abnormal reading with its alert, a value to be explained, a
token not valid, no roster entry, one of the enterprise's staff by ID number). Many requests
written together give each its own answer."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import ApiToken
from fugong.accounts.services import api_token_revoke
from fugong.accounts.testing import person
from fugong.core.fastlane import FastLane
from fugong.core.testing import issue_token, world_fixtures
from fugong.core.testing.wsgi import CountingSite, call, connection_kept
from fugong.notifications.models import Event
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import checkins, services
from fugong.workforce.choices import Origin, Source, WorkStatus
from fugong.workforce.models import CheckIn, CheckInTally
from fugong.workforce.testing import id_number

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()
URL = "/api/v1/workforce/checkin"


def number(i: int) -> str:
    return id_number(i)


@pytest.fixture
def lane(monkeypatch):
    site = CountingSite()
    app = FastLane(site)
    with connection_kept(monkeypatch):
        yield app, site


def staff_with_account(world, client, name: str, i: int):
    """A person on a roster of a new cast's enterprise, with an employee account and token."""
    c = add_cast(world, "approval", name)
    enterprise = c.enterprise.memberships.get().enterprise
    employee = services.employee_create(
        actor=c.enterprise,
        enterprise=enterprise,
        name=f"快道{i}",
        id_number=number(i),
        origin=Origin.LOCAL,
        work_status=WorkStatus.AT_WORK,
    )
    employee.user = person(f"w_lane_{name}", Role.EMPLOYEE, enterprise=enterprise)
    employee.save(update_fields=["user"])
    return c, employee, issue_token(client, f"w_lane_{name}")


def post(app, token, body):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, _headers, content = call(app, "POST", URL, raw, AUTHORIZATION=f"Bearer {token}")
    return status, json.loads(content)


def test_the_lane_writes_a_normal_reading_and_answers_as_the_api_does(world, client, lane):
    app, django = lane
    c, employee, token = staff_with_account(world, client, "own", 1)
    key = str(uuid.uuid4())
    status, out = post(app, token, {"temperature": 36.6, "half": 0, "key": key})
    assert status == 201 and django.calls == 0  # the lane wrote it
    row = CheckIn.objects.get(employee=employee)
    assert out == {
        "id": row.pk,
        "day": TODAY.isoformat(),
        "half": 0,
        "temperature": 36.6,
        "abnormal": False,
        "created": True,
    }
    assert (row.tenths, row.source, str(row.key), row.day) == (366, Source.PHONE, key, TODAY)
    # The API's answer to the same kind of request has the same shape, key by key.
    via_api = client.post(
        URL,
        {"temperature": 36.6, "half": 1},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert set(via_api) == set(out) and via_api["created"] and via_api["half"] == 1
    # A retry with the same key: the same row, 200, still in the lane.
    status, again = post(app, token, {"temperature": 36.6, "half": 0, "key": key})
    assert status == 200 and django.calls == 0
    assert again == {**out, "created": False}
    # Another submission for the half-day: the API refuses it.
    status, other = post(app, token, {"temperature": 36.8, "half": 0, "key": str(uuid.uuid4())})
    assert status == 400 and other["code"] == "duplicate" and django.calls == 1
    assert CheckIn.objects.filter(employee=employee).count() == 2
    # The token's last use is written, as the API writes it.
    assert ApiToken.objects.get(user=employee.user, revoked=False).last_used_at is not None
    # The enterprise's counts of the day moved as for any check-in (the database's triggers).
    assert CheckInTally.objects.filter(
        enterprise_id=employee.enterprise_id, day=TODAY, half=1
    ).exists()


def test_an_abnormal_reading_goes_to_the_api_with_its_alert(
    world, client, lane, django_capture_on_commit_callbacks
):
    app, django = lane
    c, employee, token = staff_with_account(world, client, "fever", 2)
    with django_capture_on_commit_callbacks(execute=True):
        status, out = post(app, token, {"temperature": 38.2, "half": 0})
    assert status == 201 and out["abnormal"] and django.calls == 1
    assert Event.objects.filter(kind="workforce.abnormal_checkin", subject_id=out["id"]).exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"temperature": "36.5", "half": 0}, 201),  # text for a number: the schema reads it
        ({"temperature": 36.5, "half": True}, 201),  # true for 1: as pydantic takes it
        ({"temperature": 45, "half": 0}, 400),  # not a body temperature
        ({"temperature": 36.5, "day": "2001-01-01"}, 400),  # not today or yesterday
        ({"temperature": 36.5, "key": "nope"}, 422),
        ({"temperature": 36.5, "extra": 1}, 201),  # a field the lane does not know
        (b"not json", 400),
        (b"[1, 2]", 422),
    ],
)
def test_anything_unusual_is_answered_by_the_api(world, client, lane, body, status):
    app, django = lane
    _c, employee, token = staff_with_account(world, client, f"odd{abs(hash(str(body)))}", 3)
    got, _out = post(app, token, body)
    assert got == status and django.calls == 1


def test_who_may_not_check_in_is_told_by_the_api(world, client, lane):
    app, django = lane
    c, employee, token = staff_with_account(world, client, "revoked", 4)
    api_token_revoke(actor=employee.user, token=ApiToken.objects.get(user=employee.user))
    status, out = post(app, token, {"temperature": 36.5})
    assert status == 401 and django.calls == 1
    status, _out = post(app, "not-a-token", {"temperature": 36.5})
    assert status == 401
    enterprise = c.enterprise.memberships.get().enterprise
    person("w_lane_nobody", Role.EMPLOYEE, enterprise=enterprise)  # on no roster
    status, _out = post(app, issue_token(client, "w_lane_nobody"), {"temperature": 36.5})
    assert status == 403 and django.calls == 3
    assert not CheckIn.objects.filter(employee=employee).exists()


def test_the_enterprise_checking_in_its_staff_goes_to_the_api(world, client, lane):
    app, django = lane
    c, employee, _token = staff_with_account(world, client, "by_number", 5)
    token = issue_token(client, c.enterprise.username)
    status, out = post(app, token, {"id_number": number(5), "temperature": 36.5})
    assert status == 201 and django.calls == 1
    assert CheckIn.objects.get(pk=out["id"]).source == Source.BULK


def test_many_check_ins_written_together_each_get_their_answer(world, client):
    made = [staff_with_account(world, client, f"batch{i}", 10 + i) for i in range(4)]
    (_c0, e0, t0), (_c1, e1, t1), (_c2, e2, t2), (_c3, e3, t3) = made
    yesterday = TODAY - datetime.timedelta(days=1)

    def row(day=TODAY, half=0, tenths=365, key=None):
        return CheckIn(key=key, source=Source.PHONE, day=day, half=half, tenths=tenths, symptoms=0)

    stored = row(key=uuid.uuid4())
    assert checkins.checkins_own_by_tokens([(t2, stored)]) == [True]
    retry = row(key=stored.key, tenths=370)  # the same submission again
    items = [
        (t0, row(key=uuid.uuid4())),
        (t1, row(day=yesterday, half=1, tenths=368)),
        ("no-such-token", row()),
        (t2, retry),
        (t0, row(key=uuid.uuid4())),  # t0's half-day twice in one batch: the API's
        (t3, row(key=uuid.uuid4(), half=1)),
    ]
    out = checkins.checkins_own_by_tokens(items)
    assert out == [True, True, None, False, None, True]
    assert CheckIn.objects.get(employee=e1).day == yesterday
    assert retry.pk == stored.pk and retry.tenths == 365  # the stored reading
    assert items[0][1].employee_id == e0.pk and items[5][1].employee_id == e3.pk
    assert CheckIn.objects.filter(employee__in=[e0, e1, e2, e3]).count() == 4
