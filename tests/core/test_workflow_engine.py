"""The workflow engine on a small table of its own over background jobs (no domain model):
the buttons, a refused actor, a wrong state, a stale revision, a required reason, one event
and one audit row per step, due dates in working days, and the hook after commit only."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from fugong.core import workflow as engine
from fugong.core.calendar import add_working_days
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.models import AuditLog, Job, JobStatus
from fugong.core.workflow import Workflow, transition

J = JobStatus
OWNER = "owner"


class JobFlow(Workflow):
    """The test's table. Jobs have no revision column: ``done`` stands in for one."""

    def __init__(self):
        super().__init__(
            "tests.job",
            [
                transition("start", "Start", [J.QUEUED], J.RUNNING, actors=[OWNER]),
                transition(
                    "fail",
                    "Fail",
                    [J.QUEUED, J.RUNNING],
                    J.FAILED,
                    actors=[OWNER],
                    needs_reason=True,
                    style="danger",
                ),  # fmt: skip
                # Anyone staff may finish a job with a title "ok", by predicate.
                transition(
                    "finish",
                    "Finish",
                    [J.RUNNING],
                    J.SUCCEEDED,
                    when={"title": ["ok"]},
                    may=lambda user, job: user.is_staff,
                ),  # fmt: skip
            ],
            revision_field="done",
            roles=lambda user, job: {OWNER} if job.created_by_id == user.pk else set(),
            due_days=lambda job, target: 2 if target == J.RUNNING else None,
        )
        self.events: list[tuple] = []

    def record_event(self, obj, *, actor, transition, before, reason):
        self.events.append((obj.pk, transition.action, before, obj.status, reason))


@pytest.fixture
def people(db, django_user_model):
    owner = django_user_model.objects.create_user(username="wf_owner", password="x-Long-pass-1")
    other = django_user_model.objects.create_user(username="wf_other", password="x-Long-pass-1")
    staff = django_user_model.objects.create_user(
        username="wf_staff", password="x-Long-pass-1", is_staff=True
    )
    return owner, other, staff


@pytest.fixture
def job(people):
    return Job.objects.create(kind="test", title="ok", created_by=people[0])


def audit_rows(job):
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Job), object_id=str(job.pk)
    )


def test_the_table_gives_the_buttons(people, job):
    flow = JobFlow()
    owner, other, staff = people
    assert [t.action for t in flow.available(owner, job)] == ["start", "fail"]
    assert flow.available(other, job) == []
    job.status = J.RUNNING
    assert [t.action for t in flow.available(staff, job)] == ["finish"]
    job.title = "not ok"
    assert flow.available(staff, job) == []  # the ``when`` condition
    assert [t.action for t in flow.available("system", job)] == ["fail"]


def test_a_step_moves_the_state_writes_one_event_and_one_audit_row(people, job, monkeypatch):
    flow = JobFlow()
    monkeypatch.setattr(engine.timezone, "localdate", lambda: datetime.date(2026, 2, 13))
    job = flow.apply(job, actor=people[0], action="start", revision=0)
    job.refresh_from_db()
    assert job.status == J.RUNNING and job.done == 1  # the revision went up
    assert flow.events == [(job.pk, "start", J.QUEUED, J.RUNNING, "")]
    (row,) = audit_rows(job)
    assert row.before["status"] == J.QUEUED and row.after["status"] == J.RUNNING
    assert row.actor == people[0]
    # The due date is counted on the one calendar: Friday 13 Feb 2026 + 2 working days is
    # Tuesday 24th (Saturday 14th is a make-up working day, then the Spring Festival).
    assert flow.due(job, J.RUNNING) == datetime.date(2026, 2, 24)


def test_a_refused_actor_changes_nothing(people, job):
    flow = JobFlow()
    with pytest.raises(NotAllowed):
        flow.apply(job, actor=people[1], action="start")
    job.refresh_from_db()
    assert job.status == J.QUEUED and not audit_rows(job).exists() and not flow.events


def test_an_action_not_possible_in_the_state_is_a_conflict(people, job):
    flow = JobFlow()
    with pytest.raises(Conflict):
        flow.apply(job, actor=people[2], action="finish")  # the job is not running
    with pytest.raises(Conflict):
        flow.apply(job, actor=people[0], action="no such action")
    assert not audit_rows(job).exists()


def test_a_stale_revision_is_one_conflict_telling_to_reload(people, job):
    flow = JobFlow()
    Job.objects.filter(pk=job.pk).update(done=3)  # someone else moved it meanwhile
    with pytest.raises(Conflict) as error:
        flow.apply(job, actor=people[0], action="start", revision=0)
    assert error.value.status == 409
    assert "Reload" in error.value.message or "刷新" in error.value.message
    job.refresh_from_db()
    assert job.status == J.QUEUED and not flow.events


def test_a_reason_is_required_where_the_table_says(people, job):
    flow = JobFlow()
    with pytest.raises(UserError) as error:
        flow.apply(job, actor=people[0], action="fail", reason="   ")
    assert error.value.code == "reason_required"
    job = flow.apply(job, actor=people[0], action="fail", reason=" the disk is full ")
    assert job.status == J.FAILED
    assert flow.events[-1][-1] == "the disk is full"
    assert audit_rows(job).get().reason == "the disk is full"


def test_a_system_actor_may_take_any_step(job):
    assert JobFlow().apply(job, actor="runner", action="start").status == J.RUNNING


def test_working_days_skip_weekends_and_holidays_and_fall_back_beyond_the_calendar():
    assert add_working_days(datetime.date(2026, 2, 13), 1) == datetime.date(2026, 2, 14)
    assert add_working_days(datetime.date(2026, 2, 13), 2) == datetime.date(2026, 2, 24)
    assert add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)  # 国庆
    # A year chinese-calendar has no data for: Monday to Friday.
    assert add_working_days(datetime.date(2099, 1, 2), 1) == datetime.date(2099, 1, 5)


def test_the_hook_fires_after_commit_and_never_on_rollback(
    people, job, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender, kwargs["action"], kwargs["before"], kwargs["after"]))

    engine.transitioned.connect(listener)
    try:
        flow = JobFlow()
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            flow.apply(job, actor=people[0], action="start")
            assert heard == []  # not inside the transaction
            raise RuntimeError("rolled back")
        assert heard == []
        job.refresh_from_db()
        assert job.status == J.QUEUED
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            flow.apply(job, actor=people[0], action="start")
        assert heard == []  # committed only when the outer transaction commits
        for callback in callbacks:
            callback()
        assert heard == [(Job, "start", J.QUEUED, J.RUNNING)]
    finally:
        engine.transitioned.disconnect(listener)


def test_check_refuses_what_apply_would_and_changes_nothing(people, job):
    """A service that must refuse before work of its own asks ``check`` first."""
    flow = JobFlow()
    owner, other, staff = people
    assert flow.check(job, actor=owner, action="start", revision=0).target == J.RUNNING
    with pytest.raises(Conflict):
        flow.check(job, actor=owner, action="start", revision=5)  # stale
    with pytest.raises(Conflict):
        flow.check(job, actor=staff, action="finish")  # not running
    with pytest.raises(NotAllowed):
        flow.check(job, actor=other, action="start")
    with pytest.raises(UserError) as error:
        flow.check(job, actor=owner, action="fail", reason=" ")
    assert error.value.code == "reason_required"
    job.refresh_from_db()
    assert job.status == J.QUEUED and job.done == 0
    assert not audit_rows(job).exists() and not flow.events


def test_a_system_step_is_one_conditional_update_that_loses_a_race_cleanly(
    people, job, django_capture_on_commit_callbacks
):
    """A process's step (the job runner's): no lock, no audit or event row; it moves the row
    only from a source state, the revision goes up, and the hook is heard after commit."""
    flow = JobFlow()
    heard = []

    def listener(sender, **kwargs):
        heard.append((kwargs["action"], kwargs["before"], kwargs["after"], kwargs["actor"]))

    engine.transitioned.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert flow.system_step(job, action="start", actor="runner", title="started")
        assert heard == [("start", J.QUEUED, J.RUNNING, "runner")]
        job.refresh_from_db()
        assert (job.status, job.done, job.title) == (J.RUNNING, 1, "started")
        # Someone else moved it first: nothing changes, nothing is heard.
        Job.objects.filter(pk=job.pk).update(status=J.FAILED)
        with django_capture_on_commit_callbacks(execute=True):
            assert not flow.system_step(job, action="finish", actor="runner")
        assert len(heard) == 1
    finally:
        engine.transitioned.disconnect(listener)
    job.refresh_from_db()
    assert job.status == J.FAILED and job.done == 1
    assert not audit_rows(job).exists() and not flow.events
    # A ``when`` condition is part of the WHERE: finish needs the title "ok".
    Job.objects.filter(pk=job.pk).update(status=J.RUNNING)
    assert not flow.system_step(job, action="finish", actor="runner")
    with pytest.raises(TypeError):
        flow.system_step(job, action="start", actor=people[0])  # a user's step uses apply
    with pytest.raises(ValueError):
        flow.system_step(job, action="no such step", actor="runner")
