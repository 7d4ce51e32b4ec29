"""core.tree: the nearest setting up the jurisdiction tree, for one node and for many."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fugong.accounts.models import Jurisdiction
from fugong.core import tree
from fugong.stats.models import StatsSetting


def _chain():
    """A grid and its ancestors from the demo county, root first."""
    grid = Jurisdiction.objects.filter(depth=5).order_by("path").first()
    return [*grid.ancestors(), grid]


def test_ancestor_paths_root_first(demo):
    chain = _chain()
    assert tree.ancestor_paths(chain[-1]) == [j.path for j in chain]


def test_nearest_takes_the_deepest_row_at_or_above(demo):
    chain = _chain()
    county, town, grid = chain[2], chain[3], chain[-1]
    StatsSetting.objects.filter(jurisdiction__in=chain).delete()
    assert tree.nearest(StatsSetting.objects.all(), grid) is None
    StatsSetting.objects.create(jurisdiction=county, report_deadline=datetime.time(17))
    StatsSetting.objects.create(jurisdiction=town, report_deadline=None)
    with CaptureQueriesContext(connection) as q:
        row = tree.nearest(StatsSetting.objects.all(), grid)
    assert len(q) == 1
    assert row.jurisdiction == town
    deadline = StatsSetting.objects.filter(report_deadline__isnull=False)
    assert tree.nearest(deadline, grid).jurisdiction == county
    # A row below the node does not count.
    assert tree.nearest(StatsSetting.objects.filter(jurisdiction=town), county) is None


def test_nearest_many_in_one_query(demo):
    chain = _chain()
    county, town, grid = chain[2], chain[3], chain[-1]
    StatsSetting.objects.filter(jurisdiction__in=chain).delete()
    StatsSetting.objects.create(jurisdiction=town, report_deadline=datetime.time(16))
    other_town = (
        Jurisdiction.objects.filter(depth=3, path__startswith=county.path)
        .exclude(pk=town.pk)
        .first()
    )
    StatsSetting.objects.filter(jurisdiction__path__startswith=other_town.path).delete()
    with CaptureQueriesContext(connection) as q:
        found = tree.nearest_many(StatsSetting.objects.all(), [grid, town, county, other_town])
    assert len(q) == 1
    assert found[grid.pk].jurisdiction_id == town.pk
    assert found[town.pk].jurisdiction_id == town.pk
    expected = tree.nearest(StatsSetting.objects.all(), county)
    assert found[county.pk] == expected
    assert found[other_town.pk] == expected
    assert tree.nearest_many(StatsSetting.objects.all(), []) == {}


def test_nearest_set_keeps_the_rows_of_one_place(demo):
    chain = _chain()
    StatsSetting.objects.filter(jurisdiction__in=chain).delete()
    StatsSetting.objects.create(jurisdiction=chain[3])
    rows = tree.nearest_set(StatsSetting.objects.all(), chain[-1])
    assert [r.jurisdiction_id for r in rows] == [chain[3].pk]
