"""The dashboard of each level (/stats/): who may see which node, bad days, the figures
against the hand-computed town, every count against the list it links to, the reported
figures against the registry, and a query count that does not grow with the enterprises."""

from __future__ import annotations

import datetime
import html
import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import command_jurisdictions
from fugong.core.errors import UserError
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Enterprise, Industry
from fugong.reporting import services as reporting_services
from fugong.stats import figures as F
from fugong.stats import services
from fugong.stats.views_dashboard import denominator_text
from tests.stats.fixtures import build_hand_town, credit_code

pytestmark = pytest.mark.django_db

URL = reverse("stats:dashboard")
COUNT_LINK = re.compile(r'<a href="([^"]+)" data-count="(\d+)"')


@pytest.fixture
def hand(demo):
    return build_hand_town()


def county() -> Jurisdiction:
    return Jurisdiction.objects.get(level="county")


def town_of(user) -> Jurisdiction:
    return command_jurisdictions(user)[0]


def get(client, node: Jurisdiction | None = None, day: datetime.date | str | None = None):
    params = {}
    if node is not None:
        params["node"] = node.pk
    if day is not None:
        params["day"] = day if isinstance(day, str) else day.isoformat()
    return client.get(URL, params)


def section(content: str, testid: str) -> str:
    """The HTML of the element with ``data-testid=testid`` up to the end of its table."""
    start = content.index(f'data-testid="{testid}"')
    end = content.find("</table>", start)
    return content[start : end if end >= 0 else len(content)]


def count_links(content: str) -> list[tuple[str, int]]:
    return [(html.unescape(href), int(n)) for href, n in COUNT_LINK.findall(content)]


def shown(text) -> str:
    """``text`` as the page shows it: in the page's language (the default, as the test client
    sends no language), HTML-escaped."""
    with translation.override(settings.LANGUAGE_CODE):
        return html.escape(str(text() if callable(text) else text))


def error_of(call) -> str:
    """The sentence of the UserError ``call`` raises, as the page shows it."""
    with translation.override(settings.LANGUAGE_CODE):
        with pytest.raises(UserError) as exc:
            call()
        return html.escape(exc.value.message)


def trend_data(content: str) -> dict:
    match = re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', content)
    assert match, "no trend data on the page"
    return json.loads(match.group(1))


# ---------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize(
    ("username", "which"),
    [
        ("county_cmd", "county"),
        ("county_cmd", "town01"),
        ("admin", "county"),
        ("admin", "town01"),
        ("town01_cmd", "town01"),
    ],
)
def test_dashboard_renders_for_those_who_see_the_node(client, login, user, username, which):
    login(username)
    node = county() if which == "county" else town_of(user("town01_cmd"))
    response = get(client, node)
    assert response.status_code == 200
    content = response.content.decode()
    assert node.name in content
    for testid in ("tiles", "category-table", "trend-chart", "denominator", "day-form"):
        assert f'data-testid="{testid}"' in content
    if which == "county":
        assert 'data-testid="child-table"' in content
        assert 'data-testid="child-chart"' in content
        # Every visible town is a row, linking to its own dashboard.
        for town in county().children.filter(is_active=True):
            assert f"{URL}?node={town.pk}" in content


def test_the_default_node_is_the_users_own(client, login, user):
    login("county_cmd")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["node"] == county()
    town = town_of(user("town01_cmd"))
    login("town01_cmd")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["node"] == town
    # A town office's breadcrumb does not show the county it may not see.
    assert response.context["ancestors"] == []


def test_a_town_office_gets_404_for_the_county_and_another_town(client, login, user):
    login("town01_cmd")
    other = town_of(user("town02_cmd"))
    for node in (county(), other):
        response = get(client, node)
        assert response.status_code == 404
        content = response.content.decode()
        assert 'data-testid="dashboard-error"' in content
        assert f'value="{node.pk}"' not in content  # no form for a node the user may not see
        assert other.name not in content  # nothing of the node leaks


@pytest.mark.parametrize("asked", ["abc", "0", "99999999999", "-3"])
def test_a_node_that_does_not_exist_is_a_404_with_a_sentence(client, login, asked):
    login("county_cmd")
    response = client.get(URL, {"node": asked})
    assert response.status_code == 404
    assert 'data-testid="dashboard-error"' in response.content.decode()


@pytest.mark.parametrize("username", ["town01_ent1", "town01_jmb", "town01_grid"])
def test_other_roles_may_not_open_the_dashboard(client, login, username):
    login(username)
    assert client.get(URL).status_code == 403
    assert get(client, county()).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# ---------------------------------------------------------------------------- bad days


def test_bad_days_give_the_sentence_and_keep_the_form(client, login):
    login("county_cmd")
    node = county()
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    cases = [
        ("2026-13-45", error_of(lambda: F.parse_day("2026-13-45"))),
        ("yesterday", error_of(lambda: F.parse_day("yesterday"))),
        (tomorrow.isoformat(), error_of(lambda: F.check_day(node, tomorrow))),
    ]
    for value, sentence in cases:
        response = get(client, node, value)
        assert response.status_code == 400, value
        content = response.content.decode()
        assert sentence in content
        assert 'data-testid="day-form"' in content
        assert f'value="{value}"' in content  # what the user typed is kept
        assert 'data-testid="category-table"' not in content


def test_a_day_before_the_node_existed_is_refused(client, login, hand):
    login("county_cmd")
    hand.town.established_on = hand.today - datetime.timedelta(days=10)
    hand.town.save(update_fields=["established_on"])
    early = hand.today - datetime.timedelta(days=11)
    response = get(client, hand.town, early)
    assert response.status_code == 400
    content = response.content.decode()
    assert error_of(lambda: F.check_day(hand.town, early)) in content
    assert 'data-testid="day-form"' in content
    assert get(client, hand.town, hand.today - datetime.timedelta(days=10)).status_code == 200


# ---------------------------------------------------------------------------- the figures


def test_the_hand_town_figures_on_a_past_day(client, login, hand):
    login("county_cmd")
    response = get(client, hand.town, hand.day)
    assert response.status_code == 200
    content = response.content.decode()
    tiles = dict(re.findall(r'data-testid="tile-([a-z_:]+)">.*?data-count="(\d+)"', content, re.S))
    # tests/stats/test_figures.py: 16 units, 13 need, 8 resumed (6 of those that need).
    assert tiles["units"] == "16"
    assert tiles["need"] == "13"
    assert tiles["resumed"] == "8"
    assert tiles["ledger:normal"] == "2" and tiles["ledger:cannot_resume"] == "1"
    assert "46.2%" in section(content, "tiles")
    assert 'data-denominator="need"' in content
    assert shown(lambda: denominator_text("need")) in content
    category = section(content, "category-table")
    assert 'data-row="services_L"' in category and 'data-row="total"' in category
    # The villages of the town are its children, linking down to their dashboards.
    child = section(content, "child-table")
    assert hand.village.name in child and hand.other_village.name in child
    day = hand.day.isoformat()
    assert html.escape(f"{URL}?node={hand.village.pk}&day={day}") in child
    # Drill up: the breadcrumb leads to the county's dashboard on the same day.
    crumbs = content[content.index('data-testid="breadcrumb"') :]
    assert html.escape(f"{URL}?node={county().pk}&day={day}") in crumbs[: crumbs.index("</ol>")]
    # The trend ends on the day with the day's figures.
    data = trend_data(content)
    assert len(data["days"]) == 60 and data["days"][-1] == day
    assert data["series"][0]["data"][-1] == 8
    assert data["series"][1]["data"][-1] == 46.2


def test_the_page_says_which_denominator_it_uses(client, login, user, hand):
    services.setting_set(actor=user("admin"), node=hand.town, rate_denominator="all")
    login("county_cmd")
    content = get(client, hand.town, hand.day).content.decode()
    assert 'data-denominator="all"' in content
    assert shown(lambda: denominator_text("all")) in content
    assert "50.0%" in section(content, "tiles")  # 8 / 16


def assert_every_count_matches_its_list(client, content: str, testids: list[str]) -> int:
    checked = 0
    for testid in testids:
        links = count_links(section(content, testid))
        assert links, f"no count links in {testid}"
        for href, shown in links:
            assert href.startswith(reverse("enterprises:list") + "?")
            response = client.get(href)
            assert response.status_code == 200, href
            assert response.context["page"].paginator.count == shown, (testid, href)
            checked += 1
    return checked


@pytest.mark.parametrize("when", ["past", "today"])
def test_every_count_leads_to_a_list_of_that_many_rows(client, login, hand, when):
    login("county_cmd")
    day = hand.day if when == "past" else hand.today
    content = get(client, hand.town, day).content.decode()
    checked = assert_every_count_matches_its_list(
        client, content, ["tiles", "ledger-tiles", "category-table", "child-table"]
    )
    assert checked > 100
    # The counts are not all zero: the lists have rows.
    shown = [n for _href, n in count_links(section(content, "category-table"))]
    assert sum(shown) > 0


def test_a_node_with_nothing_under_it_has_no_breakdown(client, login, hand):
    login("county_cmd")
    content = get(client, hand.village, hand.day).content.decode()
    assert 'data-testid="child-table"' not in content
    assert 'data-testid="child-chart"' not in content
    assert_every_count_matches_its_list(client, content, ["tiles", "category-table"])
    # 甲村 holds 11 of the hand town's 16 units (five are in 乙村).
    assert 'data-testid="tile-units"' in content
    assert re.search(r'data-testid="tile-units">.*?data-count="11"', content, re.S)


def test_every_count_of_the_county_and_of_a_town_office_matches_its_list(client, login, user):
    login("county_cmd")
    content = get(client, county()).content.decode()
    assert_every_count_matches_its_list(client, content, ["tiles", "child-table"])
    login("town01_cmd")
    content = get(client, town_of(user("town01_cmd"))).content.decode()
    assert_every_count_matches_its_list(client, content, ["tiles", "category-table"])


# ---------------------------------------------------------------------------- reported vs now


def test_nothing_frozen_says_the_figures_are_recomputed(client, login, hand):
    login("county_cmd")
    content = get(client, hand.town, hand.day).content.decode()
    assert 'data-source="live"' in content
    assert 'data-testid="corrections"' not in content


def test_a_snapshot_then_a_correction_is_shown_as_a_correction(client, login, hand):
    F.snapshot_take(day=hand.day, root=hand.town)
    login("county_cmd")
    content = get(client, hand.town, hand.day).content.decode()
    assert 'data-source="snapshot"' in content
    assert 'data-testid="no-corrections"' in content
    # A unit found later to have resumed two days before the day.
    late = Enterprise.objects.get(
        jurisdiction=hand.village, category=Category.TRADE_ABOVE, resumed_on=None
    )
    late.resumed_on = hand.day - datetime.timedelta(days=2)
    late.returned_count = 7
    late.save(update_fields=["resumed_on", "returned_count"])
    content = get(client, hand.town, hand.day).content.decode()
    panel = content[content.index('data-testid="corrections"') :]
    rows = re.findall(
        r'<tr data-testid="correction" data-figure="(\w+)"><td>(.*?)</td><td>.*?</td>'
        r'<td class="text-end">(\d+)</td><td class="text-end">(\d+)</td>',
        panel,
    )
    reported_now = {(label, figure): (int(a), int(b)) for figure, label, a, b in rows}
    total = shown(lambda: gettext("Total"))
    trade = shown(Category.TRADE_ABOVE.label)
    assert reported_now[(total, "resumed")] == (8, 9)
    assert reported_now[(total, "resumed_need")] == (6, 7)
    assert reported_now[(total, "returned")] == (375, 382)
    assert reported_now[(trade, "resumed")] == (1, 2)
    assert (total, "units") not in reported_now  # only what changed


def test_a_submission_is_the_reported_figures(client, login, user, hand):
    reporting_services.submission_submit(actor=user("admin"), node=hand.town, day=hand.day)
    login("county_cmd")
    content = get(client, hand.town, hand.day).content.decode()
    assert 'data-source="submission"' in content


# ---------------------------------------------------------------------------- speed


def add_enterprises(town: Jurisdiction, n: int, start: int) -> None:
    industries = list(Industry.objects.filter(level="division")[:5])
    categories = list(Category.values)
    ledgers = list(Ledger.values)
    today = timezone.localdate()
    for i in range(n):
        k = start + i
        Enterprise.objects.create(
            name=f"加测{k}号有限公司",
            credit_code=credit_code(k),
            jurisdiction=town,
            category=categories[i % len(categories)],
            industry=industries[i % len(industries)],
            ledger=ledgers[i % len(ledgers)],
            employee_count=10 + i,
            resumed_on=today - datetime.timedelta(days=i % 20) if i % 3 else None,
            returned_count=5 if i % 3 else None,
        )


@pytest.mark.parametrize("username", ["county_cmd", "admin"])
def test_the_query_count_does_not_grow_with_the_enterprises(client, login, user, username):
    login(username)
    node = county()
    day = timezone.localdate() - datetime.timedelta(days=1)
    F.snapshot_take(day=day, root=node)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = get(client, node, day)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm-up: the session's first refresh and the per-process industry sections
    before = queries()
    towns = list(node.children.filter(is_active=True)[:3])
    for j, town in enumerate(towns):
        add_enterprises(town, 40, 900_000 + j * 100)
    after = queries()
    assert after == before
    assert before < 40


RESUMED_NEED_CELL = re.compile(
    r'<tr data-row="([^"]+)"(?:(?!</tr>).)*?data-column="resumed_need"><a href="[^"]+" '
    r'data-count="(\d+)"',
    re.S,
)


def test_the_tables_show_the_daily_reports_resumed_of_those_that_need_to(client, login, user, hand):
    """Issue 10 §6: the 日报's 其中需复工单位已复工 column, under the same heading and from the
    same figures, in the category and the children's tables (each a link to its list)."""
    from fugong.reports.xlsx import FIGURE_HEADERS, figure_values

    login("county_cmd")
    content = get(client, hand.town, hand.day).content.decode()
    fig = F.compute(user=user("county_cmd"), node=hand.town, day=hand.day)
    index = FIGURE_HEADERS.index("其中需复工单位已复工")
    cells = {spec.key: fig.row(spec) for spec in F.category_rows()}
    cells["total"] = fig.total
    for testid in ("category-table", "child-table"):
        table = section(content, testid)
        assert f">{FIGURE_HEADERS[index]}</th>" in table, testid
        found = dict(RESUMED_NEED_CELL.findall(table))
        assert found["total"] == str(fig.total.resumed_need) == "6", testid
    found = dict(RESUMED_NEED_CELL.findall(section(content, "category-table")))
    assert len(found) > 3
    for key, n in found.items():
        assert int(n) == figure_values(cells[key], fig.denominator)[index], key
