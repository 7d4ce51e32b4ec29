"""The rest of the requests module in the JSON API (issue 14 point 9, ``fugong/cases/api_more.py``):
callbacks, the handling steps, attachments, 催办通知书, visits and coverage, common problems,
the green channel and the requests' figures. Each works for its role, is refused (403/404)
to the others, never shows an enterprise another's data, and answers bad input with a 400 or
422 and a sentence in Chinese."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from fugong.cases import common, services
from fugong.cases.models import Case, Category, CommonProblem
from fugong.core.jobs import execute
from fugong.core.testing import world_fixtures
from fugong.core.testing.api import bearer, issue_token
from fugong.enterprises.models import GreenChannel
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Each feature of the pages that the API has now (issue 14 point 9, "API for all of it").
IN_THE_API = [
    ("post", "/api/v1/cases/{pk}/callbacks"),  # 回访
    ("post", "/api/v1/cases/{pk}/notes"),  # 帮办代办: the task team's steps
    ("post", "/api/v1/cases/{pk}/files"),  # attachments
    ("get", "/api/v1/cases/urges/{pk}"),  # 催办通知书
    ("get", "/api/v1/cases/visits"),  # 走访
    ("get", "/api/v1/cases/visits/coverage"),
    ("get", "/api/v1/cases/common"),  # 共性问题
    ("post", "/api/v1/cases/green"),  # 绿色通道
    ("get", "/api/v1/stats/requests"),  # the requests' figures
]


@pytest.mark.parametrize(("method", "path"), IN_THE_API)
def test_the_api_has_all_of_it(client, db, method, path):
    def shape(p):  # the path's parameters, whatever their names
        return re.sub(r"\{[^}]*\}", "{}", p)

    paths = client.get("/api/v1/openapi.json").json()["paths"]
    shapes = {shape(p): ops for p, ops in paths.items()}
    assert method in shapes.get(shape(path), {}), sorted(paths)


# ---------------------------------------------------------------------------- helpers


class Api:
    """Calls as one user, with a bearer token."""

    def __init__(self, client, user):
        self.client = client
        self.headers = bearer(issue_token(client, user.username))

    def get(self, url, **params):
        return self.client.get(url, params, headers=self.headers)

    def post(self, url, body=None):
        return self.client.post(
            url, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )

    def upload(self, url, data):
        return self.client.post(url, data, headers=self.headers)


def enterprise_of(c):
    return c.enterprise.memberships.get().enterprise


def raise_one(c, code="labour", **kw):
    return services.case_raise(
        actor=c.enterprise,
        enterprise=enterprise_of(c),
        category=Category.objects.get(code=code),
        title=kw.pop("title", "缺普工"),
        text=kw.pop("text", "急需普工30名。"),
        **kw,
    )


def dispatched(c):
    case = raise_one(c)
    return services.case_dispatch(actor=c.town_cmd, case=case, lead=services.route(case)[0])


def refused_in_chinese(answer, *statuses):
    assert answer.status_code in statuses, (answer.status_code, answer.content[:300])
    body = answer.json()
    assert set(body) >= {"code", "message"}
    assert CHINESE.search(body["message"]), body
    return body


def jpeg(name="现场.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def pdf(name="证明.pdf"):
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# ---------------------------------------------------------------------------- callbacks


def test_callbacks_are_the_dispatchers(world, client):
    c = add_cast(world, "approval", "api_cb")
    case = raise_one(c)
    town = Api(client, c.town_cmd)
    url = f"/api/v1/cases/{case.pk}/callbacks"
    answer = town.post(url, {"note": "已电话回访，企业表示满意。", "reached": True})
    assert answer.status_code == 201, answer.content
    assert answer.json()["note"] == "已电话回访，企业表示满意。" and answer.json()["reached"]
    listed = town.get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == answer.json()["id"]
    # Empty or too long: a sentence in Chinese.
    refused_in_chinese(town.post(url, {"note": "   "}), 400)
    refused_in_chinese(town.post(url, {"note": "话" * 1001}), 422)
    # The enterprise and the department may not log nor read them.
    mine = Api(client, c.enterprise)
    refused_in_chinese(mine.post(url, {"note": "自己回访"}), 403)
    refused_in_chinese(mine.get(url), 403)
    # Another enterprise does not see the request at all.
    other = Api(client, add_cast(world, "approval", "api_cb_other").enterprise)
    assert other.get(url).status_code == 404
    assert other.post(url, {"note": "x"}).status_code == 404
    assert case.callbacks.count() == 1


# ---------------------------------------------------------------------------- notes


def test_handling_steps_by_its_departments(world, client):
    c = add_cast(world, "approval", "api_note")
    rsj = world.county["w_county_rsj"]
    case = dispatched(c)
    url = f"/api/v1/cases/{case.pk}/notes"
    dept = Api(client, rsj)
    answer = dept.post(url, {"text": "已向审批局提交材料"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["office"] and answer.json()["text"] == "已向审批局提交材料"
    refused_in_chinese(dept.post(url, {"text": " "}), 400)
    refused_in_chinese(dept.post(url, {}), 422)
    # The enterprise reads the steps, as on its page, but does not log them.
    mine = Api(client, c.enterprise)
    assert [n["text"] for n in mine.get(url).json()["items"]] == ["已向审批局提交材料"]
    refused_in_chinese(mine.post(url, {"text": "我来记"}), 403)
    other = Api(client, add_cast(world, "approval", "api_note_other").enterprise)
    assert other.get(url).status_code == 404


# ---------------------------------------------------------------------------- files


def test_files_added_checked_and_downloaded_never_inline(world, client):
    c = add_cast(world, "approval", "api_file")
    case = raise_one(c)
    url = f"/api/v1/cases/{case.pk}/files"
    mine = Api(client, c.enterprise)
    answer = mine.upload(url, {"file": pdf()})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["content_type"] == "pdf" and body["filename"].endswith(".pdf")
    # A file whose content is not what its name says is refused, in Chinese (clean_upload).
    fake = SimpleUploadedFile("报告.pdf", b"<html><script>alert(1)</script></html>")
    refused_in_chinese(mine.upload(url, {"file": fake}), 400)
    refused_in_chinese(mine.upload(url, {}), 422)  # no file
    listed = mine.get(url).json()
    assert [f["id"] for f in listed["items"]] == [body["id"]]
    download = mine.get(f"{url}/{body['id']}")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # Even an image is downloaded, not shown.
    assert mine.upload(url, {"file": jpeg()}).status_code == 201
    image = case.attachments.get(content_type="jpg")
    assert mine.get(f"{url}/{image.pk}")["Content-Disposition"].startswith("attachment")
    assert mine.get(f"{url}/999999999").status_code == 404
    # The dispatcher reads them but adds none before the request is with a department.
    town = Api(client, c.town_cmd)
    assert town.get(url).json()["count"] == 2
    refused_in_chinese(town.upload(url, {"file": pdf()}), 403)
    # Another enterprise neither lists, reads nor adds.
    other = Api(client, add_cast(world, "approval", "api_file_other").enterprise)
    assert other.get(url).status_code == 404
    assert other.get(f"{url}/{body['id']}").status_code == 404
    assert other.upload(url, {"file": pdf()}).status_code == 404
    assert case.attachments.count() == 2
    # At most five a request.
    for _ in range(3):
        assert mine.upload(url, {"file": pdf()}).status_code == 201
    refused_in_chinese(mine.upload(url, {"file": pdf()}), 400)


def test_the_department_adds_files_while_handling(world, client):
    c = add_cast(world, "approval", "api_file_dept")
    case = dispatched(c)
    dept = Api(client, world.county["w_county_rsj"])
    assert dept.upload(f"/api/v1/cases/{case.pk}/files", {"file": pdf()}).status_code == 201
    services.case_reply(actor=world.county["w_county_rsj"], case=case, reply="已办结")
    answer = dept.upload(f"/api/v1/cases/{case.pk}/files", {"file": pdf()})
    refused_in_chinese(answer, 403)  # replied: no longer with it


# ---------------------------------------------------------------------------- urges


def test_urging_notices_listed_and_read_in_scope(world, client):
    c = add_cast(world, "approval", "api_urge")
    case = dispatched(c)
    Case.objects.filter(pk=case.pk).update(due=TODAY - datetime.timedelta(days=1))
    assert services.escalate_overdue(today=TODAY) >= 1
    urge = case.urges.get()
    dept = Api(client, world.county["w_county_rsj"])
    listed = dept.get("/api/v1/cases/urges", case=case.pk).json()
    assert [u["id"] for u in listed["items"]] == [urge.pk]
    answer = dept.get(f"/api/v1/cases/urges/{urge.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == urge.number and body["case_number"] == case.number
    assert body["reply_days"] == services.URGE_EVERY and body["level"] == 1
    other = Api(client, add_cast(world, "approval", "api_urge_other").enterprise)
    assert other.get(f"/api/v1/cases/urges/{urge.pk}").status_code == 404
    assert urge.pk not in [u["id"] for u in other.get("/api/v1/cases/urges").json()["items"]]
    refused_in_chinese(dept.get("/api/v1/cases/urges", case=0), 422)


# ---------------------------------------------------------------------------- visits


@override_settings(FUGONG_VISITS_QUIET_MAX=1, FUGONG_VISITS_QUIET_DAYS=30)
def test_visits_planned_recorded_cancelled_and_listed(world, client):
    c = add_cast(world, "approval", "api_visit")
    enterprise = enterprise_of(c)
    cadre = Api(client, c.inspector)
    answer = cadre.post("/api/v1/cases/visits", {"enterprise": enterprise.pk, "day": f"{TODAY}"})
    assert answer.status_code == 201, answer.content
    visit = answer.json()
    assert visit["state"] == "planned" and visit["enterprise_id"] == enterprise.pk
    # 无事不扰: one more in the period is refused with the rule's sentence, unless asked.
    later = f"{TODAY + datetime.timedelta(days=3)}"
    quiet = refused_in_chinese(
        cadre.post("/api/v1/cases/visits", {"enterprise": enterprise.pk, "day": later}), 400
    )
    assert quiet["code"] == "quiet"
    asked = cadre.post(
        "/api/v1/cases/visits", {"enterprise": enterprise.pk, "day": later, "asked": True}
    )
    assert asked.status_code == 201 and asked.json()["asked_by_enterprise"]
    refused_in_chinese(
        cadre.post("/api/v1/cases/visits", {"enterprise": enterprise.pk, "day": "明天"}), 422
    )
    # Recorded with a photo (multipart), which is downloaded, not shown.
    url = f"/api/v1/cases/visits/{visit['id']}"
    refused_in_chinese(cadre.upload(f"{url}/record", {"met": "张经理", "findings": " "}), 400)
    answer = cadre.upload(
        f"{url}/record", {"met": "张经理", "findings": "缺普工", "photos": [jpeg()]}
    )
    assert answer.status_code == 200, answer.content
    recorded = answer.json()
    assert recorded["state"] == "done" and len(recorded["photos"]) == 1
    photo = cadre.get(f"{url}/photos/{recorded['photos'][0]}")
    assert photo.status_code == 200 and photo["Content-Disposition"].startswith("attachment")
    # A done visit is not cancelled; the planned one is.
    refused_in_chinese(cadre.post(f"{url}/cancel"), 400)
    cancelled = cadre.post(f"/api/v1/cases/visits/{asked.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    listed = cadre.get("/api/v1/cases/visits").json()
    assert {visit["id"], asked.json()["id"]} <= {v["id"] for v in listed["items"]}
    assert cadre.get(url).json()["findings"] == "缺普工"
    # The enterprise plans none and lists none; another enterprise's user sees nothing.
    mine = Api(client, c.enterprise)
    refused_in_chinese(mine.get("/api/v1/cases/visits"), 403)
    refused_in_chinese(
        mine.post("/api/v1/cases/visits", {"enterprise": enterprise.pk, "day": f"{TODAY}"}), 403
    )
    other = add_cast(world, "approval", "api_visit_other")
    theirs = Api(client, other.enterprise)
    assert theirs.get(url).status_code == 404
    assert theirs.post(f"/api/v1/cases/visits/{asked.json()['id']}/cancel").status_code == 404
    # A cadre of another enterprise does not plan this one's (not in their scope).
    answer = Api(client, other.inspector).post(
        "/api/v1/cases/visits", {"enterprise": enterprise.pk, "day": f"{TODAY}"}
    )
    assert answer.status_code in (403, 404)


def test_coverage_and_the_due_list(world, client):
    c = add_cast(world, "approval", "api_cover")
    enterprise = enterprise_of(c)
    type(enterprise).objects.filter(pk=enterprise.pk).update(is_key=True)
    town = Api(client, c.town_cmd)
    answer = town.get("/api/v1/cases/visits/coverage")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    key = next(t for t in body["targets"] if t["kind"] == "key")
    missing = {m["enterprise_id"]: m for m in key["missing"]}
    assert enterprise.pk in missing and missing[enterprise.pk]["cadres"]
    assert key["enterprises"] >= 1 and key["visited"] <= key["enterprises"]
    due = Api(client, c.inspector).get("/api/v1/cases/visits/due").json()
    assert enterprise.pk in [d["enterprise_id"] for d in due["items"]]
    # Command offices only.
    refused_in_chinese(Api(client, c.inspector).get("/api/v1/cases/visits/coverage"), 403)
    refused_in_chinese(Api(client, c.enterprise).get("/api/v1/cases/visits/coverage"), 403)
    refused_in_chinese(Api(client, c.enterprise).get("/api/v1/cases/visits/due"), 403)


# ---------------------------------------------------------------------------- common problems

SIMILAR = [
    ("普工招聘困难", "节后返岗员工不足，普工招聘困难，急需对接招聘渠道。"),
    ("招不到普工", "普工招聘渠道少，返岗员工不足，请对接招聘会。"),
    ("普工短缺", "返岗员工不足，普工缺口大，希望组织招聘。"),
]


def test_common_problems_listed_grouped_and_decided(world, client):
    casts = [add_cast(world, "approval", f"api_common_{i}") for i in range(3)]
    members = [raise_one(c, title=t, text=x) for c, (t, x) in zip(casts, SIMILAR, strict=True)]
    town_cmd = casts[0].town_cmd
    town = Api(client, town_cmd)
    answer = town.post("/api/v1/cases/common/grouping")
    assert answer.status_code == 202, answer.content
    assert execute(answer.json()["id"]).status == "succeeded"
    listed = town.get("/api/v1/cases/common", state="open").json()
    [problem] = [
        p for p in listed["items"] if {m["id"] for m in p["members"]} >= {m.pk for m in members}
    ]
    assert problem["enterprises"] == 3 and problem["state"] == "open"
    assert {m["number"] for m in problem["members"]} >= {m.number for m in members}
    url = f"/api/v1/cases/common/{problem['id']}"
    # As on the page: a policy question needs the question; an unknown state is refused.
    refused_in_chinese(town.post(url, {"state": "policy"}), 400)
    refused_in_chinese(town.post(url, {"state": "open"}), 400)
    refused_in_chinese(town.post(url, {"state": "policy", "question": "问" * 2001}), 422)
    answer = town.post(url, {"state": "policy", "question": "返岗员工不足的用工支持政策"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "policy" and answer.json()["decided_by"]
    assert CommonProblem.objects.get(pk=problem["id"]).question == "返岗员工不足的用工支持政策"
    # Another town's office sees none of it; an enterprise and a department may not ask.
    other_town = Api(client, world.county["w_t2_cmd"])
    assert problem["id"] not in [
        p["id"] for p in other_town.get("/api/v1/cases/common").json()["items"]
    ]
    assert other_town.post(url, {"state": "dismissed"}).status_code == 404
    mine = Api(client, casts[0].enterprise)
    refused_in_chinese(mine.get("/api/v1/cases/common"), 403)
    refused_in_chinese(mine.post("/api/v1/cases/common/grouping"), 403)
    assert mine.post(url, {"state": "dismissed"}).status_code in (403, 404)
    refused_in_chinese(Api(client, world.county["w_county_rsj"]).get("/api/v1/cases/common"), 403)
    assert common.may_group(town_cmd, town_cmd.memberships.get().jurisdiction)


# ---------------------------------------------------------------------------- green channel


def test_the_green_channel_set_listed_and_taken_off(world, client):
    c = add_cast(world, "approval", "api_green")
    enterprise = enterprise_of(c)
    town = Api(client, c.town_cmd)
    refused_in_chinese(town.post("/api/v1/cases/green", {"enterprise": enterprise.pk}), 400)
    refused_in_chinese(
        town.post("/api/v1/cases/green", {"enterprise": enterprise.pk, "reason": "理" * 301}), 400
    )
    refused_in_chinese(town.post("/api/v1/cases/green", {"enterprise": 0, "reason": "x"}), 422)
    answer = town.post(
        "/api/v1/cases/green", {"enterprise": enterprise.pk, "reason": "防疫物资保供企业"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["active"] and answer.json()["why"] == "防疫物资保供企业"
    listed = town.get("/api/v1/cases/green").json()
    assert enterprise.pk in [g["enterprise_id"] for g in listed["items"]]
    green = GreenChannel.objects.get(enterprise=enterprise)
    assert green.is_active and green.set_by == c.town_cmd
    # Not a command office: refused; another town's office does not find it.
    refused_in_chinese(Api(client, c.enterprise).get("/api/v1/cases/green"), 403)
    refused_in_chinese(
        Api(client, c.inspector).post(
            "/api/v1/cases/green", {"enterprise": enterprise.pk, "on": False}
        ),
        403,
    )
    other_town = Api(client, world.county["w_t2_cmd"])
    assert other_town.post(
        "/api/v1/cases/green", {"enterprise": enterprise.pk, "on": False}
    ).status_code in (403, 404)
    assert enterprise.pk not in [
        g["enterprise_id"] for g in other_town.get("/api/v1/cases/green").json()["items"]
    ]
    off = town.post("/api/v1/cases/green", {"enterprise": enterprise.pk, "on": False})
    assert off.status_code == 200 and not off.json()["active"]
    assert not GreenChannel.objects.get(enterprise=enterprise).is_active
    # Taking off one never set is nothing to do, said as such.
    never = enterprise_of(add_cast(world, "approval", "api_green_never"))
    answer = town.post("/api/v1/cases/green", {"enterprise": never.pk, "on": False})
    assert answer.status_code == 200 and answer.json()["updated_at"] is None


# ---------------------------------------------------------------------------- figures


def test_the_request_figures_as_the_stats_layer_gives_them(world, client):
    from fugong.stats import requests as stats_requests

    c = add_cast(world, "approval", "api_figures")
    case = dispatched(c)
    services.case_reply(actor=world.county["w_county_rsj"], case=case, reply="已办理")
    services.case_rate(actor=c.enterprise, case=case, rating="satisfied")
    county_cmd = c.county_cmd
    answer = Api(client, county_cmd).get("/api/v1/stats/requests")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    node = county_cmd.memberships.get().jurisdiction
    expected = stats_requests.compute(user=county_cmd, node=node, day=TODAY)
    totals = expected.total.as_dict()
    for name in ("received", "replied", "on_time", "overdue", "urged", "rated", "content"):
        assert body["totals"][name] == totals[name], name
    assert body["totals"]["received"] >= 1 and body["totals"]["content"] >= 1
    assert body["node"]["id"] == node.pk and body["day"] == f"{TODAY}"
    assert [r["id"] for r in body["children"]] == [r.key.pk for r in expected.children]
    assert {r["name"] for r in body["categories"]} >= {"用工"} or body["categories"]
    # A node the caller may not see, a day in the future or not a day: refused in Chinese.
    town2 = world.county["w_t2_cmd"].memberships.get().jurisdiction
    refused_in_chinese(Api(client, c.town_cmd).get("/api/v1/stats/requests", node=town2.pk), 404)
    future = f"{TODAY + datetime.timedelta(days=3)}"
    refused_in_chinese(Api(client, county_cmd).get("/api/v1/stats/requests", day=future), 400)
    refused_in_chinese(Api(client, county_cmd).get("/api/v1/stats/requests", day="昨天"), 400)
    # An enterprise counts only its own requests, wherever it looks.
    theirs = Api(client, add_cast(world, "approval", "api_figures_other").enterprise)
    answer = theirs.get("/api/v1/stats/requests", node=node.pk)
    if answer.status_code == 200:
        assert answer.json()["totals"]["received"] == 0
    else:
        refused_in_chinese(answer, 404)


# ---------------------------------------------------------------------------- the step route


def test_the_step_route_still_refuses_unknown_actions(world, client):
    c = add_cast(world, "approval", "api_step")
    case = raise_one(c)
    mine = Api(client, c.enterprise)
    assert mine.post(f"/api/v1/cases/{case.pk}/frobnicate").status_code == 404
    assert mine.get(f"/api/v1/cases/{case.pk}/notes").status_code == 200  # not the step route
