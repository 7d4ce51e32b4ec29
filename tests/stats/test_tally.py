"""The tally (fugong/stats/tally.py): the figures of a city or a county summed from it equal
the figures computed from the units, after every kind of write to the registry; it is kept
by the database, compacts without changing a figure, and comes back when its triggers go."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fugong.accounts.models import Jurisdiction, User
from fugong.enterprises import services
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Enterprise, Industry
from fugong.stats import figures as F
from fugong.stats import tally
from fugong.stats.models import Tally
from tests.stats.fixtures import build_hand_town, credit_code

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def live_compute(**kwargs) -> F.Figures:
    """``compute`` from the units, as for a user who may not see the whole node."""
    return F.compute(**kwargs, from_units=True)


def tallied_nodes() -> list[Jurisdiction]:
    return list(Jurisdiction.objects.filter(depth__in=F.TALLY_NODE_DEPTHS).order_by("path"))


def assert_agrees(days: list[datetime.date]) -> None:
    """Every node read from the tally: the same figures and trend as from the units, and the
    tally of every tallied node holds the units under it."""
    nodes = tallied_nodes()
    assert nodes and all(F._tallied(None, node) for node in nodes)
    assert F.tally_differences(days) == []
    sums = dict(Tally.objects.values_list("jurisdiction_id").annotate(n=Sum("units")).order_by())
    for node in Jurisdiction.objects.filter(depth__in=tally.TALLY_DEPTHS):
        under = Enterprise.objects.filter(jurisdiction__path__startswith=node.path).count()
        assert sums.get(node.pk, 0) == under, node.code


def test_the_demo_is_tallied_and_the_county_reads_the_tally(demo):
    county = Jurisdiction.objects.get(level="county")
    assert tally.installed()
    assert_agrees([timezone.localdate(), timezone.localdate() - 20 * DAY])
    with CaptureQueriesContext(connection) as captured:
        F.compute(user=None, node=county, day=timezone.localdate())
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "stats_tally" in sql
    rows, summed = tally.read([child.pk for child in county.children.all()])
    assert rows and summed >= len(rows)
    assert all(type(n) is int for row in rows for n in row[5:])  # not Decimal (PostgreSQL)
    assert all(row[4] is None or isinstance(row[4], datetime.date) for row in rows)
    # A town's children are not tallied: its figures come from its units.
    town = Jurisdiction.objects.filter(level="town").first()
    assert not F._tallied(None, town)


def test_a_user_who_sees_only_part_of_the_county_gets_figures_from_the_units(demo, user):
    county = Jurisdiction.objects.get(level="county")
    town_officer = user("town01_cmd")
    assert not F._tallied(town_officer, county)
    assert F._tallied(user("county_cmd"), county)


def test_a_tree_that_breaks_the_levels_is_counted_from_the_units(demo):
    hand = build_hand_town()
    county = hand.town.parent
    assert F._tallied(None, county)
    # A village put straight under the county (written around Jurisdiction.clean).
    Jurisdiction.objects.filter(pk=hand.village.pk).update(parent=county)
    assert not F._tallied(None, county)
    got = F.compute(user=None, node=county, day=hand.today)
    assert got.as_dict() == live_compute(user=None, node=county, day=hand.today).as_dict()


def test_every_kind_of_write_keeps_the_tally_equal_to_the_units(demo):
    hand = build_hand_town()
    today = hand.today
    county = hand.town.parent
    admin = User.objects.get(username="admin")
    units = list(Enterprise.objects.filter(jurisdiction__path__startswith=hand.town.path))
    industries = {i.code: i for i in Industry.objects.filter(level="division")}
    days = [today, hand.day, hand.day - 5 * DAY, today - 50 * DAY]

    # A save of every column, through the services.
    services.enterprise_update(
        actor=admin, enterprise=units[0], employee_count=units[0].employee_count + 11
    )
    services.enterprise_override_category(
        actor=admin, enterprise=units[1], category=Category.SERVICES_ABOVE, reason="核实"
    )
    services.enterprises_set_status(
        actor=admin, enterprise_ids=[u.pk for u in units[2:6]], ledger=Ledger.MAY_DELAY
    )
    services.enterprises_set_status(
        actor=admin,
        enterprise_ids=[u.pk for u in units[6:9]],
        resumed_on=hand.day,
        returned_count=3,
    )
    # QuerySet updates of each counted column, a move to another town, a unit at the county
    # itself, bulk inserts, deletes.
    Enterprise.objects.filter(pk=units[9].pk).update(industry=industries["64"])
    Enterprise.objects.filter(pk=units[10].pk).update(industry=None, category="", ledger="")
    Enterprise.objects.filter(pk=units[11].pk).update(resumed_on=None, returned_count=None)
    other_town = Jurisdiction.objects.filter(level="town").exclude(pk=hand.town.pk).first()
    Enterprise.objects.filter(pk=units[12].pk).update(jurisdiction=other_town)
    Enterprise.objects.filter(pk=units[13].pk).update(jurisdiction=county)
    Enterprise.objects.bulk_create(
        Enterprise(
            name=f"批量{i}号公司",
            credit_code=credit_code(7000 + i),
            jurisdiction=hand.village,
            category=Category.INDUSTRY_ABOVE,
            industry=industries["13"],
            ledger=Ledger.CAN_RESUME,
            employee_count=10 + i,
            resumed_on=hand.day - i * DAY if i % 2 else None,
            returned_count=i if i % 2 else None,
        )
        for i in range(6)
    )
    units[14].delete()
    Enterprise.objects.filter(pk=units[15].pk).delete()
    assert_agrees(days)

    # A change to a column the tally does not count adds no tally rows.
    before = Tally.objects.count()
    Enterprise.objects.filter(pk=units[0].pk).update(contact_phone="13800000000")
    units[0].refresh_from_db()
    units[0].save()
    assert Tally.objects.count() == before


def test_moving_a_town_to_another_county_counts_the_tally_again(demo):
    hand = build_hand_town()
    county = hand.town.parent
    city = county.parent
    second = Jurisdiction.objects.create(
        code=str(int(county.code) + 7), name="新设县", level="county", parent=city
    )
    hand.town.parent = second
    hand.town.code = second.code + hand.town.code[6:]
    hand.town.save()
    assert F.compute(user=None, node=second, day=hand.today).total.units == 16
    assert_agrees([hand.today, hand.day])


def test_compaction_folds_the_rows_and_changes_no_figure(demo):
    hand = build_hand_town()
    units = list(Enterprise.objects.filter(jurisdiction__path__startswith=hand.town.path))
    for unit in units:  # to and fro: rows that sum to nothing
        Enterprise.objects.filter(pk=unit.pk).update(ledger=Ledger.MAY_DELAY)
        Enterprise.objects.filter(pk=unit.pk).update(ledger=unit.ledger)
    Enterprise.objects.filter(pk=units[0].pk).update(resumed_on=hand.day)
    county = hand.town.parent
    before = F.compute(user=None, node=county, day=hand.day).as_dict()
    rows_before = Tally.objects.count()
    left = tally.compact()
    assert left < rows_before
    assert left == Tally.objects.count()
    keys = Tally.objects.values("jurisdiction", "category", "section", "ledger", "resumed_on")
    assert not keys.annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Tally.objects.filter(units=0, employees=0, returned=0).exists()
    assert F.compute(user=None, node=county, day=hand.day).as_dict() == before
    assert_agrees([hand.today, hand.day])


def test_a_reader_that_finds_many_rows_to_fold_queues_a_compaction(demo):
    hand = build_hand_town()
    county = hand.town.parent
    unit = Enterprise.objects.filter(jurisdiction__path__startswith=hand.town.path).first()
    for _ in range(3):
        Enterprise.objects.filter(pk=unit.pk).update(employee_count=unit.employee_count + 1)
        Enterprise.objects.filter(pk=unit.pk).update(employee_count=unit.employee_count)
    from django.core.cache import cache

    cache.delete("stats:tally:compact")
    rows = Tally.objects.count()
    with mock.patch.object(F, "COMPACT_SLACK", 5):
        F.compute(user=None, node=county, day=hand.today)  # the test worker runs it at once
        folded = Tally.objects.count()
        assert folded < rows
        Enterprise.objects.filter(pk=unit.pk).update(employee_count=unit.employee_count + 1)
        Enterprise.objects.filter(pk=unit.pk).update(employee_count=unit.employee_count)
        F.compute(user=None, node=county, day=hand.today)
    assert Tally.objects.count() > folded  # at most once in five minutes


def test_lost_triggers_are_installed_again_and_the_tally_recounted(demo):
    hand = build_hand_town()
    tally.uninstall()
    assert not tally.installed()
    # Writes made without the triggers leave the tally behind …
    Enterprise.objects.filter(jurisdiction__path__startswith=hand.town.path).update(
        ledger=Ledger.CANNOT_RESUME
    )
    county = hand.town.parent
    above = [node.code for node in county.ancestors()]
    assert F.tally_differences([hand.today]) == [*above, county.code]
    # … until install (run after every migrate) puts them back and counts again.
    assert tally.install() is True
    assert tally.installed()
    assert tally.install() is False
    assert_agrees([hand.today, hand.day])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
@pytest.mark.usefixtures("committed_demo")
class TestConcurrentWriters:
    def test_compaction_leaves_the_rows_of_a_transaction_still_open(self):
        """A write not yet committed when the tally is compacted is neither lost nor counted
        twice once it commits (the rows deleted are exactly the rows summed)."""
        import threading

        from django.db import connections, transaction

        county = Jurisdiction.objects.get(level="county")
        today = timezone.localdate()
        unit = Enterprise.objects.filter(jurisdiction__path__startswith=county.path).first()
        written, go_on = threading.Event(), threading.Event()

        def writer():
            try:
                with transaction.atomic():
                    Enterprise.objects.filter(pk=unit.pk).update(
                        employee_count=unit.employee_count + 1000
                    )
                    written.set()
                    go_on.wait(10)
            finally:
                connections.close_all()

        thread = threading.Thread(target=writer)
        thread.start()
        assert written.wait(10)
        tally.compact()  # while the writer's transaction is open
        go_on.set()
        thread.join(10)
        employees = F.compute(user=None, node=county, day=today).total.employees
        assert employees == live_compute(user=None, node=county, day=today).total.employees
        tally.compact()
        assert F.compute(user=None, node=county, day=today).total.employees == employees


def test_the_tally_command_checks_compacts_and_counts_again(demo):
    from io import StringIO

    from django.core.management import CommandError, call_command

    hand = build_hand_town()
    out = StringIO()
    call_command("tally", "--check", stdout=out)
    assert "agrees" in out.getvalue()
    # A row written around the triggers (a restore, a hand edit) is found …
    Tally.objects.create(
        jurisdiction=hand.town,
        category=Category.INDUSTRY_ABOVE,
        section="C",
        ledger=Ledger.CAN_RESUME,
        units=1,
        employees=5,
        returned=0,
    )
    with pytest.raises(CommandError, match=hand.town.parent.code):
        call_command("tally", "--check", stdout=StringIO())
    # … and counted away again.
    call_command("tally", "--rebuild", "--check", stdout=out)
    call_command("tally", stdout=out)
    assert "Compacted the tally" in out.getvalue()
    assert_agrees([hand.today])


def tally_rows() -> list[tuple]:
    """The tally summed by key, without the keys that sum to nothing."""
    rows = (
        Tally.objects.values_list("jurisdiction_id", "category", "section", "ledger", "resumed_on")
        .annotate(u=Sum("units"), e=Sum("employees"), r=Sum("returned"))
        .order_by()
    )
    return sorted((r for r in rows if any(r[5:])), key=repr)


def test_the_upserts_bulk_insert_is_counted_as_a_recount_would_count_it(demo):
    """The upsert inserts new units with ids taken beforehand and counts them at once
    (``inserts_counted``): the tally is what counting every unit again gives, for units at
    each level, with and without an industry, a day, staff back."""
    hand = build_hand_town()
    admin = User.objects.get(username="admin")
    divisions = list(Industry.objects.filter(level="division").order_by("code")[:3])
    places = [hand.village, hand.town, hand.town.parent, hand.village.parent]
    industries = [*divisions, None]
    rows = [
        {
            "name": f"汇总{i}号公司",
            "credit_code": credit_code(8100 + i),
            "jurisdiction": places[i % len(places)],
            "industry": industries[i % len(industries)],
            "ledger": [Ledger.CAN_RESUME, Ledger.MAY_DELAY, ""][i % 3],
            "employee_count": 5 * i,
            "resumed_on": hand.day - i * DAY if i % 2 else None,
            "returned_count": i if i % 4 else None,
        }
        for i in range(24)
    ]
    result = services.enterprises_upsert(actor=admin, rows=rows)
    assert sorted(result.created.values()) == sorted(
        Enterprise.objects.filter(name__startswith="汇总").values_list("pk", flat=True)
    )
    after_insert = tally_rows()
    tally.rebuild()
    assert after_insert == tally_rows()
    assert_agrees([hand.day, hand.day - 3 * DAY])


def test_units_counted_from_their_values_are_counted_as_the_table_would_be(demo):
    """The upsert hands its new units' values to the tally (``BulkInserts._count``), which
    counts them without reading them back: the same rows as counting the table again, for
    places from the grid up to the city (the city and above not tallied), an industry that is
    no division (no section), several places and keys in one flush, in several chunks."""
    hand = build_hand_town()
    admin = User.objects.get(username="admin")
    grid = Jurisdiction.objects.filter(level="grid").first()
    city = Jurisdiction.objects.get(level="county").parent
    places = [grid, grid.parent, hand.village, hand.town, hand.town.parent, city]
    section = Industry.objects.filter(level="section").first()
    industries = [*Industry.objects.filter(level="division").order_by("code")[:2], section, None]
    rows = [
        {
            "name": f"按值{i}号公司",
            "credit_code": credit_code(8400 + i),
            "jurisdiction": places[i % len(places)],
            "industry": industries[i % len(industries)],
            "category": [Category.INDUSTRY_ABOVE, ""][i % 2],
            "ledger": [Ledger.CAN_RESUME, ""][i % 2],
            "employee_count": 3 * i,
            "resumed_on": hand.day if i % 3 else None,
            "returned_count": i if i % 5 else None,
        }
        for i in range(40)
    ]
    with mock.patch.object(services, "UPSERT_CHUNK", 7):
        result = services.enterprises_upsert(actor=admin, rows=rows)
    assert len(result.created) == 40
    counted = tally_rows()
    tally.rebuild()
    assert counted == tally_rows()
    assert_agrees([hand.day])


def test_a_unit_inserted_and_changed_by_one_upsert_is_counted_once(demo):
    """A credit code twice in one upsert, the second time in a later chunk: the unit the first
    chunk inserted (counted at the end with the others) is counted before the second chunk
    changes it, so the tally holds it once, as it ends up."""
    hand = build_hand_town()
    admin = User.objects.get(username="admin")
    first = {
        "name": "两次导入公司",
        "credit_code": credit_code(8200),
        "jurisdiction": hand.village,
        "ledger": Ledger.CAN_RESUME,
        "employee_count": 10,
    }
    others = [
        first | {"name": f"同批{i}号公司", "credit_code": credit_code(8201 + i)} for i in range(3)
    ]
    again = first | {"ledger": Ledger.MAY_DELAY, "employee_count": 30, "resumed_on": hand.day}
    with mock.patch.object(services, "UPSERT_CHUNK", 2):
        result = services.enterprises_upsert(actor=admin, rows=[first, *others, again])
    assert len(result.created) == 4 and len(result.updated) == 1
    after_upsert = tally_rows()
    tally.rebuild()
    assert after_upsert == tally_rows()
    assert_agrees([hand.day])
