"""The enterprise's pages of policies (issue 16 point 2, 政策找企业; point 4, the claim form)
and the public pages (point 1): an enterprise sees the benefits it qualifies for with their
amounts and, for the others, the conditions it does not meet; never another enterprise's
matches, claims or payments. Its facts re-match it; its claim form refuses a hostile file
without losing what was typed. The public pages show published policies and no enterprise."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fugong.core.templatetags.fugong import yuan
from fugong.enterprises.models import Enterprise
from fugong.policies import matching, rules, selectors, services
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.models import Benefit, Claim, ClaimFile, Match, Policy, PolicyFacts

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def enterprise_of(user) -> Enterprise:
    return Enterprise.objects.get(pk=selectors.enterprise_ids(user)[0])


def benefit(title: str) -> Benefit:
    return Benefit.objects.select_related("policy__issuer").get(title=title)


SUBSIDY = "新增防疫物资生产线设备投入补助"  # epidemic supplies: 5 % of the equipment investment
NO_CUT_OFF = "欠费不停电"  # no conditions, no money, on application
POWER = "降低一般工商业电费5%"  # 免申即享


def attributes(html: str, testid: str, name: str) -> set[int]:
    pattern = rf'data-testid="{testid}"[^>]*data-{name}="(\d+)"'
    return {int(v) for v in re.findall(pattern, html)}


def make_eligible_for_subsidy(actor, enterprise, investment="1000000"):
    services.facts_save(
        actor=actor, enterprise=enterprise, epidemic_supplies=True,
        equipment_investment=Decimal(investment),
    )  # fmt: skip
    matching.match_enterprise(enterprise.pk, notify=False)


# --- the enterprise's page -----------------------------------------------------------------


def test_an_enterprise_sees_what_it_qualifies_for_with_amounts_and_why_not_for_the_rest(
    login, client
):
    me = login("town01_ent1")
    enterprise = enterprise_of(me)
    matches = {m.benefit_id: m for m in selectors.matches_of(enterprise.pk)}
    assert matches, "the demo's first enterprise is eligible for some benefits"
    response = client.get(reverse("policies:mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert attributes(html, "eligible", "benefit") == set(matches)
    for m in matches.values():
        if m.amount is not None:
            assert yuan(m.amount) in html
    # 政策找企业 explained: the subsidy is not open to it, and the page says which condition.
    subsidy = benefit(SUBSIDY)
    assert subsidy.pk in attributes(html, "other", "benefit")
    condition = rules.condition_text(subsidy.conditions[0])
    assert condition in html and 'data-met="0"' in html
    # Its claims only, with what was paid.
    own = set(Claim.objects.filter(enterprise=enterprise).values_list("pk", flat=True))
    assert attributes(html, "claim", "claim") == own
    others = Claim.objects.exclude(enterprise=enterprise).values_list("enterprise__name", flat=True)
    assert not [name for name in set(others) if name in html]


def test_an_enterprise_never_opens_another_enterprises_page_or_claims(login, client, user):
    me = login("town01_ent1")
    neighbour = enterprise_of(user("town01_ent2"))
    assert client.get(reverse("policies:mine") + f"?enterprise={neighbour.pk}").status_code == 403
    assert client.get(reverse("policies:facts") + f"?enterprise={neighbour.pk}").status_code == 403
    theirs = Claim.objects.exclude(enterprise=enterprise_of(me)).filter(status="draft").first()
    assert client.get(reverse("policies:claim_edit", args=[theirs.pk])).status_code == 404
    # An employee of an enterprise is not its user for policies.
    login("town01_emp1")
    assert client.get(reverse("policies:facts") + f"?enterprise={neighbour.pk}").status_code in (
        403,
        404,
    )


def test_government_sees_an_enterprise_it_oversees_and_not_others(login, client, user):
    enterprise = enterprise_of(user("town01_ent1"))
    login("town01_cmd")
    page = client.get(reverse("policies:mine") + f"?enterprise={enterprise.pk}")
    assert page.status_code == 200 and enterprise.name in page.content.decode()
    # Without an enterprise named, a government user has no page of its own.
    assert client.get(reverse("policies:mine")).status_code == 403
    login("town02_cmd")  # another town
    assert client.get(reverse("policies:mine") + f"?enterprise={enterprise.pk}").status_code == 404


def test_the_enterprise_page_costs_as_many_queries_with_more_benefits_and_claims(login, client):
    me = login("town01_ent1")
    enterprise = enterprise_of(me)
    client.get(reverse("policies:mine"))  # caches warmed

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("policies:mine")).status_code == 200
        return len(captured)

    before = queries()
    make_eligible_for_subsidy(me, enterprise)
    services.claim_start(actor=me, benefit=benefit(SUBSIDY), enterprise=enterprise)
    services.claim_start(actor=me, benefit=benefit(NO_CUT_OFF), enterprise=enterprise)
    assert queries() == before


# --- facts ---------------------------------------------------------------------------------


def test_the_facts_form_matches_again_and_a_newly_open_benefit_appears(
    login, client, django_capture_on_commit_callbacks
):
    me = login("town01_ent1")
    enterprise = enterprise_of(me)
    subsidy = benefit(SUBSIDY)
    assert not Match.objects.filter(benefit=subsidy, enterprise=enterprise).exists()
    page = client.get(reverse("policies:facts"))
    assert page.status_code == 200
    data = {
        "epidemic_supplies": "on",
        "state_property_tenant": "",
        "equipment_investment": "1000000",
        "monthly_rent": "8000",
        "monthly_power_bill": "20000.50",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("policies:facts"), data)
    assert response.status_code == 302 and response["Location"] == reverse("policies:mine")
    facts = PolicyFacts.objects.get(enterprise=enterprise)
    assert facts.epidemic_supplies and facts.monthly_power_bill == Decimal("20000.50")
    assert facts.updated_by == me
    match = Match.objects.get(benefit=subsidy, enterprise=enterprise)
    assert match.amount == Decimal("50000.00")  # 5 % of 1,000,000 yuan
    html = client.get(reverse("policies:mine")).content.decode()
    assert subsidy.pk in attributes(html, "eligible", "benefit")
    assert yuan(Decimal(50000)) in html


def test_the_facts_form_refuses_a_negative_amount_and_keeps_the_rest(login, client):
    login("town01_ent1")
    response = client.post(
        reverse("policies:facts"), {"epidemic_supplies": "on", "monthly_rent": "-5"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-error"' in html and 'value="-5"' in html


def test_a_government_user_edits_the_facts_of_an_enterprise_it_sees(login, client, user):
    enterprise = enterprise_of(user("town01_ent1"))
    cmd = login("town01_cmd")
    url = reverse("policies:facts") + f"?enterprise={enterprise.pk}"
    response = client.post(url, {"state_property_tenant": "on", "monthly_rent": "12000"})
    assert response.status_code == 302
    assert response["Location"] == reverse("policies:mine") + f"?enterprise={enterprise.pk}"
    facts = PolicyFacts.objects.get(enterprise=enterprise)
    assert facts.state_property_tenant and facts.updated_by == cmd
    login("town02_cmd")
    assert client.post(url, {"monthly_rent": "1"}).status_code == 404


# --- the claim form ------------------------------------------------------------------------


def test_the_claim_form_is_prefilled_with_the_computed_amount_and_saves_a_draft(login, client):
    me = login("town01_ent1")
    enterprise = enterprise_of(me)
    make_eligible_for_subsidy(me, enterprise)
    subsidy = benefit(SUBSIDY)
    url = reverse("policies:claim_new", args=[subsidy.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="requested"' in page.content.decode()
    assert 'value="50000.00"' in page.content.decode()
    response = client.post(
        url,
        {
            "statement": "新增口罩生产线两条。",
            "requested": "48000",
            "files": [
                SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf"),
            ],
        },
    )
    claim = Claim.objects.get(benefit=subsidy, enterprise=enterprise)
    assert response.status_code == 302
    assert response["Location"] == reverse("policies:claim", args=[claim.pk])
    assert claim.status == ClaimStatus.DRAFT and claim.requested_amount == Decimal("48000.00")
    assert claim.computed_amount == Decimal("50000.00") and claim.created_by == me
    assert sorted(claim.files.values_list("name", flat=True)) == ["发票.pdf", "合同.pdf"]
    # A second claim to the same benefit goes to the first.
    again = client.get(url)
    assert again.status_code == 302
    assert again["Location"] == reverse("policies:claim", args=[claim.pk])


def test_a_hostile_file_is_refused_with_a_message_and_the_statement_is_kept(login, client):
    me = login("town01_ent1")
    enterprise = enterprise_of(me)
    measure = benefit(NO_CUT_OFF)
    files_before = ClaimFile.objects.count()
    response = client.post(
        reverse("policies:claim_new", args=[measure.pk]),
        {
            "statement": "我司三月电费暂缓缴纳，申请欠费不停电。",
            "files": [
                SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("电费单.pdf", EXE, content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "电费单.pdf" in html and 'data-testid="form-error"' in html
    assert "我司三月电费暂缓缴纳，申请欠费不停电。" in html  # what was typed is kept
    assert 'name="requested"' not in html  # a measure without money asks no amount
    assert not Claim.objects.filter(benefit=measure, enterprise=enterprise).exists()
    assert ClaimFile.objects.count() == files_before


def test_a_benefit_the_enterprise_does_not_qualify_for_says_why_and_is_refused(login, client):
    login("town01_ent1")
    subsidy = benefit(SUBSIDY)
    url = reverse("policies:claim_new", args=[subsidy.pk])
    page = client.get(url).content.decode()
    assert rules.condition_text(subsidy.conditions[0]) in page and 'data-met="0"' in page
    response = client.post(url, {"statement": "试一试", "requested": "100"})
    assert response.status_code == 400 and "试一试" in response.content.decode()
    assert not Claim.objects.filter(benefit=subsidy).exists()
    # A benefit of a policy not in force is not found.
    draft = Policy.objects.filter(status=PolicyStatus.PUBLISHED).first()
    Policy.objects.filter(pk=draft.pk).update(status=PolicyStatus.WITHDRAWN)
    first = draft.benefits.order_by("position").first()
    assert client.get(reverse("policies:claim_new", args=[first.pk])).status_code == 404


def test_a_government_user_does_not_claim_for_an_enterprise(login, client):
    login("town01_cmd")
    measure = benefit(NO_CUT_OFF)
    assert client.get(reverse("policies:claim_new", args=[measure.pk])).status_code == 403


def test_a_draft_claim_is_edited_with_more_files_and_a_stale_page_is_refused(login, client):
    me = login("town01_ent1")
    enterprise = enterprise_of(me)
    measure = benefit(NO_CUT_OFF)
    claim = services.claim_start(actor=me, benefit=measure, enterprise=enterprise, statement="初稿")
    url = reverse("policies:claim_edit", args=[claim.pk])
    page = client.get(url).content.decode()
    assert "初稿" in page
    response = client.post(
        url,
        {
            "statement": "补充说明",
            "revision": claim.revision,
            "files": SimpleUploadedFile("说明.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("policies:claim", args=[claim.pk])
    claim.refresh_from_db()
    assert claim.statement == "补充说明" and claim.files.count() == 1
    # Sent from a page read before that save: refused, what was typed kept.
    stale = client.post(url, {"statement": "旧页面的文字", "revision": claim.revision - 1})
    assert stale.status_code == 409 and "旧页面的文字" in stale.content.decode()
    # A hostile file: nothing of the save is kept, the text is.
    bad = client.post(
        url,
        {
            "statement": "第三稿",
            "revision": claim.revision,
            "files": SimpleUploadedFile("a.pdf", EXE, content_type="application/pdf"),
        },
    )
    assert bad.status_code == 400 and "第三稿" in bad.content.decode()
    claim.refresh_from_db()
    assert claim.statement == "补充说明" and claim.files.count() == 1
    # Submitted, it is no longer edited here.
    services.claim_step(actor=me, claim=claim, action="submit")
    moved = client.get(url)
    assert moved.status_code == 302
    assert moved["Location"] == reverse("policies:claim", args=[claim.pk])


# --- the public pages ----------------------------------------------------------------------


def test_the_public_pages_show_published_policies_only_and_no_enterprise(client, user):
    county = user("county_cmd")
    published = list(Policy.objects.filter(status=PolicyStatus.PUBLISHED))
    draft = services.policy_save(
        actor=county, issuer=published[0].issuer, title="尚未发布的草稿政策", summary=""
    )
    response = client.get(reverse("policies_public:list"))  # no login
    assert response.status_code == 200
    html = response.content.decode()
    assert all(p.title in html for p in published) and draft.title not in html
    assert client.get(reverse("policies_public:policy", args=[draft.pk])).status_code == 404
    names = set(Enterprise.objects.values_list("name", flat=True))
    for policy in published:
        page = client.get(reverse("policies_public:policy", args=[policy.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        for b in policy.benefits.all():
            assert b.title in text
            for condition in b.conditions:
                assert rules.condition_text(condition) in text
        assert not [name for name in names if name in text]
        assert page["Referrer-Policy"] == "no-referrer"
    # A formula in words, not in code.
    subsidy_page = client.get(
        reverse("policies_public:policy", args=[benefit(SUBSIDY).policy_id])
    ).content.decode()
    assert "equipment_investment" not in subsidy_page and "×" in subsidy_page
