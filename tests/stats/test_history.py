"""The daily snapshots kept (issue 5 §2): each one holds exactly what ``compute`` gives for its
node and day, missing days are taken and taken days are kept, the demo has its 60 days, and a
past day's snapshot stays as it was frozen while later changes show as corrections."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from fugong.accounts.models import Jurisdiction
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Enterprise
from fugong.stats import figures as F
from fugong.stats import tasks
from fugong.stats.models import Snapshot, StatsSetting
from tests.stats.fixtures import build_hand_town, credit_code

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def snapshot_nodes():
    return list(
        Jurisdiction.objects.filter(depth__lte=F.SNAPSHOT_MAX_DEPTH, is_active=True).order_by(
            "path"
        )
    )


def stored(node, day) -> dict:
    return Snapshot.objects.get(jurisdiction=node, day=day).data


def odd_units(hand) -> None:
    """Units that test the edges of the grouping: one at the county itself (the county's
    "direct" units), one without industry, category or ledger, one resumed without a count of
    staff back, and one in a village that is then made inactive (it counts in its town's
    totals but in none of its children)."""
    county = hand.town.parent
    closed = Jurisdiction.objects.create(
        code=hand.town.code + "203", name="丙村", level="village", parent=hand.town
    )
    rows = [
        (county, Category.INDUSTRY_ABOVE, Ledger.CAN_RESUME, 7, hand.day, 5),
        (hand.village, "", "", 3, None, None),
        (hand.other_village, Category.TRADE_ABOVE, Ledger.MAY_DELAY, 9, hand.day - DAY, None),
        (closed, Category.STREET_SHOP, Ledger.NORMAL, 2, hand.day - 5 * DAY, 2),
    ]
    for i, (place, category, ledger, employees, resumed_on, returned) in enumerate(rows):
        Enterprise.objects.create(
            name=f"边界{i}号商行",
            credit_code=credit_code(9000 + i),
            jurisdiction=place,
            category=category,
            industry=None,
            ledger=ledger,
            employee_count=employees,
            resumed_on=resumed_on,
            returned_count=returned,
        )
    Jurisdiction.objects.filter(pk=closed.pk).update(is_active=False)
    # A town that divides by all units: the stored denominator follows the setting.
    StatsSetting.objects.create(jurisdiction=hand.town, rate_denominator="all")


def test_snapshot_holds_exactly_what_compute_gives_for_every_node(demo):
    hand = build_hand_town()
    odd_units(hand)
    days = [
        hand.today - 60 * DAY,
        hand.day - 5 * DAY,
        hand.day - DAY,
        hand.day,
        hand.today - DAY,
        hand.today,
    ]
    nodes = snapshot_nodes()
    assert F.snapshot_take(days=days) == len(nodes) * len(days)
    for day in days:
        for node in nodes:
            expected = F.compute(user=None, node=node, day=day).as_dict()
            assert stored(node, day) == expected, (node.code, day)
    # The edges above are really in what was compared.
    town = stored(hand.town, hand.day)
    assert town["denominator"] == "all"
    assert [c["code"] for c in town["children"]] == [hand.village.code, hand.other_village.code]
    assert sum(c["units"] for c in town["children"]) == 16 + 2  # not the inactive village's
    assert sum(g["units"] for g in town["groups"]) == 16 + 3
    county = stored(hand.town.parent, hand.day)
    assert county["direct"]["units"] == 1 and county["direct"]["resumed"] == 1
    assert {"category": "", "section": ""}.items() <= town["groups"][0].items()


def test_snapshot_take_of_one_day_and_one_subtree_replaces_only_that(demo):
    hand = build_hand_town()
    day = hand.day
    everything = F.snapshot_take(day=day)
    assert everything == len(snapshot_nodes())
    before = {s.jurisdiction_id: s.taken_at for s in Snapshot.objects.filter(day=day)}
    Enterprise.objects.filter(jurisdiction__path__startswith=hand.town.path).update(resumed_on=day)
    assert F.snapshot_take(day=day, root=hand.town) == 1
    after = {s.jurisdiction_id: s.taken_at for s in Snapshot.objects.filter(day=day)}
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == {hand.town.pk}
    assert stored(hand.town, day) == F.compute(user=None, node=hand.town, day=day).as_dict()
    assert stored(hand.town, day)["groups"] and all(
        g["resumed"] == g["units"] for g in stored(hand.town, day)["groups"]
    )


def test_the_demo_has_sixty_days_of_snapshots_for_the_county_and_the_towns(demo):
    yesterday = timezone.localdate() - DAY
    county = Jurisdiction.objects.get(level="county")
    towns = list(county.children.filter(is_active=True))
    assert len(towns) == 8
    for node in [county, *towns]:
        days = list(
            Snapshot.objects.filter(jurisdiction=node).order_by("day").values_list("day", flat=True)
        )
        assert days == [yesterday - i * DAY for i in range(59, -1, -1)], node.code
    assert not Snapshot.objects.filter(day__gte=timezone.localdate()).exists()
    # The demo's season is in them: nothing resumed before it but the units that produced
    # through the festival, more resumed by yesterday, every snapshot as compute gives it
    # (the registry has not changed since the demo was built).
    first = stored(county, yesterday - 59 * DAY)
    last = stored(county, yesterday)
    resumed = sum(g["resumed"] for g in last["groups"])
    assert sum(g["resumed"] for g in first["groups"]) < resumed
    assert last == F.compute(user=None, node=county, day=yesterday).as_dict()
    middle = yesterday - 20 * DAY
    assert stored(towns[0], middle) == F.compute(user=None, node=towns[0], day=middle).as_dict()


def test_ensure_snapshots_takes_only_the_missing_days_and_keeps_the_others(demo):
    yesterday = timezone.localdate() - DAY
    gone = [yesterday - 3 * DAY, yesterday - 10 * DAY]
    kept = yesterday - 4 * DAY
    Snapshot.objects.filter(day__in=gone).delete()
    Snapshot.objects.filter(day=kept).update(data={"frozen": True})
    assert tasks.missing_days() == sorted(gone)
    assert tasks.ensure_snapshots() == sorted(gone)
    for day in gone:
        assert Snapshot.objects.filter(day=day).count() == len(snapshot_nodes())
    # The days it found taken were left as they were frozen, whatever the registry says now.
    kept_data = list(Snapshot.objects.filter(day=kept).values_list("data", flat=True))
    assert kept_data and all(data == {"frozen": True} for data in kept_data)
    # Idempotent, and one query when nothing is missing.
    with CaptureQueriesContext(connection) as queries:
        assert tasks.ensure_snapshots() == []
    assert len(queries) == 1
    # Never today, which has not ended, even if asked for.
    assert tasks.ensure_snapshots(until=timezone.localdate() + DAY, days=2) == []
    assert not Snapshot.objects.filter(day__gte=timezone.localdate()).exists()


def test_the_task_takes_one_day(demo):
    day = timezone.localdate() - 70 * DAY
    assert not Snapshot.objects.filter(day=day).exists()
    result = tasks.take_snapshots.enqueue(day.isoformat())
    assert result.return_value == len(snapshot_nodes())
    assert Snapshot.objects.filter(day=day).count() == len(snapshot_nodes())
    assert tasks.take_snapshots.enqueue(day.isoformat()).return_value == 0  # already taken


def test_the_command_takes_yesterday_by_default_and_is_idempotent(demo):
    yesterday = timezone.localdate() - DAY
    county = Jurisdiction.objects.get(level="county")
    Snapshot.objects.filter(day=yesterday).delete()
    out = StringIO()
    call_command("snapshot", stdout=out)
    assert "Took the snapshots of 1 day(s)" in out.getvalue()
    assert stored(county, yesterday) == F.compute(user=None, node=county, day=yesterday).as_dict()
    taken_at = Snapshot.objects.get(jurisdiction=county, day=yesterday).taken_at
    out = StringIO()
    call_command("snapshot", stdout=out)
    assert "already had their snapshot" in out.getvalue()
    assert Snapshot.objects.get(jurisdiction=county, day=yesterday).taken_at == taken_at
    out = StringIO()
    call_command("snapshot", "--replace", stdout=out)
    assert Snapshot.objects.get(jurisdiction=county, day=yesterday).taken_at > taken_at


def test_the_command_fills_a_gap_of_days(demo):
    last = timezone.localdate() - 80 * DAY
    out = StringIO()
    call_command("snapshot", "--day", last.isoformat(), "--days", "3", stdout=out)
    assert "Took the snapshots of 3 day(s)" in out.getvalue()
    assert sorted(set(Snapshot.objects.filter(day__lte=last).values_list("day", flat=True))) == [
        last - 2 * DAY,
        last - DAY,
        last,
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--day", "2026-13-01"], "is not a date"),
        (["--day", "today"], "is not a date"),
        (["--days", "0"], "--days must be 1 or more"),
    ],
)
def test_the_command_refuses_bad_input_with_a_sentence(demo, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("snapshot", *args, stdout=StringIO())


def test_the_command_refuses_a_day_that_has_not_ended(demo):
    for day in (timezone.localdate(), timezone.localdate() + DAY):
        with pytest.raises(CommandError, match="has not ended yet"):
            call_command("snapshot", "--day", day.isoformat(), stdout=StringIO())
    assert not Snapshot.objects.filter(day__gte=timezone.localdate()).exists()


def test_a_past_day_stays_as_frozen_and_changes_show_as_corrections(demo):
    hand = build_hand_town()
    F.snapshot_take(day=hand.day)
    frozen_before = F.snapshot_get(node=hand.town, day=hand.day)
    assert frozen_before.source == "snapshot"
    # Later, the registry learns better: a unit resumed on the day after all, another that
    # was counted resumed had not, and a unit is registered that existed then.
    units = Enterprise.objects.filter(jurisdiction__path__startswith=hand.town.path)
    late = units.filter(resumed_on=None, category=Category.TRADE_ABOVE)
    assert late.update(resumed_on=hand.day, returned_count=9) == 1
    wrong = units.filter(resumed_on=hand.day, category=Category.SERVICES_ABOVE)
    assert wrong.update(resumed_on=None, returned_count=None) == 1
    Enterprise.objects.create(
        name="补登有限公司",
        credit_code=credit_code(9100),
        jurisdiction=hand.village,
        category=Category.INDUSTRY_ABOVE,
        ledger=Ledger.CAN_RESUME,
        employee_count=11,
    )
    frozen = F.snapshot_get(node=hand.town, day=hand.day)
    assert frozen.as_dict() == frozen_before.as_dict()
    assert frozen.total.resumed == 8 and frozen.total.units == 16
    county = F.snapshot_get(node=hand.town.parent, day=hand.day)
    assert county.as_dict() == stored(hand.town.parent, hand.day)
    live = F.compute(user=None, node=hand.town, day=hand.day)
    found = {
        (c.label, c.figure): (c.reported, c.now) for c in F.corrections(frozen=frozen, live=live)
    }
    total = gettext("Total")
    assert found[(total, "units")] == (16, 17)
    assert (total, "resumed") not in found  # one more and one fewer
    assert found[(total, "returned")] == (375, 375 + 9 - 20)
    trade = str(dict(Category.choices)[Category.TRADE_ABOVE])
    services = str(dict(Category.choices)[Category.SERVICES_ABOVE])
    industry = str(dict(Category.choices)[Category.INDUSTRY_ABOVE])
    assert found[(trade, "resumed")] == (1, 2)
    assert found[(trade, "returned")] == (18, 27)
    assert found[(services, "resumed")] == (2, 1)
    assert found[(services, "returned")] == (32, 12)
    assert found[(industry, "units")] == (4, 5)
    assert found[(industry, "employees")] == (380, 391)
    # Taking the day again would replace it with what is known now: no corrections left.
    F.snapshot_take(day=hand.day, root=hand.town)
    again = F.snapshot_get(node=hand.town, day=hand.day)
    assert (
        F.corrections(frozen=again, live=F.compute(user=None, node=hand.town, day=hand.day)) == []
    )


def test_serve_has_the_worker_take_the_missing_days_at_start_up(demo):
    from fugong.core import registry
    from fugong.core.management.commands.serve import Command

    def at_start_up(command):  # what serve runs before the web server starts
        for task in registry.startup_tasks():
            task(command)

    yesterday = timezone.localdate() - DAY
    Snapshot.objects.filter(day__in=[yesterday, yesterday - 7 * DAY]).delete()
    out = StringIO()
    at_start_up(Command(stdout=out))  # tests run tasks at once (the immediate backend)
    assert "2 past day(s) have no end-of-day snapshot yet" in out.getvalue()
    assert tasks.missing_days() == []
    out = StringIO()
    at_start_up(Command(stdout=out))
    assert out.getvalue() == ""
    from fugong.stats.apps import _catch_up_snapshots

    with CaptureQueriesContext(connection) as queries:
        _catch_up_snapshots(Command(stdout=out))
    assert len(queries) == 1  # the snapshots' part of the start-up, when none is missing
