"""The vacancy pages: the government list with its filters and the shortage summed for the
filter, a form that keeps what was typed when a rule is broken, publishing, closing and the
number filled, the board setting, and both languages."""

from __future__ import annotations

import pytest
from django.conf import settings

from fugong.vacancies.choices import VacancyStatus
from fugong.vacancies.models import BoardSetting, Vacancy
from tests.vacancies.helpers import enterprise_members, make, town_of

pytestmark = pytest.mark.django_db

FORM = {"post": "数控操作工", "headcount": "5", "filled": "0", "pay_min": "9000",
        "pay_max": "6000", "address": "工业园区8号", "skills": "能看懂图纸", "contact_name": "周经理",
        "contact_phone": "13700001111", "action": "publish"}  # fmt: skip


def test_the_form_keeps_what_was_typed_when_a_rule_is_broken(demo, client):
    (a,) = enterprise_members(1)
    client.force_login(a.user)
    response = client.post("/vacancies/new/", FORM)
    assert response.status_code == 400
    page = response.content.decode()
    assert "下限高于上限" in page
    for typed in ("数控操作工", "工业园区8号", "能看懂图纸", "周经理", "13700001111", "9000"):
        assert typed in page
    assert not Vacancy.objects.filter(post="数控操作工", enterprise=a.enterprise,
                                      address="工业园区8号").exists()  # fmt: skip
    # A rule only the service checks (a date in the past) is said beside the same form.
    response = client.post(
        "/vacancies/new/", {**FORM, "pay_max": "12000", "expires_on": "2001-01-01"}
    )
    assert response.status_code == 400 and "该日期已过" in response.content.decode()
    assert "工业园区8号" in response.content.decode()


def test_an_enterprise_posts_publishes_fills_and_closes(demo, client):
    (a,) = enterprise_members(1)
    client.force_login(a.user)
    response = client.post("/vacancies/new/", {**FORM, "pay_max": "12000"})
    assert response.status_code == 302
    v = Vacancy.objects.get(post="数控操作工", address="工业园区8号")
    assert v.status == VacancyStatus.PUBLISHED and v.enterprise == a.enterprise
    assert (
        client.post(
            f"/vacancies/{v.pk}/filled/", {"filled": "3", "revision": v.revision}
        ).status_code
        == 302
    )
    v.refresh_from_db()
    assert v.filled == 3
    client.post(f"/vacancies/{v.pk}/filled/", {"filled": "99", "revision": v.revision})
    v.refresh_from_db()
    assert v.filled == 3
    assert client.post(f"/vacancies/{v.pk}/status/", {"status": "closed"}).status_code == 302
    v.refresh_from_db()
    assert v.status == VacancyStatus.CLOSED
    assert client.post(f"/vacancies/{v.pk}/status/", {"status": "nonsense"}).status_code == 302
    page = client.get(f"/vacancies/{v.pk}/").content.decode()
    assert 'data-testid="history"' in page
    edit = client.post(f"/vacancies/{v.pk}/edit/", {**FORM, "pay_max": "12000", "headcount": "6",
                       "revision": v.revision + 5, "action": "save"})  # fmt: skip
    assert edit.status_code == 409 and "工业园区8号" in edit.content.decode()


def test_the_enterprise_turns_the_board_off_and_on(demo, client):
    (a,) = enterprise_members(1)
    client.force_login(a.user)
    assert client.get("/vacancies/board/").status_code == 200
    client.post("/vacancies/board/", {})
    assert BoardSetting.objects.get(enterprise=a.enterprise).public is False
    client.post("/vacancies/board/", {"public": "on"})
    assert BoardSetting.objects.get(enterprise=a.enterprise).public is True


def test_the_government_list_filters_and_sums_the_shortage(demo, client):
    (a,) = enterprise_members(1)
    make(a, post="统计岗位", headcount=10, filled=3)
    town = town_of(a.enterprise)
    client.force_login(town.user)
    page = client.get("/vacancies/?q=统计岗位&status=open").content.decode()
    assert "统计岗位" in page
    totals = page[page.index('data-testid="vacancy-totals"') :][:300]
    assert "空岗 7 个" in totals and "需求 10 人" in totals
    for query in ("?status=zzz", "?place=abc", "?industry=%00", "?page=abc", "?q=" + "长" * 300):
        assert client.get("/vacancies/" + query).status_code == 200
    section = a.enterprise.industry.section_code if a.enterprise.industry else ""
    if section:
        assert "统计岗位" in client.get(f"/vacancies/?industry={section}").content.decode()


def test_pages_are_in_chinese_by_default_and_english_by_choice(demo, client):
    (a,) = enterprise_members(1)
    v = make(a)
    client.force_login(a.user)
    for url in ("/vacancies/", "/vacancies/new/", f"/vacancies/{v.pk}/", "/vacancies/board/"):
        page = client.get(url).content.decode()
        assert "空岗信息" in page or "发布岗位" in page or "招聘平台" in page, url
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/vacancies/").content.decode()
    assert "Vacancies" in page and "空岗信息" not in page
    assert "Save and publish" in client.get("/vacancies/new/").content.decode()
