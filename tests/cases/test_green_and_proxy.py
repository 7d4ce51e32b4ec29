"""帮办代办 and green channels (issue 14 point 8): a procedure handled on the enterprise's
behalf with its own time limit, each step logged by the task team, the result handed back as
the reply and rated; an enterprise on the green channel comes first in the dispatcher's
queue, the department's inbox and the review queue, with who set it and why."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fugong.cases import selectors, services
from fugong.cases.choices import Nature, Rating, Status
from fugong.cases.models import Category
from fugong.core import calendar
from fugong.core.errors import NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.core.testing import world_fixtures
from fugong.enterprises.models import GreenChannel
from fugong.enterprises.services import green_channel_set
from fugong.resumption.selectors import review_queue
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")


def raise_for(c, nature=Nature.HELP, title="办理许可证"):
    return services.case_raise(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        category=Category.objects.get(code="labour"),
        title=title,
        text="请代为办理。",
        nature=nature,
    )


def test_a_procedure_handled_on_the_enterprises_behalf(world):
    c = add_cast(world, "approval", "proxy")
    rsj = world.county["w_county_rsj"]
    case = raise_for(c, nature=Nature.PROXY)
    case = services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])
    assert case.due == calendar.add_working_days(timezone.localdate(), 10)
    with pytest.raises(NotAllowed):
        services.note_add(actor=c.enterprise, case=case, text="x")
    with pytest.raises(UserError):
        services.note_add(actor=rsj, case=case, text=" ")
    services.note_add(actor=rsj, case=case, text="已向审批局提交材料")
    services.note_add(actor=rsj, case=case, text="审批局已受理")
    assert list(case.notes.values_list("text", flat=True)) == ["已向审批局提交材料", "审批局已受理"]
    case = services.case_reply(actor=rsj, case=case, reply="许可证已办结，原件已送达企业。")
    case = services.case_rate(actor=c.enterprise, case=case, rating=Rating.SATISFIED)
    assert case.status == Status.CLOSED
    with pytest.raises(NotAllowed):  # no more steps once closed
        services.note_add(actor=rsj, case=case, text="补充")


def test_the_green_channel_comes_first_in_every_queue(world, client):
    first = add_cast(world, "approval", "green_first")
    second = add_cast(world, "approval", "green_second")
    older = raise_for(first, title="先提")
    newer = raise_for(second, title="后提")
    queue = list(selectors.dispatch_queue(first.town_cmd).filter(pk__in=[older.pk, newer.pk]))
    assert queue == [older, newer]  # oldest first
    enterprise = second.enterprise.memberships.get().enterprise
    with pytest.raises(NotAllowed):
        green_channel_set(actor=second.enterprise, enterprise=enterprise, on=True, reason="x")
    with pytest.raises(UserError):
        green_channel_set(actor=second.town_cmd, enterprise=enterprise, on=True, reason="")
    client.force_login(second.town_cmd)
    client.post(
        "/cases/green/", {"enterprise": enterprise.pk, "on": "1", "reason": "防疫物资生产企业"}
    )
    green = GreenChannel.objects.get(enterprise=enterprise)
    assert green.is_active and green.set_by == second.town_cmd and green.why == "防疫物资生产企业"
    assert AuditLog.objects.filter(object_id=str(green.pk)).exists()
    queue = list(selectors.dispatch_queue(first.town_cmd).filter(pk__in=[older.pk, newer.pk]))
    assert queue == [newer, older]  # the green channel first
    page = client.get("/cases/queue/").content.decode()
    assert (
        'data-testid="green"' in page
        and "防疫物资生产企业" in client.get("/cases/green/").content.decode()
    )
    # The department's inbox and the review queue too.
    rsj = world.county["w_county_rsj"]
    for case in (older, newer):
        services.case_dispatch(actor=first.town_cmd, case=case, lead=services.route(case)[0])
    inbox = [c.pk for c in selectors.inbox(rsj) if c.pk in (older.pk, newer.pk)]
    assert inbox == [newer.pk, older.pk]
    ordering = review_queue(user=first.town_cmd).query.order_by
    assert ordering[0] == "-green"
    # Taken off: the order is by age again.
    client.post("/cases/green/", {"enterprise": enterprise.pk, "on": "0"})
    assert not GreenChannel.objects.get(enterprise=enterprise).is_active
