""" "My work" (待办) from the filings (fugong/resumption/work.py, fugong/core/work.py): each
actor of a filing finds it in the source of what they must do, in the state where the
transition table lets them act, and nobody else finds it; every item is one the filing's page
offers the user a step on; the page and the home tile, in a fixed number of queries. The data is
a small county of its own (fugong.resumption.testing.build_casts, built once for the module)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fugong.core import registry
from fugong.core.testing import world_fixtures
from fugong.core.work import work_for
from fugong.resumption import work, workflow
from fugong.resumption.choices import Status
from fugong.resumption.models import Filing
from fugong.resumption.testing import add_cast, build_casts, new_filing

S = Status
SOURCES = {
    "to_fix": work.to_fix,
    "to_review": work.to_review,
    "acceptances": work.acceptances_to_do,
    "to_approve": work.to_approve,
}

_built, world = world_fixtures(build_casts, scope="module")


def found(user, filing: Filing) -> set[str]:
    """The sources in which ``user`` finds ``filing``."""
    return {
        name
        for name, source in SOURCES.items()
        if any(f"/{filing.pk}/" in item.url for item in source(user, 100)[0])
    }


def everyone(c) -> dict:
    return {
        "enterprise": c.enterprise,
        "reviewer": c.reviewer,
        "second": c.second,
        "other_reviewer": c.other_reviewer,
        "inspector": c.inspector,
        "town_cmd": c.town_cmd,
        "county_cmd": c.county_cmd,
    }


# Who finds an approval-mode filing where, in each state (everybody else: nowhere).
EXPECTED = {
    S.DRAFT: {"enterprise": {"to_fix"}},
    S.SUBMITTED: {"reviewer": {"to_review"}},
    S.UNDER_REVIEW: {"reviewer": {"to_review"}},
    S.RETURNED: {"enterprise": {"to_fix"}},
    S.ACCEPTANCE_SCHEDULED: {"inspector": {"acceptances"}},
    S.ACCEPTANCE_FAILED: {"enterprise": {"to_fix"}},
    # The town approves; the county, above it, may approve too (workflow._approves).
    S.ACCEPTED: {"town_cmd": {"to_approve"}, "county_cmd": {"to_approve"}},
    S.APPROVED: {"town_cmd": {"to_approve"}, "county_cmd": {"to_approve"}},
    S.NOTICE_ISSUED: {},
    S.REJECTED: {},
}


@pytest.mark.parametrize("state", list(EXPECTED))
def test_each_actor_finds_the_filing_where_they_must_act_and_nobody_else(world, state):
    c = world["approval"]
    filing = new_filing(c, state)
    outsiders = {
        "record_enterprise": world["record"].enterprise,
        "record_reviewer": world["record"].reviewer,
        "town2_cmd": world["record"].town_cmd,
    }
    for who, user in {**everyone(c), **outsiders}.items():
        assert found(user, filing) == EXPECTED[state].get(who, set()), (state, who)


def test_every_item_is_a_step_the_filings_page_offers_the_user(world):
    """The sources mirror the transition table: each item of each user is a filing on which
    ``available_actions`` (the page's buttons) gives the user a step."""
    casts = [add_cast(world, "approval", f"steps{i}") for i in range(len(EXPECTED))]
    filings = [new_filing(c, state) for c, state in zip(casts, EXPECTED, strict=True)]
    mine = {f.pk for f in filings}
    checked = 0
    users = {u for c in casts for u in everyone(c).values()}
    for user in users:
        for group in work_for(user, limit=100):
            for item in group.items:
                if not item.url.startswith("/resumption/"):
                    continue  # another app's work (the figures to report)
                pk = int(item.url.split("/")[2])
                if pk not in mine:
                    continue
                filing = Filing.objects.get(pk=pk)
                assert workflow.available_actions(user, filing), (user.username, filing.status)
                checked += 1
    assert checked >= len([s for s, who in EXPECTED.items() if who])


def test_a_park_operator_finds_its_tenants_filings_to_complete(world):
    c = world["park_tenant"]
    filing = new_filing(c, S.RETURNED)
    operator = c.reviewer  # w_t1_park: the park's operator, its lead office too
    assert "to_fix" in found(operator, filing)
    assert found(world["approval"].reviewer, filing) == set()


def test_the_page_lists_the_users_work_in_a_fixed_number_of_queries(world, client):
    c = world["approval"]
    new_filing(c, S.SUBMITTED)
    client.force_login(c.reviewer)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/work/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="work-resumption.to_review"' in html
    assert (
        page.context["groups"][0].items[0].title == c.enterprise.memberships.first().enterprise.name
    )
    for i in range(3):
        new_filing(add_cast(world, "approval", f"more{i}"), S.SUBMITTED)
    with CaptureQueriesContext(connection) as many:
        client.get("/work/")
    assert page.context["groups"][0].total + 3 == client.get("/work/").context["groups"][0].total
    assert len(many) == len(few)


def test_nothing_waiting_says_so_and_strangers_are_sent_to_log_in(world, client):
    client.force_login(world["approval"].other_reviewer)
    page = client.get("/work/")
    assert page.status_code == 200 and 'data-testid="work-empty"' in page.content.decode()
    client.logout()
    assert client.get("/work/").status_code == 302


def test_the_home_page_shows_the_work_of_the_role_whose_home_it_is(world, client):
    c = world["approval"]
    filing = new_filing(c, S.ACCEPTED)
    client.force_login(c.town_cmd)
    html = client.get("/").content.decode()
    assert 'data-testid="my-work"' in html and f"/resumption/{filing.pk}/" in html
    client.force_login(c.other_reviewer)
    assert 'data-testid="my-work"' not in client.get("/").content.decode()


def test_work_sources_are_declared_once_and_read_by_role():
    names = [s.name for s in registry.work_sources({"reviewer"})]
    assert "resumption.to_review" in names and "resumption.to_approve" not in names
    with pytest.raises(ValueError, match="declared twice"):
        registry.add_work_source(registry.work_sources({"reviewer"})[0])
