"""Every figure of seed 000 §一 (and seed 003 §1's rows) against a town worked out by hand
(tests/stats/fixtures.py lists the units and the arithmetic is in the comments)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from fugong.core.errors import UserError
from fugong.enterprises.choices import Category, Ledger
from fugong.stats import figures as F
from fugong.stats.figures import TOWN_REPORT_ROWS, RowSpec
from tests.stats.fixtures import build_hand_town

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def hand(demo):
    return build_hand_town()


def rows(figures):
    return {key: figures.select(cats) for key, cats in TOWN_REPORT_ROWS}


def test_seed_000_first_section_as_of_a_past_day(hand, user):
    fig = F.compute(user=user("admin"), node=hand.town, day=hand.day, denominator="need")
    total = fig.total
    # 各类经济主体 16 户, 各类型企业 15 户 (less the one 大个体), 用工 731 人.
    assert total.units == 16
    assert fig.enterprises().units == 15
    assert total.employees == 731
    # 复工复产企业 8 家 (resumed on or before the day), 复工人数 375, 返工率 375/731.
    assert total.resumed == 8
    assert total.returned == 375
    assert total.return_rate == Decimal("51.3")
    # 复工率 over the 13 that need to resume: 6/13.
    assert total.need == 13 and total.resumed_need == 6
    assert fig.rate == Decimal("46.2")
    r = rows(fig)
    # 1. 规上工业 4 家, 复工 2 家, 复工率 (need) 1/2, 复工人数 280, 返工率 280/380.
    assert (r["industry_above"].units, r["industry_above"].resumed) == (4, 2)
    assert r["industry_above"].rate("need") == Decimal("50.0")
    assert r["industry_above"].returned == 280
    assert r["industry_above"].return_rate == Decimal("73.7")
    # 2. 限上批发零售业和住宿餐饮业 3 家, 复工 2 家, 66.7%, 复工人数 43.
    t = r["trade_hospitality_above"]
    assert (t.units, t.resumed, t.rate("need"), t.returned) == (3, 2, Decimal("66.7"), 43)
    # 3. 规下、限下复工企业 1 家, 复工人数 12.
    assert (r["below"].resumed, r["below"].returned) == (1, 12)
    # 4. 建设工地 2 个, 复工 0 个 (one resumes two days later), 0%.
    c = r["construction"]
    assert (c.units, c.resumed, c.rate("need"), c.returned) == (2, 0, Decimal("0.0"), 0)
    # 5. 房产销售 1 个, 复工 1 个, 100%, 8 人.
    p = r["property"]
    assert (p.units, p.resumed, p.rate("need"), p.returned) == (1, 1, Decimal("100.0"), 8)


def test_the_denominator_changes_only_the_rate(hand, user):
    fig = F.compute(user=user("admin"), node=hand.town, day=hand.day, denominator="all")
    assert fig.rate == Decimal("50.0")  # 8 / 16
    assert fig.select([Category.INDUSTRY_ABOVE]).rate("all") == Decimal("50.0")  # 2 / 4
    assert fig.total.rate_numerator("all") == 8 and fig.total.rate_denominator("all") == 16
    assert fig.total.rate_numerator("need") == 6 and fig.total.rate_denominator("need") == 13


def test_seed_003_rows_ledgers_and_subsectors(hand, user):
    fig = F.compute(user=user("admin"), node=hand.town, day=hand.day)
    industry = fig.select([Category.INDUSTRY_ABOVE, Category.INDUSTRY_BELOW])
    # 工业企业 5 户: 规上 4, 规下 1; 正常生产 1, 长期停产 1, 需复工 3; 已复工 (need) 2.
    assert industry.units == 5
    assert industry.ledger(Ledger.NORMAL) == 1
    assert industry.ledger(Ledger.CANNOT_RESUME) == 1
    assert industry.need == 3
    assert industry.resumed_need == 2
    assert industry.rate("need") == Decimal("66.7")
    services = {spec.key: fig.row(spec) for spec in F.services_subsectors()}
    assert services["services_L"].units == 1 and services["services_L"].resumed == 1
    assert services["services_P"].units == 1 and services["services_P"].resumed == 0
    assert services["services_other"].units == 1  # 64 is section I
    assert sum(c.units for c in services.values()) == fig.select([Category.SERVICES_ABOVE]).units
    total = fig.total
    assert total.ledgers == {
        Ledger.NORMAL: 2,
        Ledger.CAN_RESUME: 10,
        Ledger.MAY_DELAY: 2,
        Ledger.CANNOT_RESUME: 1,
        "": 1,
    }


def test_today_and_the_new_units(hand, user):
    fig = F.compute(user=user("admin"), node=hand.town, day=hand.today)
    assert fig.total.resumed == 11  # the 8, plus 2 days ago, 1 day ago and today
    assert fig.total.new_resumed == 1
    assert fig.select([Category.CONSTRUCTION_SITE]).returned == 100


def test_children_add_up_to_the_node(hand, user):
    fig = F.compute(user=user("admin"), node=hand.town, day=hand.day)
    by_name = {c.jurisdiction.name: c.cell for c in fig.children}
    assert by_name["甲村"].units == 11 and by_name["甲村"].resumed == 7
    assert by_name["乙村"].units == 5 and by_name["乙村"].resumed == 1
    assert fig.direct.units == 0
    assert Cell_sum(fig) == fig.total.units


def Cell_sum(fig):  # noqa: N802
    return sum(c.cell.units for c in fig.children) + fig.direct.units


def test_trend_matches_compute_on_every_day(hand, user):
    admin = user("admin")
    points = F.trend(user=admin, node=hand.town, end=hand.today, days=8)
    assert [p.day for p in points][-1] == hand.today
    for point in points:
        fig = F.compute(user=admin, node=hand.town, day=point.day)
        assert point.resumed == fig.total.resumed
        assert point.returned == fig.total.returned
        assert point.rate == fig.rate
        assert point.new_resumed == fig.total.new_resumed


def test_scope_town_command_sees_only_its_town(demo, user):
    from fugong.accounts.models import Jurisdiction
    from fugong.enterprises.models import Enterprise

    town_user = user("town01_cmd")
    county = Jurisdiction.objects.get(level="county")
    today = timezone.localdate()
    fig = F.compute(user=town_user, node=county, day=today)
    town = town_user.memberships.get(role="command").jurisdiction
    assert (
        fig.total.units
        == Enterprise.objects.filter(jurisdiction__path__startswith=town.path).count()
    )
    assert [c.jurisdiction for c in fig.children] == [town]


def test_query_count_does_not_grow_with_enterprises(hand, user):
    admin = user("admin")
    F.compute(user=admin, node=hand.town, day=hand.day)  # the user's scope is read once
    with CaptureQueriesContext(connection) as before:
        F.compute(user=admin, node=hand.town, day=hand.day)
        F.trend(user=admin, node=hand.town, end=hand.day)
    build_hand_town("189")  # another 16 enterprises (in another town: same tree depth)
    from fugong.enterprises.models import Enterprise

    for e in Enterprise.objects.filter(jurisdiction__parent__code__endswith="189")[:5]:
        e.jurisdiction = hand.village
        e.save()
    with CaptureQueriesContext(connection) as after:
        F.compute(user=admin, node=hand.town, day=hand.day)
        F.trend(user=admin, node=hand.town, end=hand.day)
    assert len(after) == len(before)


def test_bad_days_are_refused_with_a_sentence(hand):
    with pytest.raises(UserError, match="future"):
        F.check_day(hand.town, hand.today + datetime.timedelta(days=1))
    hand.town.established_on = hand.today - datetime.timedelta(days=10)
    with pytest.raises(UserError, match="established"):
        F.check_day(hand.town, hand.today - datetime.timedelta(days=11))
    F.check_day(hand.town, hand.today - datetime.timedelta(days=10))
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        F.parse_day("3月5日")


def test_setting_decides_the_denominator(hand, user):
    from fugong.stats.services import setting_set

    assert F.denominator_for(hand.village) == "need"
    setting_set(actor=user("admin"), node=hand.town, rate_denominator="all")
    assert F.denominator_for(hand.village) == "all"
    with override_settings(FUGONG_RATE_DENOMINATOR="all"):
        assert F.denominator_for(hand.town.parent) == "all"


def test_a_rowspec_query_lists_its_units(hand, user, client):
    client.force_login(user("admin"))
    for spec in F.category_rows():
        fig = F.compute(user=user("admin"), node=hand.town, day=hand.day)
        count = fig.row(spec).units
        params = {"jurisdiction": hand.town.pk, **spec.query()}
        r = client.get("/enterprises/", params)
        assert r.status_code == 200
        assert r.context["page"].paginator.count == count, spec.key


_ = RowSpec
