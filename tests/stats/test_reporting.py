"""Upward reporting (issue 5 point 4, DHIS2's data approval): a town submits its day's
figures computed from the registry, the county sees the 催报 board, reminds and reopens with a
reason; a submitted day is locked against resumption dates moving into or out of it."""

from __future__ import annotations

import datetime

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import command_jurisdictions
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import Enterprise
from fugong.reporting import selectors as reporting
from fugong.reporting.models import Submission
from fugong.reporting.services import (
    submission_remind,
    submission_reopen,
    submission_submit,
)
from fugong.reporting.workflow import SUBMISSIONS
from fugong.stats import figures as F
from fugong.stats.models import StatsSetting
from fugong.stats.services import setting_set
from tests.stats.fixtures import build_hand_town

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/stats/reporting/"


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def place(user):
    """The demo county, its first two towns (town01, town02) and their command offices."""

    class Place:
        county_cmd = user("county_cmd")
        town01_cmd = user("town01_cmd")
        town02_cmd = user("town02_cmd")
        county = command_jurisdictions(county_cmd)[0]
        town01 = command_jurisdictions(town01_cmd)[0]
        town02 = command_jurisdictions(town02_cmd)[0]
        day = days_ago(3)

    assert Place.town01.parent_id == Place.county.pk == Place.town02.parent_id
    return Place


def towns_of(county: Jurisdiction) -> list[Jurisdiction]:
    return list(county.children.filter(is_active=True).order_by("code"))


def in_town(town: Jurisdiction):
    return Enterprise.objects.filter(jurisdiction__path__startswith=town.path).order_by("pk")


# ---------------------------------------------------------------------------- services


def test_submit_freezes_the_figures_computed_for_the_node(place):
    sub = submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    live = F.compute(user=None, node=place.town01, day=place.day)
    assert sub.status == "submitted" and sub.submitted_by == place.town01_cmd
    assert sub.data == live.as_dict() and sub.revision == 1
    frozen = F.snapshot_get(node=place.town01, day=place.day)
    assert frozen.source == "submission" and frozen.total == live.total
    assert [e.kind for e in sub.events.all()] == ["submitted"]


def test_resubmitting_a_submitted_day_is_refused(place):
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    with pytest.raises(Conflict, match="already submitted"):
        submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)


def test_reopen_needs_a_reason_then_the_town_submits_again(place):
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    with pytest.raises(UserError) as err:
        submission_reopen(actor=place.county_cmd, node=place.town01, day=place.day, reason="  ")
    assert err.value.code == "reason_required"
    assert Submission.objects.get(jurisdiction=place.town01, day=place.day).status == "submitted"
    sub = submission_reopen(
        actor=place.county_cmd, node=place.town01, day=place.day, reason="南浦厂复工日期填错"
    )
    assert sub.status == "reopened" and sub.revision == 2
    # The frozen figures are no longer the submission's (at most the end-of-day snapshot).
    assert getattr(F.snapshot_get(node=place.town01, day=place.day), "source", None) != (
        "submission"
    )
    sub = submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    assert sub.status == "submitted" and sub.revision == 3
    events = list(sub.events.values_list("kind", "reason"))
    assert events == [("submitted", ""), ("reopened", "南浦厂复工日期填错"), ("submitted", "")]


def test_a_stale_revision_is_a_conflict(place):
    sub = submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    seen = sub.revision
    submission_reopen(actor=place.county_cmd, node=place.town01, day=place.day, reason="核对")
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    with pytest.raises(Conflict, match="Someone else changed"):
        submission_reopen(
            actor=place.county_cmd, node=place.town01, day=place.day, reason="再核对", revision=seen
        )
    with pytest.raises(Conflict, match="Someone else changed"):
        submission_submit(actor=place.town02_cmd, node=place.town02, day=place.day, revision=7)
    with pytest.raises(Conflict, match="nothing to reopen"):
        submission_reopen(
            actor=place.county_cmd, node=place.town02, day=place.day, reason="没有提交过"
        )
    assert Submission.objects.get(jurisdiction=place.town01, day=place.day).status == "submitted"


def test_remind_counts_and_only_those_not_submitted(place):
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    n = submission_remind(actor=place.county_cmd, nodes=[place.town01, place.town02], day=place.day)
    assert n == 1
    n = submission_remind(actor=place.county_cmd, nodes=[place.town02], day=place.day)
    assert n == 1
    subs = {s.jurisdiction_id: s for s in Submission.objects.filter(day=place.day)}
    assert subs[place.town01.pk].reminders == 0
    assert subs[place.town02.pk].reminders == 2
    assert subs[place.town02.pk].last_reminded_at is not None
    assert list(subs[place.town02.pk].events.values_list("kind", flat=True)) == [
        "reminded",
        "reminded",
    ]
    with pytest.raises(UserError) as err:
        submission_remind(actor=place.county_cmd, nodes=[place.town02], day=days_ago(-1))
    assert err.value.code == "future_date"


def test_my_work_lists_todays_figures_and_the_reminded_days_until_they_are_submitted(place):
    """The command office of a node reporting upwards finds today's figures while it has not
    submitted them, and each day the level above reminded it about (overdue) until it
    submits that day; nobody else finds them."""
    from fugong.reporting.work import to_submit

    def urls(user) -> list[str]:
        return [item.url for item in to_submit(user, 50)[0]]

    town02, day = place.town02, place.day
    today = f"{URL}?node={town02.pk}"
    reminded = f"{URL}?node={town02.pk}&day={day:%Y-%m-%d}"
    if not reporting.submission_state(node=town02, day=timezone.localdate()).is_submitted:
        assert today in urls(place.town02_cmd)
    assert reminded not in urls(place.town02_cmd)
    submission_remind(actor=place.county_cmd, nodes=[town02], day=day)
    [item] = [i for i in to_submit(place.town02_cmd, 50)[0] if i.url == reminded]
    assert item.overdue and item.due == day and "1×" in item.detail
    assert not any(
        f"node={town02.pk}" in u for u in urls(place.town01_cmd) + urls(place.county_cmd)
    )
    submission_submit(actor=place.town02_cmd, node=town02, day=day)
    assert reminded not in urls(place.town02_cmd)
    submission_submit(actor=place.town02_cmd, node=town02, day=timezone.localdate())
    assert today not in urls(place.town02_cmd)


def test_a_reminder_and_a_reopened_day_reach_the_nodes_command_office_once(
    place, django_capture_on_commit_callbacks
):
    from fugong.notifications.models import Message
    from fugong.notifications.services import message_title

    def told(kind: str) -> list[Message]:
        return list(Message.objects.filter(kind=kind, event__subject_id=sub.pk))

    with django_capture_on_commit_callbacks(execute=True):
        submission_remind(actor=place.county_cmd, nodes=[place.town02], day=place.day)
    sub = Submission.objects.get(jurisdiction=place.town02, day=place.day)
    [message] = told("reporting.reminded")
    assert message.user == place.town02_cmd and f"day={place.day:%Y-%m-%d}" in message.url
    assert place.day.isoformat() in message_title(message)
    with django_capture_on_commit_callbacks(execute=True):
        submission_remind(actor=place.county_cmd, nodes=[place.town02], day=place.day)
    assert len(told("reporting.reminded")) == 2  # a second reminder, told again
    with django_capture_on_commit_callbacks(execute=True):
        submission_submit(actor=place.town02_cmd, node=place.town02, day=place.day)
        submission_reopen(
            actor=place.county_cmd, node=place.town02, day=place.day, reason="返岗人数有误"
        )
    [reopened] = told("reporting.reopened")
    assert reopened.user == place.town02_cmd and "返岗人数有误" in message_title(reopened)
    assert not Message.objects.filter(
        user=place.town01_cmd, kind__startswith="reporting.", event__subject_id=sub.pk
    ).exists()  # (another kind's subject may have the same id: the demo's requests)


def test_submitting_reminding_and_reopening_write_audit_rows(place):
    from fugong.core.audit import history_for

    submission_remind(actor=place.county_cmd, nodes=[place.town01], day=place.day)
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    submission_reopen(actor=place.county_cmd, node=place.town01, day=place.day, reason="数字有误")
    sub = Submission.objects.get(jurisdiction=place.town01, day=place.day)
    rows = list(history_for(sub).order_by("at", "id"))
    assert [r.actor for r in rows[-3:]] == [place.county_cmd, place.town01_cmd, place.county_cmd]
    assert rows[-3].after["reminders"] == 1
    assert rows[-1].reason == "数字有误"


def test_permissions(place, user):
    day = place.day
    with pytest.raises(NotAllowed):  # the county does not submit for a town
        submission_submit(actor=place.county_cmd, node=place.town01, day=day)
    with pytest.raises(NotAllowed):  # a town does not submit for another town
        submission_submit(actor=place.town02_cmd, node=place.town01, day=day)
    submission_submit(actor=place.town01_cmd, node=place.town01, day=day)
    with pytest.raises(NotAllowed):  # a town cannot reopen its own day
        submission_reopen(actor=place.town01_cmd, node=place.town01, day=day, reason="自己改")
    with pytest.raises(NotAllowed):  # nor remind
        submission_remind(actor=place.town01_cmd, nodes=[place.town02], day=day)
    with pytest.raises(NotAllowed):
        submission_remind(actor=place.town01_cmd, nodes=[place.town01], day=day)
    with pytest.raises(NotAllowed):  # a reviewer takes no part
        submission_submit(actor=user("town01_jmb"), node=place.town01, day=day)
    # A platform administrator may do all of it.
    submission_reopen(actor=user("admin"), node=place.town01, day=day, reason="平台核对")


def test_late_against_the_deadline(place):
    now = timezone.now()
    # Nothing submitted for a past day: its deadline has passed.
    state = reporting.submission_state(node=place.town01, day=place.day)
    assert state.status == "pending" and state.late
    # A deadline still ahead: submitted on time.
    Submission.objects.create(
        jurisdiction=place.town01, day=place.day, deadline=now + datetime.timedelta(days=1)
    )
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    state = reporting.submission_state(node=place.town01, day=place.day)
    assert state.is_submitted and not state.late
    # A deadline passed: submitted late.
    Submission.objects.create(
        jurisdiction=place.town02, day=place.day, deadline=now - datetime.timedelta(hours=1)
    )
    submission_submit(actor=place.town02_cmd, node=place.town02, day=place.day)
    assert reporting.submission_state(node=place.town02, day=place.day).late
    board = reporting.submission_board(user=place.county_cmd, node=place.county, day=place.day)
    assert board.late == len(board.rows) - 1  # everyone but town01


def test_the_deadline_comes_from_the_settings(place):
    day = place.day
    tz = timezone.get_current_timezone()
    with override_settings(FUGONG_REPORT_DEADLINE=datetime.time(17, 30)):
        state = reporting.submission_state(node=place.town01, day=day)
        assert state.deadline == datetime.datetime.combine(day, datetime.time(17, 30), tzinfo=tz)
    setting_set(
        actor=place.county_cmd,
        node=place.county,
        rate_denominator="need",
        report_deadline=datetime.time(9, 30),
    )
    assert F.deadline_for(place.town01) == datetime.time(9, 30)
    for row in reporting.submission_board(user=place.county_cmd, node=place.county, day=day).rows:
        assert row.deadline == datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=tz)
    # The first submission or reminder fixes the deadline of the day.
    sub = submission_submit(actor=place.town01_cmd, node=place.town01, day=day)
    assert sub.deadline == datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=tz)


def test_board_lists_every_child_with_its_status_and_the_counts(place):
    day = place.day
    submission_submit(actor=place.town01_cmd, node=place.town01, day=day)
    submission_submit(actor=place.town02_cmd, node=place.town02, day=day)
    submission_reopen(actor=place.county_cmd, node=place.town02, day=day, reason="核对")
    submission_remind(actor=place.county_cmd, nodes=[place.town02], day=day)
    board = reporting.submission_board(user=place.county_cmd, node=place.county, day=day)
    towns = towns_of(place.county)
    assert [r.node for r in board.rows] == towns
    status = {r.node.pk: r.status for r in board.rows}
    assert status[place.town01.pk] == "submitted"
    assert status[place.town02.pk] == "reopened"
    assert all(status[t.pk] == "pending" for t in towns[2:])
    assert (board.submitted, board.not_submitted) == (1, len(towns) - 1)
    assert [r.node for r in board.waiting] == towns[1:]
    row = next(r for r in board.rows if r.node == place.town02)
    assert row.reminders == 1 and row.submitted_at is None
    row = next(r for r in board.rows if r.node == place.town01)
    assert row.submitted_by == place.town01_cmd and row.submitted_at is not None
    # A town's board: its villages do not report.
    assert reporting.submission_board(user=place.town01_cmd, node=place.town01, day=day).rows == []


def test_the_board_reads_in_a_fixed_number_of_queries(place):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            board = reporting.submission_board(
                user=place.county_cmd, node=place.county, day=place.day
            )
            [(r.late, r.submitted_by, r.reminders) for r in board.rows]
        return len(ctx.captured_queries)

    first = queries()
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    submission_remind(actor=place.county_cmd, nodes=[place.town02], day=place.day)
    for n in range(3):
        Jurisdiction.objects.create(
            code=place.county.code + f"19{n}", name=f"新镇{n}", level="town", parent=place.county
        )
    assert queries() == first


def test_zero_report_refused_when_something_is_new(demo, user):
    hand = build_hand_town()
    admin = user("admin")
    with pytest.raises(UserError) as err:  # a unit of the hand town resumed today
        submission_submit(actor=admin, node=hand.town, day=hand.today, zero=True)
    assert err.value.code == "not_zero" and "1 units resumed" in err.value.message
    assert not Submission.objects.filter(jurisdiction=hand.town, status="submitted").exists()
    quiet = hand.today - datetime.timedelta(days=7)  # nobody resumed on that day
    assert F.compute(user=None, node=hand.town, day=quiet).total.new_resumed == 0
    sub = submission_submit(actor=admin, node=hand.town, day=quiet, zero=True, note="无新增")
    assert sub.is_zero and sub.status == "submitted" and sub.note == "无新增"
    # A zero report freezes the day's figures too.
    assert sub.data == F.compute(user=None, node=hand.town, day=quiet).as_dict()
    # The day's figures (not a zero report) may always be submitted.
    sub = submission_submit(actor=admin, node=hand.town, day=hand.today)
    assert not sub.is_zero


def test_reopen_is_refused_while_the_level_above_has_submitted(place, user):
    day = place.day
    submission_submit(actor=place.town01_cmd, node=place.town01, day=day)
    submission_submit(actor=place.county_cmd, node=place.county, day=day)
    with pytest.raises(Conflict, match=place.county.name):
        submission_reopen(actor=place.county_cmd, node=place.town01, day=day, reason="改日期")
    submission_reopen(actor=user("admin"), node=place.county, day=day, reason="市里退回")
    submission_reopen(actor=place.county_cmd, node=place.town01, day=day, reason="改日期")


# ---------------------------------------------------------------------------- locks


@pytest.fixture
def locked(place):
    """town01 with three of its enterprises prepared (not resumed, resumed the day before D,
    not resumed) and day D submitted."""
    e1, e2, e3 = list(in_town(place.town01)[:3])
    D = place.day
    Enterprise.objects.filter(pk__in=[e1.pk, e3.pk]).update(resumed_on=None)
    Enterprise.objects.filter(pk=e2.pk).update(resumed_on=D - datetime.timedelta(days=1))
    for e in (e1, e2, e3):
        e.refresh_from_db()
    submission_submit(actor=place.town01_cmd, node=place.town01, day=D)
    return e1, e2, e3


def refused(call) -> UserError:
    with pytest.raises(UserError) as err:
        call()
    assert err.value.code == "day_locked"
    return err.value


def test_a_resumption_date_cannot_move_into_a_submitted_day(place, locked):
    e1, _e2, _e3 = locked
    D = place.day
    for day in (D, D - datetime.timedelta(days=2)):
        err = refused(
            lambda day=day: enterprise_services.enterprise_update(
                actor=place.town01_cmd, enterprise=e1, resumed_on=day
            )
        )
        assert place.town01.name in err.message and D.isoformat() in err.message
    e1.refresh_from_db()
    assert e1.resumed_on is None
    # The bulk status change is locked the same way.
    refused(
        lambda: enterprise_services.enterprises_set_status(
            actor=place.town01_cmd, enterprise_ids=[e1.pk], resumed_on=D, returned_count=0
        )
    )


def test_a_resumption_date_cannot_move_out_of_a_submitted_day(place, locked):
    _e1, e2, _e3 = locked
    refused(
        lambda: enterprise_services.enterprise_update(
            actor=place.town01_cmd,
            enterprise=e2,
            resumed_on=place.day + datetime.timedelta(days=1),
        )
    )
    e2.refresh_from_db()
    assert e2.resumed_on == place.day - datetime.timedelta(days=1)


def test_a_date_after_the_submitted_day_is_allowed(place, locked):
    e1, _e2, _e3 = locked
    after = place.day + datetime.timedelta(days=1)
    enterprise_services.enterprise_update(actor=place.town01_cmd, enterprise=e1, resumed_on=after)
    e1.refresh_from_db()
    assert e1.resumed_on == after


def test_the_edit_page_shows_the_sentence_and_keeps_the_form(client, login, place, locked):
    e1, _e2, _e3 = locked
    login("town01_cmd")
    page = client.get(f"/enterprises/{e1.pk}/edit/")
    data = {
        k: v
        for k, v in page.context["form"].initial.items()
        if v is not None and not isinstance(v, bool)
    }
    data.update(
        name="改名并改复工日期", resumed_on=place.day.isoformat(), jurisdiction=e1.jurisdiction_id
    )
    response = client.post(f"/enterprises/{e1.pk}/edit/", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "has submitted its figures of" in body and place.day.isoformat() in body
    assert "改名并改复工日期" in body  # what was typed is kept
    e1.refresh_from_db()
    assert e1.resumed_on is None and e1.name != "改名并改复工日期"


def test_an_import_touching_a_locked_day_is_refused_with_the_name(place, locked):
    _e1, _e2, e3 = locked
    err = refused(
        lambda: enterprise_services.enterprises_upsert(
            actor=place.town01_cmd,
            rows=[{"credit_code": e3.credit_code, "resumed_on": place.day}],
        )
    )
    assert e3.name in err.message
    e3.refresh_from_db()
    assert e3.resumed_on is None


def test_keep_good_import_returns_the_locked_row_as_bad_and_keeps_the_others(place, locked):
    """In the import's "keep the good rows" mode, a row that would move a resumption date into
    a submitted day is a bad row with the sentence naming the day; the other rows are written."""
    from openpyxl import load_workbook

    from fugong.enterprises.models import ImportStatus
    from tests.test_import import run, xlsx

    e1, _e2, e3 = locked
    after = place.day + datetime.timedelta(days=1)
    rows = [
        [e1.name, e1.credit_code, "", "", "", "", "", "", place.day.isoformat()],  # locked day
        [e3.name, e3.credit_code, "", "", "", "", "", "", after.isoformat()],  # a later day
    ]
    batch = run(place.town01_cmd, xlsx(rows), mode="good")
    assert batch.status == ImportStatus.DONE, batch.message
    assert batch.result["updated"] == 1 and batch.result["rejected"] == 1
    reason = list(load_workbook(batch.error_file.open("rb")).active.iter_rows(values_only=True))[1][
        -1
    ]
    assert "复工日期" in reason and place.day.isoformat() in reason
    assert place.town01.name in reason
    e1.refresh_from_db()
    e3.refresh_from_db()
    assert e1.resumed_on is None and e3.resumed_on == after


def test_after_reopening_the_change_is_allowed(place, locked):
    e1, _e2, _e3 = locked
    submission_reopen(
        actor=place.county_cmd, node=place.town01, day=place.day, reason="企业复工日期有误"
    )
    enterprise_services.enterprise_update(
        actor=place.town01_cmd, enterprise=e1, resumed_on=place.day
    )
    e1.refresh_from_db()
    assert e1.resumed_on == place.day


def test_a_county_submission_locks_all_its_towns(place):
    D = place.day
    e = in_town(place.town02).first()
    Enterprise.objects.filter(pk=e.pk).update(resumed_on=None)
    e.refresh_from_db()
    submission_submit(actor=place.county_cmd, node=place.county, day=D)
    err = refused(
        lambda: enterprise_services.enterprise_update(
            actor=place.town02_cmd, enterprise=e, resumed_on=D
        )
    )
    assert place.county.name in err.message
    # The next day is not submitted anywhere.
    enterprise_services.enterprise_update(
        actor=place.town02_cmd, enterprise=e, resumed_on=D + datetime.timedelta(days=1)
    )


def test_undated_values_are_not_locked_and_show_as_corrections(client, place, locked):
    D = place.day
    e = in_town(place.town01).filter(resumed_on__lte=D).first() or locked[1]
    frozen = F.snapshot_get(node=place.town01, day=D)
    before = frozen.total
    enterprise_services.enterprise_update(
        actor=place.town01_cmd,
        enterprise=e,
        employee_count=e.employee_count + 7,
        returned_count=(e.returned_count or 0) + 3,
    )
    again = F.snapshot_get(node=place.town01, day=D)
    assert again.source == "submission" and again.total == before  # as submitted
    live = F.compute(user=None, node=place.town01, day=D)
    assert live.total.employees == before.employees + 7
    assert live.total.returned == before.returned + 3
    found = {
        (c.label, c.figure): (c.reported, c.now) for c in F.corrections(frozen=again, live=live)
    }
    assert found[(_("Total"), "employees")] == (before.employees, before.employees + 7)
    assert found[(_("Total"), "returned")] == (before.returned, before.returned + 3)
    # The day's page shows the figures as submitted, and the correction.
    client.force_login(place.county_cmd)
    response = client.get(URL, {"node": place.town01.pk, "day": D.isoformat()})
    assert response.context["figures"].total == before
    assert 'data-testid="corrections"' in response.content.decode()
    assert {c["figure"] for c in response.context["corrections"]} >= {"employees", "returned"}


# ---------------------------------------------------------------------------- pages


def test_town_submits_from_its_page(client, login, place):
    login("town01_cmd")
    day = place.day.isoformat()
    response = client.get(URL, {"day": day})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="submit-form"' in body and 'data-testid="deadline"' in body
    assert 'data-testid="late"' in body  # a past day not submitted is overdue
    live = F.compute(user=None, node=place.town01, day=place.day)
    assert response.context["figures"].total == live.total
    response = client.post(
        "/stats/reporting/submit/",
        {"node": place.town01.pk, "day": day, "revision": 0, "note": "按时上报"},
    )
    assert response.status_code == 302
    response = client.get(URL, {"node": place.town01.pk, "day": day})
    body = response.content.decode()
    assert 'data-testid="locked"' in body and 'data-testid="submit-form"' not in body
    assert 'data-source="submission"' in body and "按时上报" in body
    assert response.context["figures"].total == live.total
    assert [e.kind for e in response.context["events"]] == ["submitted"]
    # Submitting again from a page left open: the sentence, 409.
    response = client.post(
        "/stats/reporting/submit/", {"node": place.town01.pk, "day": day, "revision": 0}
    )
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()


def test_a_stale_submit_form_is_a_conflict_then_works_again(client, login, place):
    day = place.day.isoformat()
    login("town01_cmd")
    stale = client.get(URL, {"day": day}).context["submit_form"].initial["revision"]
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    submission_reopen(actor=place.county_cmd, node=place.town01, day=place.day, reason="核对")
    posted = {"node": place.town01.pk, "day": day, "revision": stale, "note": "第二次"}
    response = client.post("/stats/reporting/submit/", posted)
    assert response.status_code == 409 and "Someone else changed" in response.content.decode()
    sub = Submission.objects.get(jurisdiction=place.town01, day=place.day)
    assert sub.status == "reopened"
    fresh = response.context["submit_form"].initial
    assert fresh == {"revision": sub.revision, "note": "第二次"}
    response = client.post("/stats/reporting/submit/", {**posted, **fresh})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == "submitted" and sub.note == "第二次"


def test_zero_report_from_the_page_keeps_the_note(client, login, place):
    login("town01_cmd")
    day = place.day
    e = in_town(place.town01).first()
    Enterprise.objects.filter(pk=e.pk).update(resumed_on=day)
    response = client.post(
        "/stats/reporting/submit/",
        {"node": place.town01.pk, "day": day.isoformat(), "zero": "1", "note": "今日无变化"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "A zero report says nothing new happened" in body and "今日无变化" in body
    assert not Submission.objects.filter(jurisdiction=place.town01, status="submitted").exists()
    # A refused submission kept the note; the form still carries the current revision.
    assert response.context["submit_form"].initial == {"revision": 0, "note": "今日无变化"}


def test_county_board_page_reminds_and_reopens(client, login, place):
    day = place.day
    submission_submit(actor=place.town01_cmd, node=place.town01, day=day)
    login("county_cmd")
    response = client.get(URL, {"day": day.isoformat()})
    assert response.status_code == 200
    body = response.content.decode()
    towns = towns_of(place.county)
    assert body.count('data-testid="board-row"') == len(towns)
    assert f'data-node="{place.town01.code}" data-status="submitted"' in body
    assert f'data-node="{place.town02.code}" data-status="pending"' in body
    assert f'data-submitted="1" data-not-submitted="{len(towns) - 1}"' in body
    # Remind all who have not submitted.
    response = client.post(
        "/stats/reporting/remind/",
        {"all": "1", "page": place.county.pk, "node": place.county.pk, "day": day.isoformat()},
    )
    assert response.status_code == 302
    reminded = dict(Submission.objects.filter(day=day).values_list("jurisdiction_id", "reminders"))
    assert reminded.get(place.town01.pk, 0) == 0
    assert all(reminded[t.pk] == 1 for t in towns[1:])
    # One more for one town.
    response = client.post(
        "/stats/reporting/remind/",
        {"node": place.town02.pk, "page": place.county.pk, "day": day.isoformat()},
    )
    assert response.status_code == 302
    assert Submission.objects.get(jurisdiction=place.town02, day=day).reminders == 2
    # Reopen without a reason: the sentence, the board kept, nothing changed.
    sub = Submission.objects.get(jurisdiction=place.town01, day=day)
    data = {
        "node": place.town01.pk,
        "page": place.county.pk,
        "day": day.isoformat(),
        "revision": sub.revision,
    }
    response = client.post("/stats/reporting/reopen/", {**data, "reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Say why the day is reopened" in body and 'data-testid="board"' in body
    assert Submission.objects.get(pk=sub.pk).status == "submitted"
    response = client.post("/stats/reporting/reopen/", {**data, "reason": "数据有误"})
    assert response.status_code == 302
    assert Submission.objects.get(pk=sub.pk).status == "reopened"
    # The same (now stale) form again: the Conflict sentence, 409.
    response = client.post("/stats/reporting/reopen/", {**data, "reason": "数据有误"})
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()


def test_the_forms_on_the_pages_come_from_the_workflow_table(client, login, place, monkeypatch):
    day = place.day.isoformat()
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    login("county_cmd")
    body = client.get(URL, {"day": day}).content.decode()
    assert body.count('data-testid="reopen-form"') == 1  # town01's row: submitted
    own = client.get(URL, {"node": place.town01.pk, "day": day}).content.decode()
    assert 'data-testid="reopen-form"' in own and 'data-testid="submit-form"' not in own
    # Without the reopen step in the table, no page offers it.
    monkeypatch.setattr(
        SUBMISSIONS, "transitions", [t for t in SUBMISSIONS.transitions if t.action != "reopen"]
    )
    assert 'data-testid="reopen-form"' not in client.get(URL, {"day": day}).content.decode()
    own = client.get(URL, {"node": place.town01.pk, "day": day}).content.decode()
    assert 'data-testid="reopen-form"' not in own
    # The town's own page: the submit form only while the table has a submit step for it.
    login("town01_cmd")
    other = place.day - datetime.timedelta(days=1)
    assert 'data-testid="submit-form"' in client.get(URL, {"day": other}).content.decode()
    monkeypatch.setattr(SUBMISSIONS, "transitions", [])
    assert 'data-testid="submit-form"' not in client.get(URL, {"day": other}).content.decode()


def test_town_sees_reminders_on_its_pages(client, login, place):
    today = timezone.localdate()
    submission_remind(actor=place.county_cmd, nodes=[place.town01], day=today)
    submission_remind(actor=place.county_cmd, nodes=[place.town01, place.town02], day=place.day)
    submission_remind(actor=place.county_cmd, nodes=[place.town01], day=place.day)
    login("town01_cmd")
    body = client.get("/").content.decode()
    assert 'data-testid="own-report" data-status="pending"' in body
    assert body.count('data-testid="home-reminded"') == 2
    assert f'data-day="{place.day.isoformat()}"' in body
    assert f"{URL}?node={place.town01.pk}&amp;day={place.day.isoformat()}" in body
    response = client.get(URL, {"day": place.day.isoformat()})
    assert 'data-testid="reminded"' in response.content.decode()
    assert response.context["state"].reminders == 2
    # Once that day is submitted the reminder is no longer waiting.
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    body = client.get("/").content.decode()
    assert body.count('data-testid="home-reminded"') == 1
    body = client.get(URL).content.decode()
    assert 'data-testid="reminded"' in body
    # Reopened with a reason: the town sees why.
    submission_submit(actor=place.town01_cmd, node=place.town01, day=today)
    submission_reopen(actor=place.county_cmd, node=place.town01, day=today, reason="请核对人数")
    body = client.get(URL).content.decode()
    assert 'data-testid="reopened-reason"' in body and "请核对人数" in body


def test_county_home_counts_submitted_towns(client, login, place):
    today = timezone.localdate()
    submission_submit(actor=place.town01_cmd, node=place.town01, day=today)
    login("county_cmd")
    body = client.get("/").content.decode()
    total = len(towns_of(place.county))
    assert f'data-testid="board-summary" data-submitted="1" data-total="{total}"' in body
    assert f"{URL}?node={place.county.pk}" in body


def test_not_allowed_pages_are_403_with_the_sentence(client, login, place):
    day = place.day.isoformat()
    login("town01_jmb")
    response = client.get(URL)
    assert response.status_code == 403 and "command offices" in response.content.decode()
    login("town01_cmd")
    own = {"node": place.town01.pk, "page": place.town01.pk, "day": day}
    submission_submit(actor=place.town01_cmd, node=place.town01, day=place.day)
    response = client.post("/stats/reporting/reopen/", {**own, "reason": "自己改"})
    assert response.status_code == 403
    assert "Only a command office above" in response.content.decode()
    response = client.post("/stats/reporting/remind/", own)
    assert response.status_code == 403
    login("county_cmd")
    response = client.post("/stats/reporting/submit/", {"node": place.town02.pk, "day": day})
    assert response.status_code == 403
    assert "Only the command office of" in response.content.decode()
    assert not Submission.objects.filter(jurisdiction=place.town02, status="submitted").exists()


def test_nodes_outside_scope_are_404(client, login, place):
    login("town01_cmd")
    day = place.day.isoformat()
    for node in (place.town02.pk, place.county.pk, "999999999", "abc", "-1"):
        response = client.get(URL, {"node": node, "day": day})
        assert response.status_code == 404, node
        assert "among those you may see" in response.content.decode()
    response = client.post("/stats/reporting/submit/", {"node": place.town02.pk, "day": day})
    assert response.status_code == 404
    response = client.post("/stats/reporting/remind/", {"node": place.town02.pk, "day": day})
    assert response.status_code == 404


def test_bad_and_future_days_are_400_with_a_sentence(client, login, place):
    login("town01_cmd")
    response = client.get(URL, {"day": "2026-13-45"})
    assert response.status_code == 400 and "is not a date" in response.content.decode()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.get(URL, {"day": tomorrow})
    assert response.status_code == 400 and "is in the future" in response.content.decode()
    response = client.post(
        "/stats/reporting/submit/", {"node": place.town01.pk, "day": tomorrow, "revision": 0}
    )
    assert response.status_code == 400
    assert not Submission.objects.filter(jurisdiction=place.town01).exists()
    Jurisdiction.objects.filter(pk=place.town01.pk).update(established_on=days_ago(1))
    response = client.get(URL, {"day": days_ago(2).isoformat()})
    assert response.status_code == 400 and "was established on" in response.content.decode()
    response = client.get("/stats/reporting/submit/")
    assert response.status_code == 405


def test_a_village_does_not_report(client, login, place):
    village = place.town01.children.filter(is_active=True).first()
    login("county_cmd")
    response = client.get(URL, {"node": village.pk})
    assert response.status_code == 400
    assert "does not take part in upward reporting" in response.content.decode()


def test_admin_sees_the_top_of_the_tree(client, login):
    login("admin")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["board"] is not None


# ---------------------------------------------------------------------------- settings


def test_settings_page_sets_denominator_and_deadline(client, login, place):
    login("county_cmd")
    response = client.get("/stats/settings/")
    assert response.status_code == 200 and response.context["node"] == place.county
    response = client.post(
        "/stats/settings/",
        {"jurisdiction": place.county.pk, "rate_denominator": "all", "report_deadline": "25:99"},
    )
    assert response.status_code == 400
    assert (
        "HH:MM" in response.content.decode()
        and not StatsSetting.objects.filter(jurisdiction=place.county).exists()
    )
    response = client.post(
        "/stats/settings/",
        {"jurisdiction": place.county.pk, "rate_denominator": "all", "report_deadline": "09:30"},
    )
    assert response.status_code == 302
    setting = StatsSetting.objects.get(jurisdiction=place.county)
    assert setting.rate_denominator == "all" and setting.report_deadline == datetime.time(9, 30)
    assert F.denominator_for(place.town01) == "all"
    # A town of the county may be set from the county.
    response = client.post(
        "/stats/settings/",
        {"jurisdiction": place.town01.pk, "rate_denominator": "need", "report_deadline": ""},
    )
    assert response.status_code == 302
    # The town's own setting has no deadline: the county's stays in force.
    assert reporting.deadline_times([place.town01])[place.town01.pk] == datetime.time(9, 30)
    page = client.get("/stats/settings/", {"jurisdiction": place.town01.pk})
    assert "09:30" in page.content.decode()
    assert F.denominator_for(place.town01) == "need"


def test_settings_page_permissions(client, login, place):
    login("town01_cmd")
    assert client.get("/stats/settings/").status_code == 200
    response = client.get("/stats/settings/", {"jurisdiction": place.county.pk})
    assert response.status_code == 404
    response = client.post(
        "/stats/settings/",
        {"jurisdiction": place.town02.pk, "rate_denominator": "all", "report_deadline": ""},
    )
    assert response.status_code == 404
    login("town01_jmb")
    response = client.get("/stats/settings/")
    assert response.status_code == 403 and "command offices" in response.content.decode()
