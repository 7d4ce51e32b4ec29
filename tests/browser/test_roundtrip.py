"""Every edit form of the project, opened in a real browser (zh-CN, so the pages are in
Chinese) and saved without touching anything, leaves the stored record exactly as it was
(issue 10, point 1). The bug behind it: the enterprise form wrote the stored 复工日期 as
2026/11/15, which ``<input type=date>`` shows as empty, so saving a remark blanked the date
and the enterprise dropped out of 已复工. Dates, times and numbers are what can go wrong, so
each record here has them filled in first.

The forms: the enterprise (as its command office, and as the enterprise itself with its
statistics fields locked), the resumption filing's application, the resumption rules of a
town (the earliest-date rule carries a date) and the statistics settings (a time). Forms that
start a new action (schedule, confirm, a new mode) are not edits of a stored record."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction, Membership, User
from fugong.core.models import AuditLog
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import Enterprise
from fugong.resumption import policy as resumption_policy
from fugong.resumption import services as resumption_services
from fugong.resumption.choices import EDITABLE, RuleCode
from fugong.resumption.models import Filing
from fugong.stats import services as stats_services
from fugong.stats.choices import Denominator
from fugong.stats.models import StatsSetting
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PAST = timezone.localdate() - datetime.timedelta(days=200)


def snapshot(obj) -> dict:
    """The stored values of a record (its ``updated_at`` aside), read afresh."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {
        f.attname: getattr(fresh, f.attname)
        for f in type(obj)._meta.concrete_fields
        if f.name != "updated_at"
    }


def audit_rows(obj) -> int:
    return AuditLog.objects.filter(
        content_type__model=type(obj)._meta.model_name, object_id=str(obj.pk)
    ).count()


def _prepare_enterprise(e: Enterprise) -> Enterprise:
    """Dates and numbers in every field that takes one, written through the service (so the
    derived category and key flag agree with them, as they would in real data)."""
    employees = max(e.employee_count, 12)
    return enterprise_services.enterprise_update(
        actor="roundtrip-test",
        enterprise=e,
        employee_count=employees,
        returned_count=employees - 2,
        resumed_on=PAST,
        revenue_last_year=Decimal("12345.67"),
        tax_paid_last_year=Decimal("88.50"),
        remarks="保存前的备注",
    )


def changed(before: dict, after: dict) -> dict:
    return {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}


def _check_enterprise_saves_unchanged(page, username: str, e: Enterprise) -> None:
    before, rows = snapshot(e), audit_rows(e)
    log_in(page, username)
    page.goto(f"/enterprises/{e.pk}/edit/")
    assert page.locator("input[name=resumed_on]").input_value() == PAST.isoformat()
    assert page.locator("input[name=revenue_last_year]").input_value() == "12345.67"
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    assert page.url.endswith(f"/enterprises/{e.pk}/"), page.content()
    assert changed(before, snapshot(e)) == {}
    assert audit_rows(e) == rows  # nothing changed, so nothing was written


def test_the_enterprise_form_saves_unchanged_as_the_command_office(page, demo_data):
    me = User.objects.get(username="town01_cmd")
    from fugong.enterprises.selectors import enterprise_list

    e = _prepare_enterprise(enterprise_list(user=me).exclude(industry=None).first())
    _check_enterprise_saves_unchanged(page, "town01_cmd", e)


def test_the_enterprise_form_saves_unchanged_as_the_enterprise(page, demo_data):
    e = Membership.objects.get(user__username="town01_ent1", role=Role.ENTERPRISE).enterprise
    e = _prepare_enterprise(e)
    _check_enterprise_saves_unchanged(page, "town01_ent1", e)


def _editable_filing() -> tuple[Filing, str]:
    """A filing its enterprise may still edit, with dates and numbers filled in, and the user
    name of that enterprise."""
    for m in Membership.objects.filter(role=Role.ENTERPRISE, is_active=True).select_related(
        "user", "enterprise"
    ):
        filing = Filing.objects.filter(enterprise=m.enterprise, status__in=EDITABLE).first()
        if filing is None and not (
            resumption_services.valid_filing(m.enterprise)
            or resumption_services.open_filing(m.enterprise)
        ):
            filing = resumption_services.filing_create(actor=m.user, enterprise=m.enterprise)
        if filing is not None:
            break
    else:
        raise AssertionError("no enterprise user can edit a filing")
    Filing.objects.filter(pk=filing.pk).update(
        planned_date=timezone.localdate() + datetime.timedelta(days=10),
        masks=1234,
        alcohol_litres=Decimal("12.5"),
        disinfectant_litres=Decimal("1000.5"),
        staff_local=11,
        staff_other_province=3,
        dormitory_per_room=4,
    )
    return Filing.objects.get(pk=filing.pk), m.user.username


def test_the_filing_application_saves_unchanged(page, demo_data):
    filing, username = _editable_filing()
    before = snapshot(filing)
    log_in(page, username)
    page.goto(f"/resumption/{filing.pk}/edit/")
    assert page.locator("input[name=planned_date]").input_value() == (
        filing.planned_date.isoformat()
    )
    with page.expect_navigation():
        page.get_by_test_id("save").click()
    assert page.url.endswith(f"/resumption/{filing.pk}/"), page.content()
    assert changed(before, snapshot(filing)) == {}


def _town() -> Jurisdiction:
    return Membership.objects.get(user__username="town01_cmd", role=Role.COMMAND).jurisdiction


def test_the_resumption_rules_save_unchanged(page, demo_data):
    me = User.objects.get(username="town01_cmd")
    town = _town()
    resumption_services.rule_set(
        actor=me,
        jurisdiction=town,
        code=RuleCode.EARLIEST_DATE,
        enabled=True,
        params={"date": "2026-02-10", "early_needs_county": True},
    )
    before = resumption_policy.rules_for(town)
    log_in(page, "town01_cmd")
    for setting in before:
        page.goto(f"/resumption/settings/?jurisdiction={town.pk}")
        form = page.locator(f"li[data-rule='{setting.code}'] form")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert page.get_by_test_id("form-error").count() == 0, page.content()
    assert resumption_policy.rules_for(town) == before


def test_the_statistics_settings_save_unchanged(page, demo_data):
    me = User.objects.get(username="town01_cmd")
    town = _town()
    setting = stats_services.setting_set(
        actor=me,
        node=town,
        rate_denominator=Denominator.values[-1],
        report_deadline=datetime.time(11, 45),
    )
    before = snapshot(setting)
    log_in(page, "town01_cmd")
    page.goto(f"/stats/settings/?jurisdiction={town.pk}")
    assert page.locator("input[name=report_deadline]").input_value() == "11:45"
    with page.expect_navigation():
        page.get_by_test_id("settings-form").locator("button[type=submit]").click()
    assert page.get_by_test_id("form-error").count() == 0, page.content()
    assert changed(before, snapshot(StatsSetting.objects.get(pk=setting.pk))) == {}
