"""Scope: an enterprise never sees another's vacancies (list, page, edit, API); a town's
command office sees its enterprises' vacancies and not another town's; the human resources
bureau sees those of its place."""

from __future__ import annotations

import pytest

from fugong.core.testing import bearer, issue_token
from fugong.vacancies import selectors
from tests.conftest import DEMO_PASSWORD
from tests.vacancies.helpers import enterprise_members, hr_member, make, other_town, town_of

pytestmark = pytest.mark.django_db


def test_an_enterprise_never_sees_anothers_vacancies(demo, client):
    a, b = enterprise_members(2)
    theirs = make(b, post="独有岗位乙")
    mine = make(a, post="独有岗位甲")
    assert set(selectors.vacancy_list(a.user).values_list("enterprise_id", flat=True)) == {
        a.enterprise_id
    }
    client.force_login(a.user)
    body = client.get("/vacancies/").content.decode()
    assert "独有岗位甲" in body and "独有岗位乙" not in body
    for url in (f"/vacancies/{theirs.pk}/", f"/vacancies/{theirs.pk}/edit/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/vacancies/{theirs.pk}/status/", {"status": "closed"}).status_code == 404
    assert client.post(f"/vacancies/{theirs.pk}/filled/", {"filled": "1"}).status_code == 404
    assert client.get(f"/vacancies/new/?enterprise={b.enterprise_id}").status_code == 404
    headers = bearer(issue_token(client, a.user.username, DEMO_PASSWORD))
    listed = client.get("/api/v1/vacancies?limit=1000", headers=headers).json()["items"]
    assert mine.pk in {v["id"] for v in listed}
    assert {v["enterprise_id"] for v in listed} == {a.enterprise_id}
    assert client.get(f"/api/v1/vacancies/{theirs.pk}", headers=headers).status_code == 404
    answer = client.patch(f"/api/v1/vacancies/{theirs.pk}", {"filled": 1},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert answer.status_code == 404
    answer = client.post("/api/v1/vacancies", {"enterprise": b.enterprise_id, "post": "普工",
                         "headcount": 1}, content_type="application/json", headers=headers)  # fmt: skip
    assert answer.status_code in (403, 404)


def test_a_town_sees_its_own_vacancies_and_not_another_towns(demo, client):
    (a,) = enterprise_members(1)
    v = make(a, post="本镇岗位")
    home, away = town_of(a.enterprise), other_town(a.enterprise)
    assert selectors.vacancy_list(home.user).filter(pk=v.pk).exists()
    assert not selectors.vacancy_list(away.user).filter(pk=v.pk).exists()
    client.force_login(away.user)
    assert "本镇岗位" not in client.get("/vacancies/").content.decode()
    assert client.get(f"/vacancies/{v.pk}/").status_code == 404
    client.force_login(home.user)
    assert "本镇岗位" in client.get("/vacancies/").content.decode()
    assert client.get(f"/vacancies/{v.pk}/").status_code == 200
    # A town's command office reads; it does not post the enterprise's vacancies.
    assert client.get(f"/vacancies/{v.pk}/edit/").status_code == 403


def test_the_human_resources_bureau_sees_the_vacancies_of_its_place(demo, client):
    hr = hr_member()
    (a,) = enterprise_members(1)
    v = make(a)
    client.force_login(hr.user)
    assert client.get("/vacancies/").status_code == 200
    assert client.get(f"/vacancies/{v.pk}/").status_code == 200
    assert client.get(f"/vacancies/{v.pk}/edit/").status_code == 200
    assert client.get(f"/vacancies/new/?enterprise={a.enterprise_id}").status_code == 200


def test_someone_without_a_role_here_is_refused(demo, client):
    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership

    employee = Membership.objects.filter(role=Role.EMPLOYEE, is_active=True).first()
    if employee is None:
        pytest.skip("no employee user in the demo")
    client.force_login(employee.user)
    assert client.get("/vacancies/").status_code == 403
