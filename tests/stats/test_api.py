"""The statistics API (/api/v1/stats): the same figures as fugong.stats.figures for the same
user, node and day; each group's list query lists exactly its units in the enterprise list
(API = list); scope (404), bad days (400 with a code), upward reporting through the API
(409 on a double submission, 403 for the wrong role), settings, reports, and odd input that is
never a 500."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction, Membership
from fugong.enterprises.models import Enterprise
from fugong.reporting.choices import SubmissionStatus
from fugong.reporting.models import Submission, SubmissionEvent
from fugong.stats import figures as F
from fugong.stats.models import StatsSetting
from tests.conftest import DEMO_PASSWORD
from tests.stats.fixtures import build_hand_town

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats"


def _has_reports() -> bool:
    try:
        from fugong.reports.services import start_report  # noqa: F401
    except ImportError:
        return False
    return True


HAS_REPORTS = _has_reports()


class Api:
    """A test client speaking to the API as one demo user, in English."""

    def __init__(self, client, username: str):
        self.client = client
        self.username = username
        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def _call(self, method: str, url: str, **kwargs):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return getattr(self.client, method)(url, headers=self.headers, **kwargs)

    def get(self, url: str, params: dict | str | None = None, **kw):
        if isinstance(params, str):  # a ready query string
            return self._call("get", f"{url}?{params}")
        return self._call("get", url, data={**(params or {}), **kw})

    def post(self, url: str, body: dict | None = None):
        return self._call("post", url, data=body or {}, content_type="application/json")

    def put(self, url: str, body: dict):
        return self._call("put", url, data=body, content_type="application/json")


@pytest.fixture
def as_user(client):
    return lambda username: Api(client, username)


@pytest.fixture
def hand(demo):
    return build_hand_town()


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


def command_node(username: str) -> Jurisdiction:
    return Membership.objects.get(user__username=username, role=Role.COMMAND).jurisdiction


def pct(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def assert_cell(out: dict, cell: F.Cell, denominator: str, where: str = "") -> None:
    for name in F.Cell.NUMBERS:
        assert out[name] == getattr(cell, name), (where, name)
    assert out["rate"] == pct(cell.rate(denominator)), where
    assert out["return_rate"] == pct(cell.return_rate), where
    assert out["rate_numerator"] == cell.rate_numerator(denominator), where
    assert out["rate_denominator"] == cell.rate_denominator(denominator), where
    assert out["ledgers"]["none"] == cell.ledger(""), where
    assert sum(out["ledgers"].values()) == cell.units, where


def assert_same_figures(body: dict, fig: F.Figures) -> None:
    den = fig.denominator
    assert body["denominator"] == den and body["denominator_label"]
    assert body["day"] == fig.day.isoformat()
    assert_cell(body["totals"], fig.total, den, "total")
    assert_cell(body["enterprises"], fig.enterprises(), den, "enterprises")
    assert_cell(body["direct"], fig.direct, den, "direct")
    specs = F.category_rows()
    assert [r["key"] for r in body["rows"]] == [s.key for s in specs]
    for row, spec in zip(body["rows"], specs, strict=True):
        assert row["indent"] == spec.indent and row["label"] == str(spec.label)
        assert_cell(row, fig.row(spec), den, spec.key)
    assert [r["key"] for r in body["town_rows"]] == [k for k, _c in F.TOWN_REPORT_ROWS]
    for row, (key, cats) in zip(body["town_rows"], F.TOWN_REPORT_ROWS, strict=True):
        assert_cell(row, fig.select(cats), den, key)
    assert [c["id"] for c in body["children"]] == [c.jurisdiction.pk for c in fig.children]
    for out, child in zip(body["children"], fig.children, strict=True):
        assert_cell(out, child.cell, den, child.jurisdiction.code)


# --- figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["past", "today"])
def test_figures_equal_the_statistics_layer(hand, as_user, user, when):
    day = hand.day if when == "past" else hand.today
    api = as_user("county_cmd")
    body = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=day.isoformat()))
    fig = F.compute(user=user("county_cmd"), node=hand.town, day=day)
    assert_same_figures(body, fig)
    assert body["node"]["id"] == hand.town.pk and body["node"]["code"] == hand.town.code
    # The hand-computed figures of tests/test_figures.py, through the API.
    totals = body["totals"]
    assert (totals["units"], totals["employees"], body["enterprises"]["units"]) == (16, 731, 15)
    if when == "past":
        assert (totals["resumed"], totals["returned"], totals["need"]) == (8, 375, 13)
        assert totals["return_rate"] == "51.3"
    # The hand town's two villages, and nothing registered on the town itself.
    assert [c["id"] for c in body["children"]] == [hand.village.pk, hand.other_village.pk]
    assert body["direct"]["units"] == 0


def test_the_denominator_can_be_chosen_and_is_said(hand, as_user):
    api = as_user("county_cmd")
    need = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.day, denominator="need"))
    every = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.day, denominator="all"))
    assert (need["totals"]["rate"], need["denominator"]) == ("46.2", "need")
    assert (every["totals"]["rate"], every["denominator"]) == ("50.0", "all")
    assert need["denominator_label"] != every["denominator_label"]
    error(api.get(f"{URL}/figures", node=hand.town.pk, denominator="half"), 422, "invalid")


def test_each_list_query_lists_exactly_its_units(hand, as_user, client, user):
    """Every count of the figures answer has a query; the enterprise list (API and page)
    narrowed by it has exactly that many rows."""
    api = as_user("county_cmd")
    body = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.day))
    assert body["list_url"] == "/enterprises/"
    groups = [("total", body["totals"])]
    groups += [(r["key"], r) for r in body["rows"] + body["town_rows"]]
    groups += [(c["code"], c) for c in body["children"]]
    checked = 0
    for name, group in groups:
        assert group["list_query"] == group["lists"]["units"]
        for figure, query in group["lists"].items():
            listed = ok(api.get("/api/v1/enterprises", f"{query}&limit=1"))
            assert listed["count"] == group[figure], (name, figure, query)
            checked += group[figure] > 0
    assert checked > 20  # most of them count something: the test is not vacuous
    # The page, for the rows with the most filters (subsectors, and "other services").
    client.force_login(user("county_cmd"))
    for row in body["rows"]:
        if row["indent"]:
            response = client.get(f"/enterprises/?{row['lists']['resumed']}")
            assert response.status_code == 200
            assert response.context["page"].paginator.count == row["resumed"], row["key"]


def test_frozen_figures_and_corrections(hand, as_user, user):
    api = as_user("county_cmd")
    body = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.day))
    assert body["frozen"] is None
    F.snapshot_take(day=hand.day, root=hand.town)
    body = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.day))
    assert body["frozen"]["source"] == "snapshot" and body["frozen"]["taken_at"]
    assert body["frozen"]["corrections"] == []
    assert body["frozen"]["totals"]["resumed"] == 8
    # A resumption date is corrected after the snapshot: the frozen 8 stays, the live figure
    # changes, and the difference is listed.
    late = Enterprise.objects.filter(jurisdiction=hand.village, resumed_on=None).order_by("pk")[0]
    late.resumed_on = hand.day - datetime.timedelta(days=1)
    late.save()
    body = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.day))
    assert body["frozen"]["totals"]["resumed"] == 8 and body["totals"]["resumed"] == 9
    assert {"label": "Total", "figure": "resumed", "reported": 8, "now": 9} in body["frozen"][
        "corrections"
    ]


def test_trend_equals_the_statistics_layer(hand, as_user, user):
    api = as_user("county_cmd")
    body = ok(api.get(f"{URL}/trend", node=hand.town.pk, day=hand.today, days=8))
    points = F.trend(user=user("county_cmd"), node=hand.town, end=hand.today, days=8)
    assert body["end"] == hand.today.isoformat() and body["days"] == 8
    assert len(body["points"]) == len(points) == 8
    for out, p in zip(body["points"], points, strict=True):
        assert out["day"] == p.day.isoformat()
        assert (out["resumed"], out["resumed_need"], out["new_resumed"], out["returned"]) == (
            p.resumed,
            p.resumed_need,
            p.new_resumed,
            p.returned,
        )
        assert (out["rate"], out["return_rate"]) == (pct(p.rate), pct(p.return_rate))
    # The day three days ago is the figures endpoint's day.
    figures = ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.day))
    point = next(p for p in body["points"] if p["day"] == hand.day.isoformat())
    assert point["resumed"] == figures["totals"]["resumed"] == 8
    assert point["rate"] == figures["totals"]["rate"]
    default = ok(api.get(f"{URL}/trend", node=hand.town.pk))
    assert len(default["points"]) == 60 and default["end"] == hand.today.isoformat()


def test_query_count_does_not_grow_with_enterprises(hand, as_user):
    api = as_user("county_cmd")
    params = {"node": hand.town.pk, "day": hand.day.isoformat()}
    ok(api.get(f"{URL}/figures", params))
    with CaptureQueriesContext(connection) as before:
        ok(api.get(f"{URL}/figures", params))
        ok(api.get(f"{URL}/trend", params))
    build_hand_town("189")  # 16 more units, 5 of them moved into the hand town
    for e in Enterprise.objects.filter(jurisdiction__parent__code__endswith="189")[:5]:
        e.jurisdiction = hand.other_village
        e.save()
    with CaptureQueriesContext(connection) as after:
        body = ok(api.get(f"{URL}/figures", params))
        ok(api.get(f"{URL}/trend", params))
    assert body["totals"]["units"] == 21
    assert len(after) == len(before)


# --- scope and bad days ----------------------------------------------------------------------


def test_scope(hand, as_user, user):
    county = Jurisdiction.objects.get(level="county")
    town = command_node("town01_cmd")
    other = Jurisdiction.objects.filter(level="town").exclude(pk=town.pk).order_by("code")[0]
    api = as_user("town01_cmd")
    for node in (county, other, hand.town):
        for endpoint in ("figures", "trend", "submissions", "settings"):
            body = error(api.get(f"{URL}/{endpoint}", node=node.pk), 404, "not_found")
            assert node.name not in body["message"]
    # Without a node, a town sees its own town; its figures are those of the layer.
    body = ok(api.get(f"{URL}/figures"))
    assert body["node"]["id"] == town.pk
    fig = F.compute(user=user("town01_cmd"), node=town, day=timezone.localdate())
    assert_same_figures(body, fig)
    # A node that does not exist is a 404 like one outside the scope.
    error(api.get(f"{URL}/figures", node=9_999_999), 404, "not_found")
    # An enterprise user sees no jurisdiction at all.
    ent = as_user("town01_ent1")
    error(ent.get(f"{URL}/figures"), 404, "not_found")
    error(ent.get(f"{URL}/figures", node=town.pk), 404, "not_found")
    error(ent.get(f"{URL}/trend", node=town.pk), 404, "not_found")
    error(ent.post(f"{URL}/reports", {"node": town.pk, "kind": "daily"}), 404, "not_found")
    # The county sees the town's figures; the same call, the county's scope.
    assert ok(as_user("county_cmd").get(f"{URL}/figures", node=town.pk))["node"]["id"] == town.pk


def test_anonymous_gets_401(client):
    response = client.get(f"{URL}/figures")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_bad_days_are_400_with_a_code(hand, as_user):
    api = as_user("county_cmd")
    tomorrow = (hand.today + datetime.timedelta(days=1)).isoformat()
    hand.town.established_on = hand.today - datetime.timedelta(days=2)
    hand.town.save()
    before = (hand.today - datetime.timedelta(days=3)).isoformat()
    for endpoint in ("figures", "trend", "submissions"):
        url = f"{URL}/{endpoint}"
        error(api.get(url, node=hand.town.pk, day="3月5日"), 400, "bad_date")
        error(api.get(url, node=hand.town.pk, day="2026-02-30"), 400, "bad_date")
        body = error(api.get(url, node=hand.town.pk, day=tomorrow), 400, "future_date")
        assert tomorrow in body["message"]
        body = error(api.get(url, node=hand.town.pk, day=before), 400, "before_established")
        assert hand.town.established_on.isoformat() in body["message"]
    ok(api.get(f"{URL}/figures", node=hand.town.pk, day=hand.town.established_on))
    admin = as_user("admin")
    for endpoint in ("submit", "reopen", "remind"):
        body = {"node": hand.town.pk, "day": tomorrow, "reason": "x"}
        error(admin.post(f"{URL}/submissions/{endpoint}", body), 400, "future_date")
        body["day"] = "yesterday"
        error(admin.post(f"{URL}/submissions/{endpoint}", body), 400, "bad_date")
    error(
        admin.post(f"{URL}/reports", {"node": hand.town.pk, "day": before, "kind": "daily"}),
        400,
        "before_established",
    )


# --- upward reporting ------------------------------------------------------------------------


def test_submit_remind_reopen_through_the_api(as_user, user):
    town = command_node("town01_cmd")
    county = town.parent
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    town_api, county_api = as_user("town01_cmd"), as_user("county_cmd")

    board = ok(town_api.get(f"{URL}/submissions", node=town.pk, day=day))
    assert board["own"]["status"] == SubmissionStatus.PENDING and board["can_submit"]
    assert board["own"]["deadline"] and board["own"]["revision"] == 0
    assert board["reports_upward"] and board["children"] == []  # villages do not report
    assert not board["can_oversee"]
    (action,) = board["own"]["actions"]  # from the workflow table
    assert action["action"] == "submit" and action["endpoint"] == "/stats/submissions/submit"

    # The county may not submit for the town, the town's cadre not for its grid.
    error(county_api.post(f"{URL}/submissions/submit", {"node": town.pk, "day": day}), 403)
    grid = Membership.objects.filter(user__username="town01_grid", role=Role.CADRE).first()
    if grid is not None and grid.jurisdiction is not None:
        error(
            as_user("town01_grid").post(
                f"{URL}/submissions/submit", {"node": grid.jurisdiction.pk, "day": day}
            ),
            403,
            "forbidden",
        )

    # The county reminds its towns; the town has not submitted, so it is among them.
    reminded = ok(county_api.post(f"{URL}/submissions/remind", {"node": county.pk, "day": day}))
    towns = county.children.filter(is_active=True).count()
    assert reminded["reminded"] == towns
    sub = Submission.objects.get(jurisdiction=town, day=day)
    assert sub.reminders == 1
    # A town may not remind its county's other towns.
    error(town_api.post(f"{URL}/submissions/remind", {"node": county.pk, "day": day}), 404)

    body = ok(
        town_api.post(
            f"{URL}/submissions/submit",
            {"node": town.pk, "day": day, "note": "按时上报", "revision": sub.revision},
        )
    )
    assert body["status"] == SubmissionStatus.SUBMITTED and body["note"] == "按时上报"
    assert body["submitted_by"] and body["revision"] == sub.revision + 1
    fig = F.compute(user=None, node=town, day=datetime.date.fromisoformat(day))
    assert_cell(body["totals"], fig.total, fig.denominator, "submitted")
    assert [e["kind"] for e in body["events"]] == ["reminded", "submitted"]

    # Twice: 409, and the first submission stands.
    error(town_api.post(f"{URL}/submissions/submit", {"node": town.pk, "day": day}), 409)
    assert SubmissionEvent.objects.filter(submission=sub, kind="submitted").count() == 1

    # The county sees it on its board; reminding now skips the town.
    board = ok(county_api.get(f"{URL}/submissions", node=county.pk, day=day))
    row = next(c for c in board["children"] if c["node"]["id"] == town.pk)
    assert row["status"] == SubmissionStatus.SUBMITTED and board["can_oversee"]
    assert board["summary"]["submitted"] == 1
    assert [(a["action"], a["needs_reason"]) for a in row["actions"]] == [("reopen", True)]
    assert body["actions"] == []  # the town may not reopen its own day
    assert board["summary"]["total"] == towns == len(board["children"])
    again = county_api.post(
        f"{URL}/submissions/remind", {"node": county.pk, "day": day, "children": [town.pk]}
    )
    assert ok(again)["reminded"] == 0

    # Reopening: not by the town itself, not without a reason, not with a stale revision.
    revision = body["revision"]
    reopen = {"node": town.pk, "day": day, "reason": "数字有误", "revision": revision}
    error(town_api.post(f"{URL}/submissions/reopen", reopen), 403, "forbidden")
    error(
        county_api.post(f"{URL}/submissions/reopen", {**reopen, "reason": "  "}),
        400,
        "reason_required",
    )
    error(county_api.post(f"{URL}/submissions/reopen", {**reopen, "revision": 0}), 409)
    body = ok(county_api.post(f"{URL}/submissions/reopen", reopen))
    assert body["status"] == SubmissionStatus.REOPENED and body["totals"] is None
    assert body["events"][-1]["reason"] == "数字有误"
    error(county_api.post(f"{URL}/submissions/reopen", reopen), 409)
    # The town submits again.
    body = ok(town_api.post(f"{URL}/submissions/submit", {"node": town.pk, "day": day}))
    assert body["status"] == SubmissionStatus.SUBMITTED


def test_zero_report(hand, as_user):
    admin = as_user("admin")
    busy = (hand.today - datetime.timedelta(days=5)).isoformat()  # a unit resumed that day
    quiet = (hand.today - datetime.timedelta(days=7)).isoformat()  # nothing happened
    body = {"node": hand.town.pk, "zero": True}
    error(admin.post(f"{URL}/submissions/submit", {**body, "day": busy}), 400, "not_zero")
    out = ok(admin.post(f"{URL}/submissions/submit", {**body, "day": quiet}))
    assert out["is_zero"] and out["status"] == SubmissionStatus.SUBMITTED


def test_remind_only_children_of_the_node(hand, as_user):
    county_api = as_user("county_cmd")
    county = hand.town.parent
    body = {"node": county.pk, "children": [hand.village.pk]}  # a grandchild
    error(county_api.post(f"{URL}/submissions/remind", body), 404, "not_found")
    out = ok(county_api.post(f"{URL}/submissions/remind", {**body, "children": [hand.town.pk]}))
    assert out["reminded"] == 1
    # A village does not report upwards, and nothing reports to it.
    board = ok(county_api.get(f"{URL}/submissions", node=hand.village.pk))
    assert (board["reports_upward"], board["own"], board["children"]) == (False, None, [])
    assert not board["can_submit"]


# --- settings --------------------------------------------------------------------------------


def test_settings_get_and_put(as_user):
    town = command_node("town01_cmd")
    town_api, county_api = as_user("town01_cmd"), as_user("county_cmd")
    body = ok(town_api.get(f"{URL}/settings", node=town.pk))
    assert body["rate_denominator"] == settings.FUGONG_RATE_DENOMINATOR
    assert body["set_on"] is None and body["can_change"]

    response = town_api.put(
        f"{URL}/settings?node={town.pk}", {"rate_denominator": "all", "report_deadline": "10:30"}
    )
    body = ok(response)
    assert (body["rate_denominator"], body["report_deadline"]) == ("all", "10:30:00")
    assert body["set_on"]["id"] == town.pk
    assert StatsSetting.objects.get(jurisdiction=town).rate_denominator == "all"
    # The county sees it; the town's figures now divide by all units, and say so.
    assert ok(county_api.get(f"{URL}/settings", node=town.pk))["rate_denominator"] == "all"
    assert ok(county_api.get(f"{URL}/figures", node=town.pk))["denominator"] == "all"
    # The deadline of the town's not-yet-submitted day follows the setting.
    board = ok(county_api.get(f"{URL}/submissions", node=town.parent.pk))
    row = next(c for c in board["children"] if c["node"]["id"] == town.pk)
    assert timezone.localtime(
        datetime.datetime.fromisoformat(row["deadline"])
    ).time() == datetime.time(10, 30)

    # A town may not change its county's settings (it does not see the county), the county
    # may change a town's; a bad denominator is a sentence.
    county = town.parent
    put = {"rate_denominator": "need"}
    error(town_api.put(f"{URL}/settings?node={county.pk}", put), 404, "not_found")
    ok(county_api.put(f"{URL}/settings?node={town.pk}", put))
    error(
        county_api.put(f"{URL}/settings?node={town.pk}", {"rate_denominator": "most"}),
        400,
        "bad_denominator",
    )
    error(
        county_api.put(f"{URL}/settings?node={town.pk}", {**put, "report_deadline": "25:00"}), 422
    )
    # Someone who sees the town but is no command office may not change it.
    grid = Membership.objects.filter(user__username="town01_grid", role=Role.CADRE).first()
    if grid is not None and grid.jurisdiction is not None:
        cadre = as_user("town01_grid")
        assert not ok(cadre.get(f"{URL}/settings", node=grid.jurisdiction.pk))["can_change"]
        error(cadre.put(f"{URL}/settings?node={grid.jurisdiction.pk}", put), 403, "forbidden")


# --- reports ---------------------------------------------------------------------------------


@pytest.mark.skipif(not HAS_REPORTS, reason="fugong.reports is not written yet")
def test_reports_start_a_job(hand, as_user):
    api = as_user("county_cmd")
    response = api.post(
        f"{URL}/reports",
        {
            "node": hand.town.pk,
            "day": hand.day.isoformat(),
            "kind": "narrative_town",
            "next_steps": "继续做好服务保障。",
        },
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["url"] == f"/api/v1/jobs/{body['job_id']}"
    assert body["file_url"] == f"/api/v1/jobs/{body['job_id']}/file"
    assert body["page_url"] == f"/jobs/{body['job_id']}/"
    job = ok(api.get(body["url"]))
    assert job["id"] == body["job_id"]
    # Someone else's job is not theirs to follow.
    error(as_user("town01_cmd").get(body["url"]), 404)


@pytest.mark.skipif(not HAS_REPORTS, reason="fugong.reports is not written yet")
def test_reports_refuse_an_unknown_kind(hand, as_user):
    api = as_user("county_cmd")
    error(api.post(f"{URL}/reports", {"node": hand.town.pk, "kind": "poem"}), 400, "bad_kind")


# --- odd input -------------------------------------------------------------------------------


def test_odd_input_is_never_a_500(hand, as_user):
    api = as_user("county_cmd")
    town = hand.town.pk
    for params in (
        {"node": 2**70},
        {"node": 2**63},
        {"node": 0},
        {"node": -1},
        {"node": "abc"},
        {"node": town, "day": "9" * 200},
        {"node": town, "days": 0},
        {"node": town, "days": 10**9},
    ):
        if "days" in params:
            endpoints = ["trend"]
        else:
            endpoints = ["figures", "trend", "submissions"]
            endpoints += ["settings"] if set(params) == {"node"} else []
        for endpoint in endpoints:
            response = api.get(f"{URL}/{endpoint}", params)
            assert 400 <= response.status_code < 500, (endpoint, params, response.content)
            assert response.json()["code"]
    for day in ("2026-03-05\x00", "\x00", "0000-00-00", "99999-01-01", "2026-3-5"):
        response = api.get(f"{URL}/figures", node=town, day=day)
        assert response.status_code in (200, 400), (day, response.content)
    posts = [
        ("submissions/submit", {"node": town, "note": "a\x00b"}),
        ("submissions/submit", {"node": town, "note": "x" * 501}),
        ("submissions/submit", {"node": town, "revision": 2**40}),
        ("submissions/submit", {"node": 2**70}),
        ("submissions/submit", {}),
        ("submissions/reopen", {"node": town, "reason": "\x00"}),
        ("submissions/remind", {"node": hand.town.parent_id, "children": [2**70]}),
        ("submissions/remind", {"node": hand.town.parent_id, "children": [9_999_999]}),
        ("submissions/remind", {"node": hand.town.parent_id, "children": "all"}),
        ("reports", {"node": town, "kind": "daily\x00"}),
        ("reports", {"node": town, "kind": "daily", "problems": "\x00"}),
        ("reports", {"node": 2**63, "kind": "daily"}),
    ]
    for endpoint, body in posts:
        response = api.post(f"{URL}/{endpoint}", body)
        assert 400 <= response.status_code < 500, (endpoint, body, response.content)
        assert response.json()["code"]
    response = api._call(
        "post", f"{URL}/submissions/submit", data="{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    response = api.put(f"{URL}/settings?node={town}", {"rate_denominator": "all\x00"})
    assert response.status_code == 422
    assert not StatsSetting.objects.filter(jurisdiction=hand.town).exists()


def test_openapi_lists_the_stats_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "figures",
        "trend",
        "submissions",
        "submissions/submit",
        "submissions/reopen",
        "submissions/remind",
        "settings",
        "reports",
    ):
        assert f"{URL}/{path}" in paths
