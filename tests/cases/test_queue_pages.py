"""The queues' pages (issue 14 speed): the dispatcher's queue, a department's inbox and the
overdue list are read a page at a time (``selectors.Queue``: the green channel's requests
apart, the others one status at a time in the order of an index, past the middle from the
end); every page holds the same requests in the same order, with the same green mark and
count, as the one query that sorts them all."""

from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from fugong.cases import selectors, services
from fugong.cases.choices import Status, Urgency
from fugong.cases.models import Case, Category
from fugong.core.testing import world_fixtures
from fugong.enterprises.models import green_first
from fugong.enterprises.services import green_channel_set
from fugong.resumption.testing import add_cast, build_casts


def build():
    """Three enterprises' requests, one of them on the green channel: waiting (some urgent),
    dispatched, signed for, some past their reply date, several on the same day."""
    world = build_casts()
    casts = [add_cast(world, "approval", f"queue_{i}") for i in range(3)]
    labour = Category.objects.get(code="labour")
    logistics = Category.objects.get(code="logistics")
    rsj = world.county["w_county_rsj"]
    hr = rsj.memberships.get().office
    cases = []
    for n in range(27):
        c = casts[n % 3]
        case = services.case_raise(
            actor=c.enterprise,
            enterprise=c.enterprise.memberships.get().enterprise,
            category=labour if n % 4 else logistics,
            urgency=Urgency.URGENT if n % 5 == 0 else Urgency.NORMAL,
            title=f"诉求{n}",
            text="排队测试。",
        )
        if n % 3 != 2 or n < 6:
            case = services.case_dispatch(actor=c.town_cmd, case=case, lead=hr)
            if n % 2:
                case = services.case_accept(actor=rsj, case=case)
        cases.append(case)
    today = timezone.localdate()
    for i, case in enumerate(cases):  # reply dates on a few days, most of them shared
        if case.due:
            Case.objects.filter(pk=case.pk).update(due=today + datetime.timedelta(days=i % 4 - 2))
    green = casts[1]
    green_channel_set(
        actor=green.town_cmd,
        enterprise=green.enterprise.memberships.get().enterprise,
        on=True,
        reason="测试",
    )
    return casts, rsj


_built, world = world_fixtures(build, scope="module")


def pages(queue, size):
    paginator = Paginator(queue, size)
    rows = [c for n in paginator.page_range for c in paginator.page(n)]
    return paginator.count, [(c.pk, c.green) for c in rows]


def expected(qs):
    rows = list(qs.annotate(green=green_first()))
    return len(rows), [(c.pk, bool(c.green)) for c in rows]


@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_every_page_as_the_one_sorted_query(world, size):
    casts, rsj = world
    town_cmd = casts[0].town_cmd
    checks = [
        (selectors.inbox_pages(rsj), selectors.inbox(rsj)),
        (selectors.overdue_pages(rsj), selectors.overdue(rsj)),
        (selectors.overdue_pages(town_cmd), selectors.overdue(town_cmd)),
        (selectors.queue_pages(town_cmd), selectors.dispatch_queue(town_cmd)),
    ]
    for queue, qs in checks:
        count, rows = expected(qs)
        assert count > 0
        assert pages(queue, size) == (count, rows)
        # With the list's filters: a status, a category, both.
        for status in (Status.DISPATCHED, Status.SUBMITTED, Status.CLOSED):
            assert pages(queue.filter(status=status), size) == expected(qs.filter(status=status))
        logistics = Category.objects.get(code="logistics")
        assert pages(queue.filter(category_id=logistics.pk), size) == expected(
            qs.filter(category_id=logistics.pk)
        )


def test_the_green_channel_first_and_both_parts_on_a_page(world):
    casts, rsj = world
    count, rows = pages(selectors.inbox_pages(rsj), 4)
    greens = [g for _pk, g in rows]
    assert any(greens) and not all(greens)
    assert greens == sorted(greens, reverse=True)  # the green channel's all first


def test_the_pages_show_the_count_and_rows(world, client):
    casts, rsj = world
    client.force_login(rsj)
    page = client.get("/cases/inbox/").content.decode()
    count, rows = expected(selectors.inbox(rsj))
    assert f'data-testid="case-count">{count}<' in page
    assert page.count('data-testid="case-row"') == len(rows)
    assert 'data-testid="green"' in page
    client.force_login(casts[0].town_cmd)
    page = client.get("/cases/overdue/?status=handling").content.decode()
    count, rows = expected(selectors.overdue(casts[0].town_cmd).filter(status="handling"))
    assert f'data-testid="case-count">{count}<' in page and count
