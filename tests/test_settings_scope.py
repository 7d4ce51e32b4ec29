"""A settings write (resumption and statistics settings, pages and API) for a place outside the
user's own is refused with a sentence; it never lands on the user's own place instead."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from fugong.accounts.models import Jurisdiction
from fugong.resumption.choices import Mode, RuleCode
from fugong.resumption.models import FilingRule, ResumptionPolicy
from fugong.stats.models import StatsSetting
from tests.test_api import token_for

pytestmark = pytest.mark.django_db


def town(code: str) -> Jurisdiction:
    return Jurisdiction.objects.get(code=code)


TOWN01, TOWN02 = "339821001", "339821002"


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("wanted", ["other-town", "county", "999999", "abc"])
def test_resumption_mode_for_another_place_is_refused(client, login, wanted):
    login("town01_cmd")
    target = {"other-town": town(TOWN02).pk, "county": town(TOWN01).parent_id}.get(wanted, wanted)
    before = ResumptionPolicy.objects.count()
    with translation.override("zh-hans"):
        response = client.post(
            reverse("resumption:settings_policy"),
            {"jurisdiction": target, "mode": Mode.RECORD, "effective_from": tomorrow()},
            headers={"Accept-Language": "zh-hans"},
        )
    assert response.status_code == 403
    assert "城关街道" in response.content.decode()  # names the place the user may set
    assert ResumptionPolicy.objects.count() == before


def test_resumption_rule_for_another_place_is_refused(client, login):
    login("town01_cmd")
    before = FilingRule.objects.count()
    response = client.post(
        reverse("resumption:settings_rule", args=[RuleCode.DORMITORY]),
        {"jurisdiction": town(TOWN02).pk, "dormitory-max_per_room": "4"},
    )
    assert response.status_code == 403
    assert FilingRule.objects.count() == before


def test_resumption_settings_page_for_another_place_is_refused(client, login):
    login("town01_cmd")
    response = client.get(reverse("resumption:settings"), {"jurisdiction": town(TOWN02).pk})
    assert response.status_code == 403 and response.context["message"]
    # Its own place, asked for or not, still works.
    assert client.get(reverse("resumption:settings")).status_code == 200
    own = client.get(reverse("resumption:settings"), {"jurisdiction": town(TOWN01).pk})
    assert own.status_code == 200


def test_resumption_mode_for_its_own_place_is_saved(client, login):
    login("town01_cmd")
    response = client.post(
        reverse("resumption:settings_policy"),
        {"jurisdiction": town(TOWN01).pk, "mode": Mode.RECORD, "effective_from": tomorrow()},
    )
    assert response.status_code == 302
    assert ResumptionPolicy.objects.filter(jurisdiction=town(TOWN01)).exists()


def test_statistics_settings_page_for_another_place_is_refused(client, login):
    login("town01_cmd")
    response = client.post(
        "/stats/settings/",
        {"jurisdiction": town(TOWN02).pk, "rate_denominator": "all", "report_deadline": ""},
    )
    assert response.status_code in (403, 404) and response.context["message"]
    assert not StatsSetting.objects.filter(jurisdiction__in=[town(TOWN01), town(TOWN02)]).exists()


def put(client, token: str, url: str, body: dict):
    return client.put(
        url,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_statistics_settings_api_never_falls_back_to_the_callers_place(client):
    token = token_for(client, "town01_cmd")
    other = town(TOWN02).pk
    outside = put(
        client, token, f"/api/v1/stats/settings?node={other}", {"rate_denominator": "all"}
    )
    assert outside.status_code == 404 and outside.json()["message"]
    # The place in the body, or under another name, is refused instead of ignored.
    in_body = put(
        client, token, "/api/v1/stats/settings", {"rate_denominator": "all", "node": other}
    )
    assert in_body.status_code == 422 and in_body.json()["code"] == "invalid"
    misnamed = put(
        client, token, f"/api/v1/stats/settings?jurisdiction={other}", {"rate_denominator": "all"}
    )
    assert misnamed.status_code == 422
    assert not StatsSetting.objects.filter(jurisdiction__in=[town(TOWN01), town(TOWN02)]).exists()
    own = put(
        client, token, f"/api/v1/stats/settings?node={town(TOWN01).pk}", {"rate_denominator": "all"}
    )
    assert own.status_code == 200
