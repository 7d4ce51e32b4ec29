"""Vacancies as the statistics layer counts them (``fugong.stats.jobs``, registered by
``fugong/vacancies/figures.py``): against a plain re-computation over the demo county's rows,
per place, within a reader's scope, over a period; and the sentence the reports print."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.reports import context as C
from fugong.stats import jobs
from fugong.vacancies import services
from fugong.vacancies.choices import VacancyStatus
from fugong.vacancies.models import Vacancy
from tests.vacancies.helpers import enterprise_members, make, town_commands

pytestmark = pytest.mark.django_db


def plain(vacancies, day: datetime.date, start: datetime.date | None = None) -> dict:
    """The definitions of fugong/stats/jobs.py, one vacancy at a time."""
    until = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    since = (
        timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)) if start else None
    )
    out = dict(open=0, wanted=0, shortage=0, hiring=set(), posted=0, filled=0)
    for v in vacancies:
        if (
            v.status == VacancyStatus.PUBLISHED
            and v.published_at is not None
            and v.published_at <= until
            and v.expires_on >= day
        ):
            out["open"] += 1
            out["wanted"] += v.headcount
            out["shortage"] += max(v.headcount - v.filled, 0)
            out["hiring"].add(v.enterprise_id)
        if (
            v.published_at is not None
            and v.published_at <= until
            and (since is None or v.published_at >= since)
        ):
            out["posted"] += 1
            out["filled"] += v.filled
    out["hiring"] = len(out["hiring"])
    return out


def cell_of(cell: jobs.JobsCell) -> dict:
    return {
        k: getattr(cell, k) for k in ("open", "wanted", "shortage", "hiring", "posted", "filled")
    }


def test_the_figures_are_the_vacancies_counted_one_by_one(demo):
    members = enterprise_members(2)
    # A post filled lacks nobody; a closed one is not open.
    over = make(members[0], post="质检员", headcount=2)
    services.vacancy_fill(actor=members[0].user, vacancy=over, filled=2)
    closed = make(members[1], post="仓管员", headcount=3)
    services.vacancy_set_status(actor=members[1].user, vacancy=closed, status=VacancyStatus.CLOSED)
    today = timezone.localdate()
    county = Jurisdiction.objects.get(depth=2)
    everything = list(Vacancy.objects.select_related("enterprise__jurisdiction"))
    figures = jobs.compute(user=None, node=county, end=today)
    expected = plain(everything, today)
    assert cell_of(figures.total) == expected
    assert expected["open"] > 20 and expected["shortage"] > 0
    # Each town's row is its own enterprises' vacancies.
    for row in figures.children:
        mine = [
            v
            for v in everything
            if v.enterprise.jurisdiction.path.startswith(row.jurisdiction.path)
        ]
        assert cell_of(row.cell) == plain(mine, today), row.name
    # By industry section: every open vacancy in one section, the largest shortage first.
    assert sum(s.open for s in figures.by_section) == expected["open"]
    shortages = [s.shortage for s in figures.by_section]
    assert shortages == sorted(shortages, reverse=True)


def test_a_town_reader_counts_its_own_town_only(demo):
    town = town_commands()[0]
    today = timezone.localdate()
    mine = [
        v
        for v in Vacancy.objects.select_related("enterprise__jurisdiction")
        if v.enterprise.jurisdiction.path.startswith(town.jurisdiction.path)
    ]
    county = Jurisdiction.objects.get(depth=2)
    figures = jobs.compute(user=town.user, node=county, end=today)
    assert cell_of(figures.total) == plain(mine, today)
    assert [r.jurisdiction.pk for r in figures.children] == [town.jurisdiction.pk]


def test_a_period_counts_what_was_posted_in_it_and_what_was_open_at_its_end(demo):
    member = enterprise_members(1)[0]
    v = make(member, post="叉车司机", headcount=4)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    Vacancy.objects.filter(pk=v.pk).update(published_at=week_ago)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=2)
    everything = list(Vacancy.objects.all())
    figures = jobs.compute(user=None, start=start, end=today)
    assert cell_of(figures.total) == plain(everything, today, start)
    # Ten days ago it was not yet published: not open then.
    before = today - datetime.timedelta(days=10)
    assert jobs.compute(user=None, end=before).total.open == plain(everything, before)["open"]


def test_the_reports_say_it(demo):
    county = Jurisdiction.objects.get(depth=2)
    today = timezone.localdate()
    figures = C.jobs_figures(user=None, node=county, day=today)
    text = C.jobs_context(figures)["text"]
    total = figures.total
    assert text.startswith(
        f"截至{today.month}月{today.day}日，在库空岗{total.open}个、缺工{total.shortage}人"
    )


def test_the_api_gives_them_within_the_reader_scope(demo, client):
    from fugong.core.testing.api import bearer, issue_token
    from tests.conftest import DEMO_PASSWORD

    town = town_commands()[0]
    token = issue_token(client, town.user.username, DEMO_PASSWORD)
    node = town.jurisdiction
    answer = client.get(f"/api/v1/stats/jobs?node={node.pk}", headers=bearer(token))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    figures = jobs.compute(user=town.user, node=node, end=timezone.localdate())
    assert {n: body["total"][n] for n in ("open", "shortage", "posted", "filled")} == {
        n: getattr(figures.total, n) for n in ("open", "shortage", "posted", "filled")
    }
    assert len(body["children"]) == len(figures.children) and body["by_section"]
    bad = client.get(
        f"/api/v1/stats/jobs?node={node.pk}&start=2026-12-31&end=2026-01-01",
        headers=bearer(token),
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_period"
    other = town_commands()[-1]
    assert other.jurisdiction_id != node.pk
    hidden = client.get(f"/api/v1/stats/jobs?node={other.jurisdiction.pk}", headers=bearer(token))
    assert hidden.status_code == 404


def test_the_dashboard_shows_them(demo, client):
    town = town_commands()[0]
    client.force_login(town.user)
    page = client.get(f"/stats/?node={town.jurisdiction.pk}").content.decode()
    figures = jobs.compute(user=town.user, node=town.jurisdiction, end=timezone.localdate())
    assert 'data-testid="jobs-tiles"' in page and "用工与班车" in page
    assert f'data-testid="jobs-open">{figures.total.open}<' in page
    assert f'data-testid="jobs-shortage">{figures.total.shortage}<' in page
    assert f'data-testid="jobs-brought-back">{figures.total.brought_back}<' in page


def test_a_department_without_a_place_is_told_why_it_sees_no_figures(demo, client):
    from fugong.core.testing.api import bearer, issue_token
    from tests.conftest import DEMO_PASSWORD
    from tests.vacancies.helpers import hr_member

    bureau = hr_member()
    token = issue_token(client, bureau.user.username, DEMO_PASSWORD)
    answer = client.get("/api/v1/stats/jobs", headers=bearer(token))
    assert answer.status_code == 404
    assert "没有可查看统计数据的辖区" in answer.json()["message"]


def test_the_bureau_and_a_town_see_the_shortage_by_place_and_industry_on_the_vacancy_list(
    demo, client
):
    from tests.vacancies.helpers import hr_member

    bureau = hr_member()
    client.force_login(bureau.user)
    page = client.get("/vacancies/").content.decode()
    figures = jobs.compute(user=None, node=bureau.office.jurisdiction)
    assert 'data-testid="vacancy-figures"' in page
    assert f"在库空岗{figures.total.open}个，缺工{figures.total.shortage}人" in page
    town = town_commands()[0]
    client.force_login(town.user)
    page = client.get("/vacancies/").content.decode()
    mine = jobs.compute(user=town.user, node=town.jurisdiction)
    assert f"{town.jurisdiction.name}：在库空岗{mine.total.open}个" in page
