"""Visits (走访, issue 14 point 6): a cadre plans a visit, 无事不扰 refuses one more than the
limit unless the enterprise asked (and the form says so when planning), records what was
found with a photo, raises a request from it; coverage of key enterprises per period with
those not visited and their cadres; the cadre's own enterprises due for a visit; scope."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from fugong.cases import visits
from fugong.cases.models import Case, Category, Visit
from fugong.core.errors import NotAllowed, UserError
from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()


def photo():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "JPEG")
    return SimpleUploadedFile("现场.jpg", out.getvalue(), content_type="image/jpeg")


@override_settings(FUGONG_VISITS_QUIET_MAX=2, FUGONG_VISITS_QUIET_DAYS=30)
def test_a_visit_planned_recorded_and_its_request(world, client):
    c = add_cast(world, "approval", "visit_one")
    enterprise = c.enterprise.memberships.get().enterprise
    cadre = c.inspector  # its 包保 cadre
    with pytest.raises(NotAllowed):
        visits.visit_plan(actor=c.enterprise, enterprise=enterprise, day=TODAY)
    first = visits.visit_plan(actor=cadre, enterprise=enterprise, day=TODAY)
    visits.visit_plan(actor=cadre, enterprise=enterprise, day=TODAY + datetime.timedelta(days=3))
    with pytest.raises(UserError) as quiet:  # 无事不扰: two in 30 days already
        visits.visit_plan(
            actor=cadre, enterprise=enterprise, day=TODAY + datetime.timedelta(days=5)
        )
    assert quiet.value.code == "quiet"
    asked = visits.visit_plan(
        actor=cadre, enterprise=enterprise, day=TODAY + datetime.timedelta(days=5), asked=True
    )
    assert asked.asked_by_enterprise
    client.force_login(cadre)
    page = client.get(f"/cases/visits/?enterprise={enterprise.pk}").content.decode()
    assert 'data-testid="quiet"' in page and "无事不扰" in page
    # Recorded: findings needed; a photo kept; then a request raised from it.
    with pytest.raises(UserError):
        visits.visit_record(actor=cadre, visit=first, met="张经理", findings=" ")
    visits.visit_record(actor=cadre, visit=first, met="张经理", findings="缺普工", photos=[photo()])
    first.refresh_from_db()
    assert first.state == Visit.State.DONE and first.photos.count() == 1
    answer = client.post(
        f"/cases/new/?visit={first.pk}",
        {
            "enterprise": enterprise.pk,
            "category": Category.objects.get(code="labour").pk,
            "nature": "help",
            "urgency": "normal",
            "title": "缺普工",
            "text": "走访发现缺普工。",
            "visit": first.pk,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:300]
    case = Case.objects.get(visit=first)
    assert case.source == "visit"
    page = client.get(f"/cases/visits/{first.pk}/").content.decode()
    assert case.number in page
    assert (
        client.get(f"/cases/visits/{first.pk}/photos/{first.photos.get().pk}/").status_code == 200
    )
    # Another enterprise never sees it.
    other = add_cast(world, "approval", "visit_other")
    client.force_login(other.enterprise)
    assert client.get(f"/cases/visits/{first.pk}/").status_code in (403, 404)


def test_coverage_of_key_enterprises_and_the_cadres_due_list(world, client):
    c = add_cast(world, "approval", "visit_cover")
    enterprise = c.enterprise.memberships.get().enterprise
    type(enterprise).objects.filter(pk=enterprise.pk).update(is_key=True)
    town = c.town_cmd.memberships.get().jurisdiction
    before = {cov.target.kind: cov for cov in visits.coverage(user=c.town_cmd, node=town)}["key"]
    assert enterprise in [e for e, _cadres in before.missing]
    cadre_names = dict((e.pk, cadres) for e, cadres in before.missing)[enterprise.pk]
    assert c.inspector.full_name in cadre_names or c.inspector.username in cadre_names
    assert enterprise.pk in [e.pk for e, _last, _days in visits.my_due(c.inspector)]
    v = visits.visit_plan(actor=c.inspector, enterprise=enterprise, day=TODAY)
    visits.visit_record(actor=c.inspector, visit=v, met="", findings="正常生产")
    after = {cov.target.kind: cov for cov in visits.coverage(user=c.town_cmd, node=town)}["key"]
    assert after.visited == before.visited + 1
    assert enterprise not in [e for e, _cadres in after.missing]
    assert enterprise.pk not in [e.pk for e, _last, _days in visits.my_due(c.inspector)]
    client.force_login(c.town_cmd)
    page = client.get("/cases/visits/coverage/").content.decode()
    assert 'data-testid="coverage-rate"' in page


def test_an_old_record_corrected_keeps_its_day_and_a_day_of_long_ago_is_refused(world, client):
    c = add_cast(world, "approval", "visit_old")
    enterprise = c.enterprise.memberships.get().enterprise
    v = visits.visit_plan(actor=c.inspector, enterprise=enterprise, day=TODAY)
    with pytest.raises(UserError):
        visits.visit_record(
            actor=c.inspector, visit=v, met="", findings="x", day=datetime.date(1, 1, 2)
        )
    visits.visit_record(actor=c.inspector, visit=v, met="王", findings="正常")
    old = TODAY - datetime.timedelta(days=60)
    Visit.objects.filter(pk=v.pk).update(day=old)  # recorded two months ago
    client.force_login(c.inspector)
    page = client.get(f"/cases/visits/{v.pk}/").content.decode()
    assert f'value="{old:%Y-%m-%d}"' in page
    answer = client.post(
        f"/cases/visits/{v.pk}/",
        {"day": f"{old:%Y-%m-%d}", "met": "王", "findings": "正常，已补充"},
    )
    assert answer.status_code == 302
    v.refresh_from_db()
    assert v.day == old and v.findings == "正常，已补充"
