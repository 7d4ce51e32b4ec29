"""Notifications in the inbox (issue 12): each filing step reaches exactly the people it
concerns (the next actors of the transition table), in their data scope, never the actor;
after the step commits, once; the inbox, its badge, opening and reading, each user seeing
only their own messages. The data is a small county of its own (build_casts, built once)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fugong.core import registry
from fugong.core.testing import world_fixtures
from fugong.notifications import services
from fugong.notifications.models import Event, Message
from fugong.resumption import services as filings
from fugong.resumption.choices import Status
from fugong.resumption.models import Filing
from fugong.resumption.testing import add_cast, build_casts, drive, new_filing

S = Status

_built, world = world_fixtures(build_casts, scope="module")


@pytest.fixture
def steps(django_capture_on_commit_callbacks):
    """Steps whose commit callbacks (the events' fan-out) run as a real commit runs them."""

    class Steps:
        def drive(self, filing, to, cast):
            with django_capture_on_commit_callbacks(execute=True):
                return drive(filing, to, cast)

        def new(self, cast, to=S.DRAFT):
            with django_capture_on_commit_callbacks(execute=True):
                return new_filing(cast, to)

        def run(self, function, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return function(**kwargs)

    return Steps()


def messages_of(filing: Filing, kind: str | None = None):
    ct = ContentType.objects.get_for_model(Filing)
    qs = Message.objects.filter(event__subject_type=ct, event__subject_id=filing.pk)
    return qs.filter(kind=f"resumption.{kind}") if kind else qs


def told(filing: Filing, kind: str) -> set[str]:
    """Who got a message of ``kind`` about ``filing``."""
    return set(messages_of(filing, kind).values_list("user__username", flat=True))


def test_each_step_reaches_the_next_actors_and_nobody_else(world, steps):
    c = world["approval"]
    filing = steps.new(c, S.SUBMITTED)
    # The lead office's reviewer; not the food-safety office it is also routed to, not the
    # office it is not routed to, not the enterprise that submitted.
    assert told(filing, "filing_submitted") == {c.reviewer.username}
    filing = steps.drive(filing, S.ACCEPTANCE_SCHEDULED, c)
    assert told(filing, "acceptance_assigned") == {c.inspector.username}
    filing = steps.drive(filing, S.ACCEPTED, c)
    # The town's command office approves; the county's may too (it is above it).
    assert told(filing, "filing_accepted") == {c.town_cmd.username, c.county_cmd.username}
    filing = steps.drive(filing, S.NOTICE_ISSUED, c)
    # The enterprise and the cadre assigned to it (包保); not the town that issued it.
    assert told(filing, "notice_issued") == {c.enterprise.username, c.inspector.username}
    # Nobody outside the filing's people: another town's got nothing of it.
    others = {world["record"].town_cmd.username, world["record"].reviewer.username}
    everyone = set(messages_of(filing).values_list("user__username", flat=True))
    assert everyone and not everyone & others
    assert everyone <= {
        c.reviewer.username, c.inspector.username, c.town_cmd.username,
        c.county_cmd.username, c.enterprise.username,
    }  # fmt: skip


def test_a_returned_filing_tells_the_enterprise_why_with_phone_numbers_masked(world, steps):
    c = add_cast(world, "approval", "returned")
    filing = steps.new(c, S.SUBMITTED)
    steps.run(
        filings.filing_transition,
        actor=c.reviewer,
        filing=filing,
        action="return",
        reason="请补充错峰返岗计划，联系 13812345678。",
    )
    [message] = messages_of(filing, "filing_returned")
    assert message.user == c.enterprise and message.read_at is None
    title = services.message_title(message)
    assert "请补充错峰返岗计划" in title and "13812345678" not in title
    assert "13812345678" not in str(Event.objects.get(pk=message.event_id).params)


def test_a_step_rolled_back_tells_nobody(world):
    c = add_cast(world, "approval", "rolled_back")
    filing = new_filing(c, S.DRAFT)
    before = Message.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        filings.filing_submit(actor=c.enterprise, filing=filing)
        raise RuntimeError("the request failed after the step")
    assert (
        Message.objects.count() == before
        and not Event.objects.filter(
            subject_id=filing.pk, kind="resumption.filing_submitted"
        ).exists()
    )


def test_an_event_is_told_once_whatever_runs_it_twice(world, steps):
    c = world["approval"]
    filing = new_filing(add_cast(world, "approval", "twice"), S.DRAFT)
    first = steps.run(
        services.event_raise,
        kind="resumption.filing_submitted",
        subject=filing,
        params={"enterprise": "某公司"},
        dedup_key=f"test:{filing.pk}",
    )
    again = services.event_raise(
        kind="resumption.filing_submitted", subject=filing, dedup_key=f"test:{filing.pk}"
    )
    assert first is not None and again is None
    assert services.event_fan_out(first.pk) == 0  # already fanned out: no second message
    assert messages_of(filing).count() == first.recipients
    with pytest.raises(ValueError, match="no app declares"):
        services.event_raise(kind="nobody.declares_this", subject=filing)
    assert c  # the cast's people are the routed offices of the twin


def test_the_inbox_lists_only_the_users_messages_and_opening_one_reads_it(world, steps, client):
    c = add_cast(world, "approval", "inbox")
    filing = steps.new(c, S.SUBMITTED)
    [message] = messages_of(filing, "filing_submitted")
    client.force_login(c.reviewer)
    page = client.get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200 and "提交了复工申请，请审核。" in html
    badge = client.get("/notifications/badge/").content.decode()
    assert 'data-testid="inbox-badge"' in badge
    opened = client.get(f"/notifications/{message.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/resumption/{filing.pk}/"
    message.refresh_from_db()
    assert message.read_at is not None
    # Somebody else's message is not there for them (404, as if it did not exist).
    client.force_login(c.other_reviewer)
    assert client.get(f"/notifications/{message.pk}/open/").status_code == 404
    assert (
        f"/notifications/{message.pk}/open/" not in client.get("/notifications/").content.decode()
    )
    client.logout()
    assert client.get("/notifications/").status_code == 302


def test_mark_all_read_empties_the_badge(world, steps, client):
    c = add_cast(world, "approval", "read_all")
    steps.new(c, S.SUBMITTED)
    client.force_login(c.reviewer)
    assert services.unread_count(c.reviewer) >= 1
    assert client.post("/notifications/read-all/").status_code == 302
    assert services.unread_count(c.reviewer) == 0
    assert 'data-testid="inbox-badge"' not in client.get("/notifications/badge/").content.decode()


def test_the_inbox_pages_by_id_in_a_fixed_number_of_queries(world, client):
    """A user with many messages: 50 a page, the next page below the last id shown, the
    same queries for the first page and a deep one."""
    c = world["approval"]
    filing = new_filing(add_cast(world, "approval", "pages"), S.DRAFT)
    events = Event.objects.bulk_create(
        Event(
            kind="resumption.filing_submitted",
            subject_type=ContentType.objects.get_for_model(Filing),
            subject_id=filing.pk,
            params={"enterprise": f"分页测试{i}号公司"},
        )
        for i in range(120)
    )
    Message.objects.bulk_create(
        Message(user=c.other_reviewer, event=e, kind=e.kind, params=e.params) for e in events
    )
    client.force_login(c.other_reviewer)
    client.get("/notifications/badge/")  # the session's first request loads what it caches
    with CaptureQueriesContext(connection) as first:
        page = client.get("/notifications/")
    assert len(page.context["rows"]) == 50 and page.context["next_before"]
    ids = [m.pk for m, _title in page.context["rows"]]
    with CaptureQueriesContext(connection) as deep:
        second = client.get(f"/notifications/?before={page.context['next_before']}")
    more = [m.pk for m, _title in second.context["rows"]]
    assert len(more) == 50 and max(more) < min(ids)
    assert len(deep) == len(first)
    assert client.get("/notifications/?before=x").status_code == 200  # a bad cursor: page 1


def test_every_filing_kind_is_declared_with_a_title_in_both_languages():
    from django.utils import translation

    kinds = [k for k in registry.event_kinds() if k.code.startswith("resumption.")]
    assert len(kinds) >= 6
    params = {"enterprise": "测试公司", "reason": "理由", "day": "2026-03-01"}
    for kind in kinds:
        with translation.override("zh-hans"):
            zh = kind.title(params)
        with translation.override("en"):
            en = kind.title(params)
        assert "测试公司" in zh and zh != en, kind.code


def test_people_a_kind_names_who_do_not_see_the_subject_are_left_out(world, steps):
    """Whoever a kind names, a message goes only to those who see the subject in their data
    scope (and never to the actor)."""
    from django.contrib.auth import get_user_model

    c = add_cast(world, "approval", "scope")
    filing = new_filing(c, S.DRAFT)
    everybody = registry.EventKind(
        code="test.everybody",
        label="test",
        recipients=lambda subject: get_user_model().objects.values_list("pk", flat=True),
        title=lambda p: "test",
        url=lambda subject: "/",
    )
    registry.add_event_kind(everybody)
    try:
        event = steps.run(
            services.event_raise, kind=everybody.code, subject=filing, actor=c.enterprise
        )
    finally:
        registry._events.pop(everybody.code)
    reached = set(Message.objects.filter(event=event).values_list("user_id", flat=True))
    sees = {
        u.pk
        for u in get_user_model().objects.filter(is_active=True)
        if Filing.objects.filter(pk=filing.pk).filter(pk__in=scoped_ids(u)).exists()
    }
    assert reached == sees - {c.enterprise.pk}
    assert c.county_cmd.pk in reached and world["record"].town_cmd.pk not in reached


def scoped_ids(user):
    from fugong.core.scope import scoped

    return scoped(Filing.objects.all(), user).values("pk")


def test_a_fan_out_costs_the_same_queries_for_3_or_30_people_of_one_office(world):
    """Recipients are checked per distinct data scope, not per person."""
    from fugong.accounts.choices import Role
    from fugong.accounts.testing import person

    c = add_cast(world, "approval", "fan")
    filing = new_filing(c, S.SUBMITTED)

    def fan_out_queries(extra: int, tag: str) -> tuple[int, int]:
        for i in range(extra):
            person(f"fan_{tag}_{i}", Role.REVIEWER, office=filing.lead_office)
        event = services.event_raise(
            kind="resumption.filing_submitted", subject=filing, params={"enterprise": "x"}
        )
        with CaptureQueriesContext(connection) as queries:
            sent = services.event_fan_out(event.pk)
        return sent, len(queries)

    few_sent, few = fan_out_queries(3, "a")
    many_sent, many = fan_out_queries(27, "b")
    assert many_sent == few_sent + 27
    assert many == few
