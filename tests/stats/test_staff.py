"""Staff figures from the rosters (issue 13 point 5): 返工率 and check-in coverage rolled up
the tree by the statistics layer, in the reader's scope; on the staff figures page with
drill-down, on the dashboard beside the self-reported headcount, and in the reports."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.utils import timezone
from stdnum.cn import ric

from fugong.core.testing import bearer, issue_token, world_fixtures
from fugong.reports import context as C
from fugong.resumption.testing import add_cast, build_casts
from fugong.stats import staff
from fugong.stats.figures import compute
from fugong.workforce import checkins, services
from fugong.workforce.choices import Origin, Symptom, WorkStatus

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()


def number(i: int) -> str:
    body = f"440103{1970 + i % 30}0303{i:03d}"
    return body + ric.calc_check_digit(body + "0")


def hire(c, i, status=WorkStatus.AT_WORK):
    return services.employee_create(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        name=f"统计{i}",
        id_number=number(i),
        origin=Origin.LOCAL,
        work_status=status,
    )


def place(user):
    return user.memberships.get().jurisdiction


def child_cell(figures, node):
    return next(ch.cell for ch in figures.children if ch.jurisdiction.pk == node.pk)


@pytest.fixture(scope="module")
def staffed(_built, django_db_blocker):
    """One enterprise of town 1 with four people: two at work (one checked in this half-day,
    abnormal), one not yet returned, one who left."""
    with django_db_blocker.unblock():
        c = add_cast(_built, "approval", "staff_figures")
        at_work = [hire(c, 1), hire(c, 2)]
        hire(c, 3, WorkStatus.NOT_RETURNED)
        hire(c, 4, WorkStatus.LEFT)
        checkins.checkin_record(
            actor=c.enterprise,
            employee=at_work[0],
            day=TODAY,
            half=checkins.current_half(),
            temperature="37.8",
            symptoms=Symptom.COUGH,
        )
        return c


def test_the_figures_count_each_definition_and_roll_up(staffed, world):
    c = staffed
    town, county = place(c.town_cmd), place(c.county_cmd)
    figures = staff.compute(user=c.county_cmd, node=county, day=TODAY)
    cell = child_cell(figures, town)
    # on the rosters: the three who have not left; at work: two; expected: the two at work
    assert (cell.on_roster, cell.back, cell.expected, cell.checked, cell.abnormal) == (
        3,
        2,
        2,
        1,
        1,
    )
    assert str(cell.return_rate) == "66.7" and cell.coverage == 50
    assert cell.not_checked == 1
    # the county's total is its children's and its own, and equals the town's own figures
    total = figures.total
    assert total.on_roster == sum(ch.cell.on_roster for ch in figures.children) + (
        figures.direct.on_roster
    )
    below = staff.compute(user=c.county_cmd, node=town, day=TODAY).total
    assert (below.on_roster, below.back, below.checked, below.abnormal) == (3, 2, 1, 1)
    # a past day: the rosters as they stand, that day's check-ins (none)
    yesterday = staff.compute(
        user=c.county_cmd, node=town, day=TODAY - datetime.timedelta(days=1)
    ).total
    assert (yesterday.on_roster, yesterday.checked, yesterday.abnormal) == (3, 0, 0)


def test_another_town_sees_none_of_it(staffed, world):
    c = staffed
    town, county = place(c.town_cmd), place(c.county_cmd)
    other = world.county["w_t2_cmd"]
    figures = staff.compute(user=other, node=county, day=TODAY)
    assert all(ch.jurisdiction.pk != town.pk for ch in figures.children)
    assert figures.total.on_roster == 0 and figures.total.abnormal == 0
    # an enterprise user's scope is its own enterprise
    mine = staff.compute(user=c.enterprise, node=county, day=TODAY).total
    assert (mine.on_roster, mine.abnormal) == (3, 1)


def test_the_figures_page_drills_down(staffed, client):
    c = staffed
    town, county = place(c.town_cmd), place(c.county_cmd)
    client.force_login(c.county_cmd)
    page = client.get("/workforce/figures/").content.decode()
    assert town.name in page and f'href="?place={town.pk}"' in page
    assert 'data-testid="staff-definitions"' in page
    down = client.get(f"/workforce/figures/?place={town.pk}")
    assert down.status_code == 200 and "66.7%" in down.content.decode()
    client.force_login(c.town_cmd)
    assert client.get(f"/workforce/figures/?place={county.pk}").status_code == 404


def test_the_dashboard_shows_both_headcounts(staffed, client):
    c = staffed
    town, county = place(c.town_cmd), place(c.county_cmd)
    client.force_login(c.county_cmd)
    page = client.get(f"/stats/?node={county.pk}").content.decode()
    assert 'data-testid="staff-compare"' in page and 'data-testid="staff-table"' in page
    reported = compute(user=c.county_cmd, node=county, day=TODAY).total
    assert f"<b>{reported.employees}</b>" in page  # the self-reported headcount beside it
    assert f"?node={town.pk}" in page  # a town's row leads to its dashboard
    past = (TODAY - datetime.timedelta(days=1)).isoformat()
    page = client.get(f"/stats/?node={county.pk}&day={past}").content.decode()
    assert f"?day={past}&amp;node={town.pk}" in page


def test_the_reports_print_the_rosters_beside_the_reported_headcount(staffed):
    c = staffed
    town = place(c.town_cmd)
    roster = C.roster_context(C.roster_figures(user=c.town_cmd, node=town, day=TODAY))
    assert roster["on_roster"] == 3 and roster["return_rate"] == "66.7%"
    assert roster["text"].startswith("据员工花名册（一人一档）统计，在册员工3人，在岗2人")
    assert "体温异常1人" in roster["text"]
    assert C.roster_context(None)["text"] == ""
    from fugong.reports import narrative

    figures = C.report_figures(user=c.town_cmd, node=town, day=TODAY)
    data, _template = narrative.narrative(
        user=c.town_cmd, node=town, day=TODAY, kind="narrative_town", figures=figures
    )
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert f"返工率{C.pct(figures.total.return_rate)}。据员工花名册" in text


def test_the_api_gives_them_in_the_callers_scope(staffed, world, client):
    c = staffed
    town, county = place(c.town_cmd), place(c.county_cmd)
    answer = client.get(
        f"/api/v1/stats/staff?node={county.pk}",
        headers=bearer(issue_token(client, c.county_cmd.username)),
    )
    assert answer.status_code == 200, answer.content
    out = answer.json()
    mine = next(ch for ch in out["children"] if ch["jurisdiction"]["id"] == town.pk)
    assert (mine["on_roster"], mine["back"], mine["checked"], mine["abnormal"]) == (3, 2, 1, 1)
    assert float(mine["return_rate"]) == 66.7 and out["total"]["on_roster"] >= 3
    other = client.get(
        f"/api/v1/stats/staff?node={town.pk}", headers=bearer(issue_token(client, "w_t2_cmd"))
    )
    assert other.status_code == 404  # another town's office may not ask for this town
