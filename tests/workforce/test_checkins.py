"""The daily check-in (issue 13 point 4): one row per person and half-day however often it is
sent (the same key: the same row; another: refused), temperatures outside 34-43 °C refused,
an abnormal reading tells the enterprise and its grid chief at once and revokes the pass; the
bulk API of the enterprise's system, re-sent, writes nothing twice; the 未报 list."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from fugong.core.errors import NotAllowed, UserError
from fugong.core.testing import bearer, issue_token, world_fixtures
from fugong.notifications.models import Message
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import checkins, passes, services
from fugong.workforce.choices import Origin, PassStatus, Symptom, WorkStatus
from fugong.workforce.models import CheckIn
from fugong.workforce.testing import id_number

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()


def number(i: int) -> str:
    return id_number(i, place="430102", born="1111")


def hire(c, i, **fields):
    return services.employee_create(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        name=f"打卡{i}",
        id_number=number(i),
        origin=fields.pop("origin", Origin.LOCAL),
        work_status=fields.pop("work_status", WorkStatus.AT_WORK),
        **fields,
    )


@pytest.mark.parametrize(
    "value", ["33.9", "43.1", "abc", "", "1e9", "Infinity", "-inf", "NaN", "sNaN", "1e999999999"]
)
def test_a_temperature_outside_the_body_is_refused(value):
    with pytest.raises(UserError):
        checkins.tenths(value)


@pytest.mark.parametrize(("value", "tenths"), [("37,5", 375), ("36.5℃", 365), (36.55, 366)])
def test_temperatures_as_people_type_them(value, tenths):
    assert checkins.tenths(value) == tenths


def test_a_retry_is_the_same_row_and_a_second_submission_is_refused(world):
    c = add_cast(world, "approval", "checkin_once")
    employee = hire(c, 1)
    key = uuid.uuid4()
    first, made = checkins.checkin_record(
        actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="36.5", key=key
    )
    again, made_again = checkins.checkin_record(
        actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="36.5", key=key
    )
    assert made and not made_again and first.pk == again.pk
    with pytest.raises(UserError) as twice:
        checkins.checkin_record(
            actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="36.6"
        )
    assert twice.value.code == "duplicate"
    assert CheckIn.objects.filter(employee=employee).count() == 1
    with pytest.raises(UserError):  # nor for a month ago (it would revoke today's pass)
        checkins.checkin_record(
            actor=c.enterprise,
            employee=employee,
            day=TODAY - datetime.timedelta(days=30),
            half=0,
            temperature="38.5",
        )
    with pytest.raises(UserError):  # not for a day to come
        checkins.checkin_record(
            actor=c.enterprise,
            employee=employee,
            day=TODAY + datetime.timedelta(days=1),
            half=0,
            temperature="36.5",
        )
    other = add_cast(world, "approval", "checkin_once_other")
    with pytest.raises(NotAllowed):
        checkins.checkin_record(
            actor=other.enterprise, employee=employee, day=TODAY, half=1, temperature="36.5"
        )


def test_an_abnormal_reading_tells_the_enterprise_and_grid_and_revokes_the_pass(
    world, county_rules, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "checkin_fever")
    employee = hire(c, 2)
    p = passes.pass_request(actor=c.enterprise, employee=employee)
    assert p.status == PassStatus.VALID
    with django_capture_on_commit_callbacks(execute=True):
        row, _made = checkins.checkin_record(
            actor=c.enterprise, employee=employee, day=TODAY, half=1, temperature="37.8"
        )
    assert row.abnormal
    p.refresh_from_db()
    assert p.status == PassStatus.REVOKED
    told = set(
        Message.objects.filter(
            kind="workforce.abnormal_checkin", event__subject_id=row.pk
        ).values_list("user_id", flat=True)
    )
    assert c.inspector.pk in told  # the 包保 cadre (the enterprise's user is the actor here)
    assert not Message.objects.filter(kind="workforce.abnormal_checkin", user=c.reviewer).exists()
    # A symptom alone is abnormal too.
    someone = hire(c, 3)
    row, _made = checkins.checkin_record(
        actor=c.enterprise,
        employee=someone,
        day=TODAY,
        half=1,
        temperature="36.4",
        symptoms=Symptom.COUGH,
    )
    assert row.abnormal


def test_the_bulk_api_is_idempotent_and_says_what_it_refused(world, client):
    c = add_cast(world, "approval", "checkin_bulk")
    enterprise = c.enterprise.memberships.get().enterprise
    staff = [hire(c, 10 + i) for i in range(3)]
    token = issue_token(client, c.enterprise.username)
    items = [
        {"id_number": number(10 + i), "day": str(TODAY), "half": 0, "temperature": 36.4}
        for i in range(3)
    ] + [
        {"id_number": number(99), "day": str(TODAY), "half": 0, "temperature": 36.4},
        {"id_number": number(10), "day": str(TODAY), "half": 1, "temperature": 50},
    ]
    body = {"enterprise": enterprise.pk, "items": items}
    answer = client.post(
        "/api/v1/workforce/checkins", body, content_type="application/json", headers=bearer(token)
    )
    assert answer.status_code == 200, answer.content
    out = answer.json()
    assert out["accepted"] == 3 and out["duplicates"] == 0
    assert [r["index"] for r in out["refused"]] == [3, 4]
    again = client.post(
        "/api/v1/workforce/checkins", body, content_type="application/json", headers=bearer(token)
    ).json()
    assert again["accepted"] == 0 and again["duplicates"] == 3
    assert CheckIn.objects.filter(employee__in=staff).count() == 3
    # Another enterprise's staff cannot be sent in.
    other = add_cast(world, "approval", "checkin_bulk_other")
    other_token = issue_token(client, other.enterprise.username)
    answer = client.post(
        "/api/v1/workforce/checkins",
        body,
        content_type="application/json",
        headers=bearer(other_token),
    )
    assert answer.status_code == 404


def test_the_not_reported_list_and_the_pages(world, client):
    c = add_cast(world, "approval", "checkin_pages")
    enterprise = c.enterprise.memberships.get().enterprise
    done = hire(c, 20)
    missing = hire(c, 21)
    hire(c, 22, work_status=WorkStatus.NOT_RETURNED)  # not back yet: not expected
    half = checkins.current_half()
    checkins.checkin_record(
        actor=c.enterprise, employee=done, day=TODAY, half=half, temperature="36.6"
    )
    listed = list(checkins.not_reported(enterprise=enterprise, day=TODAY, half=half))
    assert missing in listed and done not in listed and len(listed) == 1
    client.force_login(c.enterprise)
    page = client.get("/workforce/today/").content.decode()
    assert missing.person.name in page and "36.6" not in page
    # The employee's own page: their check-in from the phone, once however often sent.
    from fugong.accounts.choices import Role
    from fugong.accounts.testing import person

    account = person("w_checkin_emp", Role.EMPLOYEE, enterprise=enterprise)
    missing.user = account
    missing.save(update_fields=["user"])
    client.force_login(account)
    form = client.get("/workforce/me/").content.decode()
    assert 'data-testid="checkin-form"' in form
    key = str(uuid.uuid4())
    for _attempt in range(2):
        client.post("/workforce/me/", {"temperature": "36.7", "location": "0", "key": key})
    assert CheckIn.objects.filter(employee=missing).count() == 1
    assert 'data-testid="checked-in"' in client.get("/workforce/me/").content.decode()
    assert client.post("/workforce/me/", {"temperature": "45"}).status_code == 302  # told why


def test_the_enterprise_reminds_who_has_not_checked_in_once_a_half_day(
    world, client, django_capture_on_commit_callbacks
):
    from fugong.accounts.choices import Role
    from fugong.accounts.testing import person

    c = add_cast(world, "approval", "checkin_remind")
    enterprise = c.enterprise.memberships.get().enterprise
    late = hire(c, 30)
    late.user = person("w_remind_emp", Role.EMPLOYEE, enterprise=enterprise)
    late.save(update_fields=["user"])
    hire(c, 31)  # no account: nobody to tell
    half = checkins.current_half()
    with django_capture_on_commit_callbacks(execute=True):
        assert checkins.remind(actor=c.enterprise, enterprise=enterprise, day=TODAY, half=half) == 1
        assert checkins.remind(actor=c.enterprise, enterprise=enterprise, day=TODAY, half=half) == 0
    message = Message.objects.get(user=late.user, kind="workforce.checkin_reminder")
    assert message.url == "/workforce/me/"
    other = add_cast(world, "approval", "checkin_remind_other")
    with pytest.raises(NotAllowed):
        checkins.remind(actor=other.enterprise, enterprise=enterprise, day=TODAY, half=half)


def test_the_grid_chief_and_the_town_remind_an_enterprise_of_their_list(
    world, client, django_capture_on_commit_callbacks
):
    """催报 from the 未报 list of /workforce/health/: a cadre or command office over the
    enterprise reminds its people with an account (once a half-day, as the enterprise's own
    button); an enterprise outside their scope is a 404; another enterprise's user may not."""
    from fugong.accounts.choices import Role
    from fugong.accounts.testing import person

    c = add_cast(world, "approval", "checkin_grid_remind")
    enterprise = c.enterprise.memberships.get().enterprise
    late = hire(c, 32)
    late.user = person("w_grid_remind_emp", Role.EMPLOYEE, enterprise=enterprise)
    late.save(update_fields=["user"])
    client.force_login(c.town_cmd)
    page = client.get("/workforce/health/").content.decode()
    assert f'name="enterprise" value="{enterprise.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/workforce/health/", {"enterprise": enterprise.pk}, follow=True)
    assert "1" in answer.content.decode() and enterprise.name in answer.content.decode()
    assert Message.objects.filter(user=late.user, kind="workforce.checkin_reminder").count() == 1
    with django_capture_on_commit_callbacks(execute=True):  # pressed again: nobody twice
        client.post("/workforce/health/", {"enterprise": enterprise.pk})
    assert Message.objects.filter(user=late.user, kind="workforce.checkin_reminder").count() == 1
    elsewhere = add_cast(world, "record", "checkin_grid_remind_other")  # another town
    client.force_login(elsewhere.town_cmd)
    assert client.post("/workforce/health/", {"enterprise": enterprise.pk}).status_code == 404
    assert client.post("/workforce/health/", {"enterprise": "x"}).status_code == 404
    assert checkins.may_remind(c.inspector, enterprise)  # its cadre
    assert not checkins.may_remind(elsewhere.inspector, enterprise)
    with pytest.raises(NotAllowed):
        checkins.remind(actor=elsewhere.enterprise, enterprise=enterprise, day=TODAY, half=0)


def test_the_grid_chief_and_the_town_see_the_abnormal_and_the_missing_in_their_scope(world, client):
    c = add_cast(world, "approval", "checkin_overview")
    enterprise = c.enterprise.memberships.get().enterprise
    sick = hire(c, 40)
    hire(c, 41)  # not checked in
    half = checkins.current_half()
    checkins.checkin_record(
        actor=c.enterprise, employee=sick, day=TODAY, half=half, temperature="38.1"
    )
    abnormal, missing = checkins.overview(user=c.inspector, day=TODAY, half=half)
    assert [a.employee_id for a in abnormal] == [sick.pk]
    assert (enterprise.name, 1, 2) in [m[:3] for m in missing]
    elsewhere = add_cast(world, "record", "checkin_overview_other")  # another town's cadre
    abnormal, missing = checkins.overview(user=elsewhere.inspector, day=TODAY, half=half)
    assert sick.pk not in [a.employee_id for a in abnormal]
    assert enterprise.name not in [m[0] for m in missing]
    client.force_login(c.town_cmd)
    page = client.get("/workforce/health/").content.decode()
    assert enterprise.name in page and sick.person.name not in page  # the name masked
    client.force_login(c.enterprise)
    assert client.get("/workforce/health/").status_code == 403


def test_the_bulk_api_refuses_impossible_readings_in_chinese(world, client):
    c = add_cast(world, "approval", "checkin_bulk_odd")
    enterprise = c.enterprise.memberships.get().enterprise
    hire(c, 50)
    token = issue_token(client, c.enterprise.username)
    items = [
        {"id_number": number(50), "day": str(TODAY), "half": 0, "temperature": "inf"},
        {"id_number": number(50), "day": str(TODAY), "half": 1, "temperature": "nan"},
        {"id_number": number(50), "day": "1900-01-01", "half": 0, "temperature": 38.5},
    ]
    answer = client.post(
        "/api/v1/workforce/checkins",
        {"enterprise": enterprise.pk, "items": items},
        content_type="application/json",
        headers=bearer(token),
    )
    assert answer.status_code == 200, answer.content
    out = answer.json()
    assert out["accepted"] == 0 and [r["index"] for r in out["refused"]] == [0, 1, 2]
    assert all("不是体温" in r["message"] or "今天或昨天" in r["message"] for r in out["refused"])


def _counts_are_live(day, half):
    """The database's counts (triggers of migration 0007) equal a live count of the rows."""
    from django.db.models import Count

    from fugong.workforce.models import CheckInTally, Employee, StaffCount

    live_expected = dict(
        Employee.objects.filter(work_status__in=checkins.EXPECTED)
        .values_list("enterprise_id")
        .annotate(n=Count("pk"))
    )
    kept_expected = {s.enterprise_id: s.expected for s in StaffCount.objects.exclude(expected=0)}
    assert kept_expected == live_expected
    live_checked = dict(
        CheckIn.objects.filter(day=day, half=half, employee__work_status__in=checkins.EXPECTED)
        .values_list("employee__enterprise_id")
        .annotate(n=Count("pk"))
    )
    kept_checked = {
        t.enterprise_id: t.checked
        for t in CheckInTally.objects.filter(day=day, half=half).exclude(checked=0)
    }
    assert kept_checked == live_checked


def test_the_overviews_counts_follow_every_writer(world):
    from fugong.workforce.models import Employee

    c = add_cast(world, "approval", "checkin_counts")
    enterprise = c.enterprise.memberships.get().enterprise
    staff = [hire(c, 70 + i) for i in range(4)]
    hire(c, 74, work_status=WorkStatus.NOT_RETURNED)
    yesterday = TODAY - datetime.timedelta(days=1)
    for day in (yesterday, TODAY):
        for half in (0, 1):
            _counts_are_live(day, half)
    checkins.checkin_record(
        actor=c.enterprise, employee=staff[0], day=TODAY, half=0, temperature="36.5"
    )
    checkins.checkins_bulk(  # the bulk writer, with a re-sent item and yesterday's
        actor=c.enterprise,
        enterprise=enterprise,
        items=[
            {"id_number": number(70 + i), "day": d, "half": 0, "temperature": 36.5}
            for i in range(3)
            for d in (TODAY, yesterday)
        ],
    )
    _counts_are_live(TODAY, 0)
    _counts_are_live(yesterday, 0)
    # A status changed after checking in: the count and the check-in go with the person.
    staff[1].work_status = WorkStatus.LEFT
    staff[1].save()
    _counts_are_live(TODAY, 0)
    Employee.objects.filter(pk=staff[1].pk).update(work_status=WorkStatus.AT_WORK)
    _counts_are_live(TODAY, 0)
    Employee.objects.filter(pk__in=[s.pk for s in staff]).update(
        work_status=WorkStatus.OBSERVING
    )  # one statement, several people: still expected
    _counts_are_live(TODAY, 0)
    # A check-in deleted, a person deleted with their check-ins (Django's cascade).
    CheckIn.objects.filter(employee=staff[2], day=TODAY).delete()
    _counts_are_live(TODAY, 0)
    staff[3].checkins.all().delete()
    staff[3].passes.all().delete()
    staff[3].delete()
    _counts_are_live(TODAY, 0)
    _counts_are_live(yesterday, 0)
    # Rows of an older day (not counted) and of two half-days of one slot in one statement.
    CheckIn.objects.bulk_create(
        [
            CheckIn(employee=staff[0], day=TODAY - datetime.timedelta(days=d), half=0, tenths=365)
            for d in (2, 4)
        ]
    )
    _counts_are_live(TODAY, 0)
    _counts_are_live(yesterday, 0)
    abnormal, missing = checkins.overview(user=c.inspector, day=TODAY, half=0)
    expected = Employee.objects.filter(
        enterprise=enterprise, work_status__in=checkins.EXPECTED
    ).count()
    done = CheckIn.objects.filter(
        employee__enterprise=enterprise,
        day=TODAY,
        half=0,
        employee__work_status__in=checkins.EXPECTED,
    ).count()
    assert (enterprise.name, expected - done, expected) in [m[:3] for m in missing]


def test_the_counts_are_filled_from_the_data_on_migrating(world):
    import importlib

    from django.db import connection

    from fugong.workforce.models import CheckInTally, StaffCount

    migration = importlib.import_module("fugong.workforce.migrations.0007_counts")
    c = add_cast(world, "approval", "checkin_fill")
    someone = hire(c, 80)
    checkins.checkin_record(
        actor=c.enterprise, employee=someone, day=TODAY, half=1, temperature="36.5"
    )
    StaffCount.objects.all().delete()
    CheckInTally.objects.all().delete()
    with connection.cursor() as cursor:
        migration.fill(cursor, connection.vendor)
    _counts_are_live(TODAY, 1)
