"""The inspections pages after a new user's probe: a refused checklist says which photos to
choose again and marks its items (3, 10), a second phone sees who recorded first and what it
typed (4), a self-check sent back shows why and comes back filled (5), planning is refused to
who plans nothing (8) and to a 包保 cadre of the enterprise for unannounced kinds (9), dates are
capped a year ahead (7), the plan form names its fields (10), the answers stack on a phone (12),
a second press does not plan twice (13), cancelling an order cancels its re-inspection (14),
the pass rule reads as a rule (15) and a stale tab keeps its report (17)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.core.audit import history_for
from fugong.core.errors import Conflict, UserError
from fugong.core.testing import world_fixtures
from fugong.inspections import demo, services
from fugong.inspections.choices import InspectionKind, InspectionStatus, OrderStatus
from fugong.inspections.models import Inspection, InspectionAnswer, StopOrder
from fugong.inspections.testing import answers
from fugong.resumption.testing import add_cast, build_casts
from tests.inspections.test_inspections import form_data, template

_built, world = world_fixtures(build_casts, scope="module")


def today() -> datetime.date:
    return timezone.localdate()


def enterprise_of(c):
    return c.enterprise.memberships.get().enterprise


def planned(c, *, kind="scheduled", code="post_resumption", inspector=None, **more):
    return services.inspection_plan(
        actor=c.town_cmd, enterprise=enterprise_of(c), kind=kind, template=template(code),
        date=more.pop("date", today()), inspector=inspector, **more,
    )  # fmt: skip


def test_a_refused_checklist_keeps_its_good_photos_names_the_others_and_marks_its_items(
    world, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    storage = InspectionAnswer._meta.get_field("photo").storage
    c = add_cast(world, "approval", "fx_photos")
    enterprise = enterprise_of(c)
    post = template("post_resumption")
    inspection = planned(c, inspector=c.inspector)
    client.force_login(c.inspector)
    page = client.get(f"/inspections/{inspection.pk}/fill/").content.decode()
    form = page[page.index('data-testid="checklist"') - 200 :]
    # The browser checks the required answers before sending: no novalidate, `required` on
    # the answers, the photos (unless the item does not apply) and the opinion.
    assert "novalidate" not in form[: form.index(">")]
    first = post.items.get(position=1)
    assert re.search(rf'name="item_{first.pk}" value="pass"[^>]* required', form)
    photo_item = post.items.filter(photo_required=True, kind="check").first()
    assert re.search(
        rf'name="item_{photo_item.pk}_photo"[^>]*data-required-unless="item_{photo_item.pk}=na"'
        rf'|data-required-unless="item_{photo_item.pk}=na"[^>]*name="item_{photo_item.pk}_photo"',
        form,
    )
    assert re.search(r'<textarea[^>]*name="opinion"[^>]*required', form)
    # Refused by the server (item 1 unanswered, one photo not an image): the good photos are
    # kept and said so, the bad one is named at the top to be chosen again (in the tip page's
    # words), and item 1 is marked where it is answered.
    data = form_data(post, enterprise)
    del data[f"item_{first.pk}"]
    photos = sorted((k for k in data if k.endswith("_photo")),
                    key=lambda k: post.items.get(pk=int(k.split("_")[1])).position)  # fmt: skip
    assert len(photos) >= 2
    bad, good = photos[0], photos[1:]
    data[bad] = SimpleUploadedFile("坏.jpg", b"not an image", content_type="image/jpeg")
    refused = client.post(f"/inspections/{inspection.pk}/fill/", data)
    page = refused.content.decode()
    assert refused.status_code == 400
    position = {k: post.items.get(pk=int(k.split("_")[1])).position for k in photos}
    again = re.search(r'data-testid="photos-again">(.*?)</p>', page, re.S).group(1)
    assert "修改后需重新选择照片" in again and str(position[bad]) in again
    saved = re.search(r'data-testid="photos-saved">(.*?)</p>', page, re.S).group(1)
    assert "、".join(str(position[k]) for k in good) in saved
    assert page.count('data-testid="choose-again"') == 1
    assert page.count('data-testid="photo-kept"') == len(good)
    for k in good:  # kept: the browser does not ask for it again
        assert not re.search(rf'name="{k}"[^>]*required', page)
    assert re.search(r'list-group-item-danger" data-item="1"', page)
    assert 'data-testid="item-error"' in page
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.PLANNED
    kept = services.kept_photos(inspection)
    assert len(kept) == len(good) and all(storage.exists(n) for n in kept.values())
    # The phone's draft saves do not drop them; the next submission uses them.
    client.post(f"/inspections/{inspection.pk}/draft/", {f"item_{first.pk}": "pass"})
    inspection.refresh_from_db()
    assert services.kept_photos(inspection) == kept
    data = {k: v for k, v in form_data(post, enterprise).items() if k not in good}
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/inspections/{inspection.pk}/fill/", data)
    assert done.status_code == 302, done.content.decode()[:2000]
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DONE
    assert inspection.answers.exclude(photo="").count() == len(photos)
    assert not any(storage.exists(n) for n in kept.values())  # the kept copies are gone
    inspection = planned(c, inspector=c.inspector, date=today() + datetime.timedelta(days=1))
    # The opinion is asked for in the inspection's words, not the acceptance's.
    with pytest.raises(UserError) as refused_opinion:
        services.inspection_record(actor=c.inspector, inspection=inspection,
                                   answers=answers(post, enterprise=enterprise), opinion=" ")  # fmt: skip
    assert "验收" not in refused_opinion.value.message
    assert "opinion" in refused_opinion.value.message or "检查人员意见" in (
        refused_opinion.value.message
    )


def test_a_second_phone_is_told_who_recorded_and_keeps_what_it_typed(world, client):
    c = add_cast(world, "approval", "fx_phones")
    enterprise = enterprise_of(c)
    post = template("post_resumption")
    inspection = planned(c, inspector=c.inspector)
    services.inspection_record(actor=c.inspector, inspection=inspection,
                               answers=answers(post, enterprise=enterprise), opinion="第一台")  # fmt: skip
    client.force_login(c.inspector)
    data = form_data(post, enterprise, opinion="第二台手机的意见")
    first = post.items.get(position=1)
    data[f"item_{first.pk}_text"] = "第二台手机记下的情况"
    data["revision"] = 0
    late = client.post(f"/inspections/{inspection.pk}/fill/", data)
    page = late.content.decode()
    assert late.status_code == 409
    closed = re.search(r'data-testid="closed">(.*?)</div>', page, re.S).group(1)
    name = c.inspector.full_name or c.inspector.username
    assert name in closed
    inspection.refresh_from_db()
    when = timezone.localtime(inspection.performed_at).strftime("%Y-%m-%d %H:%M")
    assert when in closed and f"/inspections/{inspection.pk}/" in closed
    assert "第二台手机记下的情况" in page and "第二台手机的意见" in page
    assert 'data-testid="save-checklist"' not in page  # nothing to send any more
    # Opened later: the same sentence, on the result's page.
    shown = client.get(f"/inspections/{inspection.pk}/fill/", follow=True).content.decode()
    assert name in shown and when in shown


def test_a_self_check_sent_back_shows_the_reason_and_comes_back_filled(world, client):
    c = add_cast(world, "approval", "fx_back")
    enterprise = enterprise_of(c)
    restaurant = template("restaurant")
    check = planned(c, kind=InspectionKind.SELF_CHECK, code="restaurant")
    client.force_login(c.enterprise)
    data = form_data(restaurant, enterprise, fail=[10], opinion="已逐项自查")
    tenth = restaurant.items.get(position=10)
    data[f"item_{tenth.pk}_text"] = "餐桌间隔不足"
    assert client.post(f"/inspections/{check.pk}/fill/", data).status_code == 302
    client.force_login(c.town_cmd)
    check.refresh_from_db()
    client.post(f"/inspections/{check.pk}/step/send_back/",
                {"reason": "第10项请补充整改措施", "revision": check.revision})  # fmt: skip
    check.refresh_from_db()
    assert check.status == InspectionStatus.PLANNED
    client.force_login(c.enterprise)
    detail = client.get(f"/inspections/{check.pk}/").content.decode()
    assert re.search(r'data-testid="sent-back".*第10项请补充整改措施', detail, re.S)
    fill = client.get(f"/inspections/{check.pk}/fill/").content.decode()
    assert re.search(r'data-testid="sent-back".*第10项请补充整改措施', fill, re.S)
    # The answers sent before are back in the form.
    assert re.search(rf'name="item_{tenth.pk}" value="fail"[^>]* checked', fill)
    assert "餐桌间隔不足" in fill and "已逐项自查" in fill


def test_the_plan_page_is_refused_to_who_plans_nothing(world, client):
    c = add_cast(world, "approval", "fx_refuse")
    enterprise = enterprise_of(c)
    for who in (c.enterprise, c.inspector):  # the enterprise's user, its 包保 cadre
        client.force_login(who)
        for url in ("/inspections/plan/?q=" + enterprise.name[:4],
                    f"/inspections/plan/?enterprise={enterprise.pk}"):  # fmt: skip
            page = client.get(url)
            assert page.status_code == 403
            assert 'data-testid="error-message"' in page.content.decode()
            assert enterprise.name not in page.content.decode()
        assert client.post(f"/inspections/plan/?enterprise={enterprise.pk}", {}).status_code == 403
    client.force_login(c.reviewer)
    assert client.get("/inspections/plan/").status_code == 200


def test_a_cadre_is_not_named_to_inspect_her_enterprise_unannounced(world, client):
    c = add_cast(world, "approval", "fx_cadre")
    enterprise = enterprise_of(c)
    for kind in (InspectionKind.UNANNOUNCED, InspectionKind.RANDOM):
        with pytest.raises(UserError) as refused:
            planned(c, kind=kind, inspector=c.inspector)
        assert (c.inspector.full_name or c.inspector.username) in refused.value.message
    assert planned(c, kind="scheduled", inspector=c.inspector).inspector == c.inspector
    client.force_login(c.town_cmd)
    url = f"/inspections/plan/?enterprise={enterprise.pk}"
    page = client.post(url, {"kind": "unannounced", "template": template("safety").pk,
                             "date": today().isoformat(), "inspector": c.inspector.pk})  # fmt: skip
    body = page.content.decode()
    assert page.status_code == 400 and 'data-testid="field-error-inspector"' in body
    select = re.search(r'<select name="inspector".*?</select>', body, re.S).group(0)
    assert f'value="{c.inspector.pk}"' not in select  # not offered for this kind
    assert not Inspection.objects.filter(enterprise=enterprise, kind="unannounced").exists()
    # The demo's unannounced stories send the planner, not the cadre.
    post, restaurant, safety = (
        template("post_resumption"),
        template("restaurant"),
        template("safety"),
    )
    for story in ("failed", "stopped"):
        other = add_cast(world, "approval", f"fx_demo_{story}")
        demo._tell(story, enterprise_of(other), other.town_cmd, other.inspector, today(), post,
                   restaurant, safety)  # fmt: skip
        made = Inspection.objects.get(enterprise=enterprise_of(other), kind="unannounced")
        assert made.inspector == other.town_cmd


def test_planned_dates_are_capped_a_year_ahead(world, client):
    c = add_cast(world, "approval", "fx_dates")
    enterprise = enterprise_of(c)
    latest = services.latest_plan_date()
    for far in (latest + datetime.timedelta(days=1), datetime.date(9999, 12, 31)):
        with pytest.raises(UserError) as refused:
            planned(c, date=far)
        assert latest.isoformat() in refused.value.message
    assert planned(c, date=latest).planned_for == latest
    client.force_login(c.town_cmd)
    page = client.post(f"/inspections/plan/?enterprise={enterprise.pk}",
                       {"kind": "spot", "template": template("safety").pk,
                        "date": "2126-01-01"})  # fmt: skip
    body = page.content.decode()
    assert page.status_code == 400 and 'data-testid="field-error-date"' in body
    assert latest.isoformat() in body and f'max="{latest.isoformat()}"' in body
    # The order to stop's re-inspection too.
    stop = services.stop_issue(actor=c.town_cmd, enterprise=enterprise, facts="无证经营")
    page = client.post(f"/inspections/stops/{stop.pk}/",
                       {"action": "reinspect", "date": "9999-12-31"})  # fmt: skip
    assert page.status_code == 400 and latest.isoformat() in page.content.decode()
    assert not StopOrder.objects.get(pk=stop.pk).reinspections.exists()


def test_the_empty_plan_form_names_its_fields(world, client):
    c = add_cast(world, "approval", "fx_empty")
    enterprise = enterprise_of(c)
    client.force_login(c.town_cmd)
    empty = {"kind": "", "template": "", "date": "", "inspector": ""}
    page = client.post(f"/inspections/plan/?enterprise={enterprise.pk}", empty)
    body = page.content.decode()
    assert page.status_code == 400
    for name in ("kind", "template", "date"):
        assert f'data-testid="field-error-{name}"' in body
    error = re.search(r'data-testid="form-error">(.*?)</div>', body, re.S).group(1)
    assert "此项为必填项。 此项为必填项。" not in error
    assert all(label in error for label in ("日期", "检查表")) or "Date" in error


def test_the_answers_stack_on_a_phone_and_the_pass_rule_reads_as_a_rule(world, client):
    c = add_cast(world, "approval", "fx_table")
    safety = template("safety")
    inspection = planned(c, code="safety", inspector=c.inspector)
    long_note = "长" * 400
    filled = answers(safety, fail=[1])
    filled[safety.items.get(position=1).pk].text = long_note
    services.inspection_record(actor=c.inspector, inspection=inspection, answers=filled,
                               opinion="不合格")  # fmt: skip
    client.force_login(c.inspector)
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    answers_block = re.search(r'data-testid="answers">(.*?)\n</div>', page, re.S).group(1)
    assert "<table" not in answers_block and "col-12" in answers_block
    assert long_note in answers_block
    score = re.search(r'data-testid="score">(.*?)</dd>', page, re.S).group(1)
    assert "(全部项目合格)" not in score and "% (" not in score
    assert re.search(r'data-testid="pass-rule">[^<]*(判定规则|Pass rule)', score)
    assert "不合格" in score or "Failed" in score


def test_pressing_plan_twice_does_not_plan_twice(world, client):
    c = add_cast(world, "approval", "fx_twice")
    enterprise = enterprise_of(c)
    client.force_login(c.town_cmd)
    url = f"/inspections/plan/?enterprise={enterprise.pk}"
    data = {"kind": "spot", "template": template("safety").pk, "date": today().isoformat()}
    assert client.post(url, data).status_code == 302
    first = Inspection.objects.get(enterprise=enterprise)
    again = client.post(url, data)
    assert again.status_code == 409
    assert f'href="/inspections/{first.pk}/" data-testid="existing"' in again.content.decode()
    assert Inspection.objects.filter(enterprise=enterprise).count() == 1
    with pytest.raises(Conflict):
        planned(c, kind="spot", code="safety")
    # Another day, or another kind, is planned.
    planned(c, kind="scheduled", code="safety")
    planned(c, kind="spot", code="safety", date=today() + datetime.timedelta(days=1))


def test_cancelling_an_order_cancels_its_planned_reinspection(world, client):
    c = add_cast(world, "approval", "fx_cancel")
    safety = template("safety")
    inspection = planned(c, code="safety", inspector=c.inspector)
    services.inspection_record(actor=c.inspector, inspection=inspection,
                               answers=answers(safety, fail=[2]), opinion="不合格")  # fmt: skip
    order = inspection.rectification
    services.rectification_report(actor=c.enterprise, order=order, report="已整改")
    again = order.reinspections.get()
    assert again.status == InspectionStatus.PLANNED
    order.refresh_from_db()
    client.force_login(c.town_cmd)
    done = client.post(f"/inspections/orders/{order.pk}/",
                       {"action": "cancel", "reason": "企业已注销", "revision": order.revision})  # fmt: skip
    assert done.status_code == 302
    order.refresh_from_db()
    again.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and again.status == InspectionStatus.CANCELLED
    reason = history_for(again).first().reason
    assert "企业已注销" in reason and order.number in reason


def test_a_stale_tab_keeps_its_typed_report(world, client):
    c = add_cast(world, "approval", "fx_tabs")
    safety = template("safety")
    inspection = planned(c, code="safety", inspector=c.inspector)
    services.inspection_record(actor=c.inspector, inspection=inspection,
                               answers=answers(safety, fail=[2]), opinion="不合格")  # fmt: skip
    order = inspection.rectification
    seen = order.revision
    services.rectification_report(actor=c.enterprise, order=order, report="第一个标签页")
    client.force_login(c.enterprise)
    stale = client.post(f"/inspections/orders/{order.pk}/",
                        {"report": "第二个标签页写的整改情况", "revision": seen})  # fmt: skip
    page = stale.content.decode()
    assert stale.status_code == 400 and 'data-testid="form-error"' in page
    kept = re.search(r'data-testid="unsent">(.*?)</div>', page, re.S).group(1)
    assert "第二个标签页写的整改情况" in kept
