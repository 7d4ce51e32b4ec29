"""The check-in by phone (issue 13 point 4): the enterprise prints a QR code (its check-in
address, signed); an employee opens it on a phone, types their phone number, receives a
one-time code by SMS and checks in. The answer to a number is the same whether it is on the
roster or not (nobody learns who works there); a code lives 10 minutes and takes 5 tries; a
phone gets at most one code a minute and five an hour. The codes are kept hashed, in the
cache (shared Redis in production)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from fugong.core.crypto import lookup_hash
from fugong.core.errors import UserError
from fugong.enterprises.models import Enterprise
from fugong.notifications.services import SendFailed, sms_send
from fugong.workforce import services
from fugong.workforce.models import Employee

SALT = "fugong.workforce.checkin-entry"
LIFETIME = 600  # seconds a code lives
TRIES = 5
PER_HOUR = 5


def enterprise_code(enterprise) -> str:
    return signing.Signer(salt=SALT).sign(str(enterprise.pk))


def enterprise_from(code: str) -> Enterprise | None:
    try:
        pk = signing.Signer(salt=SALT).unsign(str(code)[:100])
    except signing.BadSignature:
        return None
    return Enterprise.objects.filter(pk=pk).first() if pk.isdigit() else None


def _phone(value: str) -> str:
    phone = "".join(str(value or "").split())
    if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        raise UserError(_("Enter your 11-digit mobile number."), code="phone")
    return phone


def _digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def code_send(*, enterprise, phone: str) -> None:
    """Send a one-time code if the number is on the enterprise's roster (the same answer
    either way); refused when the phone asked too often."""
    if not settings.FUGONG_SMS_URL or not settings.FUGONG_SMS_CODE_TEMPLATE:
        raise UserError(
            _("Check-in by text message is not set up here: sign in with your account."),
            code="off",
        )
    phone = _phone(phone)
    digest = lookup_hash(phone, services.PHONE_PURPOSE)
    if not cache.add(f"otp:minute:{digest}", 1, 60):
        raise UserError(_("A code was sent less than a minute ago: wait for it."), code="wait")
    hour = f"otp:hour:{digest}"
    cache.add(hour, 0, 3600)
    if cache.incr(hour) > PER_HOUR:
        raise UserError(_("Too many codes for this number: try again in an hour."), code="wait")
    on_roster = Employee.objects.filter(enterprise=enterprise, phone_hash=digest).exists()
    if not on_roster:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(f"otp:{enterprise.pk}:{digest}", {"code": _digest(code), "tries": 0}, LIFETIME)
    try:
        sms_send(phone, settings.FUGONG_SMS_CODE_TEMPLATE, {"code": code})
    except SendFailed as exc:
        raise UserError(_("The text message could not be sent: try again."), code="sms") from exc


def code_check(*, enterprise, phone: str, code: str) -> Employee:
    """The roster entry the phone and its code prove, or a UserError (the code is spent
    after 5 wrong tries)."""
    phone = _phone(phone)
    digest = lookup_hash(phone, services.PHONE_PURPOSE)
    key = f"otp:{enterprise.pk}:{digest}"
    entry = cache.get(key)
    wrong = UserError(_("The code is wrong or has expired."), code="code")
    if entry is None:
        raise wrong
    if not hmac.compare_digest(entry["code"], _digest(str(code or "").strip())):
        entry["tries"] += 1
        if entry["tries"] >= TRIES:
            cache.delete(key)
        else:
            cache.set(key, entry, LIFETIME)
        raise wrong
    cache.delete(key)
    employee = (
        Employee.objects.filter(enterprise=enterprise, phone_hash=digest)
        .select_related("person", "enterprise")
        .first()
    )
    if employee is None:
        raise wrong
    return employee
