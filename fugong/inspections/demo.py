"""The demo county's inspections: for enterprises with a 包保 cadre, in each town, one of each
story the inspections app tells: planned, unannounced and failed (with its rectification
order, one of them overdue), passed, a restaurant self-check waiting for review, one order
to stop in force; made by the demo's own users through the services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core import tree
from fugong.enterprises.models import Assignment
from fugong.inspections import checklists, services
from fugong.inspections.models import ChecklistItem, ChecklistTemplate, Rectification
from fugong.inspections.testing import answers

STORIES = ("planned", "failed", "passed", "self_check", "stopped", "overdue")


def _planner(enterprise):
    """The command office of the enterprise's town (or the nearest above it)."""
    above = tree.ancestor_paths(enterprise.jurisdiction)
    m = (
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__path__in=above)
        .select_related("user")
        .order_by("-jurisdiction__depth", "pk")
        .first()
    )
    return m.user if m else None


def build_inspections(b) -> None:
    # A flushed test database lost what the migrations wrote.
    checklists.create_templates(ChecklistTemplate, ChecklistItem)
    today = timezone.localdate()
    post = ChecklistTemplate.objects.get(code="post_resumption", is_active=True)
    restaurant = ChecklistTemplate.objects.get(code="restaurant", is_active=True)
    safety = ChecklistTemplate.objects.get(code="safety", is_active=True)
    seen: set[int] = set()
    stories = iter(STORIES * 4)
    for a in Assignment.objects.select_related("user", "enterprise__jurisdiction").order_by("pk"):
        if a.enterprise_id in seen:
            continue
        seen.add(a.enterprise_id)
        planner = _planner(a.enterprise)
        story = next(stories, None)
        if story is None:
            break
        if planner is None:
            continue
        _tell(story, a.enterprise, planner, a.user, today, post, restaurant, safety)
    build_draw(b, today, post)


def build_draw(b, today, post) -> None:
    """A published random draw (双随机) of three enterprises of the first town with a command
    office, its seed from the demo's own random source so the demo stays reproducible."""
    from fugong.inspections import draws

    office = (
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__depth=3)
        .select_related("user", "jurisdiction")
        .order_by("jurisdiction__code", "pk")
        .first()
    )
    if office is None:
        return
    pool = list(draws.pool_users(office.user).order_by("pk")[:6])
    place = office.jurisdiction
    if len(pool) < 2 or draws.candidates_of(place=place, criteria=draws.Criteria()).count() < 3:
        return
    draw = draws.draw_make(
        actor=office.user, place=place, template=post, date=today + datetime.timedelta(days=1),
        count=3, inspectors=pool, seed=f"{b.rng.getrandbits(128):032x}",
    )  # fmt: skip
    draws.draw_publish(actor=office.user, draw=draw)


def _tell(story, enterprise, planner, cadre, today, post, restaurant, safety) -> None:
    plan = services.inspection_plan
    if story == "planned":
        plan(actor=planner, enterprise=enterprise, kind="scheduled", template=post,
             date=today + datetime.timedelta(days=2), inspector=cadre)  # fmt: skip
    elif story in ("failed", "overdue"):
        # A 包保 cadre never inspects her own enterprise unannounced: the planner goes.
        inspection = plan(actor=planner, enterprise=enterprise, kind="unannounced",
                          template=post, date=today, inspector=planner)  # fmt: skip
        services.inspection_record(
            actor=planner, inspection=inspection,
            answers=answers(post, fail=(5, 13), enterprise=enterprise),
            opinion="暗访发现未签订岗位防疫承诺书,废弃口罩未集中回收。",
        )  # fmt: skip
        if story == "overdue":  # ordered last week, still not put right
            Rectification.objects.filter(inspection=inspection).update(
                deadline=today - datetime.timedelta(days=2)
            )
    elif story == "passed":
        inspection = plan(actor=planner, enterprise=enterprise, kind="spot", template=safety,
                          date=today, inspector=cadre)  # fmt: skip
        services.inspection_record(actor=cadre, inspection=inspection,
                                   answers=answers(safety, enterprise=enterprise),
                                   opinion="抽查合格。")  # fmt: skip
    elif story == "self_check":
        check = plan(actor=planner, enterprise=enterprise, kind="self_check",
                     template=restaurant, date=today + datetime.timedelta(days=3))  # fmt: skip
        owner = (
            Membership.objects.filter(role=Role.ENTERPRISE, enterprise=enterprise, is_active=True)
            .select_related("user")
            .first()
        )
        if owner:
            services.self_check_submit(actor=owner.user, inspection=check,
                                       answers=answers(restaurant, enterprise=enterprise),
                                       opinion="已按自查表逐项落实。")  # fmt: skip
    elif story == "stopped":
        licence = restaurant.items.get(text__contains="许可证").position
        inspection = plan(actor=planner, enterprise=enterprise, kind="unannounced",
                          template=restaurant, date=today, inspector=planner)  # fmt: skip
        services.inspection_record(
            actor=planner, inspection=inspection,
            answers=answers(restaurant, fail=(licence,), enterprise=enterprise),
            opinion="未取得食品经营许可证即恢复营业。",
        )  # fmt: skip
        services.stop_issue(actor=planner, enterprise=enterprise, inspection=inspection,
                            facts="检查发现该单位未取得食品经营许可证从事餐饮服务。",
                            basis="《中华人民共和国食品安全法》第一百二十二条")  # fmt: skip
