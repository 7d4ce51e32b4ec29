"""The office's policy pages (issue 16): the catalog, a policy and its articles built without
typing JSON, a benefit's eligible enterprises (and, for an enterprise, whether it qualifies and
why), 免申即享 computed and confirmed in one step, a claim reviewed, paid and a payment
reversed, and the disbursement ledger; each in the user's data scope."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.models import Job
from fugong.policies import matching, services
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.models import Benefit, Claim, ClaimFile, Payment, Policy

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def command(depth: int, n: int = 0) -> Membership:
    """The n-th command membership at ``depth`` by jurisdiction code (demo.py's choice)."""
    return (
        Membership.objects.filter(role=Role.COMMAND, is_active=True, jurisdiction__depth=depth)
        .select_related("user", "jurisdiction")
        .order_by("jurisdiction__code", "pk")[n]
    )


@pytest.fixture
def town(demo):
    """The town that issued 惠八条, its command user and the policy."""
    m = command(3)
    policy = Policy.objects.get(short_name="惠八条", issuer=m.jurisdiction)
    return m, policy


@pytest.fixture
def office(town, client):
    client.force_login(town[0].user)
    return town[0].user


def enterprise_user(town_membership) -> Membership:
    """An enterprise user of an enterprise in the town."""
    return (
        Membership.objects.filter(
            role=Role.ENTERPRISE,
            is_active=True,
            enterprise__jurisdiction__path__startswith=town_membership.jurisdiction.path,
        )
        .select_related("user", "enterprise")
        .order_by("pk")
        .first()
    )


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def page(client, url, status=200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def benefit_data(**overrides) -> dict:
    data = {
        "position": "9",
        "title": "稳岗补贴",
        "text": "对不裁员的企业给予补贴。",
        "formula": "employee_count * 500",
        "cap": "100000",
        "automatic": "",
        "needs_attachment": "on",
        "c-count": "3",
        "c-0-fact": "employee_count",
        "c-0-op": "gte",
        "c-0-value": "10",
        "c-1-fact": "size",
        "c-1-op": "in",
        "c-1-value": ["small", "micro"],
        "c-2-fact": "",  # a row left empty: no condition
        "save": "1",
    }
    data.update(overrides)
    return data


# --- every page, for the town's command office ---------------------------------------------


def test_every_office_page_opens_for_the_town_command(town, office, client):
    _m, policy = town
    catalog = page(client, "/policies/")
    assert policy.title in catalog and 'data-testid="policy-new"' in catalog
    assert 'data-testid="match-all"' in catalog
    shown = page(client, f"/policies/{policy.pk}/")
    assert shown.count('data-testid="benefit-row"') == policy.benefits.count()
    assert "防疫物资生产企业" in shown  # the conditions in words, not JSON
    assert 'data-testid="policy-edit"' in shown and 'data-testid="withdraw"' in shown
    for url in ("/policies/new/", f"/policies/{policy.pk}/edit/",
                f"/policies/{policy.pk}/benefits/new/"):  # fmt: skip
        assert 'name="csrfmiddlewaretoken"' in page(client, url)
    for benefit in policy.benefits.all():
        body = page(client, f"/policies/benefits/{benefit.pk}/")
        rows = body.count('data-testid="eligible-row"')
        assert rows == min(benefit.matches.count(), 50)
        edit = page(client, f"/policies/benefits/{benefit.pk}/edit/")
        assert edit.count('data-testid="condition-row"') == len(benefit.conditions)
        assert "monthly_power_bill" in edit  # the formula's names, with their labels
    claims = page(client, "/policies/claims/")
    visible = Claim.objects.filter(
        enterprise__jurisdiction__path__startswith=_m.jurisdiction.path
    ).count()
    assert claims.count('data-testid="claim-row"') == min(visible, 30)
    assert (
        page(client, "/policies/claims/?status=proposed&policy=x").count('data-testid="claim-row"')
        == Claim.objects.filter(
            status=ClaimStatus.PROPOSED,
            enterprise__jurisdiction__path__startswith=_m.jurisdiction.path,
        ).count()
    )
    claim = Claim.objects.filter(benefit__policy=policy).first()
    assert claim.enterprise.name in page(client, f"/policies/claims/{claim.pk}/")
    ledger = page(client, "/policies/payments/?from=2000-01-01&to=bad&batch=&policy=")
    assert 'data-testid="totals"' in ledger
    # A fact chosen in a row of the benefit form: the row fitting it (htmx).
    row = page(
        client,
        f"/policies/{policy.pk}/benefits/new/?row=2&c-2-fact=place",
        HTTP_HX_REQUEST="true",
    )
    assert row.startswith("<div") and 'name="c-2-value"' in row and _m.jurisdiction.name in row


def test_the_eligible_list_pages_by_fifty_with_htmx(town, office, client):
    _m, policy = town
    benefit = policy.benefits.get(position=2)  # 欠费不停电: every enterprise of the town
    assert benefit.matches.exists()
    partial = page(client, f"/policies/benefits/{benefit.pk}/?page=1", HTTP_HX_REQUEST="true")
    assert "<html" not in partial and 'data-testid="eligible-table"' in partial
    assert partial.count('data-testid="eligible-row"') == min(benefit.matches.count(), 50)


def test_my_work_lists_the_claims_waiting_for_review(town, office, client):
    _m, policy = town
    """A claim submitted is an item of its own; the claims computed for one benefit without
    application are one item, leading to the benefit's page where they are confirmed."""
    proposed = Claim.objects.filter(benefit__policy=policy, status=ClaimStatus.PROPOSED)
    waiting = proposed.first()
    assert waiting is not None
    html = page(client, "/work/")
    assert f"/policies/benefits/{waiting.benefit_id}/" in html
    assert f"/policies/claims/{waiting.pk}/" not in html
    n = proposed.filter(benefit=waiting.benefit).count()
    assert f"免申即享：{n}家企业待确认" in html
    submitted = Claim.objects.filter(benefit__policy=policy, status=ClaimStatus.SUBMITTED).first()
    if submitted is not None:
        assert f"/policies/claims/{submitted.pk}/" in html


# --- a policy and its articles, built through the pages ------------------------------------


def test_a_policy_drafted_with_an_article_published_and_withdrawn(town, office, client):
    m, _policy = town
    refused = client.post("/policies/new/", {"title": "", "issuer": m.jurisdiction_id})
    assert refused.status_code == 400 and 'data-testid="form-error"' in refused.content.decode()
    answer = client.post(
        "/policies/new/",
        {"title": "稳就业十条", "short_name": "稳就业", "issuer": m.jurisdiction_id,
         "issued_on": "2026-02-10", "valid_until": "2026-12-31", "summary": "稳岗"},
    )  # fmt: skip
    policy = Policy.objects.get(title="稳就业十条")
    assert answer.status_code == 302 and answer["Location"] == f"/policies/{policy.pk}/"
    assert policy.status == PolicyStatus.DRAFT and policy.created_by == office
    # Publishing without an article is refused with the reason.
    answer = client.post(f"/policies/{policy.pk}/publish/", {"revision": policy.revision})
    assert any("条" in s or "article" in s for s in said(answer))
    # The article's conditions as rows of (fact, test, value): no JSON typed.
    answer = client.post(f"/policies/{policy.pk}/benefits/new/", benefit_data())
    benefit = Benefit.objects.get(policy=policy)
    assert answer.status_code == 302 and answer["Location"] == f"/policies/benefits/{benefit.pk}/"
    assert benefit.conditions == [
        {"fact": "employee_count", "op": "gte", "value": "10"},
        {"fact": "size", "op": "in", "value": ["small", "micro"]},
    ]
    assert benefit.formula == "employee_count * 500" and benefit.cap == Decimal("100000")
    assert benefit.needs_attachment and not benefit.automatic
    # Edited: a place, a yes/no fact and industries; the size row removed.
    place = m.jurisdiction.children.order_by("path").first()
    answer = client.post(
        f"/policies/benefits/{benefit.pk}/edit/",
        benefit_data(**{
            "revision": benefit.revision, "c-count": "4", "c-1-remove": "1",
            "c-2-fact": "place", "c-2-op": "in", "c-2-value": [str(place.pk)],
            "c-3-fact": "epidemic_supplies", "c-3-op": "is", "c-3-value": "yes",
        }),
    )  # fmt: skip
    assert answer.status_code == 302
    benefit.refresh_from_db()
    assert [c["fact"] for c in benefit.conditions] == [
        "employee_count",
        "place",
        "epidemic_supplies",
    ]
    assert benefit.conditions[1]["value"] == [place.pk] and benefit.conditions[2]["value"] is True
    assert place.name in page(client, f"/policies/benefits/{benefit.pk}/")
    # An edit from a page opened before this one is refused, what was typed kept.
    stale = client.post(
        f"/policies/benefits/{benefit.pk}/edit/",
        benefit_data(revision=benefit.revision - 1, title="旧页面的标题"),
    )
    assert stale.status_code == 409 and "旧页面的标题" in stale.content.decode()
    # Published: matched in the background.
    policy.refresh_from_db()
    answer = client.post(f"/policies/{policy.pk}/publish/", {"revision": policy.revision})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED
    job = Job.objects.filter(kind=services.MATCH_JOB, created_by=office).latest("pk")
    assert job.params == {"benefits": [benefit.pk]}
    # Withdrawn only with a reason.
    client.post(f"/policies/{policy.pk}/withdraw/", {"reason": " "})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED
    answer = client.post(f"/policies/{policy.pk}/withdraw/", {"reason": "上级政策调整"})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.WITHDRAWN and said(answer)


def test_a_bad_formula_or_condition_is_refused_with_the_reason_and_the_input_kept(
    town, office, client
):
    _m, policy = town
    before = policy.benefits.count()
    url = f"/policies/{policy.pk}/benefits/new/"
    answer = client.post(url, benefit_data(formula="equipment_investment * subsidy_rate"))
    body = answer.content.decode()
    assert answer.status_code == 400 and "subsidy_rate" in body  # the reason names it
    assert 'data-testid="form-error"' in body
    assert 'value="稳岗补贴"' in body and "对不裁员的企业给予补贴。" in body  # kept
    assert 'value="equipment_investment * subsidy_rate"' in body
    assert re.search(r'<option value="small" selected>', body)  # the rows kept too
    assert 'value="10"' in body
    answer = client.post(url, benefit_data(formula="monthly_rent / 0"))
    assert answer.status_code == 400
    answer = client.post(
        url, benefit_data(**{"c-0-fact": "industry", "c-0-op": "in", "c-0-value": "ZZ 99"})
    )
    body = answer.content.decode()
    assert answer.status_code == 400 and "ZZ" in body and 'value="ZZ 99"' in body
    assert body.count('data-testid="condition-row"') == 2  # the empty row left out
    assert policy.benefits.count() == before
    # Adding a row shows the form again as typed, without saving or complaining.
    answer = client.post(url, benefit_data(add_condition="1", save=""))
    body = answer.content.decode()
    assert answer.status_code == 200 and 'data-testid="form-error"' not in body
    assert body.count('data-testid="condition-row"') == 4
    assert policy.benefits.count() == before


# --- scope ---------------------------------------------------------------------------------


def test_another_town_gets_404_on_a_draft_and_cannot_change_a_published_policy(town, client):
    m, policy = town
    draft = services.policy_save(
        actor=m.user, issuer=m.jurisdiction, title="草拟中的政策", short_name="草拟"
    )
    benefit = services.benefit_save(
        actor=m.user, policy=draft, position=1, title="草拟条款", conditions=[], formula="1000"
    )
    other = command(3, 1)
    assert other.jurisdiction_id != m.jurisdiction_id
    client.force_login(other.user)
    for url in (f"/policies/{draft.pk}/", f"/policies/{draft.pk}/edit/",
                f"/policies/benefits/{benefit.pk}/", f"/policies/benefits/{benefit.pk}/edit/",
                f"/policies/{draft.pk}/benefits/new/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"/policies/{draft.pk}/publish/").status_code == 404
    assert "草拟中的政策" not in page(client, "/policies/")
    # The published policy of the other town: seen, not changed.
    assert 'data-testid="policy-edit"' not in page(client, f"/policies/{policy.pk}/")
    answer = client.post(f"/policies/{policy.pk}/withdraw/", {"reason": "越权"})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED and said(answer)
    assert client.get(f"/policies/{policy.pk}/edit/").status_code == 302
    # Its claims are not theirs.
    claim = Claim.objects.filter(benefit__policy=policy).first()
    assert client.get(f"/policies/claims/{claim.pk}/").status_code == 404
    # The issuing town sees its draft.
    client.force_login(m.user)
    assert "草拟中的政策" in page(client, "/policies/")


def test_an_enterprise_sees_its_own_eligibility_and_not_the_list_of_others(town, client):
    m, policy = town
    owner = enterprise_user(m)
    benefit = policy.benefits.get(position=2)  # 欠费不停电: every enterprise of the town
    others = list(
        benefit.matches.exclude(enterprise=owner.enterprise).values_list(
            "enterprise__name", flat=True
        )
    )
    assert others
    client.force_login(owner.user)
    body = page(client, f"/policies/benefits/{benefit.pk}/")
    assert 'data-testid="my-eligibility"' in body and owner.enterprise.name in body
    assert 'data-testid="eligible"' in body
    try:  # the enterprise's own pages (mine_urls) link its claim from here
        claim_new = reverse("policies:claim_new", args=[benefit.pk])
    except NoReverseMatch:
        claim_new = None
    if claim_new and not Claim.objects.filter(benefit=benefit, enterprise=owner.enterprise):
        assert f'href="{claim_new}?enterprise={owner.enterprise_id}"' in body
    assert 'data-testid="eligible-table"' not in body
    assert not [name for name in others if name in body]
    # A benefit with conditions: each met or not, with the enterprise's own value.
    rent = policy.benefits.get(position=4)
    eligible, reasons, _amount = matching.explain(rent, owner.enterprise_id)
    body = page(client, f"/policies/benefits/{rent.pk}/")
    assert body.count('data-testid="reason"') == len(reasons) == 2
    assert ('data-testid="eligible"' in body) is eligible
    # The catalog: published policies only, nothing to manage.
    catalog = page(client, "/policies/")
    assert policy.title in catalog and 'data-testid="policy-new"' not in catalog
    assert client.post("/policies/match/").status_code == 302
    assert not Job.objects.filter(kind=services.MATCH_JOB, created_by=owner.user).exists()
    # Its claims only.
    for claim in Claim.objects.exclude(enterprise=owner.enterprise)[:3]:
        assert client.get(f"/policies/claims/{claim.pk}/").status_code == 404


# --- 免申即享 -----------------------------------------------------------------------------


def test_granted_without_application_computed_and_confirmed_in_one_step(town, office, client):
    m, policy = town
    benefit = policy.benefits.get(automatic=True, position=3)
    proposed = Claim.objects.filter(benefit=benefit, status=ClaimStatus.PROPOSED)
    waiting = list(proposed.exclude(computed_amount=None).values_list("pk", "computed_amount"))
    assert waiting
    body = page(client, f"/policies/benefits/{benefit.pk}/")
    assert 'data-testid="proposed"' in body and 'data-testid="confirm-all"' in body
    # The background job computing the grants, with its progress page.
    answer = client.post(f"/policies/benefits/{benefit.pk}/grant/")
    job = Job.objects.get(kind=services.GRANT_JOB, created_by=office)
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{job.pk}/"
    assert job.params["benefit"] == benefit.pk
    # Confirmed in one step: each at its computed amount, audited.
    answer = client.post(f"/policies/benefits/{benefit.pk}/confirm/", {"skip_missing": "1"})
    assert answer.status_code == 302 and said(answer)
    for pk, amount in waiting:
        claim = Claim.objects.get(pk=pk)
        assert claim.status == ClaimStatus.APPROVED and claim.approved_amount == amount
        assert claim.decided_by == office
    assert not proposed.exclude(computed_amount=None).exists()
    # An application benefit is not computed.
    other = policy.benefits.get(position=1)
    client.post(f"/policies/benefits/{other.pk}/grant/")
    assert Job.objects.filter(kind=services.GRANT_JOB).count() == 1


# --- a claim: reviewed, paid, reversed -----------------------------------------------------


@pytest.fixture
def submitted_claim(town):
    """An enterprise of the town claims a new article of 惠八条 with an attachment."""
    m, policy = town
    owner = enterprise_user(m)
    benefit = services.benefit_save(
        actor=m.user, policy=policy, position=8, title="稳岗奖励", conditions=[],
        formula="30000", needs_attachment=True,
    )  # fmt: skip
    matching.match_all([benefit.pk], notify=False)
    claim = services.claim_start(
        actor=owner.user, benefit=benefit, enterprise=owner.enterprise,
        statement="我司未裁员。", requested="30000",
    )  # fmt: skip
    services.claim_attach(
        actor=owner.user, claim=claim,
        upload=SimpleUploadedFile("用工证明.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    return services.claim_step(actor=owner.user, claim=claim, action="submit"), owner


def test_a_claim_approved_paid_and_a_payment_reversed_through_the_pages(
    submitted_claim, office, client
):
    claim, owner = submitted_claim
    url = f"/policies/claims/{claim.pk}/"
    body = page(client, url)
    assert 'data-testid="step-approve"' in body and 'data-testid="step-reject"' in body
    assert "我司未裁员。" in body and "用工证明.pdf" in body
    # The attachment is downloaded, never shown inline.
    attachment = ClaimFile.objects.get(claim=claim)
    download = client.get(f"/policies/claims/files/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    # A step needing a reason, without one: refused, the page shown again.
    answer = client.post(f"/policies/claims/{claim.pk}/step/",
                         {"action": "send_back", "reason": "", "revision": claim.revision})  # fmt: skip
    assert answer.status_code == 400 and 'data-testid="form-error"' in answer.content.decode()
    # An amount that is not one: refused, what was typed kept.
    answer = client.post(f"/policies/claims/{claim.pk}/step/",
                         {"action": "approve", "amount": "三万", "revision": claim.revision})  # fmt: skip
    assert answer.status_code == 400 and 'value="三万"' in answer.content.decode()
    # A stale page: refused with 409.
    answer = client.post(f"/policies/claims/{claim.pk}/step/",
                         {"action": "approve", "amount": "28000", "revision": claim.revision - 1})  # fmt: skip
    assert answer.status_code == 409
    answer = client.post(f"/policies/claims/{claim.pk}/step/",
                         {"action": "approve", "amount": "28000", "revision": claim.revision})  # fmt: skip
    assert answer.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.approved_amount == Decimal("28000")
    body = page(client, url)
    assert 'data-testid="pay-form"' in body and "批准" in body  # the step in the history
    today = timezone.localdate().isoformat()
    # More than approved: refused, the form kept.
    answer = client.post(url, {"op": "pay", "paid_on": today, "amount": "30000",
                               "batch": "2026-03", "voucher": "PZ-1"})  # fmt: skip
    assert answer.status_code == 400 and 'value="PZ-1"' in answer.content.decode()
    answer = client.post(url, {"op": "pay", "paid_on": today, "amount": "28000",
                               "batch": "2026-03", "voucher": "PZ-1"})  # fmt: skip
    assert answer.status_code == 302
    payment = Payment.objects.get(claim=claim)
    assert payment.amount == Decimal("28000") and payment.recorded_by == office
    # A reversal needs its voucher number and a reason.
    answer = client.post(url, {"op": "reverse", "payment": payment.pk, "voucher": "",
                               "reason": "账户有误"})  # fmt: skip
    assert answer.status_code == 400 and "账户有误" in answer.content.decode()
    answer = client.post(url, {"op": "reverse", "payment": payment.pk, "voucher": "CX-1",
                               "reason": "账户有误"})  # fmt: skip
    assert answer.status_code == 302
    reversal = Payment.objects.get(reverses=payment)
    assert reversal.amount == Decimal("-28000") and reversal.voucher == "CX-1"
    body = page(client, url)
    assert 'data-testid="reversed"' in body and f'data-testid="reverse-{payment.pk}"' not in body
    # Paid again; the ledger has the three lines, marked, and the totals.
    client.post(url, {"op": "pay", "paid_on": today, "amount": "28000", "batch": "2026-03",
                      "voucher": "PZ-2"})  # fmt: skip
    ledger = page(client, "/policies/payments/?batch=2026-03")
    assert ledger.count('data-testid="ledger-row"') == 3
    assert "CX-1" in ledger and "PZ-2" in ledger
    totals = ledger[ledger.index('data-testid="totals"') :][:400].replace(",", "")
    # paid, and reversed said as an amount (not "reversed -28,000.00")
    assert "56000.00" in totals and "28000.00" in totals and "-28000.00" not in totals
    # The enterprise sees its claim and payments, not the office's buttons.
    client.force_login(owner.user)
    body = page(client, url)
    assert 'data-testid="pay-form"' not in body and "reverse-" not in body
    assert client.get(f"/policies/claims/files/{attachment.pk}/").status_code == 200


def test_the_files_and_steps_of_a_claim_stay_in_scope(submitted_claim, client):
    claim, _owner = submitted_claim
    attachment = ClaimFile.objects.get(claim=claim)
    client.force_login(command(3, 1).user)
    assert client.get(f"/policies/claims/files/{attachment.pk}/").status_code == 404
    answer = client.post(f"/policies/claims/{claim.pk}/step/", {"action": "approve"})
    assert answer.status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_match_all_starts_the_job_for_a_reviewer(office, client):
    answer = client.post("/policies/match/")
    job = Job.objects.filter(kind=services.MATCH_JOB, created_by=office).latest("pk")
    assert "benefits" not in job.params  # every published benefit
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{job.pk}/"
    assert client.get("/policies/match/").status_code == 405


def test_the_lists_cost_as_many_queries_with_more_rows(town, office, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    m, policy = town
    owners = list(
        Membership.objects.filter(
            role=Role.ENTERPRISE, is_active=True,
            enterprise__jurisdiction__path__startswith=m.jurisdiction.path,
        ).select_related("user", "enterprise").order_by("pk")[:2]
    )  # fmt: skip
    assert len(owners) == 2
    benefit = services.benefit_save(
        actor=m.user, policy=policy, position=8, title="稳岗奖励", conditions=[], formula="30000"
    )
    matching.match_all([benefit.pk], notify=False)

    def grow(owner, n):
        claim = services.claim_start(actor=owner.user, benefit=benefit, enterprise=owner.enterprise)
        services.claim_step(actor=owner.user, claim=claim, action="submit")
        claim = services.claim_step(actor=m.user, claim=claim, action="approve", amount="30000")
        services.payment_record(actor=m.user, claim=claim, paid_on=timezone.localdate(),
                                amount="30000", batch="Q", voucher=f"Q-{n}")  # fmt: skip
        services.policy_save(actor=m.user, issuer=m.jurisdiction, title=f"又一项政策{n}")

    def measure(url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.context["page"].paginator.count

    urls = ["/policies/claims/", "/policies/payments/", "/policies/"]
    grow(owners[0], 1)
    before = [measure(url) for url in urls]
    grow(owners[1], 2)
    for url, (queries, shown) in zip(urls, before, strict=True):
        again, more = measure(url)
        assert more == shown + 1 and again == queries, url
