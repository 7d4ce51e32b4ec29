"""The filings API: the same scope, services and state machine as the pages, errors as JSON
with the status a client can act on (403 not yours, 404 not visible, 409 wrong state or stale,
422 invalid or rules not met), never a 500 for bad input."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.models import AuditLog
from fugong.core.testing import bearer, issue_token
from fugong.resumption import checks, policy, services, testing
from fugong.resumption.api import ApplicationSchema
from fugong.resumption.choices import CheckValue, Status
from fugong.resumption.demo import png_bytes
from fugong.resumption.models import APPLICATION_FIELDS, Filing, Notice
from fugong.resumption.selectors import reviewer_office_ids
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/filings"


class Api:
    """A test client speaking to the API as one demo user (English unless told otherwise)."""

    def __init__(self, client, username: str, language: str = "en"):
        self.client = client
        self.username = username
        self.language = language
        self.headers = bearer(issue_token(client, username, DEMO_PASSWORD))

    def _call(self, method: str, url: str, **kwargs):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = self.language
        return getattr(self.client, method)(url, headers=self.headers, **kwargs)

    def get(self, url: str, **params):
        return self._call("get", url, data=params)

    def post(self, url: str, body: dict | None = None):
        # No body at all when none is given (the optional payloads).
        return self._call("post", url, data=body or "", content_type="application/json")

    def patch(self, url: str, body: dict):
        return self._call("patch", url, data=body, content_type="application/json")

    def upload(self, url: str, **form):
        return self._call("post", url, data=form)


@pytest.fixture
def as_user(client):
    return lambda username, language="en": Api(client, username, language)


def enterprise_of(username: str):
    return Membership.objects.get(user__username=username, role=Role.ENTERPRISE).enterprise


def reviewer_of(filing: Filing) -> str:
    """The username of a member of the filing's lead office (a park operator leads the review
    of its tenants' filings, seed 004)."""
    return testing.reviewer_of(filing).username


def good_application(**changes) -> dict:
    """An application that meets every rule (planned beyond the county's earliest date)."""
    values = {
        "leading_group": "张三 总经理 13800000000",
        "emergency_plan": "发现发热人员立即隔离并报告。",
        "masks": 500,
        "staff_local": 10,
        "staff_city": 2,
        "has_dormitory": False,
        "has_isolation_room": False,
        "planned_date": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
    }
    return {**values, **changes}


def create(ent: Api, *, attach: bool = True, **changes) -> dict:
    """A draft of ``ent``'s enterprise; with the files its mode asks for unless ``attach`` is
    off."""
    enterprise = enterprise_of(ent.username)
    response = ent.post(URL, {"enterprise_id": enterprise.pk, **good_application(**changes)})
    assert response.status_code == 201, response.content
    body = response.json()
    if attach:
        for kind in policy.missing_attachments(Filing.objects.get(pk=body["id"])):
            response = ent.upload(
                f"{URL}/{body['id']}/attachments",
                kind=kind,
                file=SimpleUploadedFile(f"{kind}.png", png_bytes(kind)),
            )
            assert response.status_code == 201, response.content
        body = ent.get(f"{URL}/{body['id']}").json()
    return body


def submitted(ent: Api, **changes) -> tuple[dict, str]:
    """A filing of ``ent``'s enterprise, submitted; and the user name of a reviewer of its
    lead office."""
    body = create(ent, **changes)
    response = ent.post(f"{URL}/{body['id']}/submit", {"revision": body["revision"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.SUBMITTED and body["lead_office"]
    filing = Filing.objects.get(pk=body["id"])
    return body, reviewer_of(filing)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_schema_has_every_application_field():
    assert list(ApplicationSchema.model_fields) == APPLICATION_FIELDS


def test_openapi_lists_the_filing_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/filings",
        "/api/v1/filings/queue",
        "/api/v1/filings/{filing_id}",
        "/api/v1/filings/{filing_id}/submit",
        "/api/v1/filings/{filing_id}/transitions/{action}",
        "/api/v1/filings/{filing_id}/attachments",
    ):
        assert path in paths


def test_anonymous_gets_401(client):
    response = client.get(URL)
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_create_submit_review_return_resubmit(as_user):
    ent = as_user("town01_ent1")
    draft = create(ent)
    assert draft["status"] == Status.DRAFT and draft["mode"] == "approval"
    assert draft["enterprise_id"] == enterprise_of("town01_ent1").pk
    assert draft["application"]["masks"] == 500
    assert {a["action"] for a in draft["actions"]} == {"submit", "withdraw"}
    submit = next(a for a in draft["actions"] if a["action"] == "submit")
    assert submit["endpoint"] == f"/filings/{draft['id']}/submit"
    url = f"{URL}/{draft['id']}"

    assert draft["can_attach"]
    body = ent.post(f"{url}/submit", {"revision": draft["revision"]}).json()
    assert body["status"] == Status.SUBMITTED and body["versions_count"] == 1
    assert body["can_attach"] is False  # waiting for government
    assert body["submitted_at"] and body["lead_office"]["id"] in {
        o["id"] for o in body["routed_offices"]
    }
    assert {r["outcome"] for r in body["rules"]} == {"pass"}
    assert all(r["message"] and r["label"] for r in body["rules"])
    assert body["actions"] == [
        {
            "action": "withdraw",
            "label": "Withdraw",
            "needs_reason": True,
            "endpoint": f"/filings/{draft['id']}/transitions/withdraw",
        }
    ]

    reviewer = as_user(reviewer_of(Filing.objects.get(pk=draft["id"])))
    assert draft["id"] in ids(reviewer.get(f"{URL}/queue", limit=500))
    detail = reviewer.get(url).json()
    assert {a["action"] for a in detail["actions"]} >= {"start_review", "return", "reject"}

    body = reviewer.post(f"{url}/transitions/start_review", {"revision": detail["revision"]}).json()
    assert body["status"] == Status.UNDER_REVIEW and body["stage_due"]
    response = reviewer.post(
        f"{url}/transitions/return",
        {"reason": "请补充错峰返岗计划。", "revision": body["revision"]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.RETURNED
    assert body["missing"] == [{"text": "请补充错峰返岗计划。"}]

    # The enterprise sees what to fix, may add the files asked for, changes the application
    # and submits again.
    body = ent.get(url).json()
    assert body["status"] == Status.RETURNED and body["missing"]
    assert body["can_attach"] is True
    response = ent.upload(
        f"{url}/attachments", kind="other", file=SimpleUploadedFile("补充.png", png_bytes("m"))
    )
    assert response.status_code == 201, response.content
    body = ent.get(url).json()
    response = ent.patch(url, {"return_plan": "分两批错峰返岗。", "revision": body["revision"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["application"]["return_plan"] == "分两批错峰返岗。"
    body = ent.post(f"{url}/submit", {"revision": body["revision"]}).json()
    assert body["status"] == Status.SUBMITTED and body["versions_count"] == 2
    assert body["missing"] == []
    assert [e["action"] for e in body["events"]] == [
        "create",
        "submit",
        "start_review",
        "return",
        "submit",
    ]
    returned = body["events"][3]
    assert returned["reason"] == "请补充错峰返岗计划。" and returned["actor"] == reviewer.username
    assert returned["office"]["id"] in {o["id"] for o in body["routed_offices"]}
    assert returned["from_status"] == Status.UNDER_REVIEW
    assert returned["to_status"] == Status.RETURNED
    assert AuditLog.objects.filter(object_id=str(draft["id"]), actor__isnull=False).count() >= 5


def test_submit_without_a_body(as_user):
    ent = as_user("town01_ent1")
    draft = create(ent)
    response = ent.post(f"{URL}/{draft['id']}/submit")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.SUBMITTED


def test_failed_rules_answer_422_with_every_rule(as_user):
    ent = as_user("town01_ent1")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    draft = create(ent, masks=10, leading_group="", planned_date=tomorrow.isoformat())
    url = f"{URL}/{draft['id']}"
    response = ent.post(f"{url}/submit", {"revision": draft["revision"]})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "rules_failed"
    assert "3 rule(s) not met" in body["message"]
    rules = {r["code"]: r for r in body["rules"]}
    failed = {code for code, r in rules.items() if r["outcome"] == "fail"}
    assert failed == {"supplies", "lead_time", "plan"}
    assert "10 masks are not enough: 12 returning staff need 84" in rules["supplies"]["message"]
    assert "only" in rules["lead_time"]["message"] and "48 hours" in rules["lead_time"]["message"]
    assert rules["plan"]["message"] == "Add the leading group."
    # Before the earliest date: allowed, but the county approves (escalate, not fail).
    assert rules["earliest_date"]["outcome"] == "escalate"
    assert all(r["message"] for r in body["rules"])

    # Nothing was submitted; the results are kept, so the filing shows them.
    detail = ent.get(url).json()
    assert detail["status"] == Status.DRAFT and detail["versions_count"] == 0
    assert {r["code"] for r in detail["rules"] if r["outcome"] == "fail"} == failed

    # The same results read in the reader's language (Chinese by default).
    zh = as_user("town01_ent1", language="zh-hans").get(url).json()
    with translation.override("zh-hans"):
        expected = [checks.describe(r) for r in Filing.objects.get(pk=draft["id"]).rule_results]
    assert [r["message"] for r in zh["rules"]] == expected


def test_forbidden_transition_for_the_wrong_role(as_user):
    ent = as_user("town01_ent2")  # not in a park: a plain reviewing office leads
    body, reviewer_name = submitted(ent)
    url = f"{URL}/{body['id']}"
    # The enterprise may not review its own filing.
    response = ent.post(f"{url}/transitions/start_review", {"revision": body["revision"]})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden" and "Start review" in response.json()["message"]
    # A reviewer may not change the enterprise's application, nor attach files.
    reviewer = as_user(reviewer_name)
    response = reviewer.patch(url, {"masks": 1})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = reviewer.upload(
        f"{url}/attachments",
        kind="roster",
        file=SimpleUploadedFile("roster.png", png_bytes("x")),
    )
    assert response.status_code == 403
    # The town command office sees the filing but only approves after the acceptance.
    command = as_user("town01_cmd")
    response = command.post(f"{url}/transitions/start_review", {})
    assert response.status_code == 403
    assert Filing.objects.get(pk=body["id"]).status == Status.SUBMITTED


def test_transition_in_the_wrong_state_is_409(as_user):
    ent = as_user("town01_ent1")
    body, reviewer_name = submitted(ent)
    url = f"{URL}/{body['id']}"
    reviewer = as_user(reviewer_name)
    assert reviewer.post(f"{url}/transitions/start_review").status_code == 200
    response = reviewer.post(f"{url}/transitions/start_review")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "Under review" in response.json()["message"]
    # Recording is for the record mode; this town works under approval.
    response = reviewer.post(f"{url}/transitions/record")
    assert response.status_code == 409
    # A filing under review cannot be changed by the enterprise either.
    response = ent.patch(url, {"masks": 900})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    # The approver cannot approve before the on-site acceptance.
    response = as_user("town01_cmd").post(f"{url}/transitions/approve")
    assert response.status_code == 409
    # Submitting again is refused for the state, before the rules are run again (so a rule
    # that no longer holds does not overwrite the results the reviewer is reading).
    Filing.objects.filter(pk=body["id"]).update(
        planned_date=timezone.localdate() + datetime.timedelta(days=1)
    )
    response = ent.post(f"{url}/submit")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert {r["outcome"] for r in Filing.objects.get(pk=body["id"]).rule_results} == {"pass"}


def test_a_reason_is_required_to_return(as_user):
    body, reviewer_name = submitted(as_user("town01_ent1"))
    response = as_user(reviewer_name).post(
        f"{URL}/{body['id']}/transitions/return", {"reason": "   "}
    )
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    assert Filing.objects.get(pk=body["id"]).status == Status.SUBMITTED


def test_stale_revision_is_409(as_user):
    ent = as_user("town01_ent1")
    draft = create(ent)
    url = f"{URL}/{draft['id']}"
    old = draft["revision"]
    assert ent.patch(url, {"masks": 600, "revision": old}).status_code == 200
    # A second client still holding the old revision.
    response = ent.patch(url, {"masks": 700, "revision": old})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "Someone else changed this filing" in response.json()["message"]
    assert Filing.objects.get(pk=draft["id"]).masks == 600
    response = ent.post(f"{url}/submit", {"revision": old})
    assert response.status_code == 409
    assert Filing.objects.get(pk=draft["id"]).status == Status.DRAFT
    # An upload bumps the revision as well.
    current = ent.get(url).json()["revision"]
    response = ent.upload(
        f"{url}/attachments", kind="roster", file=SimpleUploadedFile("名单.png", png_bytes("r"))
    )
    assert response.status_code == 201
    response = ent.post(f"{url}/transitions/withdraw", {"reason": "不再复工", "revision": current})
    assert response.status_code == 409


def test_other_enterprises_and_towns_see_nothing(as_user):
    body, reviewer_name = submitted(as_user("town01_ent1"))
    url = f"{URL}/{body['id']}"
    for outsider in ("town01_ent2", "town02_ent1", "town02_cmd", "town02_jmb"):
        api = as_user(outsider)
        for response in (
            api.get(url),
            api.get(f"{url}/attachments"),
            api.patch(url, {"masks": 1}),
            api.post(f"{url}/submit"),
            api.post(f"{url}/transitions/withdraw", {"reason": "x"}),
            api.post(f"{url}/transitions/start_review"),
            api.post(f"{url}/notice"),
            api.post(f"{url}/resumed", {"date": timezone.localdate().isoformat()}),
            api.upload(
                f"{url}/attachments", kind="plan", file=SimpleUploadedFile("a.png", png_bytes("a"))
            ),
        ):
            assert response.status_code == 404, (outsider, response.content)
            assert response.json() == {"code": "not_found", "message": "Not found."}
        assert body["id"] not in ids(api.get(URL, limit=1000))
        assert body["id"] not in ids(api.get(f"{URL}/queue", limit=1000))
    # Nothing changed.
    assert Filing.objects.get(pk=body["id"]).status == Status.SUBMITTED
    # Those above and along the route see it.
    for insider in ("town01_cmd", "county_cmd", reviewer_name):
        assert body["id"] in ids(as_user(insider).get(URL, limit=1000))
    # A missing filing looks the same as a hidden one, whatever the id.
    api = as_user("town01_ent1")
    for missing in (10**8, 10**30):
        response = api.get(f"{URL}/{missing}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_enterprise_cannot_file_for_another_enterprise(as_user):
    ent = as_user("town01_ent1")
    other = enterprise_of("town02_ent1")
    response = ent.post(URL, {"enterprise_id": other.pk, **good_application()})
    assert response.status_code == 422
    assert response.json()["details"]["enterprise_id"] == ["No such enterprise in your area."]
    # A reviewer sees enterprises routed to the office but does not file for them.
    body, reviewer_name = submitted(as_user("town01_ent2"))
    response = as_user(reviewer_name).post(
        URL, {"enterprise_id": body["enterprise_id"], **good_application()}
    )
    assert response.status_code == 403
    assert not Filing.objects.filter(enterprise=other).exclude(created_by__isnull=True).exists()


def test_one_open_filing_per_enterprise(as_user):
    ent = as_user("town01_ent1")
    create(ent)
    response = ent.post(
        URL, {"enterprise_id": enterprise_of("town01_ent1").pk, **good_application()}
    )
    assert response.status_code == 400 and response.json()["code"] == "already_open"


def test_list_filters(as_user):
    ent = as_user("town01_ent1")
    draft = create(ent)
    mine = ids(ent.get(URL))
    assert mine == [draft["id"]]
    assert ids(ent.get(URL, status="draft")) == [draft["id"]]
    assert ids(ent.get(URL, status="submitted")) == []
    assert ids(ent.get(URL, mode="record")) == []

    county = as_user("county_cmd")
    response = county.get(URL, limit=5)
    assert response.json()["count"] == Filing.objects.count()
    assert len(response.json()["items"]) == 5
    both = ids(county.get(f"{URL}?status=draft&status=returned&limit=1000"))
    assert set(both) == set(
        Filing.objects.filter(status__in=["draft", "returned"]).values_list("pk", flat=True)
    )
    recorded = ids(county.get(URL, mode="record", limit=1000))
    assert recorded and all(Filing.objects.get(pk=pk).mode == "record" for pk in recorded)
    enterprise = Filing.objects.exclude(pk=draft["id"]).first().enterprise_id
    assert ids(county.get(URL, enterprise_id=enterprise, limit=1000)) == list(
        Filing.objects.filter(enterprise_id=enterprise).values_list("pk", flat=True)
    )
    for bad in (
        {"status": "nonsense"},
        {"mode": "x"},
        {"enterprise_id": "abc"},
        {"enterprise_id": 10**30},
        {"offset": 10**20},
        {"limit": 10**20},
        {"limit": 0},
        {"offset": -1},
    ):
        response = county.get(URL, **bad)
        assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_queue_shows_only_filings_routed_to_the_reviewers_office(as_user, user):
    body, reviewer_name = submitted(as_user("town01_ent1"))
    reviewer = as_user(reviewer_name)
    offices = set(reviewer_office_ids(user(reviewer_name)))
    queue = reviewer.get(f"{URL}/queue", limit=1000).json()
    assert body["id"] in [f["id"] for f in queue["items"]]
    for item in queue["items"]:
        filing = Filing.objects.get(pk=item["id"])
        assert offices & set(filing.routed_offices.values_list("pk", flat=True))
        assert filing.status in (
            Status.SUBMITTED,
            Status.UNDER_REVIEW,
            Status.ACCEPTANCE_SCHEDULED,
            Status.ACCEPTED,
        )
    # Most urgent first.
    priorities = [f["priority"] for f in queue["items"]]
    assert priorities == sorted(priorities, reverse=True)
    # Narrowed to one office, and to the overdue ones (none: it was just submitted).
    lead = body["lead_office"]["id"]
    assert body["id"] in ids(reviewer.get(f"{URL}/queue", office_id=lead, limit=1000))
    assert body["id"] not in ids(reviewer.get(f"{URL}/queue", overdue="true", limit=1000))
    assert reviewer.get(f"{URL}/queue", office_id=10**30).status_code == 422
    assert ids(reviewer.get(f"{URL}/queue", office_id=10**9)) == []
    # Another office of the same town that the filing is not routed to does not see it.
    routed = set(Filing.objects.get(pk=body["id"]).routed_offices.values_list("pk", flat=True))
    outsider = (
        Membership.objects.filter(
            role=Role.REVIEWER,
            is_active=True,
            office__jurisdiction=Filing.objects.get(pk=body["id"]).lead_office.jurisdiction,
        )
        .exclude(office_id__in=routed)
        .select_related("user")
        .first()
    )
    assert outsider is not None
    assert body["id"] not in ids(as_user(outsider.user.username).get(f"{URL}/queue", limit=1000))
    # The enterprise's "queue" holds only its own filings.
    assert ids(as_user("town01_ent1").get(f"{URL}/queue")) == [body["id"]]


def test_attachments(as_user):
    ent = as_user("town01_ent1")
    draft = create(ent, attach=False)
    url = f"{URL}/{draft['id']}/attachments"
    response = ent.upload(
        url, kind="plan", file=SimpleUploadedFile("方案.pdf", b"just some text, not a PDF")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["message"] == (
        "“方案.pdf” is not a PDF、Word (.docx)、Excel (.xlsx)、JPEG、PNG file "
        "(its content was checked, not its name)."
    )
    response = ent.upload(url, kind="plan", file=SimpleUploadedFile("empty.pdf", b""))
    assert response.status_code == 400 and "is empty" in response.json()["message"]
    response = ent.upload(url, kind="nonsense", file=SimpleUploadedFile("a.png", png_bytes("a")))
    assert response.status_code == 400 and "Choose what the file is" in response.json()["message"]
    response = ent.upload(url, kind="plan")
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert ent.get(url).json() == []

    response = ent.upload(
        url, kind="roster", file=SimpleUploadedFile("花名册.png", png_bytes("roster"))
    )
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["kind"] == "roster" and added["kind_label"] == "Staff roster"
    assert added["filename"] == "花名册.png" and added["content_type"] == "png"
    assert ent.get(url).json() == [added]
    assert ent.get(f"{URL}/{draft['id']}").json()["attachments"] == [added]

    # Approval mode asks for the plan and the commitment letter too: not submitted, and the
    # answer names them (issue 10 §6).
    response = ent.post(f"{URL}/{draft['id']}/submit")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "attachments_missing"
    assert body["missing_attachments"] == ["plan", "commitment"]
    assert body["message"] == (
        "The filing was not submitted. Attach before submitting: "
        "Resumption and prevention plan、Commitment letter."
    )
    assert ent.get(f"{URL}/{draft['id']}").json()["status"] == Status.DRAFT
    for kind in ("plan", "commitment"):
        response = ent.upload(url, kind=kind, file=SimpleUploadedFile("a.png", png_bytes(kind)))
        assert response.status_code == 201, response.content
    response = ent.post(f"{URL}/{draft['id']}/submit")
    assert response.status_code == 200 and response.json()["status"] == Status.SUBMITTED

    # Once submitted, nothing more may be attached.
    response = ent.upload(url, kind="plan", file=SimpleUploadedFile("b.png", png_bytes("b")))
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_bad_input_is_never_a_500(as_user):
    ent = as_user("town01_ent1")
    enterprise = enterprise_of("town01_ent1").pk
    for bad in (
        {"masks": -1},
        {"masks": "many"},
        {"masks": 10**12},
        {"alcohol_litres": "1e400"},
        {"alcohol_litres": "12345678.9"},
        {"planned_date": "next week"},
        {"leading_group": "a\x00b"},
        {"leading_group": None},
        {"isolation_room": "x" * 201},
        {"unknown_field": 1},
    ):
        response = ent.post(URL, {"enterprise_id": enterprise, **bad})
        if "unknown_field" in bad:  # extra keys are ignored, like the enterprises API
            assert response.status_code == 201
            Filing.objects.filter(pk=response.json()["id"]).delete()
            continue
        assert response.status_code == 422, (bad, response.content)
        assert response.json()["code"] == "invalid"
    assert ent.post(URL, {"masks": 1}).status_code == 422
    assert ent.post(URL, {"enterprise_id": 10**30}).status_code == 422
    draft = create(ent)
    url = f"{URL}/{draft['id']}"
    assert ent.patch(url, {"revision": "x"}).status_code == 422
    assert ent.patch(url, {"staff_local": -5}).status_code == 422
    assert ent.post(f"{url}/transitions/withdraw", {"reason": "x\x00"}).status_code == 422
    assert ent.post(f"{url}/transitions/withdraw", {"reason": "x" * 2001}).status_code == 422
    assert ent.post(f"{url}/resumed", {}).status_code == 422
    assert ent.post(f"{url}/resumed", {"date": "soon"}).status_code == 422
    assert ent.post(f"{url}/acceptance/schedule", {"date": "x"}).status_code == 422
    response = ent.post(f"{url}/transitions/nonsense")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    # Steps with their own endpoint are not taken as bare transitions.
    assert ent.post(f"{url}/transitions/submit").status_code == 404
    assert ent.post(f"{url}/transitions/issue_notice").status_code == 404
    response = ent.client.post(
        f"{url}/submit", data="{not json", content_type="application/json", headers=ent.headers
    )
    assert response.status_code in (400, 422) and response.json()["code"]
    assert Filing.objects.get(pk=draft["id"]).status == Status.DRAFT


def record_acceptance(filing_id: int, inspector, *, passed: bool = True) -> None:
    """The on-site checklist (recorded on its page, not through the API)."""
    filing = Filing.objects.get(pk=filing_id)
    answers = {}
    for item in services.acceptance_template().items.all():
        bad = not passed and item.position == 5
        answers[item.pk] = services.Answer(
            value=CheckValue.FAIL if bad else CheckValue.PASS,
            text="口罩储备不足" if bad else "",
            photo=SimpleUploadedFile(f"p{item.pk}.png", png_bytes(str(item.pk)))
            if item.photo_required or item.kind == "photo"
            else None,
        )
    services.acceptance_record(
        actor=inspector, filing=filing, answers=answers, opinion="各项措施落实到位。"
    )


def test_acceptance_is_scheduled_then_approved(as_user, user):
    ent = as_user("town01_ent1")
    body, reviewer_name = submitted(ent)
    url = f"{URL}/{body['id']}"
    reviewer = as_user(reviewer_name)
    reviewer.post(f"{url}/transitions/start_review")

    today = timezone.localdate()
    # The inspector must be able to inspect this enterprise.
    response = reviewer.post(
        f"{url}/acceptance/schedule",
        {"date": today.isoformat(), "inspector_id": user("town02_jmb").pk},
    )
    assert response.status_code == 422
    assert response.json()["details"]["inspector_id"] == [
        "Choose a member of a reviewing office, a cadre assigned to the enterprise or the "
        "chief of its grid."
    ]
    response = reviewer.post(
        f"{url}/acceptance/schedule", {"date": (today - datetime.timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 400
    response = ent.post(f"{url}/acceptance/schedule", {"date": today.isoformat()})
    assert response.status_code == 403
    response = reviewer.post(
        f"{url}/acceptance/schedule",
        {"date": today.isoformat(), "inspector_id": user(reviewer_name).pk},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.ACCEPTANCE_SCHEDULED
    assert body["acceptances"][0]["scheduled_for"] == today.isoformat()
    assert body["acceptances"][0]["inspector"] == user(reviewer_name).display_name
    inspect = next(a for a in body["actions"] if a["action"] == "pass_acceptance")
    assert inspect["endpoint"] is None  # the checklist is recorded on its page

    record_acceptance(body["id"], user(reviewer_name))
    command = as_user("town01_cmd")
    detail = command.get(url).json()
    assert detail["status"] == Status.ACCEPTED and detail["acceptances"][0]["passed"] is True
    assert {a["action"] for a in detail["actions"]} == {"approve", "reject"}
    # The notice comes after the approval, and only the approver approves.
    assert command.post(f"{url}/notice").status_code == 409
    assert reviewer.post(f"{url}/transitions/approve").status_code == 403
    response = command.post(f"{url}/transitions/approve", {"revision": detail["revision"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.APPROVED and body["can_confirm_resumption"] is True
    assert ent.post(f"{url}/notice").status_code == 403


def approved(as_user, user, enterprise_user: str, command_user: str) -> tuple[str, dict]:
    """A filing of ``enterprise_user``'s enterprise taken to approval through the API."""
    body, reviewer_name = submitted(as_user(enterprise_user))
    url = f"{URL}/{body['id']}"
    reviewer = as_user(reviewer_name)
    assert reviewer.post(f"{url}/transitions/start_review").status_code == 200
    today = timezone.localdate().isoformat()
    assert reviewer.post(f"{url}/acceptance/schedule", {"date": today}).status_code == 200
    record_acceptance(body["id"], user(reviewer_name))
    response = as_user(command_user).post(f"{url}/transitions/approve")
    assert response.status_code == 200, response.content
    return url, response.json()


def test_notice_then_resumption(as_user, user):
    url, body = approved(as_user, user, "town01_ent1", "town01_cmd")
    command = as_user("town01_cmd")
    assert as_user("town01_ent1").post(f"{url}/notice").status_code == 403
    response = command.post(f"{url}/notice", {"revision": body["revision"]})
    assert response.status_code == 201, response.content
    notice = response.json()
    today = timezone.localdate()
    assert notice["filing_id"] == body["id"] and not notice["revoked"]
    assert f"〔{today.year}〕" in notice["number"] and notice["number"].endswith("号")
    assert Notice.objects.get(number=notice["number"]).filing_id == body["id"]
    ent = as_user("town01_ent1")
    detail = ent.get(url).json()
    assert detail["status"] == Status.NOTICE_ISSUED
    assert detail["notice"] == notice and detail["can_confirm_resumption"] is True
    assert command.post(f"{url}/notice").status_code == 409

    response = ent.post(
        f"{url}/resumed", {"date": (today + datetime.timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The resumption date cannot be in the future."
    response = ent.post(f"{url}/resumed", {"date": today.isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["resumed_on"] == today.isoformat()
    assert response.json()["can_confirm_resumption"] is False
    enterprise = enterprise_of("town01_ent1")
    assert enterprise.resumed_on == today and enterprise.returned_count == 12


def test_resumption_cannot_be_confirmed_before_approval(as_user):
    ent = as_user("town01_ent1")
    draft = create(ent)
    response = ent.post(f"{URL}/{draft['id']}/resumed", {"date": timezone.localdate().isoformat()})
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_declaration_mode_is_recorded_on_submission(as_user):
    ent = as_user("town03_ent1")
    draft = create(ent, masks=0)  # in declaration mode no rule blocks
    assert draft["mode"] == "commitment"
    response = ent.post(f"{URL}/{draft['id']}/submit")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.RECORDED and body["actions"] == []
    assert "fail" in {r["outcome"] for r in body["rules"]}
    assert body["can_confirm_resumption"] is True


def test_record_mode_reviewer_records(as_user):
    ent = as_user("town02_ent1")
    body, reviewer_name = submitted(ent)
    assert body["mode"] == "record"
    response = as_user(reviewer_name).post(f"{URL}/{body['id']}/transitions/record")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.RECORDED


def test_withdraw(as_user):
    ent = as_user("town01_ent1")
    draft = create(ent)
    url = f"{URL}/{draft['id']}/transitions/withdraw"
    response = ent.post(url)
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    response = ent.post(url, {"reason": "推迟复工"})
    assert response.status_code == 200 and response.json()["status"] == Status.WITHDRAWN
    # A closed filing: the enterprise may start a new one.
    create(ent)
