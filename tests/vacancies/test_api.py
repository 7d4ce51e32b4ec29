"""The vacancies API (/api/v1/vacancies): scoped list, one vacancy, create and update for the
enterprise's users, errors as 400/403/404/409/422, never a 500."""

from __future__ import annotations

import pytest

from fugong.core.testing import bearer, issue_token
from fugong.vacancies.models import Vacancy
from tests.conftest import DEMO_PASSWORD
from tests.vacancies.helpers import enterprise_members, make, town_of

pytestmark = pytest.mark.django_db
API = "/api/v1/vacancies"


def token(client, user) -> dict:
    return bearer(issue_token(client, user.username, DEMO_PASSWORD))


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def patch(client, url, body, headers):
    return client.patch(url, body, content_type="application/json", headers=headers)


def test_an_enterprise_creates_and_updates_its_vacancy(demo, client):
    (a,) = enterprise_members(1)
    headers = token(client, a.user)
    answer = post(client, API, {"post": "叉车司机", "headcount": 2, "pay_min": 6000,
                  "pay_max": 7500, "contact_phone": "13600001111", "publish": True}, headers)  # fmt: skip
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert created["status"] == "published" and created["enterprise_id"] == a.enterprise_id
    assert created["shortage"] == 2 and created["place"]
    pk = created["id"]
    answer = patch(client, f"{API}/{pk}", {"filled": 1, "revision": created["revision"]}, headers)
    assert answer.status_code == 200 and answer.json()["filled"] == 1
    assert patch(client, f"{API}/{pk}", {"filled": 2, "revision": 0}, headers).status_code == 409
    answer = patch(client, f"{API}/{pk}", {"status": "closed"}, headers)
    assert answer.status_code == 200 and answer.json()["status"] == "closed"
    listed = client.get(f"{API}?status=closed", headers=headers).json()
    assert pk in {v["id"] for v in listed["items"]}


def test_broken_rules_and_odd_input_are_400_or_422(demo, client):
    (a,) = enterprise_members(1)
    headers = token(client, a.user)
    answer = post(
        client, API, {"post": "普工", "headcount": 2, "pay_min": 9000, "pay_max": 5000}, headers
    )
    assert answer.status_code == 400 and "最低月薪" in answer.json()["message"]
    assert post(client, API, {"post": "普工", "headcount": 0}, headers).status_code == 422
    assert post(client, API, {"post": "普\x00工", "headcount": 1}, headers).status_code == 422
    assert (
        post(client, API, {"post": "普工", "headcount": 1, "place": 999999}, headers).status_code
        == 400
    )
    assert client.get(f"{API}?limit=abc", headers=headers).status_code == 422
    assert client.get(f"{API}?place=999999", headers=headers).status_code == 200
    assert client.get(f"{API}/999999", headers=headers).status_code == 404
    assert client.get(API).status_code == 401


def test_a_town_lists_its_enterprises_vacancies_and_may_not_post_them(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="接口岗位")
    town = town_of(a.enterprise)
    headers = token(client, town.user)
    items = client.get(f"{API}?q=接口岗位&limit=100", headers=headers).json()["items"]
    assert [i["id"] for i in items] == [v.pk]
    answer = post(
        client, API, {"enterprise": a.enterprise_id, "post": "普工", "headcount": 1}, headers
    )
    assert answer.status_code == 403
    assert patch(client, f"{API}/{v.pk}", {"filled": 1}, headers).status_code == 403
    assert Vacancy.objects.get(pk=v.pk).filled == 0


def test_the_bureau_posts_for_an_enterprise_of_its_place(demo, client):
    from tests.vacancies.helpers import hr_member

    hr = hr_member()
    (a,) = enterprise_members(1)
    headers = token(client, hr.user)
    answer = post(client, API, {"enterprise": a.enterprise_id, "post": "人社代发岗位",
                                "headcount": 3, "publish": True}, headers)  # fmt: skip
    assert answer.status_code == 201 and answer.json()["enterprise_id"] == a.enterprise_id
    # Without an enterprise of its own, it must name one.
    assert post(client, API, {"post": "普工", "headcount": 1}, headers).status_code == 403
    client.force_login(hr.user)
    response = client.post(
        f"/vacancies/new/?enterprise={a.enterprise_id}",
        {"post": "人社表单岗位", "headcount": "2", "action": "publish"},
    )
    assert response.status_code == 302
    assert Vacancy.objects.get(post="人社表单岗位").enterprise_id == a.enterprise_id
