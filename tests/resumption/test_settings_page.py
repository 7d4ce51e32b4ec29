"""The command office sets the mode and the rules of its jurisdiction from a page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.resumption.choices import Mode, RuleCode
from fugong.resumption.models import FilingRule, ResumptionPolicy
from fugong.resumption.policy import policy_for, rules_for

pytestmark = pytest.mark.django_db


def town01():
    return Jurisdiction.objects.get(code="339821001")


def test_town_command_adds_a_mode_from_a_date(client, login):
    login("town01_cmd")
    page = client.get(reverse("resumption:settings"))
    assert page.status_code == 200 and 'data-testid="routing"' in page.content.decode()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("resumption:settings_policy"),
        {"mode": Mode.RECORD, "effective_from": tomorrow.isoformat(), "remarks": "改为备案制"},
    )
    assert response.status_code == 302
    assert policy_for(town01()).mode == Mode.APPROVAL  # not yet
    assert policy_for(town01(), on=tomorrow).mode == Mode.RECORD


def test_a_mode_cannot_start_in_the_past(client, login):
    login("town01_cmd")
    response = client.post(
        reverse("resumption:settings_policy"), {"mode": Mode.RECORD, "effective_from": "2020-01-01"}
    )
    assert response.status_code == 400
    assert not ResumptionPolicy.objects.filter(jurisdiction=town01()).exists()


def test_rule_switched_off_and_parameters_set_for_the_town_only(client, login):
    login("town01_cmd")
    response = client.post(
        reverse("resumption:settings_rule", args=[RuleCode.SUPPLIES]),
        {"supplies-enabled": "on", "supplies-days": "14", "supplies-masks_per_person_per_day": "2"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("resumption:settings_rule", args=[RuleCode.DORMITORY]),
        {"dormitory-max_per_room": "4"},
    )
    assert response.status_code == 302
    settings = {r.code: r for r in rules_for(town01())}
    assert settings[RuleCode.SUPPLIES].params["days"] == 14
    assert not settings[RuleCode.DORMITORY].enabled
    other = Jurisdiction.objects.get(code="339821002")
    assert {r.code: r for r in rules_for(other)}[RuleCode.SUPPLIES].params["days"] == 7


def test_bad_parameter_is_refused_and_nothing_saved(client, login):
    login("town01_cmd")
    response = client.post(
        reverse("resumption:settings_rule", args=[RuleCode.SUPPLIES]),
        {"supplies-enabled": "on", "supplies-days": "-3", "supplies-masks_per_person_per_day": "1"},
    )
    assert response.status_code == 400
    assert not FilingRule.objects.filter(jurisdiction=town01()).exists()


def test_only_command_offices_reach_the_settings(client, login):
    login("town01_jmb")
    assert client.get(reverse("resumption:settings")).status_code == 403
    login("town01_ent1")
    assert client.post(reverse("resumption:settings_policy"), {"mode": "record"}).status_code == 403
