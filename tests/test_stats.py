"""The statistics layer: counts follow scope, add up, and cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fugong.accounts.choices import Level
from fugong.accounts.models import Jurisdiction
from fugong.core.audit import audited_update
from fugong.enterprises.models import Enterprise
from fugong.enterprises.selectors import enterprise_list
from fugong.stats.selectors import enterprise_breakdown, enterprise_total

pytestmark = pytest.mark.django_db


def county() -> Jurisdiction:
    return Jurisdiction.objects.get(level=Level.COUNTY)


def test_breakdown_adds_up_to_the_total_and_to_the_list(user):
    me = user("county_cmd")
    breakdown = enterprise_breakdown(user=me, node=county())
    assert (
        breakdown.total
        == enterprise_total(user=me, node=county())
        == enterprise_list(user=me).count()
    )
    for row in breakdown.children:
        assert row.enterprises == enterprise_list(user=me, jurisdiction=row.jurisdiction).count()


def test_enterprises_on_the_node_itself_are_counted_as_direct(user):
    me = user("county_cmd")
    audited_update(Enterprise.objects.first(), actor=me, jurisdiction=county())
    breakdown = enterprise_breakdown(user=me, node=county())
    assert breakdown.direct == 1
    assert breakdown.total == enterprise_total(user=me, node=county())


def test_breakdown_follows_scope(user):
    me = user("town01_cmd")
    breakdown = enterprise_breakdown(user=me, node=county())
    town1 = (
        Jurisdiction.objects.filter(level__in=[Level.TOWN, Level.STREET]).order_by("code").first()
    )
    assert [row.jurisdiction for row in breakdown.children] == [town1]
    assert breakdown.total == enterprise_list(user=me).count()


def test_query_count_does_not_grow_with_enterprises(user):
    me = user("county_cmd")
    node = county()
    enterprise_total(user=me)  # the user's scope is read once per request; leave it out
    with CaptureQueriesContext(connection) as before:
        enterprise_breakdown(user=me, node=node)
    grid = Jurisdiction.objects.filter(level=Level.GRID).first()
    for i in range(20):
        Enterprise.objects.create(name=f"加测企业{i}", credit_code=f"X{i:017d}", jurisdiction=grid)
    with CaptureQueriesContext(connection) as after:
        enterprise_breakdown(user=me, node=node)
    assert len(after) == len(before) <= 3, [q["sql"][:120] for q in after.captured_queries]


def test_home_page_counts_link_to_lists_of_that_size(client, login):
    login("county_cmd")
    page = client.get("/")
    # The enterprises app's "areas" home tile (fugong/enterprises/home.py).
    areas = [a for tile in page.context["panels"] for a in tile["data"].get("areas", [])]
    assert areas
    for area in areas:
        for row in area["breakdown"].children:
            listed = (
                client.get(f"/enterprises/?jurisdiction={row.jurisdiction.pk}")
                .context["page"]
                .paginator.count
            )
            assert listed == row.enterprises
