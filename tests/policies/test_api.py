"""The policies API (/api/v1/policies): what each caller sees (published policies; the
eligible enterprises of a benefit in their scope; an enterprise its own benefits, claims and
payments, never another's), claims and their steps, the ledger with its reversals, and the
errors: 400 with the service's code and sentence, 403, 404, 409, 422, never a 500."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.core.scope import scoped
from fugong.core.testing import bearer, issue_token
from fugong.policies import selectors, services
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.models import Benefit, Claim, Match, Payment, Policy
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

API = "/api/v1/policies"
SUBSIDY = "新增防疫物资生产线设备投入补助"
NO_CUT_OFF = "欠费不停电"
POWER = "降低一般工商业电费5%"  # 免申即享
FUND = "财政专项扶持资金"  # the county's, on application
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def token(client, username: str) -> dict:
    return bearer(issue_token(client, username, DEMO_PASSWORD))


def benefit(title: str) -> Benefit:
    return Benefit.objects.select_related("policy__issuer").get(title=title)


def own(user) -> int:
    return selectors.enterprise_ids(user)[0]


def post(client, url, headers, body):
    return client.post(url, body, content_type="application/json", headers=headers)


def test_the_caller_sees_published_policies_and_a_draft_only_where_it_may(client, user):
    published = set(
        Policy.objects.filter(status=PolicyStatus.PUBLISHED).values_list("pk", flat=True)
    )
    draft = services.policy_save(
        actor=user("county_cmd"), issuer=Policy.objects.get(pk=min(published)).issuer,
        title="草稿政策", summary="",
    )  # fmt: skip
    ent = token(client, "town01_ent1")
    body = client.get(f"{API}?limit=100", headers=ent).json()
    assert {p["id"] for p in body["items"]} == published
    missing = client.get(f"{API}/{draft.pk}", headers=ent)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    county = token(client, "county_cmd")
    assert draft.pk in {p["id"] for p in client.get(f"{API}?limit=100", headers=county).json()["items"]}  # fmt: skip
    detail = client.get(f"{API}/{benefit(SUBSIDY).policy_id}", headers=ent).json()
    article = next(b for b in detail["benefits"] if b["title"] == SUBSIDY)
    assert article["conditions"][0]["fact"] == "epidemic_supplies"
    assert (
        article["conditions"][0]["text"] and "equipment_investment" not in article["formula_text"]
    )
    assert client.get(API).status_code == 401  # no token


def test_the_eligible_list_is_scoped_paginated_and_quick(
    client, user, django_assert_max_num_queries
):
    power = benefit(POWER)
    town = user("town01_cmd")
    in_scope = scoped(Match.objects.filter(benefit=power), town)
    assert in_scope.count() >= 3
    headers = token(client, "town01_cmd")
    with django_assert_max_num_queries(12):
        body = client.get(f"{API}/benefits/{power.pk}/eligible?limit=2", headers=headers).json()
    assert body["count"] == in_scope.count() and len(body["items"]) == 2
    amounts = [Decimal(i["amount"]) for i in body["items"] if i["amount"] is not None]
    assert amounts == sorted(amounts, reverse=True)
    # An enterprise's user: its own line only; another town: nothing of this town.
    mine = client.get(
        f"{API}/benefits/{power.pk}/eligible", headers=token(client, "town01_ent1")
    ).json()
    assert [i["enterprise_id"] for i in mine["items"]] == [own(user("town01_ent1"))]
    other_town = client.get(
        f"{API}/benefits/{power.pk}/eligible", headers=token(client, "town02_cmd")
    ).json()
    assert other_town["count"] == 0
    assert client.get(f"{API}/benefits/99999999/eligible", headers=headers).status_code == 404
    # A draft's article: its office's places see it, an enterprise does not.
    county = user("county_cmd")
    draft = services.policy_save(actor=county, issuer=power.policy.issuer, title="草稿", summary="")
    article = services.benefit_save(actor=county, policy=draft, position=1, title="草稿条款",
                                    conditions=[])  # fmt: skip
    url = f"{API}/benefits/{article.pk}/eligible"
    assert client.get(url, headers=token(client, "county_cmd")).json()["count"] == 0
    assert client.get(url, headers=token(client, "town01_ent1")).status_code == 404


def test_mine_gives_the_enterprise_its_benefits_with_amounts_and_why_not(client, user):
    me = user("town01_ent1")
    headers = token(client, "town01_ent1")
    body = client.get(f"{API}/mine", headers=headers).json()
    matches = {m.benefit_id: m.amount for m in selectors.matches_of(own(me))}
    assert body["enterprise_id"] == own(me)
    assert {b["benefit_id"]: b["amount"] for b in body["eligible"]} == {
        pk: (f"{a}" if a is not None else None) for pk, a in matches.items()
    }
    assert Decimal(body["total"]) == sum(a for a in matches.values() if a is not None)
    subsidy = next(b for b in body["not_eligible"] if b["benefit_id"] == benefit(SUBSIDY).pk)
    assert [r["met"] for r in subsidy["reasons"]] == [False]
    other = own(user("town01_ent2"))
    assert client.get(f"{API}/mine?enterprise={other}", headers=headers).status_code == 404
    refused = client.get(f"{API}/mine", headers=token(client, "county_cmd"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_starting_a_claim_and_what_is_refused(client, user):
    headers = token(client, "town01_ent1")
    measure = benefit(NO_CUT_OFF)
    created = post(client, f"{API}/claims", headers, {"benefit": measure.pk, "statement": "申请"})
    assert created.status_code == 201, created.content
    claim = created.json()
    assert claim["status"] == "draft" and claim["enterprise_id"] == own(user("town01_ent1"))
    assert {a["action"] for a in claim["actions"]} == {"submit", "withdraw"}
    again = post(client, f"{API}/claims", headers, {"benefit": measure.pk})
    assert again.status_code == 400 and again.json()["code"] == "duplicate"
    automatic = post(client, f"{API}/claims", headers, {"benefit": benefit(POWER).pk})
    assert automatic.status_code == 400 and automatic.json()["code"] == "automatic"
    not_eligible = post(client, f"{API}/claims", headers, {"benefit": benefit(SUBSIDY).pk})
    assert not_eligible.status_code == 400 and not_eligible.json()["code"] == "not_eligible"
    assert not_eligible.json()["message"]
    assert post(client, f"{API}/claims", headers, {"benefit": 99999999}).status_code == 404
    negative = post(client, f"{API}/claims", headers, {"benefit": measure.pk, "requested": -1})
    assert negative.status_code == 422 and negative.json()["code"] == "invalid"
    government = post(client, f"{API}/claims", token(client, "county_cmd"), {"benefit": measure.pk})
    assert government.status_code == 403 and government.json()["code"] == "forbidden"


def test_the_steps_of_a_claim(client):
    ent = token(client, "town01_ent1")
    measure = benefit(NO_CUT_OFF)
    claim = post(client, f"{API}/claims", ent, {"benefit": measure.pk}).json()
    files = f"{API}/claims/{claim['id']}/files"
    pdf = SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")
    attached = client.post(files, {"file": pdf}, headers=ent)
    assert attached.status_code == 201 and attached.json()["kind"] == "pdf"
    exe = SimpleUploadedFile(
        "发票.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf"
    )
    refused = client.post(files, {"file": exe}, headers=ent)
    assert refused.status_code == 400 and "发票.pdf" in refused.json()["message"]
    other = client.post(files, {"file": pdf}, headers=token(client, "town01_ent2"))
    assert other.status_code == 404
    url = f"{API}/claims/{claim['id']}/steps"
    submitted = post(client, url, ent, {"action": "submit", "revision": claim["revision"]})
    assert [f["name"] for f in submitted.json()["files"]] == ["证明.pdf"]
    late = client.post(files, {"file": SimpleUploadedFile("x.pdf", PDF)}, headers=ent)
    assert late.status_code == 403
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    stale = post(client, url, ent, {"action": "withdraw", "revision": claim["revision"]})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    refused = post(client, url, ent, {"action": "approve"})
    assert refused.status_code == 403
    assert post(client, url, ent, {"action": "explode"}).status_code == 422
    town = token(client, "town01_cmd")  # the command office of the issuing street
    approved = post(client, url, town, {"action": "approve", "reason": "符合条件"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # Another town's command office does not see the claim at all.
    assert post(client, url, token(client, "town02_cmd"), {"action": "reject"}).status_code == 404


def _submitted_fund_claim() -> Claim:
    return (
        Claim.objects.filter(benefit__title=FUND, status=ClaimStatus.SUBMITTED)
        .select_related("enterprise")
        .order_by("pk")
        .first()
    )


def test_the_ledger_records_payments_and_reversals(client, user):
    claim = _submitted_fund_claim()
    county = token(client, "county_cmd")
    approved = post(
        client, f"{API}/claims/{claim.pk}/steps", county, {"action": "approve", "amount": "10000"}
    ).json()
    assert approved["status"] == "approved" and Decimal(approved["approved_amount"]) == 10000
    url = f"{API}/claims/{claim.pk}/payments"
    today = timezone.localdate().isoformat()
    paid = post(client, url, county, {"paid_on": today, "amount": "6000", "batch": "T-01",
                                       "voucher": "V-001"})  # fmt: skip
    assert paid.status_code == 201, paid.content
    payment = paid.json()
    assert Decimal(payment["amount"]) == 6000 and payment["enterprise_id"] == claim.enterprise_id
    detail = client.get(f"{API}/claims/{claim.pk}", headers=county).json()
    assert Decimal(detail["paid"]) == 6000
    over = post(client, url, county, {"paid_on": today, "amount": "5000", "batch": "T-01",
                                       "voucher": "V-002"})  # fmt: skip
    assert over.status_code == 400 and over.json()["code"] == "over"
    duplicate = post(client, url, county, {"paid_on": today, "amount": "1", "batch": "T-01",
                                            "voucher": "V-001"})  # fmt: skip
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "duplicate"
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = post(client, url, county, {"paid_on": tomorrow, "amount": "1", "batch": "T-01",
                                         "voucher": "V-003"})  # fmt: skip
    assert future.status_code == 400 and future.json()["code"] == "future"
    # The enterprise sees its claim but records nothing; a town office elsewhere sees nothing.
    owner = next(u for u in ("town03_ent1", "town03_ent2") if own(user(u)) == claim.enterprise_id)
    ent = token(client, owner)
    body = {"paid_on": today, "amount": "1", "batch": "T-01", "voucher": "V-009"}
    assert post(client, url, ent, body).status_code == 403
    assert post(client, url, token(client, "town01_cmd"), body).status_code == 404
    # Reversed once, with the opposite amount; never twice, and a reversal is not reversed.
    reverse = f"{API}/payments/{payment['id']}/reversal"
    reversal = post(client, reverse, county, {"voucher": "CX-001", "reason": "账户有误"})
    assert reversal.status_code == 201 and Decimal(reversal.json()["amount"]) == -6000
    assert reversal.json()["reverses_id"] == payment["id"]
    twice = post(client, reverse, county, {"voucher": "CX-002", "reason": "再冲"})
    assert twice.status_code == 400 and twice.json()["code"] == "reversed"
    back = post(client, f"{API}/payments/{reversal.json()['id']}/reversal", county,
                {"voucher": "CX-003", "reason": "冲销的冲销"})  # fmt: skip
    assert back.status_code == 400
    assert post(client, reverse, ent, {"voucher": "CX-004", "reason": "x"}).status_code == 403
    assert Decimal(client.get(f"{API}/claims/{claim.pk}", headers=county).json()["paid"]) == 0


def test_claims_and_payments_are_the_enterprises_own(client, user):
    payments = Payment.objects.select_related("claim").order_by("pk")
    assert payments.exists(), "the demo pays some claims"
    paid_enterprise = payments.first().claim.enterprise_id
    owner = next(
        m.user.username
        for m in user("town01_ent1")
        .memberships.model.objects.filter(
            role="enterprise", enterprise_id=paid_enterprise, is_active=True
        )
        .select_related("user")
    )
    mine = token(client, owner)
    claims = client.get(f"{API}/claims?limit=1000", headers=mine).json()
    assert claims["count"] >= 1
    assert {c["enterprise_id"] for c in claims["items"]} == {paid_enterprise}
    ledger = client.get(f"{API}/payments?limit=1000", headers=mine).json()
    assert ledger["count"] == payments.filter(claim__enterprise_id=paid_enterprise).count()
    assert {p["enterprise_id"] for p in ledger["items"]} == {paid_enterprise}
    # Another enterprise: none of these, even asked by id.
    other = token(client, "town01_ent1")
    assert own(user("town01_ent1")) != paid_enterprise
    theirs = payments.first()
    assert client.get(f"{API}/payments?claim={theirs.claim_id}", headers=other).json()["count"] == 0
    assert client.get(f"{API}/claims/{theirs.claim_id}", headers=other).status_code == 404
    listed = client.get(f"{API}/claims?limit=1000", headers=other).json()["items"]
    assert {c["enterprise_id"] for c in listed} <= {own(user("town01_ent1"))}
    # The county's command office sees the whole ledger.
    county = client.get(f"{API}/payments?limit=1000", headers=token(client, "county_cmd")).json()
    assert county["count"] == payments.count()
