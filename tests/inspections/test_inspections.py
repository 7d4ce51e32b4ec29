"""Inspections (issue 15): the checklist engine and its four kinds of template (point 1), the
kinds of inspection with the enterprise's self-check (point 2), rectification orders and
orders to stop (point 4), the phone page's saved draft and the photos (point 7), scope."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fugong.core.calendar import add_working_days
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.testing import bearer, issue_token, world_fixtures
from fugong.inspections import checklists, services
from fugong.inspections.checklists import Answer
from fugong.inspections.choices import (
    CheckValue,
    InspectionKind,
    InspectionStatus,
    OrderStatus,
    StopStatus,
)
from fugong.inspections.models import ChecklistTemplate, Inspection, Rectification, StopOrder
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Today as each test starts (a run may cross midnight in the county's time zone)."""
    global TODAY
    TODAY = timezone.localdate()


def template(code: str) -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(code=code, is_active=True)


def photo(name="现场.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def answers(t, *, fail=(), number=7, skip=()):
    """Pass everything (with the photos asked for), except positions in ``fail``."""
    result = {}
    for item in t.items.all():
        if item.position in skip:
            continue
        value = CheckValue.FAIL if item.position in fail else CheckValue.PASS
        result[item.pk] = Answer(
            value=value if item.kind == "check" else "",
            number=number if item.kind == "number" else None,
            text=f"第{item.position}项问题" if item.position in fail else "",
            photo=photo() if item.photo_required or item.kind == "photo" else None,
        )
    return result


def form_data(t, enterprise, *, fail=(), opinion="检查完毕"):
    data = {"opinion": opinion}
    files = {}
    for item in t.items.all():
        if not checklists.applies(item, enterprise):
            continue
        key = f"item_{item.pk}"
        if item.kind == "check":
            data[key] = "fail" if item.position in fail else "pass"
        elif item.kind == "number":
            data[key] = "8"
        if item.photo_required:
            files[f"{key}_photo"] = photo()
    return {**data, **files}


def test_the_four_checklists_of_the_seeds(db):
    kinds = dict(ChecklistTemplate.objects.filter(is_active=True).values_list("code", "kind"))
    assert {"acceptance", "post_resumption", "safety", "restaurant"} <= set(kinds)
    post = template("post_resumption")
    groups = list(dict.fromkeys(post.items.values_list("group", flat=True)))
    assert len(groups) == 9 and groups[0].startswith("一、") and groups[8].startswith("九、")
    assert post.pass_rule == "score" and post.pass_score == 80
    supplies = post.items.get(kind="number")
    assert supplies.minimum == 7 and supplies.photo_required  # 7天以上用量
    assert post.items.filter(applies_if="has_canteen").count() == 3
    assert template("restaurant").items.filter(critical=True, text__contains="许可证").exists()
    assert template("safety").items.filter(group__startswith="三、").count() >= 3
    assert template("acceptance").items.count() == 11


def test_the_engine_scores_asks_only_what_applies_and_applies_the_pass_rule(world):
    c = add_cast(world, "record", "engine")  # below the limit, no canteen
    enterprise = c.enterprise.memberships.get().enterprise
    post = template("post_resumption")
    canteen = list(post.items.filter(applies_if="has_canteen").values_list("position", flat=True))
    # Canteen items are not asked of an enterprise without a canteen.
    full = checklists.evaluate(post, answers(post, skip=canteen), enterprise=enterprise)
    assert not full.problems and full.passed and full.score == Decimal(100)
    # Incomplete: every missing answer is named at once (一次性告知).
    incomplete = checklists.evaluate(post, answers(post, skip=canteen + [1, 3]),
                                     enterprise=enterprise)  # fmt: skip
    assert len([p for p in incomplete.problems if p.startswith(("1.", "3."))]) == 2
    with pytest.raises(UserError):
        incomplete.raise_problems()
    # Under the minimum: 5 days of masks fails the item, with the reason.
    short = checklists.evaluate(post, answers(post, skip=canteen, number=5), enterprise=enterprise)
    assert [f["item"] for f in short.failed] == [2] and "7" in short.failed[0]["note"]
    # No canteen, bus or dormitory: 14 items apply; one point lost is 92.9 %, above the mark.
    assert len([r for r in short.rows if r.applies]) == 14
    assert short.passed and short.score == Decimal("92.9")
    # A critical item failed fails the check whatever the score.
    critical = post.items.filter(critical=True).first().position
    bad = checklists.evaluate(post, answers(post, skip=canteen, fail=[critical]),
                              enterprise=enterprise)  # fmt: skip
    assert not bad.passed and bad.critical_failed and bad.score > 80
    # The "every item" rule: one failure fails.
    safety = template("safety")
    assert not checklists.evaluate(safety, answers(safety, fail=[1])).passed


def test_an_unannounced_inspection_its_order_report_and_reinspection(world, client):
    c = add_cast(world, "approval", "loop")  # town 1, with a canteen
    enterprise = c.enterprise.memberships.get().enterprise
    post = template("post_resumption")
    with pytest.raises(NotAllowed):  # an enterprise plans nothing
        services.inspection_plan(actor=c.enterprise, enterprise=enterprise,
                                 kind="scheduled", template=post, date=TODAY)  # fmt: skip
    with pytest.raises(NotAllowed):  # another town's command office neither
        services.inspection_plan(actor=world["record"].town_cmd, enterprise=enterprise,
                                 kind="scheduled", template=post, date=TODAY)  # fmt: skip
    # Named: not its 包保 cadre (c.inspector), who never inspects it unannounced.
    inspection = services.inspection_plan(
        actor=c.town_cmd, enterprise=enterprise, kind=InspectionKind.UNANNOUNCED,
        template=post, date=TODAY, inspector=c.reviewer,
    )  # fmt: skip
    # 明察暗访: the enterprise does not see it before it is done.
    client.force_login(c.enterprise)
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert enterprise.name not in client.get("/inspections/?which=all").content.decode()
    # The inspector has it on their own list, fills it on the page: two items fail.
    client.force_login(c.reviewer)
    page = client.get("/inspections/").content.decode()
    assert "我的检查" in page and enterprise.name in page
    fill = client.get(f"/inspections/{inspection.pk}/fill/").content.decode()
    assert "九、有宿舍的企业" not in fill  # no dormitory: not asked
    assert "七、有食堂的企业" in fill  # a canteen: asked
    answer = client.post(f"/inspections/{inspection.pk}/fill/",
                         form_data(post, enterprise, fail=[5, 11]))  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DONE and inspection.passed  # 2 of many: passes
    order = Rectification.objects.get(inspection=inspection)
    assert order.number == f"{order.issuer.name[:2]}整改〔{TODAY.year}〕{order.sequence:04d}号"
    assert [i["item"] for i in order.items] == [5, 11]
    assert order.deadline == add_working_days(TODAY, post.rectify_days)
    # The enterprise now sees the inspection and the order, and reports what it did.
    client.force_login(c.enterprise)
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 200
    response = client.get(f"/inspections/orders/{order.pk}/")
    page = response.content.decode()
    assert response.status_code == 200, page[-3000:]
    assert order.number in page and post.items.get(position=5).text in page
    assert client.post(f"/inspections/orders/{order.pk}/", {"report": " "}).status_code == 400
    answer = client.post(f"/inspections/orders/{order.pk}/",
                         {"report": "已签订承诺书并张贴宣传", "revision": order.revision})  # fmt: skip
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.REPORTED
    # The re-inspection is planned at once for the same inspector; it passes: order closed.
    again = order.reinspections.get()
    assert again.kind == InspectionKind.REINSPECTION and again.inspector == c.reviewer
    services.inspection_record(actor=c.reviewer, inspection=again,
                               answers=answers(post), opinion="已整改")  # fmt: skip
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.on_time
    # Another town's command office sees none of it.
    client.force_login(world["record"].town_cmd)
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert client.get(f"/inspections/orders/{order.pk}/").status_code == 404
    assert order.number not in client.get("/inspections/orders/").content.decode()
    # Another enterprise neither.
    client.force_login(world["record"].enterprise)
    assert client.get(f"/inspections/orders/{order.pk}/").status_code == 404


def test_a_failed_reinspection_sends_the_order_back_and_the_overdue_list(world, client):
    c = add_cast(world, "approval", "overdue")
    enterprise = c.enterprise.memberships.get().enterprise
    safety = template("safety")
    inspection = services.inspection_plan(actor=c.reviewer, enterprise=enterprise,
                                          kind="spot", template=safety, date=TODAY)  # fmt: skip
    assert inspection.office is not None  # the reviewer's office is responsible
    services.inspection_record(actor=c.reviewer, inspection=inspection,
                               answers=answers(safety, fail=[3]), opinion="抽查")  # fmt: skip
    order = inspection.rectification
    services.rectification_report(actor=c.enterprise, order=order, report="已整改")
    again = order.reinspections.get()
    services.inspection_record(actor=c.reviewer, inspection=again,
                               answers=answers(safety, fail=[3]), opinion="仍未整改",
                               rectify_by=TODAY + datetime.timedelta(days=2))  # fmt: skip
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.deadline == TODAY + datetime.timedelta(days=2)
    # Past its deadline it is on the overdue list of its office and its command office.
    Rectification.objects.filter(pk=order.pk).update(deadline=TODAY - datetime.timedelta(days=1))
    for who in (c.reviewer, c.town_cmd):
        client.force_login(who)
        page = client.get("/inspections/orders/?overdue=1").content.decode()
        assert order.number in page and 'data-testid="order-overdue"' in page
    client.force_login(c.county_cmd)
    assert order.number in client.get("/inspections/orders/?overdue=1").content.decode()


def test_a_self_check_submitted_sent_back_and_accepted(world, client):
    c = add_cast(world, "approval", "self")
    enterprise = c.enterprise.memberships.get().enterprise
    restaurant = template("restaurant")
    check = services.inspection_plan(actor=c.reviewer, enterprise=enterprise,
                                     kind=InspectionKind.SELF_CHECK, template=restaurant,
                                     date=TODAY + datetime.timedelta(days=3))  # fmt: skip
    assert check.due == TODAY + datetime.timedelta(days=3)
    with pytest.raises(NotAllowed):  # the office does not fill the enterprise's self-check
        services.self_check_submit(actor=c.reviewer, inspection=check,
                                   answers=answers(restaurant))  # fmt: skip
    client.force_login(c.enterprise)
    assert client.get(f"/inspections/{check.pk}/").status_code == 200  # its own self-check
    answer = client.post(f"/inspections/{check.pk}/fill/",
                         form_data(restaurant, enterprise, fail=[10], opinion=""))  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    check.refresh_from_db()
    assert check.status == InspectionStatus.SUBMITTED and check.inspector == c.enterprise
    client.force_login(c.reviewer)
    assert (
        client.post(f"/inspections/{check.pk}/step/send_back/", {"reason": ""}).status_code == 400
    )
    client.post(f"/inspections/{check.pk}/step/send_back/", {"reason": "照片不清晰"})
    check.refresh_from_db()
    assert check.status == InspectionStatus.PLANNED
    services.self_check_submit(actor=c.enterprise, inspection=check,
                               answers=answers(restaurant, fail=[10]))  # fmt: skip
    services.self_check_review(actor=c.reviewer, inspection=check, accept=True)
    check.refresh_from_db()
    assert check.status == InspectionStatus.DONE and check.reviewed_by == c.reviewer
    assert check.answers.count() == restaurant.items.count()  # the first answers replaced
    assert check.rectification.items[0]["item"] == 10


def test_an_order_to_stop_is_lifted_only_after_a_passed_reinspection(world, client):
    c = add_cast(world, "approval", "stop")
    enterprise = c.enterprise.memberships.get().enterprise
    restaurant = template("restaurant")
    licence = restaurant.items.get(text__contains="许可证").position
    inspection = services.inspection_plan(actor=c.town_cmd, enterprise=enterprise,
                                          kind="unannounced", template=restaurant, date=TODAY,
                                          inspector=c.reviewer)  # fmt: skip
    services.inspection_record(actor=c.reviewer, inspection=inspection,
                               answers=answers(restaurant, fail=[licence]),
                               opinion="无证经营")  # fmt: skip
    inspection.refresh_from_db()
    assert not inspection.passed
    with pytest.raises(NotAllowed):
        services.stop_issue(actor=c.enterprise, enterprise=enterprise, facts="x")
    client.force_login(c.town_cmd)
    assert 'data-testid="stop"' in client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert client.post(f"/inspections/{inspection.pk}/stop/", {"facts": ""}).status_code == 400
    answer = client.post(f"/inspections/{inspection.pk}/stop/",
                         {"facts": "未取得食品经营许可证从事餐饮服务", "basis": "食品安全法"})  # fmt: skip
    assert answer.status_code == 302
    stop = StopOrder.objects.get(enterprise=enterprise)
    assert stop.status == StopStatus.IN_FORCE and "停业〔" in stop.number
    with pytest.raises(Conflict):  # one in force at a time
        services.stop_issue(actor=c.town_cmd, enterprise=enterprise, facts="again")
    # Lifting without a passed re-inspection is refused with a sentence.
    page = client.post(f"/inspections/stops/{stop.pk}/", {"action": "lift", "reason": "已办证"})
    assert page.status_code == 409 or page.status_code == 400
    assert "re-inspection" in page.content.decode() or "复查" in page.content.decode()
    client.post(
        f"/inspections/stops/{stop.pk}/",
        {"action": "reinspect", "date": TODAY.isoformat(), "inspector": c.inspector.pk},
    )
    again = stop.reinspections.get()
    services.inspection_record(actor=c.inspector, inspection=again,
                               answers=answers(restaurant), opinion="已取得许可证")  # fmt: skip
    answer = client.post(f"/inspections/stops/{stop.pk}/",
                         {"action": "lift", "reason": "复查合格", "revision": stop.revision})  # fmt: skip
    assert answer.status_code == 302
    stop.refresh_from_db()
    assert stop.status == StopStatus.LIFTED and stop.lifted_on == again
    client.force_login(c.enterprise)  # the enterprise sees its order to stop
    assert client.get(f"/inspections/stops/{stop.pk}/").status_code == 200
    client.force_login(world["record"].enterprise)
    assert client.get(f"/inspections/stops/{stop.pk}/").status_code == 404


def test_the_phone_page_keeps_a_draft(world, client):
    c = add_cast(world, "approval", "draft")
    enterprise = c.enterprise.memberships.get().enterprise
    post = template("post_resumption")
    inspection = services.inspection_plan(actor=c.town_cmd, enterprise=enterprise,
                                          kind="scheduled", template=post, date=TODAY,
                                          inspector=c.inspector)  # fmt: skip
    first = post.items.get(position=1)
    client.force_login(c.inspector)
    page = client.get(f"/inspections/{inspection.pk}/fill/").content.decode()
    assert f'data-draft="inspection-{inspection.pk}"' in page and "data-draft-status" in page
    saved = client.post(f"/inspections/{inspection.pk}/draft/",
                        {f"item_{first.pk}": "fail", f"item_{first.pk}_text": "消毒记录缺失",
                         "opinion": "未完"})  # fmt: skip
    assert saved.status_code == 200 and "草稿" in saved.content.decode()
    inspection.refresh_from_db()
    assert inspection.draft[f"item_{first.pk}"] == "fail"
    # Opened again (another phone, a reload): the answers are back.
    page = client.get(f"/inspections/{inspection.pk}/fill/").content.decode()
    assert "消毒记录缺失" in page
    assert re.search(rf'name="item_{first.pk}" value="fail"[^>]* checked', page)
    # A refused submission keeps what was typed (here: the missing photos).
    data = form_data(post, enterprise)
    data = {k: v for k, v in data.items() if not k.endswith("_photo")}
    data[f"item_{first.pk}_text"] = "第二次填写"
    refused = client.post(f"/inspections/{inspection.pk}/fill/", data)
    assert refused.status_code == 400 and "照片" in refused.content.decode()
    inspection.refresh_from_db()
    assert inspection.draft[f"item_{first.pk}_text"] == "第二次填写"
    # Someone who may not fill it cannot write its draft.
    client.force_login(c.enterprise)
    assert client.post(f"/inspections/{inspection.pk}/draft/", {"opinion": "x"}).status_code == 404
    client.force_login(c.town_cmd)  # sees it, but an inspector is named
    assert client.post(f"/inspections/{inspection.pk}/draft/", {"opinion": "x"}).status_code == 403
    # Recorded: the draft is gone and the page tells the phone to forget its copy.
    client.force_login(c.inspector)
    answer = client.post(f"/inspections/{inspection.pk}/fill/", form_data(post, enterprise))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    inspection.refresh_from_db()
    assert inspection.draft == {}
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert f'data-draft-clear="inspection-{inspection.pk}"' in page
    # Its photos are served to who sees it, as images, never to another enterprise.
    answer_with_photo = inspection.answers.exclude(photo="").first()
    url = f"/inspections/answers/{answer_with_photo.pk}/photo/"
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    client.force_login(world["record"].enterprise)
    assert client.get(url).status_code == 404


def test_a_planned_inspection_is_cancelled_with_a_reason(world, client):
    c = add_cast(world, "approval", "cancel")
    enterprise = c.enterprise.memberships.get().enterprise
    inspection = services.inspection_plan(actor=c.town_cmd, enterprise=enterprise,
                                          kind="scheduled", template=template("safety"),
                                          date=TODAY)  # fmt: skip
    client.force_login(c.town_cmd)
    client.post(f"/inspections/{inspection.pk}/step/cancel/", {"reason": "企业已停产"})
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CANCELLED
    assert Inspection.objects.filter(pk=inspection.pk, draft={}).exists()


def test_planning_from_the_page(world, client):
    c = add_cast(world, "approval", "planpage")
    enterprise = c.enterprise.memberships.get().enterprise
    client.force_login(c.reviewer)
    page = client.get("/inspections/plan/?q=" + enterprise.name[:4]).content.decode()
    assert f"?enterprise={enterprise.pk}" in page
    form = client.get(f"/inspections/plan/?enterprise={enterprise.pk}").content.decode()
    assert c.inspector.username in form or (c.inspector.full_name or "") in form
    bad = client.post(
        f"/inspections/plan/?enterprise={enterprise.pk}",
        {"kind": "spot", "template": template("safety").pk, "date": "2000-01-01"},
    )
    assert bad.status_code == 400 and 'data-testid="form-error"' in bad.content.decode()
    ok = client.post(f"/inspections/plan/?enterprise={enterprise.pk}",
                     {"kind": "spot", "template": template("safety").pk,
                      "date": TODAY.isoformat(), "inspector": c.inspector.pk})  # fmt: skip
    assert ok.status_code == 302
    planned = Inspection.objects.filter(enterprise=enterprise).latest("pk")
    assert planned.inspector == c.inspector and planned.kind == "spot"
    # Another town's reviewer cannot find the enterprise to plan for it.
    client.force_login(world["record"].reviewer)
    assert (
        f"?enterprise={enterprise.pk}"
        not in client.get("/inspections/plan/?q=" + enterprise.name[:4]).content.decode()
    )


def test_the_api_lists_in_scope_and_takes_the_report(world, client):
    c = add_cast(world, "approval", "api")
    enterprise = c.enterprise.memberships.get().enterprise
    safety = template("safety")
    planned = services.inspection_plan(actor=c.town_cmd, enterprise=enterprise,
                                       kind="unannounced", template=safety, date=TODAY,
                                       inspector=c.reviewer)  # fmt: skip
    inspector = bearer(issue_token(client, c.reviewer.username))
    mine = client.get("/api/v1/inspections?view=mine", headers=inspector).json()["items"]
    assert planned.pk in [i["id"] for i in mine]
    ent = bearer(issue_token(client, c.enterprise.username))
    # Unannounced: not in the enterprise's list nor readable before it is done.
    assert planned.pk not in [
        i["id"] for i in client.get("/api/v1/inspections", headers=ent).json()["items"]
    ]
    assert client.get(f"/api/v1/inspections/{planned.pk}", headers=ent).status_code == 404
    services.inspection_record(actor=c.reviewer, inspection=planned,
                               answers=answers(safety, fail=[2]), opinion="暗访")  # fmt: skip
    detail = client.get(f"/api/v1/inspections/{planned.pk}", headers=ent).json()
    assert detail["passed"] is False and [a["item"] for a in detail["answers"] if a["failed"]] == [
        2
    ]
    order_id = detail["rectification_id"]
    orders = client.get("/api/v1/inspections/orders", headers=ent).json()["items"]
    assert [o["id"] for o in orders] == [order_id]
    report = client.post(f"/api/v1/inspections/orders/{order_id}/report",
                         json.dumps({"report": "已整改"}), content_type="application/json",
                         headers=ent)  # fmt: skip
    assert report.status_code == 200 and report.json()["status"] == "reported"
    other = bearer(issue_token(client, world["record"].enterprise.username))
    assert client.get(f"/api/v1/inspections/{planned.pk}", headers=other).status_code == 404
    assert client.get("/api/v1/inspections/orders", headers=other).json()["items"] == []
    Rectification.objects.filter(pk=order_id).update(
        status="open", deadline=TODAY - datetime.timedelta(days=1)
    )
    town = bearer(issue_token(client, c.town_cmd.username))
    overdue = client.get("/api/v1/inspections/orders?overdue=true", headers=town).json()
    assert order_id in [o["id"] for o in overdue["items"]]
    assert all(o["overdue"] for o in overdue["items"])


def test_no_photo_is_left_behind_when_recording_fails(world, settings, tmp_path, monkeypatch):
    """Point 7: photos written before a step fails (here: the order cannot be issued; in the
    acceptance: the filing's step) leave no file once the transaction rolls back."""
    from fugong.resumption import services as resumption
    from fugong.resumption.choices import Status
    from fugong.resumption.testing import answers as acceptance_answers
    from fugong.resumption.testing import new_filing

    settings.MEDIA_ROOT = tmp_path
    c = add_cast(world, "approval", "orphans")
    enterprise = c.enterprise.memberships.get().enterprise
    post = template("post_resumption")
    inspection = services.inspection_plan(actor=c.town_cmd, enterprise=enterprise,
                                          kind="scheduled", template=post, date=TODAY,
                                          inspector=c.inspector)  # fmt: skip

    def refuse(*args, **kwargs):
        raise Conflict("refused")

    monkeypatch.setattr(services, "rectification_issue", refuse)
    with pytest.raises(Conflict):
        services.inspection_record(actor=c.inspector, inspection=inspection,
                                   answers=answers(post, fail=[5]), opinion="x")  # fmt: skip
    assert not list(tmp_path.rglob("*.*")), "the photos of a rolled-back inspection stay"
    # The same inspection recorded for real keeps its photos.
    monkeypatch.undo()
    settings.MEDIA_ROOT = tmp_path
    services.inspection_record(actor=c.inspector, inspection=inspection,
                               answers=answers(post), opinion="合格")  # fmt: skip
    assert len(list(tmp_path.rglob("*.*"))) == post.items.filter(photo_required=True).count()
    # The acceptance: its photos go when the filing's step fails after they were written.
    filing = new_filing(c, Status.ACCEPTANCE_SCHEDULED)
    acceptance = filing.acceptances.get()
    before = set(tmp_path.rglob("*.*"))
    monkeypatch.setattr(resumption, "_transition", refuse)
    with pytest.raises(Conflict):
        resumption.acceptance_record(
            actor=acceptance.inspector or c.inspector, filing=filing,
            answers=acceptance_answers(acceptance.template), opinion="合格",
        )  # fmt: skip
    assert set(tmp_path.rglob("*.*")) == before


def test_people_are_told_at_each_hand_over(world, django_capture_on_commit_callbacks):
    from fugong.notifications.models import Message

    c = add_cast(world, "approval", "told")
    enterprise = c.enterprise.memberships.get().enterprise
    safety, restaurant = template("safety"), template("restaurant")

    def told(user, kind) -> bool:
        return Message.objects.filter(user=user, kind=f"inspections.{kind}").exists()

    with django_capture_on_commit_callbacks(execute=True):
        # Not its 包保 cadre (c.inspector), who never inspects it unannounced.
        secret = services.inspection_plan(actor=c.reviewer, enterprise=enterprise,
                                          kind="unannounced", template=safety, date=TODAY,
                                          inspector=c.town_cmd)  # fmt: skip
    assert told(c.town_cmd, "planned") and not told(c.enterprise, "planned")
    with django_capture_on_commit_callbacks(execute=True):
        services.inspection_record(actor=c.town_cmd, inspection=secret,
                                   answers=answers(safety, fail=[1]), opinion="暗访")  # fmt: skip
    assert told(c.enterprise, "ordered")
    with django_capture_on_commit_callbacks(execute=True):
        services.rectification_report(actor=c.enterprise, order=secret.rectification,
                                      report="已整改")  # fmt: skip
    assert told(c.town_cmd, "reported")
    with django_capture_on_commit_callbacks(execute=True):
        check = services.inspection_plan(
            actor=c.reviewer,
            enterprise=enterprise,
            kind="self_check",
            template=restaurant,
            date=TODAY,
        )
    assert told(c.enterprise, "planned")
    with django_capture_on_commit_callbacks(execute=True):
        services.self_check_submit(actor=c.enterprise, inspection=check,
                                   answers=answers(restaurant))  # fmt: skip
    assert told(c.reviewer, "submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.self_check_review(actor=c.reviewer, inspection=check, accept=False,
                                   reason="缺照片")  # fmt: skip
    assert told(c.enterprise, "sent_back")
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_issue(actor=c.town_cmd, enterprise=enterprise, facts="无证经营")
    assert told(c.enterprise, "stopped")
    assert not told(world["record"].enterprise, "stopped")


def test_my_work_lists_what_is_waiting(world, client):
    c = add_cast(world, "approval", "work")
    enterprise = c.enterprise.memberships.get().enterprise
    safety, restaurant = template("safety"), template("restaurant")
    services.inspection_plan(actor=c.town_cmd, enterprise=enterprise, kind="spot",
                             template=safety, date=TODAY, inspector=c.inspector)  # fmt: skip
    check = services.inspection_plan(
        actor=c.reviewer, enterprise=enterprise, kind="self_check", template=restaurant, date=TODAY
    )
    client.force_login(c.inspector)
    page = client.get("/work/").content.decode()
    assert "要做的检查" in page and enterprise.name in page
    client.force_login(c.enterprise)
    page = client.get("/work/").content.decode()
    assert "要填写的自查" in page and f"/inspections/{check.pk}/" in page
    services.self_check_submit(actor=c.enterprise, inspection=check, answers=answers(restaurant))
    client.force_login(c.reviewer)
    page = client.get("/work/").content.decode()
    assert "待审核的自查" in page and f"/inspections/{check.pk}/" in page
