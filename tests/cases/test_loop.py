"""The closed loop of a request (issue 14 points 1-4): raised and numbered by its town,
dispatched by the routing table's suggestion to a department with a time limit in working
days, signed for, replied (on time or not), rated once by the enterprise (不满意 reopens once);
a mis-routed request returned within the set time and re-routed; extensions approved by the
dispatcher; callbacks; and who sees what."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fugong.cases import selectors, services
from fugong.cases import workflow as W
from fugong.cases.choices import Rating, Status, Urgency
from fugong.cases.models import Case, CaseEvent, Category
from fugong.core import calendar
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.testing import world_fixtures
from fugong.notifications.models import Message
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def enterprise_of(c):
    return c.enterprise.memberships.get().enterprise


def raise_one(c, code="labour", **kw):
    return services.case_raise(
        actor=c.enterprise,
        enterprise=enterprise_of(c),
        category=category(code),
        title=kw.pop("title", "缺普工"),
        text=kw.pop("text", "急需普工30名。"),
        **kw,
    )


def test_a_request_goes_round_the_loop(world, django_capture_on_commit_callbacks):
    c = add_cast(world, "approval", "case_loop")
    town_cmd, rsj = c.town_cmd, world.county["w_county_rsj"]
    with django_capture_on_commit_callbacks(execute=True):
        case = raise_one(c)
    assert case.status == Status.SUBMITTED and "诉〔" in case.number
    assert case in selectors.dispatch_queue(town_cmd)
    assert Message.objects.filter(user=town_cmd, kind="cases.raised").exists()
    # The routing table suggests the county's HR bureau for 用工.
    assert [o.pk for o in services.route(case)] == [rsj.memberships.get().office_id]
    # Only a dispatcher dispatches.
    with pytest.raises(NotAllowed):
        services.case_dispatch(actor=c.enterprise, case=case, lead=services.route(case)[0])
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_dispatch(actor=town_cmd, case=case, lead=services.route(case)[0])
    today = timezone.localdate()
    assert case.status == Status.DISPATCHED
    assert case.due == calendar.add_working_days(today, 5)  # a help request: 5 working days
    assert case in selectors.inbox(rsj)
    assert Message.objects.filter(user=rsj, kind="cases.dispatched").exists()
    # The department signs for it and replies, on time.
    case = services.case_accept(actor=rsj, case=case)
    assert case.status == Status.HANDLING
    with pytest.raises(UserError):
        services.case_reply(actor=rsj, case=case, reply="  ")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_reply(actor=rsj, case=case, reply="已联系人力资源市场。")
    assert case.status == Status.REPLIED and case.on_time is True
    assert Message.objects.filter(user=c.enterprise, kind="cases.replied").exists()
    # Only the enterprise rates, and 不满意 needs a reason; the first reopens.
    with pytest.raises(NotAllowed):
        services.case_rate(actor=rsj, case=case, rating=Rating.SATISFIED)
    with pytest.raises(UserError):
        services.case_rate(actor=c.enterprise, case=case, rating=Rating.UNSATISFIED)
    case = services.case_rate(
        actor=c.enterprise, case=case, rating=Rating.UNSATISFIED, reason="还没招到人"
    )
    assert case.status == Status.HANDLING and case.reopened
    assert case.lead_office_id == rsj.memberships.get().office_id  # the same department
    case = services.case_reply(actor=rsj, case=case, reply="已组织专场招聘会。")
    case = services.case_rate(
        actor=c.enterprise, case=case, rating=Rating.UNSATISFIED, reason="仍不满意"
    )
    assert case.status == Status.CLOSED and case.rating == Rating.UNSATISFIED  # once only
    with pytest.raises(Conflict):  # a rating is given once
        services.case_rate(actor=c.enterprise, case=case, rating=Rating.SATISFIED)
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["raise", "dispatch", "accept", "reply", "reopen", "reply", "rate"]


def test_a_rating_comes_after_a_reply_only(world):
    c = add_cast(world, "approval", "case_rate_early")
    case = raise_one(c)
    with pytest.raises(Conflict) as refused:
        services.case_rate(actor=c.enterprise, case=case, rating=Rating.SATISFIED)
    assert "待转办" in refused.value.message  # it says what state the request is in


def test_a_misrouted_request_is_returned_in_time_and_rerouted(world):
    c = add_cast(world, "approval", "case_return")
    rsj, jmb = world.county["w_county_rsj"], world.county["w_t1_jmb"]
    case = raise_one(c, code="other", title="其他问题")
    economy = services.route(case)[0]  # 其他 → the town's economy office
    assert economy.kind == "economy"
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=economy)
    with pytest.raises(UserError):
        services.case_return(actor=jmb, case=case, reason="")
    case = services.case_return(actor=jmb, case=case, reason="属于用工问题，应转人社局")
    assert case.status == Status.RETURNED and case.lead_office is None
    assert case not in selectors.case_list(jmb)  # no longer its request
    assert case in selectors.dispatch_queue(c.town_cmd)
    hr = rsj.memberships.get().office
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=hr)
    assert case.status == Status.DISPATCHED and case in selectors.inbox(rsj)
    # Past the return window the department must handle it.
    Case.objects.filter(pk=case.pk).update(
        dispatched_at=timezone.now() - datetime.timedelta(days=10)
    )
    case.refresh_from_db()
    with pytest.raises(NotAllowed) as late:
        services.case_return(actor=rsj, case=case, reason="不是我们的")
    assert "退回" in str(late.value.message) or "return" in str(late.value.message)


def test_more_time_is_approved_by_the_dispatcher(world):
    c = add_cast(world, "approval", "case_extension")
    rsj = world.county["w_county_rsj"]
    case = raise_one(c, urgency=Urgency.URGENT)
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    assert case.due == calendar.add_working_days(timezone.localdate(), 2)  # urgent help
    with pytest.raises(NotAllowed):
        services.extension_ask(actor=c.enterprise, case=case, days=3, reason="x")
    with pytest.raises(UserError):
        services.extension_ask(actor=rsj, case=case, days=99, reason="需协调")
    ext = services.extension_ask(actor=rsj, case=case, days=3, reason="需协调外地企业")
    with pytest.raises(UserError):
        services.extension_ask(actor=rsj, case=case, days=2, reason="again")  # one waits
    with pytest.raises(NotAllowed):
        services.extension_decide(actor=rsj, extension=ext, approve=True)
    before = case.due
    services.extension_decide(actor=c.town_cmd, extension=ext, approve=True)
    case.refresh_from_db()
    assert case.due == calendar.add_working_days(before, 3)
    with pytest.raises(UserError):
        services.extension_decide(actor=c.town_cmd, extension=ext, approve=False)


def test_callbacks_are_the_dispatchers_and_withdrawal_the_enterprises(world):
    c = add_cast(world, "approval", "case_callback")
    case = raise_one(c)
    with pytest.raises(NotAllowed):
        services.callback_log(actor=c.enterprise, case=case, note="x")
    services.callback_log(actor=c.town_cmd, case=case, note="电话回访，企业表示满意", reached=True)
    assert case.callbacks.count() == 1
    with pytest.raises(NotAllowed):
        services.case_withdraw(actor=c.town_cmd, case=case, reason="x")
    case = services.case_withdraw(actor=c.enterprise, case=case, reason="已自行解决")
    assert case.status == Status.WITHDRAWN


def test_who_sees_a_request(world):
    c = add_cast(world, "approval", "case_scope")
    other = add_cast(world, "approval", "case_scope_other")
    case = raise_one(c)
    rsj = world.county["w_county_rsj"]
    assert case in selectors.case_list(c.enterprise)
    assert case not in selectors.case_list(other.enterprise)  # another enterprise: never
    assert case in selectors.case_list(c.inspector)  # its 包保 cadre
    assert case in selectors.case_list(c.town_cmd)
    assert case not in selectors.case_list(world.county["w_t2_cmd"])  # another town
    assert case not in selectors.case_list(rsj)  # a department, before it is dispatched to it
    services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    assert case in selectors.case_list(rsj)
    assert case not in selectors.case_list(world.county["w_t1_jmb"])  # not dispatched to it
    # A cadre raises on the enterprise's behalf; another enterprise's user cannot.
    on_behalf = services.case_raise(
        actor=c.inspector,
        enterprise=enterprise_of(c),
        category=category("finance"),
        title="融资难",
        text="走访中企业反映融资难。",
        source="visit",
    )
    assert on_behalf.source == "visit"
    with pytest.raises(NotAllowed):
        services.case_raise(
            actor=other.enterprise,
            enterprise=enterprise_of(c),
            category=category("labour"),
            title="x",
            text="y",
        )


def test_the_town_numbers_its_requests_in_order(world):
    c = add_cast(world, "approval", "case_numbers")
    first, second = raise_one(c), raise_one(c)
    assert second.issuer_id == first.issuer_id and second.sequence == first.sequence + 1


def test_time_limits_count_working_days_with_holidays():
    # 2025-09-30 + 5 working days: 1-8 October are the National Day and Mid-Autumn holidays,
    # Saturday 11 October a make-up working day.
    assert calendar.add_working_days(datetime.date(2025, 9, 30), 5) == datetime.date(2025, 10, 14)
    assert W.RETURN_DAYS == 1


def test_an_overdue_request_is_escalated_one_level_up_with_a_numbered_notice(
    world, client, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "case_urge")
    rsj = world.county["w_county_rsj"]
    case = raise_one(c)
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    today = timezone.localdate()
    services.escalate_overdue(today=today)
    assert not case.urges.exists()  # not overdue yet
    Case.objects.filter(pk=case.pk).update(due=today - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_overdue(today=today) >= 1
    urge = case.urges.get()
    county = world.county["w_county_cmd"].memberships.get().jurisdiction
    assert urge.level == 1 and urge.issuer == county and "催办〔" in urge.number
    assert urge.office.pk == rsj.memberships.get().office_id
    assert Message.objects.filter(user=rsj, kind="cases.urged").exists()
    assert Message.objects.filter(user=world.county["w_county_cmd"], kind="cases.urged").exists()
    # Once a level: not again the same day; a level higher URGE_EVERY working days later.
    services.escalate_overdue(today=today)
    assert case.urges.count() == 1
    later = calendar.add_working_days(today, services.URGE_EVERY)
    services.escalate_overdue(today=later)
    assert list(case.urges.values_list("level", flat=True)) == [1, 2]
    assert case.urges.get(level=2).issuer == county.parent
    # The department reads and prints it; another enterprise does not.
    client.force_login(rsj)
    page = client.get(f"/cases/urges/{urge.pk}/").content.decode()
    assert "催办通知书" in page and case.number in page and urge.number in page
    other = add_cast(world, "approval", "case_urge_other")
    client.force_login(other.enterprise)
    assert client.get(f"/cases/urges/{urge.pk}/").status_code == 404
    # A replied request is not urged again.
    services.case_reply(actor=rsj, case=case, reply="已办理")
    services.escalate_overdue(today=calendar.add_working_days(later, 5))
    assert case.urges.count() == 2


def test_the_figures_measure_the_loop(world, client):
    """Issue 14 point 7: received, replied, on time, overdue, urged, rated, satisfied, with
    回复率, 按期办结率 and 满意率, per place, department and category, in the reader's scope;
    on the dashboard and in the reports."""
    from fugong.reports import context as C
    from fugong.stats import requests as R

    c = add_cast(world, "record", "case_figures")  # town 2: its own figures
    rsj = world.county["w_county_rsj"]
    town = c.town_cmd.memberships.get().jurisdiction
    today = timezone.localdate()
    before = R.compute(user=c.town_cmd, node=town, day=today).total
    done = raise_one(c)
    done = services.case_dispatch(actor=c.town_cmd, case=done, lead=services.route(done)[0])
    done = services.case_reply(actor=rsj, case=done, reply="已办理")
    services.case_rate(actor=c.enterprise, case=done, rating=Rating.BASIC)
    late = raise_one(c)
    late = services.case_dispatch(actor=c.town_cmd, case=late, lead=services.route(late)[0])
    Case.objects.filter(pk=late.pk).update(due=today - datetime.timedelta(days=2))
    services.escalate_overdue(today=today)
    gone = raise_one(c)
    services.case_withdraw(actor=c.enterprise, case=gone, reason="已解决")
    after = R.compute(user=c.town_cmd, node=town, day=today)
    t = after.total
    delta = {n: getattr(t, n) - getattr(before, n) for n in R.NAMES}
    assert delta == {
        "received": 2,  # the withdrawn one is not counted
        "replied": 1,
        "on_time": 1,
        "overdue": 1,
        "urged": 1,
        "rated": 1,
        "content": 1,
    }
    hr = next(r for r in after.departments if r.key == rsj.memberships.get().office_id)
    assert hr.cell.received >= 2 and hr.cell.overdue >= 1
    assert any(r.name == "用工" for r in after.categories)
    # Another town's command office counts none of it.
    other = R.compute(user=world.county["w_t1_cmd"], node=town, day=today)
    assert other.total.received == 0
    # The dashboard and the reports.
    client.force_login(c.town_cmd)
    page = client.get(f"/stats/?node={town.pk}").content.decode()
    assert 'data-testid="requests-tiles"' in page and 'data-testid="requests-departments"' in page
    text = C.requests_context(after)["text"]
    assert text.startswith(f"共受理企业诉求{t.received}件，已答复{t.replied}件") and "督办" in text
    assert C.requests_context(None)["text"] == ""
