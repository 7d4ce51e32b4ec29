"""Passes (出入证, issue 13 point 3, seed 004): requested by the enterprise for a person who
may work; issued at once, or after the grid chief's approval where the origin rule asks for
it (省内市外: "隔离期满后由所属各级网格长审批签发出入证"); numbered by the town that issues
them (core numbering); shown as a QR code holding a signed code; checked at the gate, which
sees valid / not valid / revoked and the minimum (a masked name, the enterprise, the dates);
revoked by hand, or by ``revoke_for`` (an abnormal check-in, when check-ins come)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import active_memberships
from fugong.core import numbering
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.scope import scoped
from fugong.core.tree import ancestor_paths
from fugong.notifications.services import event_raise
from fugong.workforce import rules, services
from fugong.workforce.choices import Measure, PassStatus
from fugong.workforce.events import PASS_REQUESTED
from fugong.workforce.models import Employee, Pass

PASS = "workforce.pass"
VALID_DAYS = 30
SALT = "fugong.workforce.pass"
TOWN_DEPTH = 3


def _town(enterprise) -> Jurisdiction:
    """The town or street above the enterprise's place (it issues the passes)."""
    above = ancestor_paths(enterprise.jurisdiction)
    path = above[min(TOWN_DEPTH, len(above) - 1)]
    return Jurisdiction.objects.filter(path=path).first() or enterprise.jurisdiction


def _issue(p: Pass, *, actor, approver=None) -> Pass:
    employee = p.employee
    place = _town(employee.enterprise)
    now = timezone.now()
    year = timezone.localtime(now).year
    sequence = numbering.take(PASS, place, year)
    start = max(employee.may_work_from or timezone.localdate(), timezone.localdate())
    return audited_update(
        p,
        actor=actor,
        reason=_("Pass issued"),
        status=PassStatus.VALID,
        jurisdiction=place,
        year=year,
        sequence=sequence,
        number=numbering.format_number(f"{place.name[:2]}出入证", year, sequence),
        valid_from=start,
        valid_until=start + datetime.timedelta(days=VALID_DAYS),
        approved_by=approver,
        issued_at=now,
    )


@transaction.atomic
def live(employee: Employee):
    """The person's passes that are waiting or valid and not expired: while there is one,
    no other is requested (an expired pass does not stand in the way of the next)."""
    today = timezone.localdate()
    return employee.passes.exclude(status=PassStatus.REVOKED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def pass_request(*, actor, employee: Employee) -> Pass:
    """The enterprise asks a pass for ``employee``: issued now, or waiting for the grid chief
    where the person's origin rule asks for the approval; refused while the return is
    deferred or while the person has a pass."""
    if not services.may_keep_roster(actor, employee.enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    if live(employee).exists():
        raise UserError(_("%(name)s has a pass already.") % {"name": employee.person.name})
    assessment = rules.RuleBook().assess(
        path=employee.enterprise.jurisdiction.path,
        origin=employee.origin,
        region=employee.origin_region,
        returns=employee.planned_return,
    )
    if assessment.measure == Measure.DEFER:
        raise UserError(
            _("%(name)s's return is deferred (%(why)s): no pass until the rule allows it.")
            % {"name": employee.person.name, "why": assessment.reason},
            code="deferred",
        )
    p = audited_create(Pass, actor=actor, reason=_("Pass requested"), employee=employee)
    if not assessment.needs_approval:
        return _issue(p, actor=actor)
    # The grid chief and the 包保 cadres learn of it (inbox, and email where they chose it).
    event_raise(
        kind=PASS_REQUESTED,
        subject=p,
        actor=actor,
        params={"enterprise": employee.enterprise.name},
        dedup_key=f"pass-requested:{p.pk}",
    )
    return p


def may_oversee(user, employee: Employee) -> bool:
    """A grid chief, cadre or command office whose scope holds the person (sees and revokes
    their passes)."""
    if user.is_superuser:
        return True
    roles = {m.role for m in active_memberships(user)}
    if not roles & {Role.CADRE, Role.COMMAND, Role.PLATFORM_ADMIN}:
        return False
    return scoped(Employee.objects.filter(pk=employee.pk), user).exists()


def _may_approve(user, p: Pass) -> bool:
    """A grid chief or cadre (or the command office) whose scope holds the enterprise."""
    roles = {m.role for m in active_memberships(user)}
    if not roles & {Role.CADRE, Role.COMMAND, Role.PLATFORM_ADMIN} and not user.is_superuser:
        return False
    return scoped(Pass.objects.filter(pk=p.pk), user).exists()


def approvals(user):
    """The requests waiting for this user's approval."""
    roles = {m.role for m in active_memberships(user)}
    if not roles & {Role.CADRE, Role.COMMAND, Role.PLATFORM_ADMIN} and not user.is_superuser:
        return Pass.objects.none()
    return (
        scoped(Pass.objects.filter(status=PassStatus.PENDING), user)
        .select_related("employee__person", "employee__enterprise")
        .order_by("created_at")
    )


@transaction.atomic
def pass_approve(*, actor, p: Pass) -> Pass:
    p = Pass.objects.select_for_update().select_related("employee__enterprise").get(pk=p.pk)
    if not _may_approve(actor, p):
        raise NotAllowed(_("The grid chief of the enterprise's grid approves its passes."))
    if p.status != PassStatus.PENDING:
        raise UserError(_("This pass is not waiting for approval."), code="not_pending")
    return _issue(p, actor=actor, approver=actor)


@transaction.atomic
def pass_revoke(*, actor, p: Pass, reason: str) -> Pass:
    p = Pass.objects.select_for_update().select_related("employee__enterprise").get(pk=p.pk)
    if not (
        services.may_keep_roster(actor, p.employee.enterprise) or may_oversee(actor, p.employee)
    ):
        raise NotAllowed(_("Only the enterprise or its grid chief revokes its passes."))
    reason = " ".join(str(reason or "").split())[:200]
    if not reason:
        raise UserError(_("Say why the pass is revoked."), code="reason")
    if p.status == PassStatus.REVOKED:
        return p
    return audited_update(
        p,
        actor=actor,
        reason=reason,
        status=PassStatus.REVOKED,
        revoked_at=timezone.now(),
        revoked_reason=reason,
    )


def revoke_for(employee: Employee, reason: str) -> int:
    """Revoke the person's passes at once, as the system (an abnormal check-in)."""
    live = list(employee.passes.exclude(status=PassStatus.REVOKED))
    for p in live:
        audited_update(
            p,
            actor=None,
            reason=reason[:200],
            status=PassStatus.REVOKED,
            revoked_at=timezone.now(),
            revoked_reason=reason[:200],
        )
    return len(live)


# -- the QR code and the gate ------------------------------------------------------------------
def signed_code(p: Pass) -> str:
    return signing.Signer(salt=SALT).sign(p.token)


def check_code(p: Pass) -> str:
    """Six characters printed under the QR code: with the number, what a guard types when
    the code cannot be scanned (a number alone, given in order, is easy to guess)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), p.token.encode(), hashlib.sha256)
    return digest.hexdigest()[:6].upper()


@dataclass(frozen=True)
class GateResult:
    state: str  # valid, not_yet, expired, revoked, pending, elsewhere, unknown, forged
    message: str
    name: str = ""
    enterprise: str = ""
    number: str = ""
    valid_until: datetime.date | None = None


def masked_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _find(code: str) -> Pass | None | str:
    """The pass a scanned or typed code names: the signed code (alone or in the QR code's
    address), or a pass number typed with its check code; "forged" for a code whose signature
    is wrong, "uncoded" for a number typed alone."""
    text = (code or "").strip()[:500]
    if "code=" in text:
        text = urllib.parse.parse_qs(urllib.parse.urlsplit(text).query).get("code", [""])[0]
    if ":" in text:
        try:
            token = signing.Signer(salt=SALT).unsign(text)
        except signing.BadSignature:
            return "forged"
        return (
            Pass.objects.select_related("employee__person", "employee__enterprise")
            .filter(token=token)
            .first()
        )
    parts = text.split()
    if len(parts) < 2:
        return "uncoded"
    found = (
        Pass.objects.select_related("employee__person", "employee__enterprise")
        .filter(number="".join(parts[:-1]))
        .first()
    )
    if found is None or not hmac.compare_digest(check_code(found), parts[-1].upper()):
        return None
    return found


def gate_check(*, actor, code: str, day: datetime.date | None = None) -> GateResult:
    """What the gate sees for a scanned or typed code: the actor's gate is their enterprise's
    (an enterprise user) or the places they oversee (a cadre, a command office)."""
    day = day or timezone.localdate()
    found = _find(code)
    if found == "forged":
        return GateResult("forged", _("Not a pass issued by this platform (its code is forged)."))
    if found == "uncoded":
        return GateResult(
            "unknown", _("Type the pass number and its check code, or scan its QR code.")
        )
    # An unknown pass and another enterprise's get the same answer (nothing to learn).
    nothing = _("No such pass at this gate.")
    if found is None:
        return GateResult("unknown", nothing)
    p = found
    mine = services.roster_enterprises(actor, own_only=True).filter(pk=p.employee.enterprise_id)
    if not mine.exists() and not scoped(Pass.objects.filter(pk=p.pk), actor).exists():
        return GateResult("elsewhere", nothing)
    shown = {
        "name": masked_name(p.employee.person.name),
        "enterprise": p.employee.enterprise.name,
        "number": p.number,
        "valid_until": p.valid_until,
    }
    if p.status == PassStatus.REVOKED:
        return GateResult("revoked", _("Revoked: %(why)s") % {"why": p.revoked_reason}, **shown)
    if p.status == PassStatus.PENDING:
        return GateResult("pending", _("Not valid yet: waiting for the grid chief."), **shown)
    if p.valid_from and day < p.valid_from:
        return GateResult(
            "not_yet", _("Not valid before %(day)s.") % {"day": p.valid_from}, **shown
        )
    if p.valid_until and day > p.valid_until:
        return GateResult("expired", _("Expired on %(day)s.") % {"day": p.valid_until}, **shown)
    return GateResult("valid", _("Valid."), **shown)
