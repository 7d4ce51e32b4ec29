"""What a new user's walk through the policy pages found (issue 16, the page-side defects): a
sent-back claim says so, a submitted claim says to withdraw it first, a stale tab keeps what was
typed, Enter saves an article, only enterprises see the enterprise's tabs, the grant job links
back and says why it proposed nothing, amounts to fill in are not 0.00, an enterprise not
eligible gets no form to fill in for nothing, narrow screens scroll the lists, a withdrawn
policy's benefit opens for a claimant, amounts have thousands separators in every language, and
the ledger's and the claim's wording."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.jobs import execute
from fugong.core.models import Job
from fugong.core.templatetags.fugong import yuan
from fugong.policies import services
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.models import Claim, Payment, Policy
from tests.policies import test_office_pages as office_pages
from tests.policies.test_enterprise_pages import SUBSIDY, benefit
from tests.policies.test_office_pages import enterprise_user, page, said

# The office pages' fixtures: the town with 惠八条, its command user, a submitted claim.
town = office_pages.town
office = office_pages.office
submitted_claim = office_pages.submitted_claim

pytestmark = pytest.mark.django_db


def step(client, claim, action, revision, **data):
    return client.post(
        f"/policies/claims/{claim.pk}/step/", {"action": action, "revision": revision, **data}
    )


def first_submit(html: str, form_testid: str) -> str:
    form = html[html.index(f'data-testid="{form_testid}"') :]
    return re.search(r"<button[^>]*type=\"submit\"[^>]*>", form).group(0)


# --- 6, 7: a sent-back claim, a submitted claim ----------------------------------------------


def test_a_sent_back_claim_says_so_with_the_reason_on_its_page_and_its_edit_page(
    submitted_claim, office, client
):
    claim, owner = submitted_claim
    assert step(client, claim, "send_back", claim.revision, reason="请补充社保缴纳证明").status_code == 302  # fmt: skip
    client.force_login(owner.user)
    for url in (f"/policies/claims/{claim.pk}/", f"/policies/claims/{claim.pk}/edit/"):
        body = page(client, url)
        banner = body[body.index('data-testid="sent-back"') :][:800]
        assert "请补充社保缴纳证明" in banner
        assert (office.get_full_name() or office.get_username()) in banner
    # Submitted again, the banner goes.
    claim.refresh_from_db()
    services.claim_step(actor=owner.user, claim=claim, action="submit")
    assert 'data-testid="sent-back"' not in page(client, f"/policies/claims/{claim.pk}/")


def test_editing_a_submitted_claim_tells_the_enterprise_to_withdraw_it_first(
    submitted_claim, client
):
    claim, owner = submitted_claim
    client.force_login(owner.user)
    answer = client.get(f"/policies/claims/{claim.pk}/edit/")
    assert answer.status_code == 302 and answer["Location"] == f"/policies/claims/{claim.pk}/"
    with translation.override(settings.LANGUAGE_CODE):
        expected = translation.gettext(
            "This claim is submitted and waits for review. To change it, withdraw it on "
            "this page, then claim the benefit again."
        )
    assert said(answer) == [expected]


# --- 8: two tabs on one claim --------------------------------------------------------------


def test_a_stale_tab_keeps_what_was_typed_on_the_page_and_promises_nothing_else(
    submitted_claim, office, client
):
    claim, owner = submitted_claim
    seen = claim.revision
    assert step(client, claim, "approve", seen, amount="30000").status_code == 302
    # The other tab, still showing the submitted claim, sends it back with a reason.
    answer = step(client, claim, "send_back", seen, reason="请补充第二条材料")
    body = answer.content.decode()
    assert answer.status_code == 409
    typed = body[body.index('data-testid="typed"') :][:1000]
    assert "请补充第二条材料" in typed  # shown, since the step is no longer open
    assert "still in the form" not in body and "仍在表单中" not in body
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_the_enterprises_own_race_says_nothing_was_done(submitted_claim, client):
    claim, owner = submitted_claim
    client.force_login(owner.user)
    seen = claim.revision
    assert step(client, claim, "withdraw", seen).status_code == 302
    answer = step(client, claim, "withdraw", seen)  # the other tab
    body = answer.content.decode()
    assert answer.status_code == 409 and 'data-testid="form-error"' in body
    assert 'data-testid="typed"' not in body and "still in the form" not in body


# --- 9: Enter in the article form saves ----------------------------------------------------


def test_the_first_submit_button_of_the_article_form_saves(town, office, client):
    _m, policy = town
    article = policy.benefits.order_by("position").first()
    for url in (f"/policies/{policy.pk}/benefits/new/", f"/policies/benefits/{article.pk}/edit/"):
        body = page(client, url)
        assert 'name="save"' in first_submit(body, "benefit-form")
        assert 'data-testid="add-condition"' in body  # the no-JS row buttons stay


# --- 12: the enterprise's tabs -------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.PARK_OPERATOR])
def test_only_enterprise_users_see_the_enterprise_tabs(role, demo, client):
    member = Membership.objects.filter(role=role, is_active=True).select_related("user").first()
    client.force_login(member.user)
    for url in ("/policies/",):
        body = page(client, url)
        for tab in ("tab-mine", "tab-claims", "tab-payments"):
            assert f'data-testid="{tab}"' not in body
    enterprise = Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).first()
    client.force_login(enterprise.user)
    body = page(client, "/policies/")
    assert all(f'data-testid="{t}"' in body for t in ("tab-mine", "tab-claims", "tab-payments"))


# --- 14, 15: the grant job and the claims it proposed --------------------------------------


def test_the_grant_job_links_back_and_says_why_it_proposed_nothing(town, office, client):
    _m, policy = town
    article = policy.benefits.get(automatic=True, position=3)
    client.post(f"/policies/benefits/{article.pk}/grant/")
    job = execute(Job.objects.filter(kind=services.GRANT_JOB).latest("pk").pk)
    body = page(client, f"/jobs/{job.pk}/")
    back = re.search(r'<a href="([^"]+)" data-testid="job-back"', body)
    assert back and back.group(1) == f"/policies/benefits/{article.pk}/"
    assert job.result == {"proposed": 0}  # the demo proposed them all already
    with translation.override(job.language or settings.LANGUAGE_CODE):
        expected = translation.gettext(
            "Every eligible enterprise already has a claim of this benefit: no new claim."
        )
    assert job.messages == [expected]


def test_the_job_page_links_back_only_to_a_page_of_this_site(office, client):
    from fugong.core.views import _back

    for url, ok in (("/policies/", True), ("//evil.example/", False), ("https://x/", False),
                    ("/\\evil", False)):  # fmt: skip
        assert (_back(Job(params={"back": {"url": url, "label": "x"}})) is not None) is ok
    assert _back(Job(params={"back": "/policies/"})) is None


def test_proposed_claims_without_amount_say_it_must_be_filled_in(town, office, client):
    _m, policy = town
    article = policy.benefits.get(automatic=True, position=3)
    proposed = Claim.objects.filter(benefit=article, status=ClaimStatus.PROPOSED)
    assert proposed.exists()
    proposed.update(computed_amount=None)
    body = page(client, f"/policies/benefits/{article.pk}/")
    start = body.index('data-testid="proposed"')
    line = body[start : body.index("<", start)]
    assert "0.00" not in line and ("金额待补充" in line or "must be filled in" in line), line


# --- 16: not eligible ----------------------------------------------------------------------


def test_an_enterprise_not_eligible_sees_why_and_no_form_to_fill_in(login, client):
    login("town01_ent1")
    url = reverse("policies:claim_new", args=[benefit(SUBSIDY).pk])
    body = page(client, url)
    assert 'data-testid="not-eligible"' in body and 'data-met="0"' in body
    assert "<fieldset disabled>" in body
    answer = client.post(url, {"statement": "试一试", "requested": "100"})
    body = answer.content.decode()
    assert answer.status_code == 400 and 'data-testid="not-eligible"' in body
    assert "see why on its page" not in body and "见其页面" not in body
    assert not Claim.objects.filter(benefit=benefit(SUBSIDY)).exists()


# --- 17: narrow screens --------------------------------------------------------------------


def test_the_claim_list_and_the_ledger_scroll_on_a_phone(office, client):
    for url, table in (("/policies/claims/", "claims-table"), ("/policies/payments/", "ledger")):
        body = page(client, url)
        tag = re.search(rf'<table[^>]*data-testid="{table}"[^>]*>', body).group(0)
        assert "min-width" in tag  # scrolled in its .table-responsive, not squeezed
        assert '<div class="table-responsive">' in body


# --- 18: the benefit of a withdrawn policy -------------------------------------------------


def test_the_claimant_still_opens_the_benefit_of_a_withdrawn_policy(submitted_claim, client):
    claim, owner = submitted_claim
    Policy.objects.filter(pk=claim.benefit.policy_id).update(status=PolicyStatus.WITHDRAWN)
    client.force_login(owner.user)
    body = page(client, f"/policies/benefits/{claim.benefit_id}/")
    assert 'data-testid="withdrawn"' in body and 'data-testid="claim-new"' not in body
    # An enterprise without a claim on it does not find it.
    other = (
        Membership.objects.filter(role=Role.ENTERPRISE, is_active=True)
        .exclude(enterprise=owner.enterprise)
        .first()
    )
    client.force_login(other.user)
    assert client.get(f"/policies/benefits/{claim.benefit_id}/").status_code == 404


# --- 19: amounts -----------------------------------------------------------------------------


def test_amounts_have_thousands_separators_in_every_language(submitted_claim, client):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert yuan(Decimal("25755")) == "25,755.00"
            assert yuan(Decimal("-15126.5")) == "-15,126.50"
            assert yuan(None) == "" and yuan("abc") == ""
    claim, owner = submitted_claim
    client.force_login(owner.user)
    for language in ("zh-hans", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        body = page(client, f"/policies/claims/{claim.pk}/")
        assert "30,000.00" in body and "30000.00" not in body


# --- 20/22: wording --------------------------------------------------------------------------


def test_a_constant_formula_is_an_amount_in_yuan(submitted_claim, office, client):
    claim, _owner = submitted_claim
    body = page(client, f"/policies/benefits/{claim.benefit_id}/")
    formula = body[body.index('data-testid="formula"') :][:300]
    assert "30,000.00" in formula


def test_no_payment_is_offered_for_a_benefit_without_money(town, office, client):
    m, policy = town
    owner = enterprise_user(m)
    measure = services.benefit_save(
        actor=m.user, policy=policy, position=9, title="优先办理", conditions=[], formula="",
    )  # fmt: skip
    claim = services.claim_start(
        actor=owner.user, benefit=measure, enterprise=owner.enterprise, statement="申请。"
    )
    claim = services.claim_step(actor=owner.user, claim=claim, action="submit")
    assert step(client, claim, "approve", claim.revision).status_code == 302
    body = page(client, f"/policies/claims/{claim.pk}/")
    assert 'data-testid="pay-form"' not in body


def test_the_ledger_says_a_date_it_does_not_understand_and_counts_enterprises(
    submitted_claim, office, client
):
    claim, _owner = submitted_claim
    claim = services.claim_step(actor=office, claim=claim, action="approve", amount="30000")
    services.payment_record(actor=office, claim=claim, paid_on=timezone.localdate(),
                            amount=Decimal("30000"), batch="B1", voucher="PZ-9", note="")  # fmt: skip
    payment = Payment.objects.get(claim=claim)
    services.payment_reverse(actor=office, payment=payment, voucher="CX-9", reason="有误")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = page(client, "/policies/payments/?batch=B1")
    totals = body[body.index('data-testid="totals"') :][:400]
    assert "to 1 enterprise." in totals and "-30,000.00" not in totals
    assert "30,000.00 yuan reversed" in totals
    bad = page(client, "/policies/payments/?from=abc")
    assert 'data-testid="date-error"' in bad and "abc" in bad
    assert 'data-testid="date-error"' not in page(client, "/policies/payments/?from=2026-03-01")


def test_a_stale_tab_on_a_claim_sent_back_meanwhile_is_told_so_with_what_was_typed(
    submitted_claim, office, client
):
    claim, _owner = submitted_claim
    seen = claim.revision
    assert step(client, claim, "send_back", seen, reason="缺少证明").status_code == 302
    # The other tab, still showing the submitted claim: the claim is the enterprise's draft.
    answer = step(client, claim, "reject", seen, reason="不符合第三条")
    assert answer.status_code == 302 and answer["Location"] == "/policies/claims/"
    assert any("不符合第三条" in m for m in said(answer))
    # Someone who does not review it still gets nothing.
    outsider = Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).exclude(
        enterprise=claim.enterprise
    )
    client.force_login(outsider.first().user)
    assert step(client, claim, "reject", seen, reason="x").status_code == 404
