"""举报 (issue 15 point 5, MISSION C3, seed 004): a tip sent without login from the public page
with a CAPTCHA drawn on the server and a rate limit per address, numbered by its town, with a
tracking code; screened by the town's command office, dispatched through the requests' own
routing table and working-day time limits, replied, looked up by the code, closed, or
dismissed. The enterprise (and its cadres and park operator) never sees a tip; another
town's office does not either; the contact is masked on screen, encrypted at rest and absent
from the audit log and the logs."""

from __future__ import annotations

import datetime
import io
import json
import logging
import re

import pytest
from captcha.models import CaptchaStore
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from fugong.cases import services, tips
from fugong.cases.choices import Nature, TipStatus, Urgency
from fugong.cases.models import Category, Tip, TipEvent
from fugong.core import calendar
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.core.testing import world_fixtures
from fugong.core.testing.api import bearer, issue_token
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")

PHONE = "13912345678"
NAME = "王知情"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the rate limits count per address on the cache
    yield
    cache.clear()


def enterprise_of(c):
    return c.enterprise.memberships.get().enterprise


def town_of(c):
    return services.town_of(enterprise_of(c).jurisdiction)


def png(name="现场.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def submit(c, **kw) -> tuple[Tip, str]:
    ent = enterprise_of(c)
    return tips.tip_submit(
        place=town_of(c),
        enterprise_name=kw.pop("enterprise_name", ent.name),
        text=kw.pop("text", "车间未落实测温，员工未戴口罩。"),
        **kw,
    )


def solved(page: str) -> dict[str, str]:
    """The CAPTCHA's key from the page and its answer, read from the server's store."""
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def form_fields(c, **kw) -> dict:
    ent = enterprise_of(c)
    return {
        "place": town_of(c).pk,
        "enterprise_name": ent.name,
        "text": kw.pop("text", "夜班工人从省外返回未隔离就上岗。"),
        "by_staff": "on",
        "contact_name": NAME,
        "contact_phone": PHONE,
        **kw,
    }


# ---------------------------------------------------------------------------- the loop


def test_a_tip_goes_round_the_loop_through_the_pages(world, client, caplog):
    c = add_cast(world, "approval", "tip_loop")
    rsj = world.county["w_county_rsj"]
    caplog.set_level(logging.DEBUG)
    # The public page: no login, in Chinese, with a CAPTCHA picture drawn here.
    page = client.get("/tips/")
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html and 'data-testid="captcha-image"' in html
    picture = re.search(r'src="(/tips/captcha/image/[0-9a-f]+/)"', html).group(1)
    drawn = client.get(picture)
    assert drawn.status_code == 200 and drawn["Content-Type"] == "image/png"
    answer = client.post("/tips/", {**form_fields(c), **solved(html), "photo": png()})
    assert answer.status_code == 302 and answer["Location"] == "/tips/done/"
    receipt = client.get("/tips/done/").content.decode()
    number = re.search(r'data-testid="tip-number">([^<]+)<', receipt).group(1)
    code = re.search(r'data-testid="tip-code">([^<]+)<', receipt).group(1)
    assert "举报〔" in number and re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert client.get("/tips/done/").status_code == 302  # the code is shown once
    tip = Tip.objects.get(number=number)
    assert tip.status == TipStatus.RECEIVED and tip.jurisdiction == town_of(c) and tip.by_staff
    assert tip.photo.name.startswith(f"tips/{tip.year}/tip-")  # a generated name
    # The contact is encrypted at rest; the code is kept only as a hash.
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone, contact_name FROM cases_tip WHERE id = %s", [tip.pk])
        stored = cursor.fetchone()
    assert all(v.startswith("v1.") for v in stored) and PHONE not in "".join(stored)
    assert tip.contact_phone == PHONE and code.replace("-", "") not in tip.code_hash

    # The town's command office screens it: the phone masked, the routing table's department.
    client.force_login(c.town_cmd)
    assert number in client.get("/cases/tips/?view=queue").content.decode()
    page = client.get(f"/cases/tips/{tip.pk}/").content.decode()
    assert PHONE not in page and "139****5678" in page and NAME not in page and "王**" in page
    assert 'data-testid="dispatch-form"' in page
    photo = client.get(f"/cases/tips/{tip.pk}/photo/")
    assert photo.status_code == 200 and photo["Content-Disposition"].startswith("attachment")
    assert photo["X-Content-Type-Options"] == "nosniff"
    labour = Category.objects.get(code="labour")
    answer = client.post(
        f"/cases/tips/{tip.pk}/step/",
        {
            "action": "dispatch",
            "category": labour.pk,
            "urgency": "normal",
            "enterprise": enterprise_of(c).pk,
            "revision": tip.revision,
        },
    )
    assert answer.status_code == 302
    tip.refresh_from_db()
    today = timezone.localdate()
    days = services.time_limit(labour, Nature.COMPLAINT, Urgency.NORMAL)
    assert tip.status == TipStatus.DISPATCHED
    assert tip.lead_office_id == rsj.memberships.get().office_id  # 用工 → the HR bureau
    assert tip.due == calendar.add_working_days(today, days)
    assert tip.enterprise == enterprise_of(c)
    # The full contact to call back: only on asking, and the reading is on the timeline.
    shown = client.post(f"/cases/tips/{tip.pk}/contact/").content.decode()
    assert PHONE in shown and NAME in shown
    assert TipEvent.objects.filter(tip=tip, action="contact_read", actor=c.town_cmd).exists()

    # The department replies from its inbox.
    client.force_login(rsj)
    assert number in client.get("/cases/tips/?view=inbox").content.decode()
    client.post(
        f"/cases/tips/{tip.pk}/step/", {"action": "reply", "reply": "已现场检查，责令整改。"}
    )
    tip.refresh_from_db()
    assert tip.status == TipStatus.REPLIED and tip.on_time is True

    # The reporter looks it up by the code (typed loosely): the status and the reply only.
    reporter = Client()
    found = reporter.post("/tips/lookup/", {"code": code.lower().replace("-", " ")})
    html = found.content.decode()
    assert found.status_code == 200 and 'data-status="replied"' in html
    assert "已现场检查，责令整改。" in html
    for private in (PHONE, NAME, "139****5678", enterprise_of(c).name, c.town_cmd.username):
        assert private not in html
    assert reporter.post("/tips/lookup/", {"code": "ABCD-EFGH-JKMN"}).status_code == 404

    # The office closes it.
    client.force_login(c.town_cmd)
    client.post(f"/cases/tips/{tip.pk}/step/", {"action": "close"})
    tip.refresh_from_db()
    assert tip.status == TipStatus.CLOSED
    assert 'data-status="closed"' in reporter.post("/tips/lookup/", {"code": code}).content.decode()
    actions = list(tip.events.values_list("action", flat=True))
    assert actions == ["receive", "dispatch", "contact_read", "reply", "close"]

    # Never in the audit log, never in a log line.
    audit = json.dumps(
        list(
            AuditLog.objects.filter(
                content_type=ContentType.objects.get_for_model(Tip), object_id=str(tip.pk)
            ).values("before", "after", "reason")
        ),
        ensure_ascii=False,
    )
    assert '"status"' in audit  # the tip is audited …
    assert PHONE not in audit and NAME not in audit and "contact" not in audit  # … not its contact
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PHONE not in logged and NAME not in logged


def test_a_wrong_captcha_is_refused_and_what_was_typed_is_kept(world, client):
    c = add_cast(world, "approval", "tip_captcha")
    page = client.get("/tips/").content.decode()
    fields = form_fields(c, text="仓库堆放易燃物，通道被堵。")
    key = solved(page)["captcha_0"]
    answer = client.post("/tips/", {**fields, "captcha_0": key, "captcha_1": "WRONG"})
    html = answer.content.decode()
    assert answer.status_code == 400 and 'data-testid="error-captcha"' in html
    assert "仓库堆放易燃物，通道被堵。" in html and PHONE in html  # kept in the form
    assert not Tip.objects.filter(text="仓库堆放易燃物，通道被堵。").exists()
    # The picture tried is spent: its right answer no longer passes; the new one does.
    assert not CaptchaStore.objects.filter(hashkey=key).exists()
    assert solved(html)["captcha_0"] != key
    answer = client.post("/tips/", {**fields, **solved(html)})
    assert answer.status_code == 302
    # Other bad input: a sentence on the field, the text kept.
    page = client.get("/tips/").content.decode()
    answer = client.post(
        "/tips/", {**form_fields(c, text=""), "contact_phone": "call me", **solved(page)}
    )
    html = answer.content.decode()
    assert answer.status_code == 400 and 'data-testid="error-text"' in html
    page = client.get("/tips/").content.decode()
    answer = client.post(
        "/tips/",
        {
            **form_fields(c, text="照片在附件"),
            "photo": SimpleUploadedFile("x.png", b"<script>alert(1)</script>"),
            **solved(page),
        },
    )
    html = answer.content.decode()
    assert answer.status_code == 400 and 'data-testid="form-error"' in html
    assert "照片在附件" in html
    # "Cannot read the picture": the same text, a new picture, no error.
    answer = client.post("/tips/", {**form_fields(c, text="看不清"), "new_picture": "1"})
    assert answer.status_code == 200 and "看不清" in answer.content.decode()


@override_settings(FUGONG_TIPS_PER_HOUR=2, FUGONG_TIP_LOOKUPS_PER_10_MINUTES=3)
def test_one_address_sends_so_many_tips_an_hour(world, client):
    c = add_cast(world, "approval", "tip_limit")
    for n in range(2):
        page = client.get("/tips/").content.decode()
        fields = form_fields(c, text=f"第{n}条")
        assert client.post("/tips/", {**fields, **solved(page)}).status_code == 302
    page = client.get("/tips/").content.decode()
    answer = client.post("/tips/", {**form_fields(c, text="第三条举报"), **solved(page)})
    assert answer.status_code == 429 and "第三条举报" in answer.content.decode()
    assert not Tip.objects.filter(text="第三条举报").exists()
    # Another address is not held back.
    other = Client(REMOTE_ADDR="10.9.9.9")
    page = other.get("/tips/").content.decode()
    assert other.post("/tips/", {**form_fields(c, text="别处"), **solved(page)}).status_code == 302
    # Lookups too: codes are not to be guessed.
    statuses = [
        client.post("/tips/lookup/", {"code": "2345-6789-ABCD"}).status_code for _ in "1234"
    ]
    assert statuses == [404, 404, 404, 429]


def test_the_public_page_fits_a_phone(client, db):
    html = client.get("/tips/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "col-12" in html and "table" not in html  # one column, nothing wider than the screen


# ---------------------------------------------------------------------------- services


def test_dismissal_and_the_steps_refused(world):
    c = add_cast(world, "record", "tip_dismiss")
    tip, code = submit(c)
    assert tip.status == TipStatus.RECEIVED
    with pytest.raises(NotAllowed):  # a department does not screen
        tips.tip_dismiss(actor=world.county["w_county_rsj"], tip=tip, reason="不属实")
    with pytest.raises(UserError):  # a dismissal says why
        tips.tip_dismiss(actor=c.town_cmd, tip=tip, reason="  ")
    tip = tips.tip_dismiss(actor=c.town_cmd, tip=tip, reason="经核查，该企业已停产。")
    assert tip.status == TipStatus.DISMISSED and tip.closed_at
    assert tips.tip_by_code(code).dismissal == "经核查，该企业已停产。"
    with pytest.raises(Conflict):
        tips.tip_dispatch(actor=c.town_cmd, tip=tip, category=Category.objects.get(code="other"))
    # Bad input to the service: a sentence, nothing stored.
    with pytest.raises(UserError):
        submit(c, text="")
    with pytest.raises(UserError):
        submit(c, contact_phone="abc")
    with pytest.raises(UserError):  # a county is not a town
        tips.tip_submit(place=c.county_cmd.memberships.get().jurisdiction, enterprise_name="某厂",
                        text="x")  # fmt: skip


def test_dispatch_uses_the_routing_table_and_the_time_limits(world):
    c = add_cast(world, "approval", "tip_route")
    tip, _code = submit(c)
    other = Category.objects.get(code="other")
    # The same functions a request uses: 其他 → the town's economy office; urgent: shorter.
    named = services.route(Tip(jurisdiction=tip.jurisdiction, category=other))
    tip = tips.tip_dispatch(actor=c.town_cmd, tip=tip, category=other, urgency=Urgency.URGENT)
    assert tip.lead_office == named[0] and tip.lead_office.kind == "economy"
    days = services.time_limit(other, Nature.COMPLAINT, Urgency.URGENT)
    assert tip.due == calendar.add_working_days(timezone.localdate(), days)
    # A department of another town is refused.
    tip2, _ = submit(c)
    with pytest.raises(UserError):
        tips.tip_dispatch(
            actor=c.town_cmd,
            tip=tip2,
            category=other,
            lead=world.county["w_t2_jmb"].memberships.get().office,
        )
    # The screener sends a thin reply back; the department answers again.
    jmb = world.county["w_t1_jmb"]
    tip = tips.tip_reply(actor=jmb, tip=tip, reply="已告知。")
    tip = tips.tip_send_back(actor=c.town_cmd, tip=tip, reason="请写明核查结果")
    assert tip.status == TipStatus.DISPATCHED
    tip = tips.tip_reply(actor=jmb, tip=tip, reply="核查属实，已立案。")
    assert tip.status == TipStatus.REPLIED


def test_a_tip_goes_only_to_an_authority_that_can_answer_it(world):
    """Not the park operator (it may run the reported firm's park), not the power company,
    not an office without anyone who may open tips: the tip would be stuck there."""
    from fugong.accounts.models import Office

    c = add_cast(world, "approval", "tip_where")
    tip, _code = submit(c)
    offered = tips.departments_for(tip)
    assert offered.exists()
    assert not offered.filter(kind__in=["park_operator", "power"]).exists()
    for office in offered:
        assert office.memberships.filter(role__in=["department", "reviewer"]).exists()
    every = services.departments_for(tip)
    unfit = every.exclude(pk__in=offered.values("pk")).first()
    if unfit is None:  # the world has none: make one
        unfit = Office.objects.create(name="某园区运营公司", kind="park_operator",
                                      jurisdiction=tip.jurisdiction)  # fmt: skip
    with pytest.raises(UserError):
        tips.tip_dispatch(actor=c.town_cmd, tip=tip, category=Category.objects.get(code="other"),
                          lead=unfit)  # fmt: skip


def test_a_safety_or_epidemic_violation_has_its_own_category_and_department(demo):
    """What whistle-blowers report is not 其他: work safety goes to the town's safety office,
    epidemic measures to the health commission, food to the town's food-safety office."""
    from fugong.accounts.models import Membership

    command = (
        Membership.objects.filter(role="command", jurisdiction__depth=3, is_active=True)
        .select_related("user", "jurisdiction")
        .order_by("pk")
        .first()
    )
    expected = {"work_safety": "safety", "epidemic_rules": "health", "food_safety": "food_safety"}
    for code, kind in expected.items():
        tip, _code = tips.tip_submit(place=command.jurisdiction, enterprise_name="某厂",
                                     text="车间未落实测温，员工未戴口罩。")  # fmt: skip
        category = Category.objects.get(code=code, is_active=True)
        tip = tips.tip_dispatch(actor=command.user, tip=tip, category=category)
        assert tip.lead_office.kind == kind, code


def test_overdue_tips_are_listed(world, client):
    c = add_cast(world, "approval", "tip_overdue")
    rsj = world.county["w_county_rsj"]
    tip, _code = submit(c)
    tip = tips.tip_dispatch(actor=c.town_cmd, tip=tip, category=Category.objects.get(code="labour"))
    Tip.objects.filter(pk=tip.pk).update(due=timezone.localdate() - datetime.timedelta(days=3))
    tip.refresh_from_db()
    assert tips.overdue(tip)
    for user in (rsj, c.town_cmd, c.county_cmd):
        assert tip in tips.overdue_list(user)
        client.force_login(user)
        page = client.get("/cases/tips/?view=overdue").content.decode()
        assert tip.number in page and 'data-testid="tip-overdue"' in page
    late = tips.tip_reply(actor=rsj, tip=tip, reply="已处理。")
    assert late.on_time is False and late not in tips.overdue_list(rsj)


# ---------------------------------------------------------------------------- who sees it


def test_the_enterprise_never_sees_a_tip_about_itself(world, client):
    c = add_cast(world, "park_tenant", "tip_secret")
    tip, _code = submit(c)
    tip = tips.tip_dispatch(
        actor=c.town_cmd,
        tip=tip,
        category=Category.objects.get(code="labour"),
        enterprise=enterprise_of(c),
    )
    park = world.county["w_t1_park"]
    # The enterprise itself, its 包保 cadre and its park's operator: in no list, no page,
    # no API answer, not even once it is matched, dispatched and replied.
    tip = tips.tip_reply(actor=world.county["w_county_rsj"], tip=tip, reply="已核查。")
    for user in (c.enterprise, c.inspector, park):
        assert not tips.tip_list(user).exists()
        assert tips.available_actions(user, tip) == []
        client.force_login(user)
        assert client.get("/cases/tips/").status_code == 403
        assert client.get(f"/cases/tips/{tip.pk}/").status_code == 404
        assert client.get(f"/cases/tips/{tip.pk}/photo/").status_code == 404
        assert client.post(f"/cases/tips/{tip.pk}/contact/").status_code == 404
        with pytest.raises(NotAllowed):
            tips.contact_read(actor=user, tip=tip)
        api = bearer(issue_token(client, user.username))
        assert client.get("/api/v1/cases/tips", headers=api).json()["items"] == []
        assert client.get(f"/api/v1/cases/tips/{tip.pk}", headers=api).status_code == 404
        # Nor through its requests' pages: a tip is not a request.
        assert tip.number not in client.get("/cases/").content.decode()


def test_another_towns_office_does_not_see_the_tip(world, client):
    c = add_cast(world, "approval", "tip_scope")  # town 1
    tip, _code = submit(c)
    t2_cmd, t2_jmb, rsj = (world.county[k] for k in ("w_t2_cmd", "w_t2_jmb", "w_county_rsj"))
    assert tip not in tips.tip_list(t2_cmd) and tip in tips.tip_list(c.county_cmd)
    assert tip not in tips.tip_list(rsj)  # a department: not before it is dispatched to it
    with pytest.raises(NotAllowed):
        tips.tip_dispatch(actor=t2_cmd, tip=tip, category=Category.objects.get(code="labour"))
    for user in (t2_cmd, t2_jmb, rsj):
        client.force_login(user)
        assert client.get(f"/cases/tips/{tip.pk}/").status_code == 404
        assert tip.number not in client.get("/cases/tips/").content.decode()
        api = bearer(issue_token(client, user.username))
        assert client.get(f"/api/v1/cases/tips/{tip.pk}", headers=api).status_code == 404
        answer = client.post(
            f"/api/v1/cases/tips/{tip.pk}/dispatch",
            json.dumps({"category": "labour"}),
            content_type="application/json",
            headers=api,
        )
        assert answer.status_code == 404
    tips.tip_dispatch(actor=c.town_cmd, tip=tip, category=Category.objects.get(code="labour"))
    assert tip in tips.tip_list(rsj) and tip not in tips.tip_list(t2_jmb)


def test_the_api(world, client):
    c = add_cast(world, "approval", "tip_api")
    tip, code = submit(c, contact_phone=PHONE)
    office = bearer(issue_token(client, c.town_cmd.username))
    listed = client.get("/api/v1/cases/tips", {"view": "queue"}, headers=office).json()["items"]
    assert tip.pk in [t["id"] for t in listed]
    body = client.get(f"/api/v1/cases/tips/{tip.pk}", headers=office)
    assert body.status_code == 200 and PHONE not in body.content.decode()
    data = body.json()
    assert data["has_contact"] and {a["action"] for a in data["actions"]} == {"dispatch", "dismiss"}
    answer = client.post(
        f"/api/v1/cases/tips/{tip.pk}/dispatch",
        json.dumps({"category": "labour", "revision": data["revision"]}),
        content_type="application/json",
        headers=office,
    )
    assert answer.status_code == 200 and answer.json()["status"] == "dispatched"
    assert answer.json()["due"]
    stale = client.post(
        f"/api/v1/cases/tips/{tip.pk}/close",
        json.dumps({"revision": 0}),
        content_type="application/json",
        headers=office,
    )
    assert stale.status_code == 409
    rsj = bearer(issue_token(client, world.county["w_county_rsj"].username))
    inbox = client.get("/api/v1/cases/tips", {"view": "inbox"}, headers=rsj).json()["items"]
    assert tip.pk in [t["id"] for t in inbox]
    empty = client.post(
        f"/api/v1/cases/tips/{tip.pk}/reply",
        json.dumps({"reply": ""}),
        content_type="application/json",
        headers=rsj,
    )
    assert empty.status_code == 400 and re.search(r"[\u4e00-\u9fff]", empty.json()["message"])
    answer = client.post(
        f"/api/v1/cases/tips/{tip.pk}/reply",
        json.dumps({"reply": "已处理。"}),
        content_type="application/json",
        headers=rsj,
    )
    assert answer.json()["status"] == "replied"
    assert tips.tip_by_code(code).reply == "已处理。"
