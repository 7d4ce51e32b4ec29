"""Issue 14, requirements no other test would catch breaking (found auditing the issue for
its closing note): the categories of MISSION C5 as data; a liaison raising on the
enterprise's behalf; a place's own dispatch rows; co-handling departments; the time limits
by nature, urgency and category as data (and a reopened request's new limit); the
notifications at the hand-overs test_loop does not check; visit targets per tier and place;
the narrative reports' sentence on the requests (seeds 000 and 003)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from docx import Document

from fugong.accounts.choices import OfficeKind
from fugong.accounts.models import Office
from fugong.accounts.testing import ACTOR, add_cadre
from fugong.cases import defaults, selectors, services, visits
from fugong.cases.choices import Nature, Rating, Source, Status, Urgency
from fugong.cases.models import Case, Category, Route, TimeLimit, VisitTarget
from fugong.core import calendar
from fugong.core.errors import Conflict, NotAllowed
from fugong.core.jobs import execute
from fugong.core.testing import world_fixtures
from fugong.enterprises.choices import Duty
from fugong.enterprises.services import assignment_create
from fugong.notifications.models import Message
from fugong.reports import templates as T
from fugong.reports.choices import ReportKind
from fugong.reports.jobs import start_report
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")

MISSION_C5 = ["用工", "物流运输", "产业链供应链", "资金/融资", "防疫物资", "用电用水用气",
              "政策咨询", "审批办事", "法律/劳资", "其他"]  # fmt: skip


def enterprise_of(c):
    return c.enterprise.memberships.get().enterprise


def raise_one(c, code="labour", actor=None, **kw):
    return services.case_raise(
        actor=actor or c.enterprise,
        enterprise=enterprise_of(c),
        category=Category.objects.get(code=code),
        title=kw.pop("title", "缺普工"),
        text=kw.pop("text", "急需普工30名。"),
        **kw,
    )


def office(world, town: int, kind: str) -> Office:
    return world.county.office_of(town, kind)


def test_the_categories_of_mission_c5_are_data_and_a_new_one_is_used(world):
    names = list(Category.objects.filter(is_active=True).values_list("name", flat=True))
    assert names[: len(MISSION_C5)] == MISSION_C5
    # A row added (no code change) is raised, routed and timed like the shipped ones.
    tourism = Category.objects.create(code="tourism_gap", name="文旅", position=200)
    Route.objects.create(category=tourism, office_kind=OfficeKind.ECONOMY, level="town")
    c = add_cast(world, "approval", "gap_new_category")
    case = raise_one(c, code="tourism_gap")
    assert [o.kind for o in services.route(case)] == [OfficeKind.ECONOMY]
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    assert case.due == calendar.add_working_days(timezone.localdate(), 5)


def test_a_liaison_raises_on_the_enterprises_behalf_and_hears_the_reply(
    world, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "gap_liaison")
    liaison = add_cadre(world.county, 1, "w_gap_liaison")
    assignment_create(actor=ACTOR, enterprise=enterprise_of(c), user=liaison, duty=Duty.LIAISON)
    case = raise_one(c, actor=liaison, title="代企业反映缺工")
    assert case.source == Source.ON_BEHALF and case.raised_by == liaison
    assert case in selectors.case_list(liaison) and case in selectors.case_list(c.enterprise)
    rsj = world.county["w_county_rsj"]
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(actor=rsj, case=case, reply="已对接")
    for user in (liaison, c.enterprise):
        assert Message.objects.filter(user=user, kind="cases.replied").exists()
    # A liaison of another enterprise may not raise for this one.
    stranger = add_cadre(world.county, 1, "w_gap_stranger")
    with pytest.raises(NotAllowed):
        raise_one(c, actor=stranger)


def test_a_places_own_dispatch_rows_replace_the_default_table(world):
    c1 = add_cast(world, "approval", "gap_route_1")  # town 1
    c2 = add_cast(world, "record", "gap_route_2")  # town 2
    town1 = c1.town_cmd.memberships.get().jurisdiction
    labour = Category.objects.get(code="labour")
    hr = world.county["w_county_rsj"].memberships.get().office
    assert services.route(raise_one(c1)) == [hr]  # the default table: the county's HR bureau
    Route.objects.create(
        jurisdiction=town1, category=labour, office_kind=OfficeKind.ECONOMY, level="town",
        position=1,
    )  # fmt: skip
    Route.objects.create(
        jurisdiction=town1, category=labour, office_kind=OfficeKind.HR, level="county",
        position=2,
    )  # fmt: skip
    assert services.route(raise_one(c1)) == [office(world, 1, OfficeKind.ECONOMY), hr]
    assert services.route(raise_one(c2)) == [hr]  # another town keeps the default


def test_co_handling_departments_see_it_log_steps_but_do_not_reply(
    world, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "gap_co")
    rsj, jmb = world.county["w_county_rsj"], world.county["w_t1_jmb"]
    case = raise_one(c)
    assert case not in selectors.case_list(jmb)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_dispatch(
            actor=c.town_cmd, case=case, lead=services.route(case)[0],
            co=[jmb.memberships.get().office],
        )  # fmt: skip
    assert case.lead_office == rsj.memberships.get().office
    assert set(case.offices.all()) == {rsj.memberships.get().office, jmb.memberships.get().office}
    for dept in (rsj, jmb):
        assert case in selectors.case_list(dept) and case in selectors.inbox(dept)
        assert Message.objects.filter(user=dept, kind="cases.dispatched").exists()
    services.note_add(actor=jmb, case=case, text="已协助联系招聘会")
    with pytest.raises(NotAllowed):
        services.case_reply(actor=jmb, case=case, reply="由我答复")
    with pytest.raises(NotAllowed):
        services.case_return(actor=jmb, case=case, reason="不是我们的")
    with pytest.raises(NotAllowed):
        services.extension_ask(actor=jmb, case=case, days=3, reason="需协调")
    case = services.case_reply(actor=rsj, case=case, reply="已办结")
    assert case.status == Status.REPLIED


@pytest.mark.parametrize(("nature", "urgency", "days"), defaults.LIMITS)
def test_the_shipped_time_limits_by_nature_and_urgency(nature, urgency, days, db):
    from fugong.cases.defaults import ensure

    ensure()
    assert services.time_limit(Category.objects.get(code="labour"), nature, urgency) == days


def test_time_limits_are_configurable_per_category_and_a_reopening_gets_a_new_one(world):
    labour, finance = Category.objects.get(code="labour"), Category.objects.get(code="finance")
    c = add_cast(world, "approval", "gap_limits")
    today = timezone.localdate()
    # A complaint: 10 working days by default, counted by the calendar from the dispatch.
    case = raise_one(c, nature=Nature.COMPLAINT)
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    assert case.due == calendar.add_working_days(today, 10)
    # A row for one category beats the row for any; changing a row changes new dispatches.
    TimeLimit.objects.create(nature=Nature.CONSULT, urgency=Urgency.NORMAL, category=labour, days=2)
    assert services.time_limit(labour, Nature.CONSULT, Urgency.NORMAL) == 2
    assert services.time_limit(finance, Nature.CONSULT, Urgency.NORMAL) == 3
    TimeLimit.objects.filter(nature=Nature.HELP, urgency=Urgency.NORMAL, category=None).update(
        days=7
    )
    case = raise_one(c)
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    assert case.due == calendar.add_working_days(today, 7)
    # Reopened after 不满意: a new time limit from the day of the reopening.
    Case.objects.filter(pk=case.pk).update(due=today - datetime.timedelta(days=3))
    case.refresh_from_db()
    rsj = world.county["w_county_rsj"]
    case = services.case_reply(actor=rsj, case=case, reply="已答复")
    case = services.case_rate(actor=c.enterprise, case=case, rating=Rating.UNSATISFIED, reason="否")
    assert case.status == Status.HANDLING and case.due == calendar.add_working_days(today, 7)
    TimeLimit.objects.filter(nature=Nature.HELP, urgency=Urgency.NORMAL, category=None).update(
        days=5
    )


def test_every_hand_over_notifies(world, django_capture_on_commit_callbacks):
    """test_loop checks raised, dispatched, replied and urged; these are the others."""
    c = add_cast(world, "approval", "gap_notify")
    rsj, jmb, town_cmd = world.county["w_county_rsj"], world.county["w_t1_jmb"], c.town_cmd
    hr, economy = rsj.memberships.get().office, jmb.memberships.get().office

    def told(user, kind, case):
        return Message.objects.filter(user=user, kind=kind, url__contains=f"/cases/{case.pk}/")

    case = raise_one(c, code="other")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_dispatch(actor=town_cmd, case=case, lead=economy)
        case = services.case_return(actor=jmb, case=case, reason="应转人社局")
    assert told(town_cmd, "cases.returned", case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_dispatch(actor=town_cmd, case=case, lead=hr)
        ext = services.extension_ask(actor=rsj, case=case, days=2, reason="需协调")
    assert told(town_cmd, "cases.extension_asked", case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.extension_decide(actor=town_cmd, extension=ext, approve=True)
    assert told(rsj, "cases.extension_decided", case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_reply(actor=rsj, case=case, reply="已答复")
        case = services.case_rate(
            actor=c.enterprise, case=case, rating=Rating.UNSATISFIED, reason="未解决"
        )
    assert told(rsj, "cases.reopened", case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_reply(actor=rsj, case=case, reply="再次答复")
        case = services.case_rate(actor=c.enterprise, case=case, rating=Rating.SATISFIED)
    assert told(rsj, "cases.closed", case).exists()
    # The department that returned it is not told of what follows.
    assert not told(jmb, "cases.closed", case).exists()


def test_visit_targets_per_tier_and_place(world, client):
    c = add_cast(world, "approval", "gap_target")
    enterprise = enterprise_of(c)
    type(enterprise).objects.filter(pk=enterprise.pk).update(is_key=False)
    town = c.town_cmd.memberships.get().jurisdiction
    kinds = {cov.target.kind for cov in visits.coverage(user=c.town_cmd, node=town)}
    assert kinds == {"key"}  # the default: key enterprises only
    assert enterprise.pk not in [e.pk for e, _last, _days in visits.my_due(c.inspector)]
    # The town's own target (every enterprise, weekly) replaces the default for it.
    own = VisitTarget.objects.create(jurisdiction=town, kind=VisitTarget.Kind.ALL, days=7)
    try:
        [cov] = visits.coverage(user=c.town_cmd, node=town)
        assert cov.target == own and enterprise in [e for e, _cadres in cov.missing]
        assert (enterprise.pk, 7) in [(e.pk, d) for e, _last, d in visits.my_due(c.inspector)]
        other = world.county["w_t2_cmd"].memberships.get().jurisdiction
        assert [t.kind for t in visits.targets_for(other)] == ["key"]
        # Visited 8 days ago: outside the week.
        v = visits.visit_plan(actor=c.inspector, enterprise=enterprise, day=timezone.localdate())
        visits.visit_record(actor=c.inspector, visit=v, met="", findings="正常")
        [cov] = visits.coverage(user=c.town_cmd, node=town)
        assert enterprise not in [e for e, _cadres in cov.missing]
        type(v).objects.filter(pk=v.pk).update(day=timezone.localdate() - datetime.timedelta(8))
        [cov] = visits.coverage(user=c.town_cmd, node=town)
        assert enterprise in [e for e, _cadres in cov.missing]
    finally:
        own.delete()


@pytest.mark.parametrize("kind", [ReportKind.NARRATIVE_TOWN, ReportKind.NARRATIVE_COUNTY])
def test_the_narrative_reports_say_how_many_problems_were_solved(world, kind):
    """Seeds 000 and 003: "协调解决问题 XX 个", with 回复率, 按期办结率 and 满意率."""
    c = add_cast(world, "record", f"gap_report_{kind}")  # town 2
    rsj = world.county["w_county_rsj"]
    case = raise_one(c)
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    case = services.case_reply(actor=rsj, case=case, reply="已办理")
    services.case_rate(actor=c.enterprise, case=case, rating=Rating.SATISFIED)
    town = c.town_cmd.memberships.get().jurisdiction
    job = start_report(
        user=c.town_cmd, node=town, day=timezone.localdate(), kind=kind, enqueue=False
    )
    job = execute(job.pk)
    assert job.status == "succeeded", job.error
    with job.result_file.open("rb") as f:
        data = f.read()
    Document(io.BytesIO(data))
    text = T.docx_text(data)
    assert "共受理企业诉求" in text and "协调解决问题" in text
    assert "回复率" in text and "按期办结率" in text and "满意率" in text


def test_a_rating_is_the_enterprises_once_after_a_reply_through_the_api_too(world, client):
    """Bad input and scope: the dispatcher may not rate; a second rating is refused (409)."""
    import json

    from fugong.core.testing import bearer, issue_token

    c = add_cast(world, "approval", "gap_rate_api")
    rsj = world.county["w_county_rsj"]
    case = raise_one(c)
    mine = bearer(issue_token(client, c.enterprise.username))

    def rate(headers, rating="satisfied"):
        return client.post(
            f"/api/v1/cases/{case.pk}/rate",
            json.dumps({"rating": rating}),
            content_type="application/json",
            headers=headers,
        )

    assert rate(mine).status_code == 409  # before any reply
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    services.case_reply(actor=rsj, case=case, reply="已办理")
    assert rate(bearer(issue_token(client, c.town_cmd.username))).status_code == 403
    assert rate(mine).status_code == 200
    assert rate(mine, "basic").status_code == 409
    with pytest.raises(Conflict):
        services.case_rate(actor=c.enterprise, case=case, rating=Rating.BASIC)


def test_the_green_channel_comes_first_in_the_overdue_list_too(world):
    from fugong.enterprises.services import green_channel_set

    first, second = add_cast(world, "approval", "gap_g1"), add_cast(world, "approval", "gap_g2")
    today = timezone.localdate()
    cases = []
    for c in (first, second):
        case = raise_one(c)
        case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
        cases.append(case)
    Case.objects.filter(pk=cases[0].pk).update(due=today - datetime.timedelta(days=5))
    Case.objects.filter(pk=cases[1].pk).update(due=today - datetime.timedelta(days=1))
    green_channel_set(
        actor=second.town_cmd, enterprise=enterprise_of(second), on=True, reason="重点保供"
    )
    rsj = world.county["w_county_rsj"]
    pks = [c.pk for c in cases]
    listed = [c.pk for c in selectors.overdue(rsj) if c.pk in pks]
    assert listed == [cases[1].pk, cases[0].pk]
