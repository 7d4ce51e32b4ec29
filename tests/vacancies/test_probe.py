"""What a new user's probe found: the bureau posts for an enterprise through a chooser, the
place with its town, long text that wraps, the shortage named as such, the status words, the
form's messages, the history without internal fields."""

from __future__ import annotations

import pytest

from fugong.enterprises.models import Enterprise
from fugong.vacancies.models import Vacancy
from tests.vacancies.helpers import enterprise_members, hr_member, make, other_town, town_of

pytestmark = pytest.mark.django_db

FORM = {"post": "叉车司机", "headcount": "4", "filled": "1", "action": "publish"}


def test_the_bureau_chooses_an_enterprise_of_its_reach_and_posts(demo, client):
    hr = hr_member()
    a, b = enterprise_members(2)
    # The bureau's reach narrowed to a's town: an enterprise of another town is outside.
    office = hr.office
    office.jurisdiction = town_of(a.enterprise).jurisdiction
    office.save(update_fields=["jurisdiction"])
    outside = (
        Enterprise.objects.exclude(jurisdiction__path__startswith=office.jurisdiction.path)
        .order_by("pk")
        .first()
    )
    assert outside is not None and other_town(a.enterprise)
    client.force_login(hr.user)
    page = client.get("/vacancies/").content.decode()
    assert 'data-testid="vacancy-new"' in page
    response = client.get("/vacancies/new/")
    assert response.status_code == 200
    assert 'data-testid="enterprise-chooser"' in response.content.decode()
    found = client.get("/vacancies/new/", {"q": a.enterprise.name}).content.decode()
    assert f"/vacancies/new/?enterprise={a.enterprise_id}" in found
    by_code = client.get("/vacancies/new/", {"q": a.enterprise.credit_code}).content.decode()
    assert f"/vacancies/new/?enterprise={a.enterprise_id}" in by_code
    not_found = client.get("/vacancies/new/", {"q": outside.name}).content.decode()
    assert f'?enterprise={outside.pk}"' not in not_found
    assert client.get(f"/vacancies/new/?enterprise={a.enterprise_id}").status_code == 200
    response = client.post(f"/vacancies/new/?enterprise={a.enterprise_id}", FORM)
    assert response.status_code == 302
    assert Vacancy.objects.filter(enterprise=a.enterprise, post="叉车司机").exists()
    assert client.get(f"/vacancies/new/?enterprise={outside.pk}").status_code == 404
    assert client.post(f"/vacancies/new/?enterprise={outside.pk}", FORM).status_code == 404
    assert not Vacancy.objects.filter(enterprise=outside, post="叉车司机").exists()


def test_an_enterprise_user_still_goes_straight_to_the_form(demo, client):
    (a,) = enterprise_members(1)
    client.force_login(a.user)
    page = client.get("/vacancies/new/").content.decode()
    assert 'data-testid="vacancy-form"' in page


def test_the_place_is_shown_with_its_town_in_the_list_the_page_and_the_api(demo, client):
    from fugong.accounts.models import Jurisdiction
    from fugong.core.testing import bearer, issue_token
    from fugong.vacancies.services import place_texts
    from tests.conftest import DEMO_PASSWORD

    (a,) = enterprise_members(1)
    place = (
        Jurisdiction.objects.filter(
            depth=4, path__startswith=town_of(a.enterprise).jurisdiction.path
        )
        .select_related("parent")
        .order_by("path")
        .first()
    )
    v = make(a, post="包装工", place=place)
    text = place_texts([place.pk])[place.pk]
    assert text == f"{place.parent.name}{place.name}"
    assert v.place_text == text
    client.force_login(a.user)
    assert text in client.get("/vacancies/").content.decode()
    assert text in client.get(f"/vacancies/{v.pk}/").content.decode()
    headers = bearer(issue_token(client, a.user.username, DEMO_PASSWORD))
    one = client.get(f"/api/v1/vacancies/{v.pk}", headers=headers).json()
    assert one["place"] == text and one["place_id"] == place.pk
    items = client.get("/api/v1/vacancies", headers=headers).json()["items"]
    assert next(i for i in items if i["id"] == v.pk)["place"] == text


def test_long_unbroken_text_wraps_on_the_public_and_the_office_page(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="搬运工", address="甲" * 200, skills="x" * 2000)
    page = client.get(f"/open/jobs/{v.pk}/").content.decode()
    assert 'data-testid="board-detail"' in page
    dl = page[page.index("<dl") : page.index('data-testid="board-detail"')]
    assert "text-break" in dl and "overflow-wrap:anywhere" in dl
    client.force_login(a.user)
    page = client.get(f"/vacancies/{v.pk}/").content.decode()
    assert '<dl class="row small mb-2 text-break" style="overflow-wrap:anywhere"' in page


def test_the_board_says_what_is_still_lacking_and_the_page_both(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="质检员甲", headcount=30, filled=8)
    rows = client.get("/open/jobs/", {"q": "质检员甲"}).content.decode()
    assert "尚缺 22 人" in rows and "招 22 人" not in rows
    page = client.get(f"/open/jobs/{v.pk}/").content.decode()
    assert "招聘人数" in page and "30" in page and "已招 8 人，尚缺 22 人" in page


def test_the_status_words_and_the_new_vacancy_button(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="仓管员甲")
    client.force_login(a.user)
    page = client.get(f"/vacancies/{v.pk}/").content.decode()
    assert "新增岗位" in page and "发布岗位" not in page
    assert "招聘中" in page
    client.post(f"/vacancies/{v.pk}/status/", {"status": "closed"})
    page = client.get(f"/vacancies/{v.pk}/").content.decode()
    assert "停止招聘" in page and "已办结" not in page
    hr = hr_member()
    client.force_login(hr.user)
    page = client.get("/vacancies/").content.decode()
    assert "已公开" not in page
    assert "招聘中（未过期）" in page and "招聘中（含已过期）" in page and "停止招聘" in page


def test_the_forms_messages(demo, client):
    (a,) = enterprise_members(1)
    client.force_login(a.user)
    page = client.post("/vacancies/new/", {**FORM, "headcount": "-1"}).content.decode()
    assert "大于或等于1" in page and "大于或等于0" not in page
    page = client.post("/vacancies/new/", {**FORM, "post": "电工\x00"}).content.decode()
    assert "含有不允许的字符" in page and "空字符串" not in page


def test_an_import_rows_reasons_are_joined_cleanly():
    from django.utils import translation

    from fugong.vacancies.importer import joined

    with translation.override("zh-hans"):
        assert (
            joined(["岗位：请填写。", "招聘人数：不是数字。"])
            == "岗位：请填写；招聘人数：不是数字。"
        )
    with translation.override("en"):
        assert joined(["Post: empty.", "People: no."]) == "Post: empty; People: no."


def test_the_history_hides_bookkeeping_and_an_empty_filled_keeps_the_number(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="缝纫工甲", headcount=6, filled=2)
    client.force_login(a.user)
    form = {
        "post": "缝纫工甲", "headcount": "6", "filled": "", "action": "publish",
        "revision": v.revision,
    }  # fmt: skip
    assert client.post(f"/vacancies/{v.pk}/edit/", form).status_code == 302
    v.refresh_from_db()
    assert v.filled == 2
    client.post(f"/vacancies/{v.pk}/filled/", {"filled": "", "revision": v.revision})
    v.refresh_from_db()
    assert v.filled == 2
    client.post(f"/vacancies/{v.pk}/filled/", {"filled": "3", "revision": v.revision})
    page = client.get(f"/vacancies/{v.pk}/").content.decode()
    history = page[page.index('data-testid="history"') :]
    assert "已招人数" in history
    for internal in ("版本号", "创建时间", "更新时间", "ID:", "检索词", "search"):
        assert internal not in history, internal
