"""双随机、一公开 (issue 15 point 3): a random draw of targets from a filtered list and of
inspectors from a pool, reproducible from its record (seed, candidates, pool, conflicts),
verified, audited, with one random inspection per target, and published on a public page."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from fugong.accounts.choices import Role
from fugong.accounts.models import User
from fugong.accounts.testing import add_cadre, build_county, person
from fugong.core.errors import NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.core.testing import world_fixtures
from fugong.enterprises.choices import Category
from fugong.enterprises.models import Assignment, Enterprise
from fugong.enterprises.services import assignment_create
from fugong.enterprises.testing import add_enterprise
from fugong.inspections import draws, services
from fugong.inspections.checklists import Answer
from fugong.inspections.choices import CheckValue, InspectionKind, InspectionStatus
from fugong.inspections.models import ChecklistTemplate, Draw, DrawTarget, Inspection

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Today as each test starts (a run may cross midnight in the county's time zone)."""
    global TODAY
    TODAY = timezone.localdate()


PHONES = {
    "w_t1_cmd": "13900000001",
    "w_t1_jmb": "13900000002",
    "w_t1_ajb": "13900000003",
    "w_t1_cadre": "13900000004",
    "w_t1_cadre2": "13900000005",
    "w_t1_grid": "13900000006",
}


@dataclass
class World:
    county: object
    town1: list[Enterprise]
    town2: list[Enterprise]

    def __getitem__(self, username: str) -> User:
        return User.objects.get(username=username)


def build() -> World:
    county = build_county("999941")
    add_cadre(county, 1, "w_t1_cadre2")
    town1 = [
        add_enterprise(county, 1, name=f"抽查一镇{n}号企业", contact_phone="13800000000")
        for n in range(8)
    ]
    town2 = [add_enterprise(county, 2, name=f"抽查二镇{n}号企业") for n in range(3)]
    person("w_t1_ent1", Role.ENTERPRISE, enterprise=town1[0])
    # Categories and key flags for the filter: the first three are key industrial enterprises.
    for n, e in enumerate(town1):
        Enterprise.objects.filter(pk=e.pk).update(
            category=Category.INDUSTRY_ABOVE if n < 3 else Category.STREET_SHOP,
            is_key=n < 3,
            resumed_on=TODAY if n % 2 == 0 else None,
        )
    # 包保: the first cadre answers for the first four, the second for the other four.
    for n, e in enumerate(town1):
        user = county[("w_t1_cadre" if n < 4 else "w_t1_cadre2")]
        assignment_create(actor="test", enterprise=e, user=user)
    for username, phone in PHONES.items():
        User.objects.filter(username=username).update(
            phone=phone, full_name=f"检查员{username[-4:]}"
        )
    return World(county=county, town1=town1, town2=town2)


_built, world = world_fixtures(build, scope="module")


def template() -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(code="post_resumption", is_active=True)


def pool(w: World, *names: str) -> list[User]:
    names = names or tuple(PHONES)
    return [w[n] for n in names]


def make(w: World, *, actor="w_t1_cmd", count=3, per_target=2, place=None, criteria=None,
         inspectors=None) -> Draw:  # fmt: skip
    return draws.draw_make(
        actor=w[actor],
        place=place or w.county.towns[0],
        template=template(),
        date=TODAY,
        count=count,
        per_target=per_target,
        inspectors=inspectors if inspectors is not None else pool(w),
        criteria=criteria,
    )


# --- the algorithm ----------------------------------------------------------------------------


def test_run_depends_on_the_seed_only():
    args = {"candidates": list(range(1, 101)), "pool": [11, 12, 13, 14, 15, 16],
            "conflicts": {"5": [11, 12]}, "count": 10, "per_target": 2}  # fmt: skip
    first = draws.run(seed="0" * 31 + "1", **args)
    assert draws.run(seed="0" * 31 + "1", **args) == first
    assert draws.run(seed="0" * 31 + "2", **args) != first
    assert len({e for e, _team in first}) == 10
    assert all(len(set(team)) == 2 for _e, team in first)
    # The work is spread: with 20 places for 6 inspectors, nobody has more than 4.
    load = [u for _e, team in first for u in team]
    assert max(load.count(u) for u in set(load)) <= 4


def test_run_keeps_cadres_off_their_enterprises():
    candidates = list(range(1, 21))
    conflicts = {str(e): [11] for e in candidates}  # 11 answers for every one of them
    for seed in ("a" * 32, "b" * 32, "c" * 32):
        result = draws.run(seed=seed, candidates=candidates, pool=[11, 12, 13], count=20,
                           per_target=2, conflicts=conflicts)  # fmt: skip
        assert all(11 not in team for _e, team in result)
    with pytest.raises(draws.PoolTooSmall):
        draws.run(seed="a" * 32, candidates=candidates, pool=[11, 12], count=1, per_target=2,
                  conflicts=conflicts)  # fmt: skip


def test_the_same_seed_draws_the_same(world, monkeypatch):
    monkeypatch.setattr(draws, "new_seed", lambda: "0123456789abcdef0123456789abcdef")
    one = make(world, count=4)
    two = make(world, count=4)
    assert one.seed == two.seed and one.number != two.number
    picks = [(p.enterprise_id, p.inspectors) for p in one.picks.all()]
    assert picks == [(p.enterprise_id, p.inspectors) for p in two.picks.all()]


# --- a draw -----------------------------------------------------------------------------------


def test_a_draw_records_everything_and_plans_the_inspections(world):
    draw = make(world, count=3)
    assert len(draw.seed) == 32 and int(draw.seed, 16) >= 0
    assert draw.algorithm == draws.ALGORITHM
    assert draw.candidates == sorted(e.pk for e in world.town1)  # the whole town, in id order
    assert draw.pool == sorted(u.pk for u in pool(world))
    assert draw.number.startswith("测试双随机〔")
    assert draw.office == world.county.office_of(1, "command")
    # The conflicts recorded are the 包保 assignments between candidates and pool.
    assert sum(len(v) for v in draw.conflicts.values()) == 8
    picks = list(draw.picks.select_related("inspection"))
    assert [p.position for p in picks] == [1, 2, 3]
    for p in picks:
        i = p.inspection
        assert (i.kind, i.status, i.planned_for) == (InspectionKind.RANDOM, "planned", TODAY)
        assert i.enterprise_id == p.enterprise_id
        assert i.inspector_id == p.inspectors[0] and p.companion_id == p.inspectors[1]
        assert i.office_id == draw.office_id
        cadres = set(Assignment.objects.filter(enterprise=p.enterprise).values_list("user_id",
                                                                                    flat=True))  # fmt: skip
        assert not cadres & set(p.inspectors)
    assert draws.verify(draw).ok
    assert draw.digest == draws.digest_of(draws.record_of(draw))
    # Audited: the draw, each target and each inspection.
    assert AuditLog.objects.filter(object_id=str(draw.pk), content_type__model="draw").exists()
    assert AuditLog.objects.filter(content_type__model="drawtarget").count() >= 3


def test_verify_catches_a_tampered_record(world):
    draw = make(world, count=3)
    assert draws.verify(draw).ok
    original = Draw.objects.get(pk=draw.pk)

    def tampered(**changes) -> draws.Verification:
        Draw.objects.filter(pk=draw.pk).update(**changes)
        checked = draws.verify(Draw.objects.get(pk=draw.pk))
        Draw.objects.filter(pk=draw.pk).update(
            **{name: getattr(original, name) for name in changes}
        )
        return checked

    assert not tampered(seed="f" * 32).ok  # another seed gives other targets
    assert not tampered(seed="not a seed").ok
    assert not tampered(candidates=list(reversed(original.candidates))).ok
    assert not tampered(pool=original.pool[:-1]).ok
    assert not tampered(criteria={"key": "key"}).ok  # re-runs the same, but the digest differs
    assert draws.verify(Draw.objects.get(pk=draw.pk)).ok
    # A target swapped for another enterprise, or another inspector put in a team.
    pick = draw.picks.first()
    others = [e for e in original.candidates if not draw.picks.filter(enterprise_id=e).exists()]
    DrawTarget.objects.filter(pk=pick.pk).update(enterprise_id=others[0])
    assert not draws.verify(draw).ok
    DrawTarget.objects.filter(pk=pick.pk).update(enterprise_id=pick.enterprise_id)
    Inspection.objects.filter(pk=pick.inspection_id).update(inspector_id=pick.inspectors[1])
    assert not draws.verify(draw).ok


def test_the_filter(world):
    place = world.county.towns[0]
    keys = {e.pk for e in world.town1[:3]}
    assert set(draws.candidates_of(place=place, criteria=draws.Criteria(key="key"))) == {
        e for e in Enterprise.objects.filter(pk__in=keys)
    }
    shops = draws.Criteria(categories=(Category.STREET_SHOP,), resumed_only=True)
    assert {e.pk for e in draws.candidates_of(place=place, criteria=shops)} == {
        world.town1[4].pk, world.town1[6].pk
    }  # fmt: skip
    assert not draws.candidates_of(place=place, criteria=draws.Criteria(with_canteen=True))
    # Inspected on site in the last 30 days: left out; a self-check does not count.
    done, self_checked = world.town1[0], world.town1[1]
    for e, kind in ((done, InspectionKind.SPOT), (self_checked, InspectionKind.SELF_CHECK)):
        i = services.inspection_plan(actor="test", enterprise=e, kind=kind, template=template(),
                                     date=TODAY)  # fmt: skip
        Inspection.objects.filter(pk=i.pk).update(
            status=InspectionStatus.DONE, performed_at=timezone.now() - datetime.timedelta(days=3)
        )
    recent = draws.candidates_of(place=place, criteria=draws.Criteria(skip_inspected_days=30))
    assert done not in recent and self_checked in recent and recent.count() == 7
    draw = make(world, count=7, criteria=draws.Criteria(skip_inspected_days=30))
    assert draw.criteria["skip_inspected_days"] == 30 and done.pk not in draw.candidates
    with pytest.raises(UserError, match="7"):
        make(world, count=8, criteria=draws.Criteria(skip_inspected_days=30))


def new_draws(before: set[int]):
    """The draws made since ``before`` (the demo county has one of its own)."""
    return Draw.objects.exclude(pk__in=before)


def existing() -> set[int]:
    return set(Draw.objects.values_list("pk", flat=True))


def test_the_pool(world):
    before = existing()
    actor = world["w_t1_cmd"]
    people = set(draws.pool_users(actor).values_list("username", flat=True))
    assert set(PHONES) <= people
    assert not people & {"w_t2_cmd", "w_t2_jmb", "w_county_cmd", "w_t1_ent1"}
    # Someone of another town, too few people, or one inspector per target: refused.
    with pytest.raises(NotAllowed):
        make(world, inspectors=[*pool(world, "w_t1_jmb"), world["w_t2_jmb"]])
    with pytest.raises(draws.PoolTooSmall):
        make(world, inspectors=pool(world, "w_t1_jmb"))
    with pytest.raises(UserError):
        make(world, per_target=1)
    # Each enterprise of the town has one of the two cadres: a pool of the two leaves one
    # inspector for whichever is drawn.
    with pytest.raises(draws.PoolTooSmall):
        make(world, inspectors=pool(world, "w_t1_cadre", "w_t1_cadre2"), count=1)
    assert not new_draws(before).exists()


def test_conflicts_of_interest_in_a_whole_town(world):
    draw = make(world, count=8, inspectors=pool(world, "w_t1_cadre", "w_t1_cadre2", "w_t1_jmb",
                                               "w_t1_ajb"))  # fmt: skip
    cadre, cadre2 = world["w_t1_cadre"].pk, world["w_t1_cadre2"].pk
    for p in draw.picks.all():
        barred = cadre if p.enterprise in world.town1[:4] else cadre2
        assert barred not in p.inspectors
    assert draws.verify(draw).ok


def test_only_for_the_places_of_the_office(world):
    with pytest.raises(NotAllowed):
        make(world, actor="w_t2_cmd")  # town 1 is not town 2's
    with pytest.raises(NotAllowed):
        make(world, actor="w_t1_ent1")
    # A reviewing office draws for the place its office covers, as that office.
    draw = make(world, actor="w_t1_ajb", count=2)
    assert draw.office == world.county.office_of(1, "safety")
    # The county's command office covers both towns.
    assert make(world, actor="w_county_cmd", count=1, place=world.county.towns[1],
                inspectors=[world["w_t2_jmb"], world["w_t2_cmd"]]).picks.count() == 1  # fmt: skip


# --- pages ------------------------------------------------------------------------------------


def test_the_office_draws_from_the_form_and_publishes(world, client):
    before = existing()
    client.force_login(world["w_t1_cmd"])
    assert client.get(reverse("inspections:draws:list")).status_code == 200
    page = client.get(reverse("inspections:draws:new"))
    assert page.status_code == 200
    form = {
        "place": world.county.towns[0].pk,
        "template": template().pk,
        "date": TODAY.isoformat(),
        "count": 2,
        "per_target": 2,
        "key": "",
        "categories": [Category.STREET_SHOP],
        "pool_offices": [world.county.office_of(1, "command").pk],
        "inspectors": [world["w_t1_jmb"].pk],
    }
    preview = client.post(reverse("inspections:draws:new"), {**form, "preview": "1"})
    assert preview.status_code == 200 and not new_draws(before).exists()
    assert "5" in preview.content.decode()  # five street shops
    response = client.post(reverse("inspections:draws:new"), form)
    draw = new_draws(before).get()
    assert response.status_code == 302 and response.url == reverse(
        "inspections:draws:detail", args=[draw.pk]
    )
    assert all(e in world.town1[3:] for e in (p.enterprise for p in draw.picks.all()))
    # The pool: the town's command office (its head and two cadres) and the economy office.
    assert set(User.objects.filter(pk__in=draw.pool).values_list("username", flat=True)) == {
        "w_t1_cmd", "w_t1_cadre", "w_t1_cadre2", "w_t1_jmb"
    }  # fmt: skip
    detail = client.get(response.url)
    assert detail.status_code == 200
    assert b'data-testid="draw-verified" data-ok="1"' in detail.content
    assert draw.seed in detail.content.decode()
    record = json.loads(client.get(reverse("inspections:draws:record", args=[draw.pk])).content)
    assert record["seed"] == draw.seed and record["candidates"] == draw.candidates
    # Not public before the office publishes it: only that it was made (a draw made again
    # and again until one suits would show).
    client.logout()
    listing = client.get(reverse("open_draws:list")).content.decode()
    withheld = listing.split('data-testid="withheld-draws"')[1]
    assert draw.number in withheld.split("</ul>")[0]
    for p in draw.picks.select_related("enterprise"):
        assert p.enterprise.name not in listing
    assert client.get(reverse("open_draws:detail", args=[draw.pk])).status_code == 404
    client.force_login(world["w_t1_cmd"])
    client.post(reverse("inspections:draws:publish", args=[draw.pk]))
    assert new_draws(before).get().published_at is not None
    assert AuditLog.objects.filter(
        content_type__model="draw", object_id=str(draw.pk), action="update"
    ).exists()


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "JPEG")
    return SimpleUploadedFile("现场.jpg", out.getvalue(), content_type="image/jpeg")


def _record(inspection: Inspection, *, fail: bool) -> None:
    t = inspection.template
    answers = {}
    for item in t.items.all():
        value = CheckValue.FAIL if fail else CheckValue.PASS
        answers[item.pk] = Answer(
            value=value if item.kind == "check" else "",
            number=7 if item.kind == "number" else None,
            text="问题" if fail and item.kind != "number" else "",
            photo=photo() if item.photo_required or item.kind == "photo" else None,
        )
    services.inspection_record(
        actor=inspection.inspector, inspection=inspection, answers=answers, opinion="见记录"
    )


def test_the_public_page_shows_results_and_nothing_personal(world, client):
    draw = make(world, count=3)
    draws.draw_publish(actor=world["w_t1_cmd"], draw=draw)
    first, second, _third = draw.picks.select_related("inspection", "inspection__inspector")
    _record(first.inspection, fail=False)
    _record(second.inspection, fail=True)
    assert Inspection.objects.get(pk=second.inspection_id).rectification
    listing = client.get(reverse("open_draws:list"))  # no login
    assert listing.status_code == 200
    text = listing.content.decode()
    assert draw.number in text and draw.seed in text
    for p in draw.picks.select_related("enterprise"):
        assert p.enterprise.name in text
    assert "检查员" in text  # inspectors' names are public
    assert 'data-outcome="passed"' in text
    assert 'data-outcome="rectifying"' in text
    assert 'data-outcome="pending"' in text
    for username, phone in PHONES.items():
        assert phone not in text and username not in text
    assert "13800000000" not in text  # the enterprises' contact phone
    detail = client.get(reverse("open_draws:detail", args=[draw.pk]))
    assert detail.status_code == 200 and b'data-ok="1"' in detail.content
    record = json.loads(client.get(reverse("open_draws:record", args=[draw.pk])).content)
    assert record["digest"] == draw.digest
    assert draws.run(seed=record["seed"], candidates=record["candidates"], pool=record["pool"],
                     conflicts=record["conflicts"], count=record["count"],
                     per_target=record["per_target"]) == [tuple(r) for r in record["result"]]  # fmt: skip
    assert not any(phone in json.dumps(record) for phone in PHONES.values())


def test_a_draw_published_before_its_day_names_nobody_until_then(world, client):
    """Publishing early must not warn the enterprises drawn: before the day of the
    inspections the public page shows the draw's digest, not its targets, seed or record."""
    draw = make(world, count=2)
    Draw.objects.filter(pk=draw.pk).update(planned_for=TODAY + datetime.timedelta(days=3))
    draws.draw_publish(actor=world["w_t1_cmd"], draw=draw)
    names = [p.enterprise.name for p in draw.picks.select_related("enterprise")]
    for url in (reverse("open_draws:list"), reverse("open_draws:detail", args=[draw.pk])):
        text = client.get(url).content.decode()
        assert draw.number in text and draw.digest in text
        assert draw.seed not in text
        assert not any(name in text for name in names)
    assert client.get(reverse("open_draws:record", args=[draw.pk])).status_code == 404
    Draw.objects.filter(pk=draw.pk).update(planned_for=TODAY)
    text = client.get(reverse("open_draws:detail", args=[draw.pk])).content.decode()
    assert all(name in text for name in names) and draw.seed in text


def test_the_public_page_costs_the_same_for_more_targets(world, client):
    def queries(count: int) -> int:
        Draw.objects.filter(published_at__isnull=False).update(published_at=None)
        draw = make(world, count=count)
        draws.draw_publish(actor=world["w_t1_cmd"], draw=draw)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("open_draws:list")).status_code == 200
        return len(captured)

    assert queries(2) == queries(6)


def test_another_place_neither_sees_nor_draws(world, client):
    before = existing()
    draw = make(world, count=2)
    client.force_login(world["w_t2_cmd"])
    assert draw.number not in client.get(reverse("inspections:draws:list")).content.decode()
    assert client.get(reverse("inspections:draws:detail", args=[draw.pk])).status_code == 404
    assert client.get(reverse("inspections:draws:record", args=[draw.pk])).status_code == 404
    assert client.post(reverse("inspections:draws:publish", args=[draw.pk])).status_code == 404
    form = {"place": world.county.towns[0].pk, "template": template().pk,
            "date": TODAY.isoformat(), "count": 1, "per_target": 2,
            "inspectors": [world["w_t1_jmb"].pk, world["w_t1_ajb"].pk]}  # fmt: skip
    assert client.post(reverse("inspections:draws:new"), form).status_code == 400
    assert new_draws(before).count() == 1
    # The economy office of town 1 did not make it: it does not see it (the safety office's
    # own draw it does), nor may it publish the command office's.
    client.force_login(world["w_t1_jmb"])
    assert client.get(reverse("inspections:draws:detail", args=[draw.pk])).status_code == 404
    # An enterprise's user has no draw pages at all.
    client.force_login(world["w_t1_ent1"])
    assert client.get(reverse("inspections:draws:list")).status_code == 403
    assert client.get(reverse("inspections:draws:new")).status_code == 403
    # The county's command office sees it.
    client.force_login(world["w_county_cmd"])
    assert client.get(reverse("inspections:draws:detail", args=[draw.pk])).status_code == 200
