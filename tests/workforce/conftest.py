"""The county's origin rules of seed 004 for the workforce tests (each module builds its own
world with ``world_fixtures``; this fixture adds the rules to it)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from fugong.workforce import rules
from fugong.workforce.choices import Measure, Origin
from fugong.workforce.models import OriginRule
from tests.notifications.fakes import FakeGateway

EARLIER = timezone.localdate() - datetime.timedelta(days=30)


def place_of(user):
    return user.memberships.get().jurisdiction


@pytest.fixture(scope="module")
def county_rules(_built, django_db_blocker):
    """The county's rules of seed 004, from a month ago; the county binds its monitoring."""
    with django_db_blocker.unblock():
        c = _built.casts.get("approval")
        county = place_of(c.county_cmd)
        made = []
        for origin, measure, binding in (
            (Origin.CITY, Measure.MONITOR, True),
            (Origin.PROVINCE, Measure.ISOLATE, False),
            (Origin.OUT_OF_PROVINCE, Measure.DEFER, False),
            (Origin.KEY_AREA, Measure.DEFER, False),
        ):
            rule, _job = rules.rule_add(
                actor=c.county_cmd,
                jurisdiction=county,
                origin=origin,
                measure=measure,
                binding=binding,
                needs_approval=origin == Origin.PROVINCE,
                effective_from=EARLIER,
                basis="县指挥部〔2020〕1号",
            )
            made.append(rule)
        yield made
        OriginRule.objects.filter(pk__in=[r.pk for r in made]).delete()


@pytest.fixture
def gateway():
    """A fake SMS gateway for the phone check-in (its codes readable), the cache cleared."""
    cache.clear()
    with (
        FakeGateway() as server,
        override_settings(FUGONG_SMS_URL=server.url, FUGONG_SMS_CODE_TEMPLATE="SMS_CODE_1"),
    ):
        yield server
