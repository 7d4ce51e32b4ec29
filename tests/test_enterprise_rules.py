"""One set of rules for an enterprise row, whichever way it comes in (issue 10, points 2 and 3).

- The row rules (fugong.enterprises.rules): no resumption date in the future, no more staff
  back than employed, no negative people or implausible amounts; the same sentence from the
  edit form, the API, the services, the bulk status change and the import.
- Who may change what (permissions.FIELD_WRITERS): an enterprise user may not set its own
  ledger, 复工日期, 返岗人数, tier, tax or the other fields that move the statistics or 包保, on
  the page, through the API or through a service; it reaches 已复工 through its filing.
- "Mark as resumed" asks for the staff back at work, on the list, in the API and on a filing.

The data is a small county of its own (fugong.resumption.testing.build_casts, with an approved
filing), built once for the class.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from openpyxl import Workbook

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership, User
from fugong.core.errors import NotAllowed, UserError
from fugong.core.jobs import execute
from fugong.core.testing import bearer, issue_token, world_fixtures
from fugong.enterprises import io as enterprise_io
from fugong.enterprises import permissions, rules, services
from fugong.enterprises.choices import Ledger, Tier
from fugong.enterprises.forms import EnterpriseForm
from fugong.enterprises.models import Enterprise, ImportStatus
from fugong.enterprises.selectors import enterprise_list
from fugong.resumption import services as resumption_services
from fugong.resumption.choices import VALID, Mode, Status
from fugong.resumption.models import Filing
from fugong.resumption.testing import Casts, build_casts, new_filing

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
TOO_EARLY = datetime.date(1, 1, 1)  # a typing slip the form and the API used to accept


def future_message() -> str:
    return rules.resumed_on_problem(TOMORROW, today=timezone.localdate())


def too_early_message() -> str:
    return rules.resumed_on_problem(TOO_EARLY, today=timezone.localdate())


def too_many_message() -> str:
    return rules.returned_problem(2, 1)


def auth(client, username: str) -> dict:
    return bearer(issue_token(client, username))


def own_enterprise(username: str) -> Enterprise:
    return Membership.objects.get(user__username=username, role=Role.ENTERPRISE).enterprise


def _build() -> Casts:
    """``build_casts()`` and an approved filing of the approval cast, not yet resumed."""
    casts = build_casts()
    casts.approved = new_filing(casts[Mode.APPROVAL], Status.APPROVED)
    return casts


_built, world = world_fixtures(_build)


def a_town_enterprise(username: str = "w_t1_cmd", **filters) -> Enterprise:
    me = User.objects.get(username=username)
    return enterprise_list(user=me).filter(employee_count__gte=5, **filters).first()


# ------------------------------------------------------------------------------ the rules


def test_the_rules_say_what_is_wrong_and_only_about_what_changes():
    today = datetime.date(2026, 3, 1)
    values = {
        "employee_count": 10,
        "returned_count": 12,
        "resumed_on": datetime.date(2026, 3, 2),
        "revenue_last_year": Decimal("-1"),
        "tax_paid_last_year": Decimal("1e12"),
    }
    problems = rules.row_problems(values, today=today)
    assert set(problems) == {
        "returned_count",
        "resumed_on",
        "revenue_last_year",
        "tax_paid_last_year",
    }
    # A record stored before a rule existed can still have its remarks changed.
    assert rules.row_problems(values, changed={"remarks"}, today=today) == {}
    # Lowering the employees below the staff back is caught too.
    assert set(rules.row_problems(values, changed={"employee_count"}, today=today)) == {
        "returned_count"
    }
    assert rules.row_problems({"employee_count": 3, "returned_count": 3}, today=today) == {}


# ----------------------------------------------------------------------- every path alike


def _ledger(rows: list[list], header: list[str]) -> bytes:
    wb = Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _check(user, content: bytes):
    batch = enterprise_io.import_start(
        user=user, filename="台账.xlsx", content=content, mode="all", enqueue=False
    )
    execute(batch.check_job_id)
    batch.refresh_from_db()
    return batch


# ------------------------------------------------------------------------ who may change what


def _other_value(e: Enterprise, field: str):
    """A value of ``field`` (an API field) that differs from the enterprise's."""
    if field == "ledger":
        return next(v for v in Ledger.values if v != e.ledger)
    if field == "tier":
        return next(v for v in Tier.values if v != e.tier)
    if field == "resumed_on":
        return "2026-02-20" if e.resumed_on != datetime.date(2026, 2, 20) else "2026-02-21"
    if field == "returned_count":
        return (e.returned_count or 0) + 1
    if field == "employee_count":
        return e.employee_count + 1
    if field in ("tax_paid_last_year", "revenue_last_year"):
        return str((getattr(e, field) or Decimal(0)) + 1)
    if field == "industry_code":
        return "13" if not e.industry_id or e.industry.code != "13" else "14"
    raise AssertionError(field)


STATISTICS_FIELDS = [
    "ledger",
    "resumed_on",
    "returned_count",
    "tier",
    "tax_paid_last_year",
    "revenue_last_year",
    "employee_count",
    "industry_code",
]


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def test_permissions_name_every_statistics_field():
    assert set(permissions.STATUS_FIELDS) == {"ledger", "resumed_on", "returned_count"}
    for name in ("tier", "jurisdiction", "credit_code", "employee_count", "tax_paid_last_year"):
        assert name in permissions.FIELD_WRITERS
    assert Role.ENTERPRISE not in set().union(*permissions.FIELD_WRITERS.values())


def test_a_rows_problems_read_as_one_sentence():
    """The import's error column read "…网格。；台账类别…": a stop before each semicolon."""
    from fugong.enterprises.io import join_sentences

    assert join_sentences(["不在您管辖的网格。", "台账类别无法识别。"]) == (
        "不在您管辖的网格；台账类别无法识别。"
    )
    assert join_sentences(["the date is in the future.", "too many."]) == (
        "the date is in the future；too many."
    )
    assert join_sentences(["只有一条。"]) == "只有一条。"


class TestEnterpriseRules:
    """Every path alike, on the class's own small county."""

    def test_the_form_refuses_what_the_import_refuses(self, world):
        me = world.county["w_t1_cmd"]
        e = a_town_enterprise()
        data = {
            name: value
            for name, value in EnterpriseForm(instance=e, user=me).initial.items()
            if value is not None
        }
        data.update(returned_count=e.employee_count + 1, resumed_on=TOMORROW.isoformat())
        form = EnterpriseForm(data, instance=e, user=me)
        assert not form.is_valid()
        assert form.errors["returned_count"] == [too_many_message()]
        assert form.errors["resumed_on"] == [future_message()]

    def test_the_edit_page_shows_the_rule_and_keeps_the_record(self, client, world):
        me = world.county["w_t1_cmd"]
        client.force_login(me)
        e = a_town_enterprise()
        before = (e.returned_count, e.resumed_on)
        page = client.get(f"/enterprises/{e.pk}/edit/")
        data = {
            k: v
            for k, v in page.context["form"].initial.items()
            if v is not None and not isinstance(v, bool)
        }
        data.update(returned_count=e.employee_count + 5, jurisdiction=e.jurisdiction_id)
        response = client.post(f"/enterprises/{e.pk}/edit/", data)
        assert response.status_code == 200
        assert too_many_message() in response.content.decode()
        e.refresh_from_db()
        assert (e.returned_count, e.resumed_on) == before
        assert me  # the page was the manager's

    def test_the_service_refuses_what_the_import_refuses(self, world):
        e = a_town_enterprise()
        with pytest.raises(ValidationError) as err:
            services.enterprise_update(
                actor=world.county["w_t1_cmd"], enterprise=e, returned_count=e.employee_count + 1
            )
        assert err.value.message_dict == {"returned_count": [too_many_message()]}
        with pytest.raises(ValidationError) as err:
            services.enterprise_update(
                actor=world.county["w_t1_cmd"], enterprise=e, resumed_on=TOMORROW
            )
        assert err.value.message_dict == {"resumed_on": [future_message()]}
        with pytest.raises(ValidationError) as err:
            services.enterprise_update(
                actor=world.county["w_t1_cmd"], enterprise=e, resumed_on=TOO_EARLY
            )
        assert err.value.message_dict == {"resumed_on": [too_early_message()]}
        with pytest.raises(ValidationError) as err:
            services.enterprise_update(
                actor=world.county["w_t1_cmd"], enterprise=e, revenue_last_year=Decimal("-3")
            )
        assert "revenue_last_year" in err.value.message_dict

    def test_the_api_refuses_what_the_import_refuses(self, client, world):
        headers = auth(client, "w_t1_cmd")
        e = a_town_enterprise()
        for payload, field, message in [
            ({"returned_count": e.employee_count + 1}, "returned_count", too_many_message()),
            ({"resumed_on": TOMORROW.isoformat()}, "resumed_on", future_message()),
            ({"resumed_on": "0001-01-01"}, "resumed_on", too_early_message()),
        ]:
            response = client.patch(
                f"/api/v1/enterprises/{e.pk}",
                payload,
                content_type="application/json",
                headers=headers,
            )
            assert response.status_code == 422, response.content
            assert response.json()["details"][field] == [message]
        e.refresh_from_db()
        assert e.resumed_on not in (TOMORROW, TOO_EARLY)

    def test_the_import_gives_the_same_sentences(self, world):
        e = a_town_enterprise()
        batch = _check(
            world.county["w_t1_cmd"],
            _ledger(
                [[e.name, e.credit_code, e.employee_count + 1, TOMORROW.isoformat()]],
                ["企业名称", "统一社会信用代码", "返岗人数", "复工日期"],
            ),
        )
        assert batch.preview["invalid"] == 1, batch.preview
        message = batch.preview["errors"][0]["message"]
        # Each sentence is there, its full stop left for the end of the line.
        assert too_many_message().rstrip("。.") in message
        assert future_message().rstrip("。.") in message
        # Lowering the employees below the staff already back is the same mistake.
        e.returned_count = 4
        e.save(update_fields=["returned_count"])
        batch = _check(
            world.county["w_t1_cmd"],
            _ledger([[e.name, e.credit_code, 3]], ["企业名称", "统一社会信用代码", "员工人数"]),
        )
        assert too_many_message() in batch.preview["errors"][0]["message"]

    @pytest.mark.parametrize("field", STATISTICS_FIELDS)
    def test_an_enterprise_user_cannot_set_its_own_figures_through_the_api(
        self, client, world, field
    ):
        e = own_enterprise("w_t1_ent1")
        value = _other_value(e, field)
        before = {f.attname: getattr(e, f.attname) for f in Enterprise._meta.concrete_fields}
        response = client.patch(
            f"/api/v1/enterprises/{e.pk}",
            {field: value},
            content_type="application/json",
            headers=auth(client, "w_t1_ent1"),
        )
        assert response.status_code == 403, response.content
        body = response.json()
        assert body["code"] == "forbidden"
        with translation.override("zh-hans"):
            label = str(
                Enterprise._meta.get_field(field.removesuffix("_code")).verbose_name
            )  # the message names the field
        assert label in body["message"]
        e.refresh_from_db()
        assert {
            f.attname: getattr(e, f.attname) for f in Enterprise._meta.concrete_fields
        } == before

    def test_an_enterprise_user_still_keeps_its_contacts_up_to_date(self, client, world):
        e = own_enterprise("w_t1_ent1")
        response = client.patch(
            f"/api/v1/enterprises/{e.pk}",
            {"contact_name": "新联系人", "has_canteen": True, "resumed_on": _iso(e.resumed_on)},
            content_type="application/json",
            headers=auth(client, "w_t1_ent1"),
        )
        # Sending a field unchanged is not changing it.
        assert response.status_code == 200, response.content
        e.refresh_from_db()
        assert e.contact_name == "新联系人" and e.has_canteen

    def test_the_service_refuses_an_enterprise_user_whatever_the_path(self, world):
        me = world.county["w_t1_ent1"]
        e = own_enterprise("w_t1_ent1")
        before = (e.resumed_on, e.tier, e.ledger)
        with pytest.raises(NotAllowed):
            services.enterprise_update(actor=me, enterprise=e, resumed_on=datetime.date(2026, 2, 1))
        with pytest.raises(NotAllowed):
            services.enterprise_update(actor=me, enterprise=e, tier=_other_value(e, "tier"))
        with pytest.raises(NotAllowed):
            services.enterprises_set_status(
                actor=me, enterprise_ids=[e.pk], ledger=_other_value(e, "ledger")
            )
        e.refresh_from_db()
        assert (e.resumed_on, e.tier, e.ledger) == before
        assert services.enterprise_update(actor=me, enterprise=e, remarks="自己写的备注").remarks

    def test_the_edit_page_locks_the_fields_of_an_enterprise_user(self, client, world):
        client.force_login(world.county["w_t1_ent1"])
        e = own_enterprise("w_t1_ent1")
        before = (e.ledger, e.resumed_on, e.returned_count, e.tier, e.tax_paid_last_year)
        page = client.get(f"/enterprises/{e.pk}/edit/")
        form = page.context["form"]
        assert {"ledger", "resumed_on", "returned_count", "tier", "tax_paid_last_year"} <= set(
            form.locked_fields
        )
        html = page.content.decode()
        assert 'name="resumed_on"' in html and 'data-testid="locked-note"' in html
        for name in ("resumed_on", "returned_count", "tier", "ledger"):
            assert form[name].field.disabled
        # A hand-made post of the locked fields changes only the open ones.
        data = {
            k: v
            for k, v in form.initial.items()
            if v is not None and not isinstance(v, bool) and k not in form.locked_fields
        }
        data.update(
            remarks="页面备注",
            resumed_on="2026-02-01",
            returned_count=1,
            ledger=Ledger.NORMAL,
            tier=Tier.MAJOR,
            tax_paid_last_year="999",
            updated_at=e.updated_at.isoformat(),
        )
        response = client.post(f"/enterprises/{e.pk}/edit/", data)
        assert response.status_code == 302, response.context["form"].errors
        e.refresh_from_db()
        assert e.remarks == "页面备注"
        assert (e.ledger, e.resumed_on, e.returned_count, e.tier, e.tax_paid_last_year) == before

    def test_a_park_operator_keeps_figures_but_not_the_tier(self, client, world):
        operator = world.county["w_t1_park"]
        tenant = enterprise_list(user=operator).get()
        headers = auth(client, operator.username)
        ok = client.patch(
            f"/api/v1/enterprises/{tenant.pk}",
            {"revenue_last_year": "321"},
            content_type="application/json",
            headers=headers,
        )
        assert ok.status_code == 200, ok.content
        refused = client.patch(
            f"/api/v1/enterprises/{tenant.pk}",
            {"tier": Tier.MAJOR if tenant.tier != Tier.MAJOR else Tier.VERIFY},
            content_type="application/json",
            headers=headers,
        )
        assert refused.status_code == 403

    def test_a_park_operators_import_may_not_change_the_tier_nor_move_its_tenants(self, world):
        operator = world.county["w_t1_park"]
        tenant = enterprise_list(user=operator).get()
        place = tenant.jurisdiction_id
        other_tier = "重大企业" if tenant.tier != Tier.MAJOR else "核查企业"
        header = ["企业名称", "统一社会信用代码", "园区/楼宇", "重点层级"]
        batch = _check(
            operator,
            _ledger([[tenant.name, tenant.credit_code, tenant.park.name, other_tier]], header),
        )
        assert batch.preview["invalid"] == 1 and "重点层级" in batch.preview["errors"][0]["message"]
        # Naming its park (as its own export does) keeps the tenant where it is registered.
        batch = _check(
            operator,
            _ledger([[tenant.name, tenant.credit_code, tenant.park.name, ""]], header),
        )
        assert batch.status == ImportStatus.READY, batch.preview
        batch = enterprise_io.import_confirm(user=operator, batch=batch, enqueue=False)
        execute(batch.import_job_id)
        tenant.refresh_from_db()
        assert tenant.jurisdiction_id == place

    def test_mark_as_resumed_needs_the_staff_back(self, world):
        me = world.county["w_t1_cmd"]
        e = a_town_enterprise(resumed_on=None)
        with pytest.raises(ValidationError) as err:
            services.enterprises_set_status(
                actor=me, enterprise_ids=[e.pk], resumed_on=datetime.date(2026, 2, 20)
            )
        assert "returned_count" in err.value.message_dict
        with pytest.raises(ValidationError) as err:
            services.enterprises_set_status(
                actor=me,
                enterprise_ids=[e.pk],
                resumed_on=datetime.date(2026, 2, 20),
                returned_counts={e.pk: e.employee_count + 1},
            )
        assert e.name in err.value.messages[0] and too_many_message() in err.value.messages[0]
        services.enterprises_set_status(
            actor=me,
            enterprise_ids=[e.pk],
            resumed_on=datetime.date(2026, 2, 20),
            returned_counts={e.pk: 2},
        )
        e.refresh_from_db()
        assert (e.resumed_on, e.returned_count) == (datetime.date(2026, 2, 20), 2)

    def test_the_bulk_api_needs_the_staff_back(self, client, world):
        headers = auth(client, "w_t1_cmd")
        e = a_town_enterprise(resumed_on=None)
        missing = client.post(
            "/api/v1/enterprises/bulk-status",
            {"ids": [e.pk], "resumed_on": "2026-02-20"},
            content_type="application/json",
            headers=headers,
        )
        assert missing.status_code == 422 and "returned_count" in missing.json()["details"]
        done = client.post(
            "/api/v1/enterprises/bulk-status",
            {"ids": [e.pk], "resumed_on": "2026-02-20", "returned_counts": {str(e.pk): 3}},
            content_type="application/json",
            headers=headers,
        )
        assert done.json() == {"changed": 1}
        e.refresh_from_db()
        assert e.returned_count == 3

    def test_the_bulk_page_keeps_what_was_typed_when_a_number_is_wrong(self, client, world):
        client.force_login(world.county["w_t1_cmd"])
        e = a_town_enterprise(resumed_on=None)
        response = client.post(
            "/enterprises/bulk/",
            {
                "ids": [e.pk],
                "action": "resumed",
                "confirm": "1",
                "resumed_on": "2026-02-20",
                f"returned_{e.pk}": str(e.employee_count + 7),
                "next": "/enterprises/",
            },
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert too_many_message() in html and f'value="{e.employee_count + 7}"' in html
        e.refresh_from_db()
        assert e.resumed_on is None

    @pytest.mark.parametrize("typed", ["", "abc", "-3", "9" * 5000, "１２x"])
    def test_the_bulk_page_says_what_to_fix_for_a_number_it_cannot_read(self, client, world, typed):
        client.force_login(world.county["w_t1_cmd"])
        e = a_town_enterprise(resumed_on=None)
        response = client.post(
            "/enterprises/bulk/",
            {
                "ids": [e.pk],
                "action": "resumed",
                "confirm": "1",
                "resumed_on": "2026-02-20",
                f"returned_{e.pk}": typed,
                "next": "/enterprises/",
            },
        )
        assert response.status_code == 400
        with translation.override("zh-hans"):
            assert translation.gettext("Give the number of staff back at work.") in (
                response.content.decode()
            )
        e.refresh_from_db()
        assert e.resumed_on is None

    def test_confirming_a_filing_takes_the_staff_back(self, world):
        filing = Filing.objects.select_related("enterprise").get(pk=world.approved.pk)
        assert filing.status in VALID and filing.resumed_on is None
        employees = filing.enterprise.employee_count
        actor = "confirming-test"  # a system actor acts as the enterprise
        with pytest.raises(UserError):
            resumption_services.filing_confirm_resumption(
                actor=actor,
                filing=filing,
                date=timezone.localdate(),
                returned_count=employees + 1,
            )
        resumption_services.filing_confirm_resumption(
            actor=actor, filing=filing, date=timezone.localdate(), returned_count=0
        )
        filing.enterprise.refresh_from_db()
        assert filing.enterprise.returned_count == 0
        assert filing.enterprise.resumed_on == timezone.localdate()

    def test_the_filing_page_asks_for_the_staff_back(self, client, world):
        """确认已复工 on a filing's page: a number box next to the date; a number above the
        employees is refused with the registry's sentence and nothing is written."""
        filing = Filing.objects.select_related("enterprise").get(pk=world.approved.pk)
        assert filing.status in VALID and filing.resumed_on is None
        client.force_login(world[Mode.APPROVAL].enterprise)  # the enterprise itself
        page = client.get(f"/resumption/{filing.pk}/")
        assert 'name="returned_count"' in page.content.decode()
        employees = filing.enterprise.employee_count
        today = timezone.localdate().isoformat()
        refused = client.post(
            f"/resumption/{filing.pk}/resumed/", {"date": today, "returned_count": employees + 1}
        )
        assert refused.status_code == 400
        assert too_many_message() in refused.content.decode()
        filing.refresh_from_db()
        assert filing.resumed_on is None
        done = client.post(
            f"/resumption/{filing.pk}/resumed/", {"date": today, "returned_count": 1}
        )
        assert done.status_code == 302
        filing.enterprise.refresh_from_db()
        assert (filing.enterprise.resumed_on, filing.enterprise.returned_count) == (
            timezone.localdate(),
            1,
        )

    def test_confirming_a_filing_says_how_many_are_employed_and_refuses_an_early_date(self, world):
        """The confirmation's refusal named no bound ("more staff returned than the enterprise
        employs."), and the date's lower bound of the row rules did not apply there."""
        filing = Filing.objects.select_related("enterprise").get(pk=world.approved.pk)
        assert filing.status in VALID and filing.enterprise.employee_count > 0
        employees = filing.enterprise.employee_count
        with translation.override("en"), pytest.raises(UserError) as err:
            resumption_services.filing_confirm_resumption(
                actor="confirming-test",
                filing=filing,
                date=timezone.localdate(),
                returned_count=employees + 1,
            )
        assert f"employs {employees}" in str(err.value.message)
        with pytest.raises(UserError) as err:
            resumption_services.filing_confirm_resumption(
                actor="confirming-test", filing=filing, date=TOO_EARLY, returned_count=0
            )
        assert str(err.value.message) == too_early_message()

    def test_the_bulk_page_keeps_the_numbers_when_the_date_is_cleared(self, client, world):
        """Clearing the date on the staff-numbers page sent the user back to the list with a flash
        message, and every number typed was lost."""
        client.force_login(world.county["w_t1_cmd"])
        e = a_town_enterprise(resumed_on=None)
        response = client.post(
            "/enterprises/bulk/",
            {
                "ids": [e.pk],
                "action": "resumed",
                "confirm": "1",
                "resumed_on": "",
                f"returned_{e.pk}": "3",
                "next": "/enterprises/",
            },
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert 'data-testid="form-error"' in html and f'name="returned_{e.pk}"' in html
        assert 'value="3"' in html
        e.refresh_from_db()
        assert e.resumed_on is None
