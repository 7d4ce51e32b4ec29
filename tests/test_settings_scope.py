"""A settings write (resumption and statistics settings, pages and API) for a place outside the
user's own is refused with a sentence; it never lands on the user's own place instead. The data
is a small county of its own (fugong.accounts.testing), built once for the class."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from fugong.accounts.testing import build_county
from fugong.core.testing import (
    Call,
    HidesOutsideScope,
    OneAuditRowPerWrite,
    RefusesWithoutRole,
    Write,
    send,
    world_fixtures,
)
from fugong.resumption.choices import Mode, RuleCode
from fugong.resumption.models import FilingRule, ResumptionPolicy
from fugong.stats.models import StatsSetting

pytestmark = pytest.mark.django_db


_built, world = world_fixtures(build_county)


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def policy(place) -> dict:
    return {"jurisdiction": place, "mode": Mode.RECORD, "effective_from": tomorrow()}


def elsewhere(w) -> dict[str, object]:
    """Places a town's commander may not set: the other town, the county, no place, no number."""
    return {"other-town": w.towns[1].pk, "county": w.county.pk, "999999": 999999, "abc": "abc"}


class TestResumptionSettings(RefusesWithoutRole):
    def refused_calls(self, w):
        me = w["w_t1_cmd"]
        for target in elsewhere(w).values():
            yield Call(me, "post", reverse("resumption:settings_policy"), policy(target))
        yield Call(
            me,
            "post",
            reverse("resumption:settings_rule", args=[RuleCode.DORMITORY]),
            {"jurisdiction": w.towns[1].pk, "dormitory-max_per_room": "4"},
        )
        yield Call(me, "get", f"{reverse('resumption:settings')}?jurisdiction={w.towns[1].pk}")

    def test_a_refusal_names_the_users_place_and_saves_nothing(self, client, world):
        policies, rules = ResumptionPolicy.objects.count(), FilingRule.objects.count()
        for call in self.refused_calls(world):
            with translation.override("zh-hans"):
                response = send(client, call)
            assert world.towns[0].name in response.content.decode(), call
        assert ResumptionPolicy.objects.count() == policies
        assert FilingRule.objects.count() == rules

    def test_its_own_place_still_works(self, client, world):
        client.force_login(world["w_t1_cmd"])
        assert client.get(reverse("resumption:settings")).status_code == 200
        own = client.get(reverse("resumption:settings"), {"jurisdiction": world.towns[0].pk})
        assert own.status_code == 200
        response = client.post(reverse("resumption:settings_policy"), policy(world.towns[0].pk))
        assert response.status_code == 302
        assert ResumptionPolicy.objects.filter(jurisdiction=world.towns[0]).exists()


def no_setting_in_either_town(w) -> bool:
    return not StatsSetting.objects.filter(jurisdiction__in=w.towns).exists()


class TestStatisticsSettings(HidesOutsideScope, OneAuditRowPerWrite):
    url = "/api/v1/stats/settings"

    def hidden_calls(self, w):
        body = {"rate_denominator": "all"}
        yield Call(w["w_t1_cmd"], "put", f"{self.url}?node={w.towns[1].pk}", body)
        yield Call(w["w_t1_cmd"], "get", f"{self.url}?node={w.towns[1].pk}")

    def seen_calls(self, w):
        yield Call(w["w_t2_cmd"], "get", f"{self.url}?node={w.towns[1].pk}")
        yield Call(w["w_t1_cmd"], "get", f"{self.url}?node={w.towns[0].pk}")

    def writes(self, w):
        own = f"{self.url}?node={w.towns[0].pk}"
        yield Write(Call(w["w_t1_cmd"], "put", own, {"rate_denominator": "all"}))

    def test_the_page_for_another_place_is_refused_with_a_sentence(self, client, world):
        client.force_login(world["w_t1_cmd"])
        response = client.post(
            "/stats/settings/",
            {"jurisdiction": world.towns[1].pk, "rate_denominator": "all", "report_deadline": ""},
        )
        assert response.status_code in (403, 404) and response.context["message"]
        assert no_setting_in_either_town(world)

    def test_the_api_never_falls_back_to_the_callers_place(self, client, world):
        me, other = world["w_t1_cmd"], world.towns[1].pk
        outside = send(
            client, Call(me, "put", f"{self.url}?node={other}", {"rate_denominator": "all"})
        )
        assert outside.status_code == 404 and outside.json()["message"]
        # The place in the body, or under another name, is refused instead of ignored.
        in_body = send(
            client, Call(me, "put", self.url, {"rate_denominator": "all", "node": other})
        )
        assert in_body.status_code == 422 and in_body.json()["code"] == "invalid"
        misnamed = Call(me, "put", f"{self.url}?jurisdiction={other}", {"rate_denominator": "all"})
        assert send(client, misnamed).status_code == 422
        assert no_setting_in_either_town(world)
