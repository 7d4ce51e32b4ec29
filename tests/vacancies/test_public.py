"""The public job board (/open/jobs/): no login; only open vacancies of enterprises that allow
it; text and pinyin search; filters; pages without counting the table; a detail page with no
personal data but the published contact; odd input answered 200 or 400/404, never 500."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from fugong.vacancies import selectors, services
from fugong.vacancies.models import Vacancy
from tests.vacancies.helpers import enterprise_members, make

pytestmark = pytest.mark.django_db


def body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_only_open_vacancies_of_enterprises_that_allow_it_are_shown(demo, client):
    a, b = enterprise_members(2)
    shown = make(a, post="公开岗位甲")
    make(a, post="草稿岗位甲", publish=False)
    expired = make(a, post="过期岗位甲")
    Vacancy.objects.filter(pk=expired.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    closed = make(a, post="关闭岗位甲")
    services.vacancy_set_status(actor=a.user, vacancy=closed, status="closed")
    make(b, post="隐藏岗位乙")
    services.board_setting_set(actor=b.user, enterprise=b.enterprise, public=False)
    page = body(client, "/open/jobs/?q=岗位")
    assert "公开岗位甲" in page
    for hidden in ("草稿岗位甲", "过期岗位甲", "关闭岗位甲", "隐藏岗位乙"):
        assert hidden not in page
    assert client.get(f"/open/jobs/{shown.pk}/").status_code == 200
    assert client.get(f"/open/jobs/{expired.pk}/").status_code == 404
    assert client.get(f"/open/jobs/{closed.pk}/").status_code == 404


def test_pinyin_initials_and_full_pinyin_find_the_post(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="高级工程师")
    for query in ("gjgcs", "GJGCS", "gaojigongchengshi", "gao ji", "工程师", "高级"):
        assert f"/open/jobs/{v.pk}/" in body(client, f"/open/jobs/?q={query}"), query
    assert f"/open/jobs/{v.pk}/" not in body(client, "/open/jobs/?q=zzzzqq")


def test_the_enterprise_name_and_the_place_are_searched_too(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="理货员")
    assert f"/open/jobs/{v.pk}/" in body(client, f"/open/jobs/?q={a.enterprise.name[:4]} 理货")
    assert f"/open/jobs/{v.pk}/" in body(client, f"/open/jobs/?q={v.place.name}")


def test_filters_by_place_and_industry(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="筛选岗位")
    places = dict(selectors.place_choices())
    town = next(pk for pk, (_n, path) in selectors.place_choices_with_paths()
                if v.place.path.startswith(path) and path.count("/") == 5)  # fmt: skip
    assert town in places
    assert f"/open/jobs/{v.pk}/" in body(client, f"/open/jobs/?place={town}&q=筛选")
    other = next((pk for pk, (_n, path) in selectors.place_choices_with_paths()
                  if path.count("/") == 5 and not v.place.path.startswith(path)), None)  # fmt: skip
    if other:
        assert f"/open/jobs/{v.pk}/" not in body(client, f"/open/jobs/?place={other}&q=筛选")
    if v.industry_section:
        page = body(client, f"/open/jobs/?industry={v.industry_section}&q=筛选")
        assert f"/open/jobs/{v.pk}/" in page
        other = "Z" if v.industry_section != "Z" else "A"
        # An industry not offered is ignored: the list is not narrowed to nothing.
        assert f"/open/jobs/{v.pk}/" in body(client, f"/open/jobs/?industry={other}&q=筛选")


def test_pages_read_one_more_row_and_never_count_the_table(
    demo, client, django_assert_max_num_queries
):
    (a,) = enterprise_members(1)
    for n in range(25):
        make(a, post=f"分页岗位{n:02d}")
    first = body(client, "/open/jobs/?q=分页岗位")
    assert first.count('data-testid="board-row"') == 20 and 'data-testid="board-more"' in first
    second = body(client, "/open/jobs/?q=分页岗位&page=2")
    assert second.count('data-testid="board-row"') == 5 and 'data-testid="board-more"' not in second
    more = client.get("/open/jobs/?q=分页岗位&page=2&more=1", headers={"HX-Request": "true"})
    assert more.status_code == 200 and b"<html" not in more.content
    body(client, "/open/jobs/")  # the choice lists cached
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body(client, "/open/jobs/?q=分页")
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 2


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=-5",
        "?page=99999999999999999999",
        "?q=%00%00",
        "?q=" + "长" * 5000,
        "?place=abc",
        "?place=99999999999",
        "?industry=%00",
        "?q=%25%25_",
        "?q=%F0%9F%98%80",
        "?place=1&place=2",
        "?q=a&q=b",
    ],
)
def test_odd_input_is_never_a_500(demo, client, query):
    assert client.get("/open/jobs/" + query).status_code == 200


def test_odd_detail_ids_are_404(demo, client):
    assert client.get("/open/jobs/999999999/").status_code == 404
    assert client.get("/open/jobs/abc/").status_code == 404


def test_the_detail_shows_the_published_contact_and_no_other_personal_data(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="展示岗位", contact_name="李女士", contact_phone="13912345678")
    page = body(client, f"/open/jobs/{v.pk}/")
    assert "李女士" in page and "13912345678" in page
    enterprise = a.enterprise
    for private in (enterprise.contact_phone, enterprise.legal_representative, a.user.phone):
        if private and private not in ("13912345678", "李女士"):
            assert private not in page
    quiet = make(a, post="不留电话岗位", contact_phone="")
    assert 'data-testid="board-contact"' not in body(client, f"/open/jobs/{quiet.pk}/")


def test_the_board_is_in_chinese_by_default_and_in_english_by_choice(demo, client):
    page = body(client, "/open/jobs/")
    assert "招聘信息" in page and 'data-testid="language"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/open/jobs/"})
    assert response.status_code in (302, 200)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = body(client, "/open/jobs/")
    assert "Job board" in page and "招聘信息" not in page
