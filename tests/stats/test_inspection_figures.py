"""The figures of inspections and rectification (issue 15 point 6): inspections done by kind,
passed, failed and the pass rate; self-checks submitted and accepted; rectification orders
issued, closed, closed on time, open and overdue with the on-time rate; orders to stop issued,
in force and lifted; per town, over the reader's scope, for a period. Built through the
inspections app's services; shown on the dashboard, in the API and in the narrative reports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from fugong.core.testing import world_fixtures
from fugong.core.testing.api import bearer, issue_token
from fugong.inspections import services
from fugong.inspections.checklists import Answer
from fugong.inspections.choices import (
    InspectionKind,
    InspectionStatus,
    OrderStatus,
    PassRule,
)
from fugong.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    Rectification,
    StopOrder,
)
from fugong.reports import context as C
from fugong.reports import templates as T
from fugong.reports.choices import ReportKind
from fugong.reports.narrative import narrative
from fugong.resumption.testing import Cast, Casts, add_cast, build_casts
from fugong.stats import inspections as I
from fugong.stats import sources

K = InspectionKind


def test_the_inspections_app_registers_its_figures():
    source = sources.inspections()
    assert source is not None and source.inspections is Inspection
    assert source.orders is Rectification and source.stops is StopOrder
    assert InspectionKind.SELF_CHECK not in dict(source.kinds)


@dataclass
class World:
    casts: Casts
    a: Cast  # town 1
    b: Cast  # town 1
    c: Cast  # town 1
    d: Cast  # town 2
    today: datetime.date


def _template() -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(
        code="figures_check",
        name="检查表",
        kind="post_resumption",
        pass_rule=PassRule.ALL,
        rectify_days=5,
    )
    for position, text in enumerate(("防疫物资", "消毒台账"), start=1):
        ChecklistItem.objects.create(template=template, position=position, text=text)
    return template


def _answers(template, *, passed: bool) -> dict[int, Answer]:
    items = list(template.items.order_by("position"))
    return {
        items[0].pk: Answer(value="pass"),
        items[1].pk: Answer(value="pass" if passed else "fail", text="" if passed else "缺"),
    }


def enterprise_of(c: Cast):
    return c.enterprise.memberships.get().enterprise


def inspect(c: Cast, kind: str, *, passed: bool, template, **plan) -> Inspection:
    today = timezone.localdate()
    inspection = services.inspection_plan(
        actor=c.town_cmd, enterprise=enterprise_of(c), kind=kind, template=template,
        date=today, **plan,
    )  # fmt: skip
    return services.inspection_record(
        actor=c.town_cmd, inspection=inspection, answers=_answers(template, passed=passed),
        opinion="检查意见",
    )  # fmt: skip


def reinspect(order: Rectification, c: Cast, *, template, passed: bool = True) -> Inspection:
    services.rectification_report(actor=c.enterprise, order=order, report="已整改")
    planned = order.reinspections.get(status=InspectionStatus.PLANNED)
    return services.inspection_record(
        actor=c.town_cmd, inspection=planned, answers=_answers(template, passed=passed),
        opinion="复查意见",
    )  # fmt: skip


def self_check(c: Cast, *, template, accept: bool) -> Inspection:
    planned = services.inspection_plan(
        actor=c.town_cmd, enterprise=enterprise_of(c), kind=K.SELF_CHECK, template=template,
        date=timezone.localdate(),
    )  # fmt: skip
    submitted = services.self_check_submit(
        actor=c.enterprise, inspection=planned, answers=_answers(template, passed=True)
    )
    if accept:
        return services.self_check_review(actor=c.town_cmd, inspection=submitted, accept=True)
    return submitted


def build() -> World:
    """Town 1: a (scheduled passed; spot failed, rectified on time; an order to stop lifted
    after a passed re-inspection; a self-check accepted), b (unannounced failed, rectified
    after its deadline; a self-check waiting for review), c (spot failed, its order overdue; an
    order to stop in force). Town 2: d (spot failed, its order open within its deadline)."""
    casts = build_casts()
    template = _template()
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    a = add_cast(casts, "approval", "fig_a")
    b = add_cast(casts, "approval", "fig_b")
    c = add_cast(casts, "approval", "fig_c")
    d = add_cast(casts, "record", "fig_d")
    # a
    inspect(a, K.SCHEDULED, passed=True, template=template)
    failed = inspect(a, K.SPOT, passed=False, template=template)
    reinspect(failed.rectification, a, template=template)
    stop = services.stop_issue(actor=a.town_cmd, enterprise=enterprise_of(a), facts="未落实防控")
    inspect(a, K.REINSPECTION, passed=True, template=template, stop=stop)
    services.stop_lift(actor=a.town_cmd, stop=stop, reason="复查合格")
    self_check(a, template=template, accept=True)
    # b: rectified, but after its deadline
    failed = inspect(b, K.UNANNOUNCED, passed=False, template=template)
    Rectification.objects.filter(pk=failed.rectification.pk).update(deadline=yesterday)
    reinspect(Rectification.objects.get(pk=failed.rectification.pk), b, template=template)
    self_check(b, template=template, accept=False)
    # c: its order overdue, an order to stop in force
    failed = inspect(c, K.SPOT, passed=False, template=template)
    Rectification.objects.filter(pk=failed.rectification.pk).update(deadline=yesterday)
    services.stop_issue(actor=c.town_cmd, enterprise=enterprise_of(c), facts="拒不整改")
    # d (town 2): its order open, not yet due
    inspect(d, K.SPOT, passed=False, template=template)
    return World(casts=casts, a=a, b=b, c=c, d=d, today=today)


_built, world = world_fixtures(build, scope="module")


def town(c: Cast):
    return c.town_cmd.memberships.get().jurisdiction


def counts(cell: I.InspectionCell) -> dict:
    return {name: getattr(cell, name) for name in I.NAMES}


TOWN_1 = {
    "done": 7,  # a: scheduled, spot, 2 re-inspections; b: unannounced, re-inspection; c: spot
    "passed": 4,
    "failed": 3,
    "self_submitted": 2,  # a's (accepted) and b's (waiting)
    "self_accepted": 1,
    "issued": 3,  # a's, b's, c's
    "closed": 2,  # a's on time, b's late
    "on_time": 1,
    "open": 1,  # c's
    "overdue": 1,
    "stops_issued": 2,  # a's (lifted), c's
    "stops_in_force": 1,
    "stops_lifted": 1,
}
TOWN_2 = {
    **dict.fromkeys(I.NAMES, 0),
    "done": 1,
    "failed": 1,
    "issued": 1,
    "open": 1,
}


def test_each_figure_of_a_town(world):
    figures = I.compute(user=world.a.town_cmd, node=town(world.a))
    t = figures.total
    assert counts(t) == TOWN_1
    assert t.pass_rate == Decimal("57.1") and t.on_time_rate == Decimal("50.0")
    assert t.by_kind == {K.SCHEDULED: 1, K.SPOT: 2, K.UNANNOUNCED: 1, K.REINSPECTION: 3}
    kinds = {value: n for value, _label, n in figures.kind_rows()}
    assert kinds[K.RANDOM] == 0 and K.SELF_CHECK not in kinds
    assert figures.end == world.today and figures.start is None


def test_per_town_for_the_county_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    county_cmd = world.a.county_cmd
    county = world.casts.county.county
    with django_assert_num_queries(5):  # the children, those visible, one count per table
        figures = I.compute(user=county_cmd, node=county)
    rows = {r.jurisdiction.pk: r.cell for r in figures.children}
    assert counts(rows[town(world.a).pk]) == TOWN_1
    assert counts(rows[town(world.d).pk]) == TOWN_2
    assert counts(figures.total) == {n: TOWN_1[n] + TOWN_2[n] for n in I.NAMES}
    assert figures.direct.empty
    # Without a place: the reader's whole scope, the same totals.
    assert counts(I.compute(user=county_cmd).total) == counts(figures.total)


def test_another_towns_command_office_sees_none_of_them(world):
    other = world.d.town_cmd  # town 2
    assert I.compute(user=other, node=town(world.a)).total.empty
    assert counts(I.compute(user=other).total) == TOWN_2
    county = I.compute(user=other, node=world.casts.county.county)
    assert counts(county.total) == TOWN_2
    assert [r.jurisdiction.pk for r in county.children] == [town(world.d).pk]


def test_an_enterprise_user_sees_only_its_own(world):
    own = I.compute(user=world.a.enterprise).total
    assert counts(own) == {
        **dict.fromkeys(I.NAMES, 0),
        "done": 4,  # scheduled, spot, the order's and the stop's re-inspections
        "passed": 3,
        "failed": 1,
        "self_submitted": 1,
        "self_accepted": 1,
        "issued": 1,
        "closed": 1,
        "on_time": 1,
        "stops_issued": 1,
        "stops_lifted": 1,
    }
    theirs = I.compute(user=world.c.enterprise).total
    assert (theirs.done, theirs.open, theirs.overdue, theirs.stops_in_force) == (1, 1, 1, 1)


def test_a_period_counts_what_happened_in_it_and_what_stood_at_its_end(world):
    today = world.today
    ago = timezone.now() - datetime.timedelta(days=10)
    first = Inspection.objects.get(enterprise=enterprise_of(world.a), kind=K.SCHEDULED)
    Inspection.objects.filter(pk=first.pk).update(performed_at=ago)
    stop = StopOrder.objects.get(enterprise=enterprise_of(world.c))
    StopOrder.objects.filter(pk=stop.pk).update(issued_at=ago)
    user, node = world.a.town_cmd, town(world.a)

    recent = I.compute(user=user, node=node, start=today - datetime.timedelta(days=3)).total
    assert (recent.done, recent.passed, recent.stops_issued) == (6, 3, 1)
    assert recent.stops_in_force == 1  # in force at the end of the period, issued before it

    back_then = I.compute(user=user, node=node, end=today - datetime.timedelta(days=5)).total
    assert counts(back_then) == {
        **dict.fromkeys(I.NAMES, 0),
        "done": 1,
        "passed": 1,
        "stops_issued": 1,
        "stops_in_force": 1,
    }
    # What stands is counted at the end of the period: at the end of yesterday no order had
    # been issued yet, so none was open or overdue (c's is due yesterday and overdue today).
    yesterday = I.compute(user=user, node=node, end=today - datetime.timedelta(days=1)).total
    assert (yesterday.issued, yesterday.open, yesterday.overdue) == (0, 0, 0)


def test_a_cancelled_order_is_not_counted(world):
    order = Rectification.objects.get(enterprise=enterprise_of(world.c))
    Rectification.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    t = I.compute(user=world.a.town_cmd, node=town(world.a)).total
    assert (t.issued, t.open, t.overdue) == (2, 0, 0)


def test_without_the_inspections_app_there_are_none(world, monkeypatch):
    monkeypatch.setattr(sources, "_inspections", None)
    assert I.compute(user=world.a.town_cmd, node=town(world.a)) is None
    assert C.inspections_context(None)["text"] == ""


def test_the_dashboard_shows_them(world, client):
    client.force_login(world.a.county_cmd)
    county = world.casts.county.county
    page = client.get(f"/stats/?node={county.pk}").content.decode()
    assert 'data-testid="inspections-tiles"' in page
    assert 'data-testid="inspections-children"' in page
    assert f'data-testid="inspections-done">{TOWN_1["done"] + TOWN_2["done"]}<' in page


def test_the_api_gives_them(world, client):
    token = issue_token(client, world.a.town_cmd.username)
    node = town(world.a)
    answer = client.get(f"/api/v1/stats/inspections?node={node.pk}", headers=bearer(token))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert {n: body["total"][n] for n in I.NAMES} == TOWN_1
    assert body["total"]["pass_rate"] == "57.1" or float(body["total"]["pass_rate"]) == 57.1
    assert body["total"]["by_kind"]["spot"] == 2 and body["end"] == world.today.isoformat()
    assert [k["kind"] for k in body["kinds"]][0] == K.SCHEDULED
    later = (world.today + datetime.timedelta(days=1)).isoformat()
    bad = client.get(
        f"/api/v1/stats/inspections?node={node.pk}&start={later}&end={world.today}",
        headers=bearer(token),
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_period"
    other = issue_token(client, world.d.town_cmd.username)
    hidden = client.get(f"/api/v1/stats/inspections?node={node.pk}", headers=bearer(other))
    assert hidden.status_code == 404


def test_the_narrative_reports_have_a_section(world):
    user, node = world.a.town_cmd, town(world.a)
    figures = I.compute(user=user, node=node)
    text = C.inspections_context(figures)["text"]
    assert text.startswith(f"截至{world.today.month}月{world.today.day}日，共开展检查7次（")
    assert "合格4次、不合格3次，合格率57.1%" in text
    assert "企业提交自查2次，审核通过1次" in text
    assert "下发整改通知书3份，整改销号2份，其中按期整改1份，按期整改率50.0%" in text
    assert "尚在整改1份，其中逾期未整改1份" in text
    assert "责令停业2家次，解除1家次，仍在停业1家" in text
    for kind in (ReportKind.NARRATIVE_TOWN, ReportKind.NARRATIVE_COUNTY):
        report = C.report_figures(user=user, node=node, day=world.today)
        data, _ = narrative(user=user, node=node, day=world.today, kind=kind, figures=report)
        words = T.docx_text(data)
        assert text in words
        assert ("加强检查督导" if kind == ReportKind.NARRATIVE_TOWN else "严检查") in words
    # A place with none: no section.
    quiet = world.casts.county.place(3)
    report = C.report_figures(user=world.a.county_cmd, node=quiet, day=world.today)
    data, _ = narrative(
        user=world.a.county_cmd, node=quiet, day=world.today,
        kind=ReportKind.NARRATIVE_TOWN, figures=report,
    )  # fmt: skip
    assert "加强检查督导" not in T.docx_text(data)


def test_the_sentence_says_only_what_happened():
    day = datetime.date(2026, 3, 5)
    only_self_checks = I.InspectionFigures(
        node=None, start=None, end=day, kinds=(), direct=I.InspectionCell(self_submitted=2)
    )
    assert (
        C.inspections_context(only_self_checks)["text"]
        == "截至3月5日，企业提交自查2次，审核通过0次。"
    )
    nothing = I.InspectionFigures(node=None, start=None, end=day, kinds=())
    assert C.inspections_context(nothing)["text"] == ""
