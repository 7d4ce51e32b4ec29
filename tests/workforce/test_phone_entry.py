"""The check-in by phone from the enterprise's QR code (issue 13 point 4): a one-time code by
SMS (through a fake gateway on 127.0.0.1), the same answer for a number not on the roster, a
code spent after 5 wrong tries, at most one code a minute, a forged QR code 404, and the
check-in once the phone is proved."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.utils import timezone
from stdnum.cn import ric

from fugong.core.errors import UserError
from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import phone_entry, services
from fugong.workforce.choices import Origin, WorkStatus
from fugong.workforce.models import CheckIn

_built, world = world_fixtures(build_casts, scope="module")


def number(i: int) -> str:
    body = f"420106{1980 + i % 20}0303{i:03d}"
    return body + ric.calc_check_digit(body + "0")


def hire(c, i, phone):
    return services.employee_create(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        name=f"扫码{i}",
        id_number=number(i),
        phone=phone,
        origin=Origin.LOCAL,
        work_status=WorkStatus.AT_WORK,
    )


def test_a_code_by_text_message_proves_the_phone_and_checks_in(world, gateway, client):
    c = add_cast(world, "approval", "phone_entry")
    employee = hire(c, 1, "13700001111")
    code = phone_entry.enterprise_code(employee.enterprise)
    url = f"/workforce/c/{code}/"
    assert client.get(url).status_code == 200  # no account needed
    client.post(url, {"action": "send", "phone": "13700001111"})
    [sent] = gateway.requests
    assert sent["json"]["template_id"] == "SMS_CODE_1" and sent["json"]["phone"] == "13700001111"
    otp = sent["json"]["params"]["code"]
    assert re.fullmatch(r"\d{6}", otp)
    client.post(url, {"action": "verify", "code": otp})
    page = client.get(url).content.decode()
    assert 'data-testid="proved"' in page and "扫*" in page  # the name masked
    client.post(url, {"action": "checkin", "temperature": "36.6", "location": "2"})
    assert CheckIn.objects.filter(employee=employee, day=timezone.localdate()).count() == 1
    # A forged enterprise code is no page.
    assert client.get(f"/workforce/c/{code[:-2]}xx/").status_code == 404


def test_a_number_off_the_roster_gets_the_same_answer_and_no_message(world, gateway):
    c = add_cast(world, "approval", "phone_entry_off")
    enterprise = c.enterprise.memberships.get().enterprise
    phone_entry.code_send(enterprise=enterprise, phone="13700009999")  # no error, no SMS
    assert gateway.requests == []
    with pytest.raises(UserError):
        phone_entry.code_check(enterprise=enterprise, phone="13700009999", code="000000")


def test_five_wrong_codes_spend_it_and_a_phone_waits_a_minute(world, gateway):
    c = add_cast(world, "approval", "phone_entry_tries")
    employee = hire(c, 2, "13700002222")
    enterprise = employee.enterprise
    phone_entry.code_send(enterprise=enterprise, phone="13700002222")
    otp = gateway.requests[-1]["json"]["params"]["code"]
    with pytest.raises(UserError) as wait:
        phone_entry.code_send(enterprise=enterprise, phone="13700002222")
    assert wait.value.code == "wait"
    wrong = "000000" if otp != "000000" else "111111"
    for _try in range(5):
        with pytest.raises(UserError):
            phone_entry.code_check(enterprise=enterprise, phone="13700002222", code=wrong)
    with pytest.raises(UserError):  # spent: even the right code no longer works
        phone_entry.code_check(enterprise=enterprise, phone="13700002222", code=otp)
    with pytest.raises(UserError):
        phone_entry.code_send(enterprise=enterprise, phone="12345")


def test_without_the_sms_code_template_it_says_to_sign_in(world):
    c = add_cast(world, "approval", "phone_entry_none")
    with (
        override_settings(FUGONG_SMS_URL="", FUGONG_SMS_CODE_TEMPLATE=""),
        pytest.raises(UserError) as off,
    ):
        phone_entry.code_send(
            enterprise=c.enterprise.memberships.get().enterprise, phone="13700003333"
        )
    assert off.value.code == "off"
