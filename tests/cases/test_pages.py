"""The request pages and API for each role (issue 14 point 9): the enterprise raises one with
a file (a file that is not what it says is refused, nothing stored), the town's command
office dispatches it from its queue (the routing table's department preselected), the
department replies from its inbox, the enterprise rates; the API does the same; nobody else
reads it."""

from __future__ import annotations

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fugong.cases import services
from fugong.cases.choices import Status
from fugong.cases.models import Case, Category
from fugong.core.testing import bearer, issue_token, world_fixtures
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return SimpleUploadedFile("现场.png", out.getvalue(), content_type="image/png")


def test_the_loop_through_the_pages(world, client):
    c = add_cast(world, "approval", "case_pages")
    enterprise = c.enterprise.memberships.get().enterprise
    labour = Category.objects.get(code="labour")
    client.force_login(c.enterprise)
    assert 'data-testid="case-new"' in client.get("/cases/").content.decode()
    form = client.get("/cases/new/").content.decode()
    assert "用工" in form or "labour" in form
    fields = {
        "enterprise": enterprise.pk,
        "category": labour.pk,
        "nature": "help",
        "urgency": "normal",
        "title": "缺普工",
        "text": "急需普工30名。",
    }
    bad = SimpleUploadedFile(
        "报告.pdf", b"<script>alert(1)</script>", content_type="application/pdf"
    )
    answer = client.post("/cases/new/", {**fields, "files": [bad]})
    assert answer.status_code == 400 and 'data-testid="form-error"' in answer.content.decode()
    assert not Case.objects.filter(enterprise=enterprise).exists()  # nothing stored half
    answer = client.post("/cases/new/", {**fields, "files": [png()]})
    assert answer.status_code == 302, answer.content.decode()[:500]
    case = Case.objects.get(enterprise=enterprise)
    assert case.attachments.count() == 1
    download = client.get(f"/cases/{case.pk}/files/{case.attachments.get().pk}/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"

    client.force_login(c.town_cmd)
    assert case.number in client.get("/cases/queue/").content.decode()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="dispatch-form"' in page
    lead = services.route(case)[0]
    assert f'<option value="{lead.pk}" selected>' in page  # the routing table's department
    answer = client.post(
        f"/cases/{case.pk}/step/", {"action": "dispatch", "lead": lead.pk, "revision": 0}
    )
    assert answer.status_code == 302
    # A stale form: someone else moved it meanwhile.
    answer = client.post(
        f"/cases/{case.pk}/step/", {"action": "dispatch", "lead": lead.pk, "revision": 0}
    )
    assert answer.status_code in (400, 409)

    rsj = world.county["w_county_rsj"]
    client.force_login(rsj)
    assert case.number in client.get("/cases/inbox/").content.decode()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="reply-form"' in page and 'data-testid="extension-form"' in page
    client.post(f"/cases/{case.pk}/step/", {"action": "reply", "reply": "已对接招聘会。"})
    case.refresh_from_db()
    assert case.status == Status.REPLIED

    client.force_login(c.enterprise)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="rate-form"' in page
    answer = client.post(f"/cases/{case.pk}/step/", {"action": "rate", "rating": "unsatisfied"})
    assert answer.status_code == 400 and 'data-testid="form-error"' in answer.content.decode()
    client.post(f"/cases/{case.pk}/step/", {"action": "rate", "rating": "satisfied"})
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rating == "satisfied"

    other = add_cast(world, "approval", "case_pages_other")
    client.force_login(other.enterprise)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/files/{case.attachments.get().pk}/").status_code == 404
    assert case.number not in client.get("/cases/").content.decode()
    client.force_login(world.county["w_t2_jmb"])
    assert client.get("/cases/queue/").status_code == 403  # not a command office


def test_the_api(world, client):
    c = add_cast(world, "approval", "case_api")
    enterprise = c.enterprise.memberships.get().enterprise
    mine = bearer(issue_token(client, c.enterprise.username))
    answer = client.post(
        "/api/v1/cases",
        json.dumps(
            {"enterprise": enterprise.pk, "category": "labour", "title": "缺人", "text": "缺人手"}
        ),
        content_type="application/json",
        headers=mine,
    )
    assert answer.status_code == 201, answer.content
    case = answer.json()
    assert case["status"] == "submitted" and case["actions"][0]["action"] == "withdraw"
    town = bearer(issue_token(client, c.town_cmd.username))
    queue = client.get("/api/v1/cases?view=queue", headers=town).json()
    assert case["id"] in [row["id"] for row in queue["items"]]
    lead = services.route(Case.objects.get(pk=case["id"]))[0]
    answer = client.post(
        f"/api/v1/cases/{case['id']}/dispatch",
        json.dumps({"lead": lead.pk, "revision": case["revision"]}),
        content_type="application/json",
        headers=town,
    )
    assert answer.status_code == 200 and answer.json()["status"] == "dispatched"
    stale = client.post(
        f"/api/v1/cases/{case['id']}/dispatch",
        json.dumps({"lead": lead.pk, "revision": case["revision"]}),
        content_type="application/json",
        headers=town,
    )
    assert stale.status_code == 409
    dept = bearer(issue_token(client, "w_county_rsj"))
    inbox = client.get("/api/v1/cases?view=inbox", headers=dept).json()
    assert case["id"] in [row["id"] for row in inbox["items"]]
    answer = client.post(
        f"/api/v1/cases/{case['id']}/reply",
        json.dumps({"reply": "已处理"}),
        content_type="application/json",
        headers=dept,
    )
    assert answer.status_code == 200 and answer.json()["status"] == "replied"
    rated = client.post(
        f"/api/v1/cases/{case['id']}/rate",
        json.dumps({"rating": "satisfied"}),
        content_type="application/json",
        headers=dept,
    )
    assert rated.status_code == 403  # only the enterprise rates
    other = add_cast(world, "approval", "case_api_other")
    theirs = bearer(issue_token(client, other.enterprise.username))
    assert client.get(f"/api/v1/cases/{case['id']}", headers=theirs).status_code == 404


def test_a_long_list_of_enterprises_is_searched_not_listed(world, client, monkeypatch):
    """A county command office may raise for thousands of enterprises: the form lists the
    first few and a search by name, and a posted enterprise outside them is still taken."""
    from fugong.cases import views

    monkeypatch.setattr(views, "CHOICES", 1)
    c = add_cast(world, "approval", "case_many")
    enterprise = c.enterprise.memberships.get().enterprise
    client.force_login(c.town_cmd)
    page = client.get("/cases/new/").content.decode()
    assert 'data-testid="enterprise-search"' in page and page.count('<option value="') < 60
    found = client.get("/cases/new/", {"q": enterprise.name}).content.decode()
    assert f'<option value="{enterprise.pk}"' in found
    answer = client.post(
        "/cases/new/",
        {
            "enterprise": enterprise.pk,
            "category": Category.objects.get(code="labour").pk,
            "nature": "help",
            "urgency": "normal",
            "title": "代企业反映",
            "text": "走访中企业反映缺工。",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:300]
    assert Case.objects.filter(enterprise=enterprise, title="代企业反映").exists()
    assert 'data-testid="enterprise-search"' in client.get("/cases/green/").content.decode()


def test_what_a_hostile_or_hurried_user_sends_gets_a_sentence(world, client):
    """Found by a probe: too long a reply or reason said "fill it in"; a forged revision was
    ignored; an outside co-handling office was dropped silently; the API's extension request
    was unreachable (404); a visit in year 9999 was planned; long findings were cut silently."""
    import datetime

    from django.utils import timezone

    from fugong.cases import visits
    from fugong.core.errors import UserError

    c = add_cast(world, "approval", "case_hostile")
    enterprise = c.enterprise.memberships.get().enterprise
    case = services.case_raise(
        actor=c.enterprise,
        enterprise=enterprise,
        category=Category.objects.get(code="labour"),
        title="缺人",
        text="缺人手",
    )
    client.force_login(c.town_cmd)
    lead = services.route(case)[0]
    forged = client.post(
        f"/cases/{case.pk}/step/", {"action": "dispatch", "lead": lead.pk, "revision": "abc"}
    )
    assert forged.status_code == 400 and "刷新" in forged.content.decode()
    outside = add_cast(world, "record", "case_hostile_other").town_cmd.memberships.get().office
    refused = client.post(
        f"/cases/{case.pk}/step/",
        {"action": "dispatch", "lead": lead.pk, "co": [outside.pk], "revision": 0},
    )
    assert refused.status_code == 400
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    client.post(f"/cases/{case.pk}/step/", {"action": "dispatch", "lead": lead.pk})
    rsj = world.county["w_county_rsj"]
    client.force_login(rsj)
    long_reply = client.post(f"/cases/{case.pk}/step/", {"action": "reply", "reply": "长" * 5000})
    assert long_reply.status_code == 400 and "4000" in long_reply.content.decode()
    bad_days = client.post(f"/cases/{case.pk}/extensions/", {"days": 31, "reason": "x"})
    assert bad_days.status_code == 400 and "30" in bad_days.content.decode()
    api = client.post(
        f"/api/v1/cases/{case.pk}/extensions",
        json.dumps({"days": 3, "reason": "需协调"}),
        content_type="application/json",
        headers=bearer(issue_token(client, "w_county_rsj")),
    )
    assert api.status_code == 201, api.content
    with __import__("pytest").raises(UserError):
        visits.visit_plan(actor=c.inspector, enterprise=enterprise, day=datetime.date(9999, 12, 31))
    v = visits.visit_plan(actor=c.inspector, enterprise=enterprise, day=timezone.localdate())
    with __import__("pytest").raises(UserError):
        visits.visit_record(actor=c.inspector, visit=v, met="", findings="长" * 5000)
    visits.visit_record(actor=c.inspector, visit=v, met="王\x00五", findings="正常")
    v.refresh_from_db()
    assert v.met == "王五"
