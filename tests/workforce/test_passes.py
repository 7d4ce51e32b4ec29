"""Passes (出入证, issue 13 point 3): issued at once where the rule asks nothing more, after
the grid chief's approval where it does, refused while the return is deferred; numbered by
the town; the gate sees valid / not valid / revoked with the minimum of data; a forged code,
another enterprise's pass and a revoked one are not valid."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from stdnum.cn import ric

from fugong.core.errors import NotAllowed, UserError
from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import passes, services
from fugong.workforce.choices import Origin, PassStatus

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()


def number(i: int) -> str:
    body = f"360102{1975 + i % 25}0909{i:03d}"
    return body + ric.calc_check_digit(body + "0")


def hire(c, i, origin, returns=None):
    return services.employee_create(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        name=f"通行{i}",
        id_number=number(i),
        origin=origin,
        planned_return=returns or TODAY,
    )


def test_a_pass_is_issued_at_once_or_after_the_grid_chief_and_numbered_by_the_town(
    world, county_rules
):
    c = add_cast(world, "approval", "pass_issue")
    local = hire(c, 1, Origin.LOCAL)
    p = passes.pass_request(actor=c.enterprise, employee=local)
    assert p.status == PassStatus.VALID and "出入证〔" in p.number and p.valid_from == TODAY
    assert p.valid_until == TODAY + datetime.timedelta(days=passes.VALID_DAYS)
    with pytest.raises(UserError):
        passes.pass_request(actor=c.enterprise, employee=local)  # one live pass a person
    # 省内市外: isolated 14 days, the grid chief approves; valid from the first working day.
    province = hire(c, 2, Origin.PROVINCE)
    waiting = passes.pass_request(actor=c.enterprise, employee=province)
    assert waiting.status == PassStatus.PENDING and waiting.number == ""
    assert waiting in passes.approvals(c.inspector)  # the enterprise's 包保 cadre
    other_cadre = add_cast(world, "record", "pass_issue_other").inspector
    assert waiting not in passes.approvals(other_cadre)
    with pytest.raises(NotAllowed):
        passes.pass_approve(actor=other_cadre, p=waiting)
    with pytest.raises(NotAllowed):
        passes.pass_approve(actor=c.enterprise, p=waiting)
    issued = passes.pass_approve(actor=c.inspector, p=waiting)
    assert issued.status == PassStatus.VALID and issued.approved_by == c.inspector
    assert issued.valid_from == TODAY + datetime.timedelta(days=14)
    assert issued.sequence == p.sequence + 1 and issued.jurisdiction == p.jurisdiction
    # 省外: deferred, no pass.
    far = hire(c, 3, Origin.OUT_OF_PROVINCE)
    with pytest.raises(UserError) as deferred:
        passes.pass_request(actor=c.enterprise, employee=far)
    assert deferred.value.code == "deferred"


def test_the_gate_sees_valid_or_why_not_with_the_minimum(world, county_rules):
    c = add_cast(world, "approval", "pass_gate")
    p = passes.pass_request(actor=c.enterprise, employee=hire(c, 4, Origin.LOCAL))
    code = passes.signed_code(p)
    seen = passes.gate_check(actor=c.enterprise, code=code)
    assert seen.state == "valid" and seen.name == "通**" and seen.number == p.number
    assert "360102" not in str(seen)  # no ID number at the gate
    # The QR code's whole address, or the number typed, work the same.
    url = f"https://fugong.example.gov.cn/workforce/gate/?code={code}"
    assert passes.gate_check(actor=c.enterprise, code=url).state == "valid"
    # A number typed alone is not enough (numbers go in order): with its check code it is.
    assert passes.gate_check(actor=c.enterprise, code=p.number).state == "unknown"
    typed = f"{p.number} {passes.check_code(p).lower()}"
    assert passes.gate_check(actor=c.enterprise, code=typed).state == "valid"
    assert passes.gate_check(actor=c.enterprise, code=f"{p.number} ABCDEF").state == "unknown"
    forged = code[:-3] + ("abc" if not code.endswith("abc") else "xyz")
    assert passes.gate_check(actor=c.enterprise, code=forged).state == "forged"
    assert passes.gate_check(actor=c.enterprise, code=p.token).state == "unknown"  # unsigned
    assert passes.gate_check(actor=c.enterprise, code="x" * 5000).state == "unknown"
    # Another enterprise's gate: not valid here, and nothing about the person.
    other = add_cast(world, "approval", "pass_gate_other")
    elsewhere = passes.gate_check(actor=other.enterprise, code=code)
    assert elsewhere.state == "elsewhere" and elsewhere.name == ""
    # The same words as for no such pass: the other gate learns nothing.
    assert (
        elsewhere.message
        == passes.gate_check(actor=other.enterprise, code=f"{p.number} 000000").message
    )
    # Before its first day, after its last.
    assert (
        passes.gate_check(
            actor=c.enterprise, code=code, day=p.valid_until + datetime.timedelta(days=1)
        ).state
        == "expired"
    )
    # Revoked by hand, with the reason; or by the system (an abnormal check-in).
    with pytest.raises(UserError):
        passes.pass_revoke(actor=c.enterprise, p=p, reason=" ")
    passes.pass_revoke(actor=c.enterprise, p=p, reason="离职")
    revoked = passes.gate_check(actor=c.enterprise, code=code)
    assert revoked.state == "revoked" and "离职" in revoked.message
    second = passes.pass_request(actor=c.enterprise, employee=p.employee)
    assert passes.revoke_for(p.employee, "体温异常 37.8") == 1
    second.refresh_from_db()
    assert second.status == PassStatus.REVOKED


def test_the_pass_pages(world, county_rules, client):
    c = add_cast(world, "approval", "pass_pages")
    employee = hire(c, 5, Origin.PROVINCE)
    client.force_login(c.enterprise)
    client.post(f"/workforce/{employee.pk}/pass/", {"action": "request"})
    page = client.get(f"/workforce/{employee.pk}/pass/").content.decode()
    assert "网格长" in page and "<svg" not in page  # waiting: no QR yet
    client.force_login(c.inspector)
    approvals = client.get("/workforce/passes/approvals/").content.decode()
    assert employee.person.name in approvals
    waiting = employee.passes.get()
    assert client.post("/workforce/passes/approvals/", {"pass": waiting.pk}).status_code == 302
    client.force_login(c.enterprise)
    page = client.get(f"/workforce/{employee.pk}/pass/").content.decode()
    assert "<svg" in page  # the QR code of the gate's address with the signed code
    gate = client.get("/workforce/gate/", {"code": passes.signed_code(waiting)}).content.decode()
    assert 'data-state="not_yet"' in gate  # valid from the end of the isolation
    other = add_cast(world, "approval", "pass_pages_other")
    client.force_login(other.enterprise)
    assert client.get(f"/workforce/{employee.pk}/pass/").status_code == 404
    assert client.post("/workforce/passes/approvals/", {"pass": waiting.pk}).status_code == 404


def test_the_grid_chief_is_told_of_a_request_and_finds_it_in_my_work(
    world, county_rules, django_capture_on_commit_callbacks
):
    from fugong.core.work import work_for
    from fugong.notifications.models import Message

    c = add_cast(world, "approval", "pass_told")
    employee = hire(c, 6, Origin.PROVINCE)
    with django_capture_on_commit_callbacks(execute=True):
        p = passes.pass_request(actor=c.enterprise, employee=employee)
    told = Message.objects.filter(kind="workforce.pass_requested", event__subject_id=p.pk)
    assert set(told.values_list("user_id", flat=True)) == {c.inspector.pk}
    assert c.enterprise.memberships.get().enterprise.name in str(told.first().params)
    groups = {g.source.name: g for g in work_for(c.inspector)}
    assert groups["workforce.passes_to_approve"].total >= 1
    passes.pass_approve(actor=c.inspector, p=p)
    groups = {g.source.name: g for g in work_for(c.inspector)}
    assert "workforce.passes_to_approve" not in groups or all(
        item.title != employee.enterprise.name
        for item in groups["workforce.passes_to_approve"].items
    )


def test_the_grid_chief_sees_and_revokes_a_pass_but_does_not_request_one(
    world, county_rules, client
):
    c = add_cast(world, "approval", "pass_chief")
    employee = hire(c, 7, Origin.LOCAL)
    p = passes.pass_request(actor=c.enterprise, employee=employee)
    client.force_login(c.inspector)
    page = client.get(f"/workforce/{employee.pk}/pass/").content.decode()
    assert 'data-testid="pass-request"' not in page and 'data-testid="pass-check"' in page
    client.post(
        f"/workforce/{employee.pk}/pass/", {"action": "revoke", "pass": p.pk, "reason": "复核"}
    )
    p.refresh_from_db()
    assert p.status == PassStatus.REVOKED and p.revoked_reason == "复核"


def test_an_expired_pass_does_not_stand_in_the_way_and_the_button_follows(
    world, county_rules, client
):
    c = add_cast(world, "approval", "pass_expired")
    employee = hire(c, 9, Origin.LOCAL)
    client.force_login(c.enterprise)
    page = client.get(f"/workforce/{employee.pk}/pass/").content.decode()
    assert 'data-testid="pass-request"' in page  # no pass yet: the button
    first = passes.pass_request(actor=c.enterprise, employee=employee)
    page = client.get(f"/workforce/{employee.pk}/pass/").content.decode()
    assert 'data-testid="pass-request"' not in page  # a live pass: no button
    with pytest.raises(UserError):
        passes.pass_request(actor=c.enterprise, employee=employee)
    # Its last day passed: the next one may be requested.
    type(first).objects.filter(pk=first.pk).update(
        valid_from=TODAY - datetime.timedelta(days=40),
        valid_until=TODAY - datetime.timedelta(days=10),
    )
    page = client.get(f"/workforce/{employee.pk}/pass/").content.decode()
    assert 'data-testid="pass-request"' in page
    second = passes.pass_request(actor=c.enterprise, employee=employee)
    assert second.status == PassStatus.VALID and second.pk != first.pk
