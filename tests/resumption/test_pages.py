"""The resumption pages: a filing walked through the HTML forms, bad input kept on the page,
the queue and pipeline scoped, nobody sees a filing outside their scope. The data is a small
county of its own (fugong.resumption.testing.build_casts), built once per class."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from fugong.accounts.choices import CadreTitle, Role
from fugong.accounts.models import Membership, User
from fugong.accounts.testing import add_grid
from fugong.core.testing import (
    Call,
    FixedQueryCount,
    HidesOutsideScope,
    OneAuditRowPerWrite,
    Write,
    built_for_the_class,
    world_fixtures,
)
from fugong.enterprises.models import Enterprise
from fugong.enterprises.testing import add_enterprise
from fugong.inspections.models import ChecklistTemplate
from fugong.resumption import services
from fugong.resumption.choices import AttachmentKind, Mode, Status
from fugong.resumption.demo import png_bytes
from fugong.resumption.figures import filing_pipeline, filings_waiting
from fugong.resumption.models import Filing, Notice
from fugong.resumption.selectors import inspector_choices
from fugong.resumption.testing import (
    Casts,
    add_cast,
    answers,
    build_casts,
    enterprise_of,
    new_filing,
    submitted_filing,
)

pytestmark = pytest.mark.django_db


def application(**overrides) -> dict:
    values = {
        "leading_group": "张三 总经理 13800000000",
        "disinfection_measures": "每日两次消毒",
        "masks": 2000,
        "gloves": 100,
        "protective_suits": 5,
        "thermometers": 3,
        "alcohol_litres": "10",
        "disinfectant_litres": "20",
        "staff_local": 20,
        "staff_city": 5,
        "staff_province": 3,
        "staff_other_province": 2,
        "return_plan": "分两批返岗",
        "has_isolation_room": "on",
        "isolation_room": "东侧单间",
        "planned_date": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "risk_assessment": "低风险",
        "emergency_plan": "发现发热立即隔离",
        "production_plan": "首月60%",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def reviewer_of(office):
    return (
        Membership.objects.filter(
            office=office, role__in=[Role.REVIEWER, Role.PARK_OPERATOR], is_active=True
        )
        .first()
        .user
    )


def _build() -> Casts:
    casts = build_casts()
    add_grid(casts.county, 2)
    return casts


_built, world = world_fixtures(_build)


class TestFilingPages:
    """Each test makes the filings it needs (one open filing per enterprise at a time)."""

    def test_enterprise_files_and_reviewer_returns_then_resubmit(self, client, world):
        ent = world["park_tenant"].enterprise
        client.force_login(ent)
        enterprise = Membership.objects.get(user=ent, role=Role.ENTERPRISE).enterprise
        response = client.post(reverse("resumption:create"), application(masks=10))
        assert response.status_code == 302
        filing = Filing.objects.get(enterprise=enterprise)
        assert filing.status == Status.DRAFT

        # A rule fails: the page says which and why; the draft and its values stay.
        response = client.post(
            reverse("resumption:submit", args=[filing.pk]), {"revision": filing.revision}
        )
        assert response.status_code == 422
        body = response.content.decode()
        assert 'data-outcome="fail"' in body
        filing.refresh_from_db()
        assert filing.status == Status.DRAFT and filing.masks == 10

        # A file that claims to be a PDF but is not is refused by its content.
        response = client.post(
            reverse("resumption:attach", args=[filing.pk]),
            {"kind": "plan", "file": SimpleUploadedFile("plan.pdf", b"just text")},
        )
        assert response.status_code == 400
        assert "plan.pdf" in response.content.decode()
        response = client.post(
            reverse("resumption:attach", args=[filing.pk]),
            {"kind": "roster", "file": SimpleUploadedFile("roster.png", png_bytes("x"))},
        )
        assert response.status_code == 302

        filing.refresh_from_db()
        response = client.post(
            reverse("resumption:edit", args=[filing.pk]), application(revision=filing.revision)
        )
        assert response.status_code == 302
        filing.refresh_from_db()
        # The rules are met now, but approval mode asks for the plan and the commitment letter
        # too: the page names them and the filing stays a draft (issue 10 §6).
        assert filing.mode == "approval"
        response = client.post(
            reverse("resumption:submit", args=[filing.pk]), {"revision": filing.revision}
        )
        assert response.status_code == 422
        error = response.content.decode().split('data-testid="action-error">')[1].split("</div>")[0]
        with translation.override(settings.LANGUAGE_CODE):
            for kind in ("plan", "commitment"):
                assert str(AttachmentKind(kind).label) in error
            assert str(AttachmentKind("roster").label) not in error
        # The attachments card says what submission needs and what is there.
        required = (
            response.content.decode().split('data-testid="required-files"')[1].split("</div>")[0]
        )
        assert 'data-kind="roster" data-attached="true"' in required
        assert 'data-kind="plan" data-attached="false"' in required
        assert 'data-kind="commitment" data-attached="false"' in required
        filing.refresh_from_db()
        assert filing.status == Status.DRAFT
        for kind in ("plan", "commitment"):
            response = client.post(
                reverse("resumption:attach", args=[filing.pk]),
                {"kind": kind, "file": SimpleUploadedFile(f"{kind}.png", png_bytes(kind))},
            )
            assert response.status_code == 302
        filing.refresh_from_db()
        response = client.post(
            reverse("resumption:submit", args=[filing.pk]), {"revision": filing.revision}
        )
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.status == Status.SUBMITTED and filing.lead_office is not None

        reviewer = reviewer_of(filing.lead_office)
        client.force_login(reviewer)
        queue = client.get(reverse("resumption:queue"))
        assert enterprise.name in queue.content.decode()
        # Returning without a reason is refused, and says so.
        response = client.post(
            reverse("resumption:action", args=[filing.pk, "return"]), {"revision": filing.revision}
        )
        assert response.status_code == 400
        response = client.post(
            reverse("resumption:action", args=[filing.pk, "return"]),
            {"reason": "请补充隔离室照片", "revision": filing.revision},
        )
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.status == Status.RETURNED

        client.force_login(ent)
        page = client.get(reverse("resumption:detail", args=[filing.pk])).content.decode()
        assert "请补充隔离室照片" in page
        response = client.post(
            reverse("resumption:submit", args=[filing.pk]), {"revision": filing.revision}
        )
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.status == Status.SUBMITTED and filing.versions.count() == 2

    def test_stale_form_is_caught_and_nothing_is_lost(self, client, world):
        ent = world["park_tenant"].enterprise
        client.force_login(ent)
        client.post(reverse("resumption:create"), application())
        filing = Filing.objects.get(enterprise__memberships__user=ent)
        old = filing.revision
        client.post(
            reverse("resumption:edit", args=[filing.pk]), application(masks=3000, revision=old)
        )
        response = client.post(
            reverse("resumption:edit", args=[filing.pk]), application(masks=4000, revision=old)
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="form-error"' in body and 'value="4000"' in body
        filing.refresh_from_db()
        assert filing.masks == 3000

    def test_acceptance_checklist_page_records_failures_at_once(self, client, world):
        filing = new_filing(world[Mode.APPROVAL], Status.ACCEPTANCE_SCHEDULED)
        inspector = reviewer_of(filing.lead_office)
        client.force_login(inspector)
        template = ChecklistTemplate.objects.get(code="acceptance", version=1)
        data = {"revision": filing.revision, "opinion": "两项不合格"}
        files = {}
        for item in template.items.all():
            data[f"item_{item.pk}"] = "fail" if item.position in (3, 7) else "pass"
            if item.photo_required:
                files[f"item_{item.pk}_photo"] = SimpleUploadedFile(
                    f"p{item.pk}.png", png_bytes(str(item.pk))
                )
        # Without the photos: refused, with every missing photo named.
        response = client.post(reverse("resumption:acceptance", args=[filing.pk]), data)
        assert response.status_code == 400
        assert response.content.decode().count("photo") >= 1
        response = client.post(
            reverse("resumption:acceptance", args=[filing.pk]), {**data, **files}
        )
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.status == Status.ACCEPTANCE_FAILED
        assert [m["item"] for m in filing.missing] == [3, 7]

    def test_notice_pdf_downloads_for_the_enterprise_side(self, client, world):
        filing = new_filing(world[Mode.APPROVAL], Status.NOTICE_ISSUED)
        client.force_login(reviewer_of(filing.lead_office))
        response = client.get(reverse("resumption:notice", args=[filing.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert io.BytesIO(response.content).read(5) == b"%PDF-"

    def test_approver_revokes_a_notice_and_the_public_page_says_so(self, client, world):
        filing = new_filing(world[Mode.APPROVAL], Status.NOTICE_ISSUED)
        notice = Notice.objects.get(filing=filing, revoked=False)
        client.force_login(reviewer_of(filing.lead_office))
        response = client.post(
            reverse("resumption:notice_revoke", args=[filing.pk]), {"reason": "x"}
        )
        assert response.status_code == 403  # a reviewer does not revoke
        client.force_login(world.county["w_county_cmd"])
        response = client.post(
            reverse("resumption:notice_revoke", args=[filing.pk]), {"reason": ""}
        )
        assert response.status_code == 400
        response = client.post(
            reverse("resumption:notice_revoke", args=[filing.pk]),
            {"reason": "企业未按方案落实防控措施"},
        )
        assert response.status_code == 302
        notice.refresh_from_db()
        assert notice.revoked
        client.logout()
        page = client.get(reverse("public:verify", args=[notice.token]))
        assert page.status_code == 200 and 'data-state="revoked"' in page.content.decode()

    @pytest.mark.parametrize(
        "url",
        [
            "/resumption/?enterprise=99999999999999999999",
            "/resumption/?enterprise=abc&status=nonsense",
            "/resumption/new/?enterprise=abc",
            "/resumption/new/?enterprise=99999999999999999999",
            "/resumption/99999999999999999999/",
            "/resumption/attachments/99999999999999999999/",
        ],
    )
    def test_hand_edited_addresses_never_fail(self, client, world, url):
        client.force_login(world.county["w_t1_ent1"])
        assert client.get(url).status_code in (200, 302, 404)

    def test_a_checklist_number_too_large_to_store_is_a_form_error(self, world):
        from fugong.inspections.models import ChecklistItem, ItemKind
        from fugong.inspections.services import template_new_version
        from fugong.resumption.forms import AcceptanceForm

        template = template_new_version(
            actor=world.county["w_admin"],
            template=ChecklistTemplate.objects.get(code="acceptance", version=1),
        )
        item = ChecklistItem.objects.create(
            template=template, position=12, text="在岗人数", kind=ItemKind.NUMBER
        )
        form = AcceptanceForm(
            {f"item_{item.pk}": "1" + "0" * 15, "opinion": "x"}, template=template
        )
        assert not form.is_valid() and f"item_{item.pk}" in form.errors

    def test_schedule_offers_only_people_who_may_inspect_and_names_nobody_else(self, client, world):
        filing = new_filing(world[Mode.APPROVAL], Status.UNDER_REVIEW)
        reviewer = reviewer_of(filing.lead_office)
        outsider = world.county["w_t2_jmb"]
        assert reviewer in inspector_choices(filing) and outsider not in inspector_choices(filing)
        client.force_login(reviewer)
        response = client.post(
            reverse("resumption:schedule", args=[filing.pk]),
            {
                "date": timezone.localdate().isoformat(),
                "inspector": outsider.pk,
                "revision": filing.revision,
            },
        )
        assert response.status_code == 400
        assert outsider.full_name not in response.content.decode()
        filing.refresh_from_db()
        assert filing.status == Status.UNDER_REVIEW

    def test_the_grid_chief_of_the_enterprises_grid_is_offered_as_inspector(self, client, world):
        """Issue 10 §6: the 网格长 of the grid the enterprise is registered in is offered, may be
        scheduled, sees the filing and records the checklist; the chiefs of other grids are
        neither offered nor named, and cannot be scheduled."""
        c = world[Mode.APPROVAL]
        chief, other_chief = world.county["w_t1_grid"], world.county["w_t2_grid"]
        grid = Membership.objects.get(user=chief, title=CadreTitle.GRID_CHIEF).jurisdiction
        enterprise = enterprise_of(c.enterprise)
        Enterprise.objects.filter(pk=enterprise.pk).update(jurisdiction=grid)
        filing = new_filing(c, Status.UNDER_REVIEW)
        assert grid.level == "grid" and filing.enterprise.jurisdiction == grid

        choices = list(inspector_choices(filing))
        assert chief in choices and other_chief not in choices
        client.force_login(c.reviewer)
        page = client.get(reverse("resumption:detail", args=[filing.pk])).content.decode()
        form = page.split('data-testid="schedule-form"')[1].split("</form>")[0]
        assert f'value="{chief.pk}"' in form and chief.full_name in form
        assert f'value="{other_chief.pk}"' not in form and other_chief.full_name not in page

        # Another grid's chief is refused, and not named.
        response = client.post(
            reverse("resumption:schedule", args=[filing.pk]),
            {"date": timezone.localdate().isoformat(), "inspector": other_chief.pk,
             "revision": filing.revision},
        )  # fmt: skip
        assert response.status_code == 400
        assert other_chief.full_name not in response.content.decode()
        response = client.post(
            reverse("resumption:schedule", args=[filing.pk]),
            {"date": timezone.localdate().isoformat(), "inspector": chief.pk,
             "revision": filing.revision},
        )  # fmt: skip
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.status == Status.ACCEPTANCE_SCHEDULED
        assert filing.acceptances.get().inspector == chief

        # The chief sees the filing and fills in the checklist.
        client.force_login(chief)
        page = client.get(reverse("resumption:detail", args=[filing.pk]))
        assert (
            page.status_code == 200 and 'data-testid="record-acceptance"' in page.content.decode()
        )
        services.acceptance_record(
            actor=chief,
            filing=filing,
            answers=answers(filing.acceptances.get().template),
            opinion="各项防控措施落实到位，同意复工。",
        )
        filing.refresh_from_db()
        assert filing.status == Status.ACCEPTED

        # Registered in another grid, the enterprise is no longer the chief's to inspect.
        other_grid = Membership.objects.get(
            user=other_chief, title=CadreTitle.GRID_CHIEF
        ).jurisdiction
        Enterprise.objects.filter(pk=enterprise.pk).update(jurisdiction=other_grid)
        filing = Filing.objects.get(pk=filing.pk)
        assert chief not in inspector_choices(filing)

    @pytest.mark.parametrize(
        "status",
        [
            Status.DRAFT,
            Status.SUBMITTED,
            Status.UNDER_REVIEW,
            Status.RETURNED,
            Status.ACCEPTANCE_SCHEDULED,
            Status.ACCEPTANCE_FAILED,
            Status.APPROVED,
        ],
    )
    def test_the_filer_adds_files_exactly_while_the_filing_is_theirs_to_change(
        self, client, world, status
    ):
        """Issue 10 §6: when the reviewer asks for more (returned) or the acceptance failed, the
        upload box is there and takes the files asked for; while the filing waits for government
        or is decided, neither the box nor a forged upload; never for the reviewer."""
        c = world[Mode.APPROVAL]
        filing = new_filing(c, status)
        editable = status in (Status.DRAFT, Status.RETURNED, Status.ACCEPTANCE_FAILED)
        url = reverse("resumption:detail", args=[filing.pk])
        attach = reverse("resumption:attach", args=[filing.pk])
        before = filing.attachments.count()

        client.force_login(c.enterprise)
        page = client.get(url).content.decode()
        assert ('data-testid="attach-form"' in page) is editable
        response = client.post(
            attach, {"kind": "other", "file": SimpleUploadedFile("补充.png", png_bytes("more"))}
        )
        assert response.status_code == (302 if editable else 409)
        assert filing.attachments.count() == before + editable
        if editable:
            page = client.get(url).content.decode()
            assert "补充.png" in page.split('data-testid="attachments"')[1].split("</ul>")[0]

        client.force_login(c.reviewer)
        page = client.get(url).content.decode()
        assert 'data-testid="attach-form"' not in page
        response = client.post(
            attach, {"kind": "other", "file": SimpleUploadedFile("x.png", png_bytes("x"))}
        )
        assert response.status_code == (404 if status == Status.DRAFT else 403)  # a draft: unseen
        assert filing.attachments.count() == before + editable

    def test_a_deactivated_person_is_never_offered_as_inspector(self, world):
        """A reviewer whose account was switched off cannot log in to record the checklist: the
        schedule form must not offer them (only grid chiefs were checked for it)."""
        c = world[Mode.APPROVAL]
        filing = new_filing(c, Status.UNDER_REVIEW)
        assert c.reviewer in inspector_choices(filing)
        User.objects.filter(pk=c.reviewer.pk).update(is_active=False)
        assert c.reviewer not in inspector_choices(filing)


def _submitted() -> Casts:
    """``_build()`` with a submitted filing of the approval, park tenant (town 1) and record
    (town 2) casts' enterprises, and a notice issued to a second approval enterprise."""
    casts = _build()
    casts.filings = {
        which: new_filing(casts[which], Status.SUBMITTED)
        for which in (Mode.APPROVAL, "park_tenant", Mode.RECORD)
    }
    add_cast(casts, Mode.APPROVAL, "issued")
    casts.filings["issued"] = new_filing(casts["issued"], Status.NOTICE_ISSUED)
    return casts


@pytest.fixture(scope="class")
def _submitted_casts(django_db_setup, django_db_blocker):
    yield from built_for_the_class(django_db_blocker, _submitted)


class TestScopedPages(HidesOutsideScope, OneAuditRowPerWrite, FixedQueryCount):
    """Filings in both towns, built once: who sees them, one audit row per review step and per
    revoked notice, and lists that cost no more queries as filings are added. (A filing's own
    pages answer a refusal with the filing's page and the sentence beside its forms, status 403,
    as core.permissions allows a page that catches it; ``RefusesWithoutRole`` wants the shared
    403 page, so those refusals are asserted by hand in TestFilingPages.)"""

    @pytest.fixture
    def world(self, db, _submitted_casts) -> Casts:
        return _submitted_casts

    def writes(self, w):
        submitted = w.filings[Mode.APPROVAL]
        start = reverse("resumption:action", args=[submitted.pk, "start_review"])
        yield Write(
            Call(w[Mode.APPROVAL].reviewer, "post", start, {"revision": submitted.revision}),
            model="resumption.filing",
        )
        issued = w.filings["issued"]
        revoke = reverse("resumption:notice_revoke", args=[issued.pk])
        yield Write(
            Call(w.county["w_county_cmd"], "post", revoke, {"reason": "企业未落实防控措施"}),
            model="resumption.notice",
        )

    def hidden_calls(self, w):
        theirs = w.filings[Mode.RECORD]
        for username in ("w_t1_ent1", "w_t1_cmd", "w_t1_jmb"):
            yield Call(w.county[username], "get", reverse("resumption:detail", args=[theirs.pk]))
        yield Call(w.county["w_t1_ent1"], "get", reverse("resumption:notice", args=[theirs.pk]))

    def seen_calls(self, w):
        theirs = w.filings[Mode.RECORD]
        for user in (w[Mode.RECORD].enterprise, w[Mode.RECORD].reviewer, w.county["w_t2_cmd"]):
            yield Call(user, "get", reverse("resumption:detail", args=[theirs.pk]))

    def query_calls(self, w):
        yield Call(w[Mode.APPROVAL].reviewer, "get", reverse("resumption:queue"))
        yield Call(w.county["w_t1_cmd"], "get", reverse("resumption:list"))
        yield Call(w.county["w_t1_cmd"], "get", reverse("resumption:pipeline"))
        yield Call(w.county["w_county_cmd"], "get", "/")

    def grow(self, w):
        """Three more submitted filings of small industry in town 1, which its safety office
        (the approval cast's reviewer) reviews."""
        for _ in range(3):
            enterprise = add_enterprise(
                w.county, 1, jurisdiction=w.county.towns[0], revenue_last_year=500
            )
            submitted_filing(w.registry, enterprise)

    def test_the_list_leaves_out_another_towns_filing(self, client, world):
        filing = world.filings[Mode.RECORD]
        client.force_login(world.county["w_t1_ent1"])
        listing = client.get(reverse("resumption:list")).content.decode()
        assert filing.enterprise.name not in listing

    def test_pipeline_counts_match_the_scope(self, client, world):
        client.force_login(world.county["w_t1_cmd"])
        response = client.get(reverse("resumption:pipeline"))
        assert response.status_code == 200
        data = filing_pipeline(user=world.county.fresh("w_t1_cmd"))
        county = filing_pipeline(user=world.county.fresh("w_county_cmd"))
        mine = Filing.objects.filter(jurisdiction__path__startswith=world.county.county.path)
        assert 0 < data.total < county.total == mine.count() == len(world.filings)

    def test_home_pages_show_what_waits_for_each_role(self, client, world):
        for username in ("w_t1_jmb", "w_t1_cmd", "w_county_cmd"):
            who = world.county.fresh(username)
            client.force_login(who)
            body = client.get("/").content.decode()
            shown = re.search(r'data-testid="filings-waiting"><a [^>]*>(\d+)<', body)
            assert shown, username
            assert int(shown.group(1)) == filings_waiting(user=who).total
        town = filings_waiting(user=world.county.fresh("w_t1_cmd")).total
        assert filings_waiting(user=who).total > town > 0
        assert filings_waiting(user=world.county.fresh("w_t1_jmb")).total > 0

        client.force_login(world.county["w_t1_ent1"])
        body = client.get("/").content.decode()
        assert 'data-testid="own-filing"' in body and reverse("resumption:create") in body
