"""Every write to a filing: create, edit, attach, submit, the review transitions, the on-site
acceptance, approval and the numbered notice. Each transition locks the filing's row, checks
the state and the actor, records an event and an audit row (Saleor's order actions)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import command_jurisdictions
from fugong.core import numbering
from fugong.core.audit import audited_create, audited_update, record, snapshot
from fugong.core.calendar import add_working_days
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.files import clean_upload
from fugong.core.models import AuditAction
from fugong.core.orphans import save_upload
from fugong.core.scope import scoped
from fugong.enterprises import rules as enterprise_rules
from fugong.enterprises.choices import Category, Ledger, Tier
from fugong.enterprises.models import Enterprise, Park
from fugong.enterprises.services import enterprise_routes_bulk_add
from fugong.inspections import checklists
from fugong.inspections.checklists import Answer
from fugong.inspections.models import ChecklistTemplate, ItemKind
from fugong.resumption import checks, policy, workflow
from fugong.resumption.choices import (
    CLOSED,
    EDITABLE,
    VALID,
    AttachmentKind,
    Mode,
)
from fugong.resumption.models import (
    APPLICATION_FIELDS,
    Acceptance,
    AcceptanceAnswer,
    Filing,
    FilingAttachment,
    FilingGroup,
    FilingRule,
    FilingVersion,
    Notice,
    ResumptionPolicy,
)
from fugong.stats.locks import check_resumption_date

ATTACHMENT_TYPES = ("pdf", "docx", "xlsx", "jpg", "png")
ABOVE_SIZE = {Category.INDUSTRY_ABOVE, Category.TRADE_ABOVE, Category.HOSPITALITY_ABOVE,
              Category.SERVICES_ABOVE}  # fmt: skip
CULTIVATED = {Tier.MAJOR, Tier.HIGH_GROWTH, Tier.KEY_SUPPORT}


def attachments_sentence(kinds: list[str]) -> str:
    """What to attach, by name: "Attach before submitting: 复工疫情防控实施方案、承诺书." """
    names = "、".join(str(AttachmentKind(kind).label) for kind in kinds)
    return _("Attach before submitting: %(files)s.") % {"files": names}


class RulesFailed(UserError):
    """The application breaks one or more rules; ``results`` says which and why. Files the
    mode asks for and that are missing (``attachments``) are named in the same message."""

    code = "rules_failed"
    status = 422

    def __init__(self, results: list[dict], attachments: list[str] | None = None):
        failed = checks.failed(results)
        message = _(
            "The filing was not submitted: %(n)s rule(s) not met. Fix them and submit again."
        ) % {"n": len(failed)}
        if attachments:
            message += " " + attachments_sentence(attachments)
        super().__init__(message)
        self.results = results
        self.extra = {
            "rules": [{**r, "message": checks.describe(r)} for r in results],
            "missing_attachments": list(attachments or []),
        }


class AttachmentsMissing(UserError):
    """The mode asks for files the filing does not have (policy.required_attachments)."""

    code = "attachments_missing"
    status = 422

    def __init__(self, attachments: list[str], results: list[dict] | None = None):
        super().__init__(
            _("The filing was not submitted.") + " " + attachments_sentence(attachments)
        )
        self.attachments = attachments
        self.results = results or []
        self.extra = {
            "rules": [{**r, "message": checks.describe(r)} for r in self.results],
            "missing_attachments": list(attachments),
        }


# --- helpers ---------------------------------------------------------------------------------


def priority_score(
    filing: Filing,
    weights: dict,
    results: list[dict] | None = None,
    *,
    has_roster: bool | None = None,
) -> int:
    """Seed 004's order: key enterprises, above-size, key cultivated, then readiness.
    ``has_roster``: whether a roster is attached, when the caller knows (else it is read)."""
    e = filing.enterprise
    staff = filing.returning_staff
    supplies_ok = all(
        r["outcome"] != checks.FAIL
        for r in (filing.rule_results if results is None else results)
        if r["code"] == "supplies"
    )
    if has_roster is None:
        has_roster = (
            filing.attachments.filter(kind=AttachmentKind.ROSTER).exists() if filing.pk else False
        )
    score = (
        weights["key"] * e.is_key
        + weights["above_size"] * (e.category in ABOVE_SIZE)
        + weights["cultivated"] * (e.tier in CULTIVATED)
        + weights["closed_management"] * e.closed_management
        + weights["supplies"] * (supplies_ok and filing.masks > 0)
        + weights["staff_known"] * has_roster
        + weights["orders"] * filing.has_orders
        + weights["local_share"] * (filing.staff_local / staff if staff else 0)
    )
    return round(score)


def _user(actor):
    """The acting user, or None for a system actor (demo data, management commands)."""
    return actor if getattr(actor, "pk", None) else None


def _locked(filing: Filing) -> Filing:
    return workflow.FILINGS.lock(filing)


_check_revision = workflow.FILINGS.check_revision
_event = workflow.filing_event


def _may_file_for(actor, enterprise: Enterprise) -> bool:
    probe = Filing(enterprise=enterprise, jurisdiction=enterprise.jurisdiction)
    return workflow.ENTERPRISE in workflow.actor_kinds(actor, probe)


def _clean_application(values: dict) -> dict:
    unknown = set(values) - set(APPLICATION_FIELDS)
    if unknown:
        raise UserError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    return values


# --- filing and editing ----------------------------------------------------------------------


def open_filing(enterprise: Enterprise) -> Filing | None:
    return enterprise.filings.exclude(status__in=CLOSED).order_by("-pk").first()


def valid_filing(enterprise: Enterprise) -> Filing | None:
    return enterprise.filings.filter(status__in=VALID).order_by("-pk").first()


@transaction.atomic
def filing_create(
    *, actor, enterprise: Enterprise, group: FilingGroup | None = None, **application
) -> Filing:
    """A draft filing under the mode in force today in the enterprise's jurisdiction."""
    if not _may_file_for(actor, enterprise):
        raise NotAllowed(_("Only the enterprise itself or its park operator can file for it."))
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()  # one at a time
    if valid := valid_filing(enterprise):
        raise UserError(
            _(
                "%(name)s already may resume (filing of %(date)s, %(status)s); it need not file again."
            )
            % {
                "name": enterprise.name,
                "date": f"{valid.created_at:%Y-%m-%d}",
                "status": valid.get_status_display(),
            },  # fmt: skip
            code="already_valid",
        )
    if current := open_filing(enterprise):
        raise UserError(
            _("%(name)s already has a filing in progress (%(status)s); continue that one.")
            % {"name": enterprise.name, "status": current.get_status_display()},
            code="already_open",
        )
    values = {
        "has_canteen": enterprise.has_canteen,
        "has_dormitory": enterprise.has_dormitory,
        "has_commuter_bus": enterprise.has_commuter_bus,
        "has_isolation_room": enterprise.has_isolation_room,
        **_clean_application(application),
    }
    filing = audited_create(
        Filing,
        actor=actor,
        enterprise=enterprise,
        jurisdiction=enterprise.jurisdiction,
        group=group,
        mode=policy.policy_for(enterprise.jurisdiction).mode,
        created_by=_user(actor),
        **values,
    )
    _event(filing, actor=actor, action="create", before="")
    return filing


@transaction.atomic
def filing_update(*, actor, filing: Filing, revision: int | None = None, **application) -> Filing:
    filing = _locked(filing)
    _check_revision(filing, revision)
    if workflow.ENTERPRISE not in workflow.actor_kinds(actor, filing):
        raise NotAllowed(
            _("Only the enterprise itself or its park operator can change its filing.")
        )
    if filing.status not in EDITABLE:
        raise Conflict(
            _("A filing that is “%(status)s” cannot be changed.")
            % {"status": filing.get_status_display()}
        )
    changes = _clean_application(application)
    if any(getattr(filing, k) != v for k, v in changes.items()):
        changes["revision"] = filing.revision + 1
    return audited_update(filing, actor=actor, **changes)


@transaction.atomic
def attachment_add(*, actor, filing: Filing, kind: str, upload) -> FilingAttachment:
    filing = _locked(filing)
    kinds = workflow.actor_kinds(actor, filing)
    if workflow.ENTERPRISE not in kinds:
        raise NotAllowed(_("Only the enterprise itself or its park operator can attach files."))
    if not workflow.may_change(actor, filing, kinds):
        raise Conflict(
            _("Files cannot be added to a filing that is “%(status)s”.")
            % {"status": filing.get_status_display()}
        )
    if kind not in AttachmentKind.values:
        raise UserError(_("Choose what the file is: plan, roster, commitment letter or bus list."))
    clean = clean_upload(upload, allowed=ATTACHMENT_TYPES, prefix=kind)
    attachment = FilingAttachment(
        filing=filing,
        kind=kind,
        filename=clean.filename,
        content_type=clean.kind,
        size=clean.size,
        uploaded_by=_user(actor),
    )
    save_upload(attachment.file, clean.content.name, clean.content)
    attachment.save()
    Filing.objects.filter(pk=filing.pk).update(revision=filing.revision + 1)
    record(
        actor=actor,
        obj=attachment,
        action=AuditAction.CREATE,
        before=None,
        after=snapshot(attachment),
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment: FilingAttachment) -> None:
    filing = _locked(attachment.filing)
    if not workflow.may_change(actor, filing):
        raise NotAllowed(_("This file can no longer be removed."))
    record(
        actor=actor,
        obj=attachment,
        action=AuditAction.DELETE,
        before=snapshot(attachment),
        after=None,
    )
    if not filing.versions_count:  # a submitted version names the stored file: keep it
        attachment.file.delete(save=False)
    attachment.delete()
    Filing.objects.filter(pk=filing.pk).update(revision=filing.revision + 1)


# --- transitions -----------------------------------------------------------------------------


def _not_possible(filing: Filing, action: str) -> Conflict:
    return workflow.FILINGS.not_possible(filing, action)


def _transition(
    filing: Filing, *, actor, action: str, reason: str = "", revision: int | None = None, **changes
) -> Filing:
    """Inside a transaction with ``filing`` locked: check and apply one transition (the
    engine's step: revision, actor, reason, stage due date, audit and event rows)."""
    return workflow.FILINGS.apply(
        filing, actor=actor, action=action, reason=reason, revision=revision, locked=True,
        **changes,
    )  # fmt: skip


@transaction.atomic
def filing_transition(
    *, actor, filing: Filing, action: str, reason: str = "", revision: int | None = None
) -> Filing:
    """A transition without a form of its own (start review, return, reject, record, approve,
    withdraw). Submitting, scheduling, the acceptance and the notice have their services."""
    if action in workflow.FORM_ACTIONS or action == "issue_notice":
        raise UserError(_("This step has its own form."))
    filing = _locked(filing)
    changes: dict = {}
    if action == "return":
        changes["missing"] = [{"text": reason.strip()}] if reason.strip() else []
    filing = _transition(
        filing, actor=actor, action=action, reason=reason, revision=revision, **changes
    )
    if filing.status in VALID:
        _mark_enterprise(filing, actor=actor)
    return filing


def _mark_enterprise(
    filing: Filing,
    *,
    actor,
    resumed_on: datetime.date | None = None,
    returned_count: int | None = None,
) -> None:
    """Approval or recording puts the enterprise in the 'can resume' ledger; a confirmed
    resumption sets its date and the staff back (seed 003's ledgers): the number the person
    confirming gave, else the filing's returning staff."""
    enterprise = Enterprise.objects.select_for_update().get(pk=filing.enterprise_id)
    changes: dict = {}
    if enterprise.ledger not in (Ledger.NORMAL, Ledger.CAN_RESUME):
        changes["ledger"] = Ledger.CAN_RESUME
    if resumed_on:
        changes["resumed_on"] = resumed_on
        changes["returned_count"] = (
            filing.returning_staff if returned_count is None else returned_count
        )
        check_resumption_date(
            path=enterprise.jurisdiction.path, old=enterprise.resumed_on, new=resumed_on
        )
    if changes:
        audited_update(
            enterprise,
            actor=actor,
            reason=_("resumption filing #%(pk)s") % {"pk": filing.pk},
            **changes,
        )


def filing_submit(*, actor, filing: Filing, revision: int | None = None) -> Filing:
    """Check the rules and submit. A failed rule leaves the filing as it was (with the results
    saved, so its page shows them) and raises RulesFailed; in declaration mode nothing blocks
    and the filing is recorded at once."""
    with transaction.atomic():
        filing = _locked(filing)
        _check_revision(filing, revision)
        if workflow.ENTERPRISE not in workflow.actor_kinds(actor, filing):
            raise NotAllowed(
                _("Only the enterprise itself or its park operator can submit its filing.")
            )
        if workflow.transition_for("submit", mode=filing.mode, status=filing.status) is None:
            raise _not_possible(filing, "submit")  # before the rules: they must not be re-run
        results = checks.evaluate(filing, policy.rules_for(filing.jurisdiction))
        blocked = filing.mode != Mode.COMMITMENT and checks.failed(results)
        missing = policy.missing_attachments(filing)  # all at once, with the rules
        if blocked:
            Filing.objects.filter(pk=filing.pk).update(rule_results=results)
    if blocked:
        raise RulesFailed(results, missing)
    if missing:
        raise AttachmentsMissing(missing, results)
    with transaction.atomic():
        filing = _locked(filing)
        offices = policy.route(filing.enterprise, filing)
        now = timezone.now()
        number = filing.versions_count + 1
        filing = _transition(
            filing,
            actor=actor,
            action="submit",
            rule_results=results,
            needs_county_approval=checks.escalates(results),
            priority=priority_score(
                filing, policy.policy_for(filing.jurisdiction).weights, results
            ),
            submitted_at=now,
            versions_count=number,
            missing=[],
            lead_office=offices[0] if offices else None,
        )
        filing.routed_offices.add(*offices)
        enterprise_routes_bulk_add(
            actor=actor, routes={filing.enterprise: offices}, reason=_("resumption filing")
        )
        FilingVersion.objects.create(
            filing=filing,
            number=number,
            submitted_at=now,
            submitted_by=_user(actor),
            data=filing.application_data(),
            attachments=[
                {"kind": a.kind, "filename": a.filename, "file": a.file.name, "size": a.size}
                for a in filing.attachments.all()
            ],
            rule_results=results,
        )
        if filing.status in VALID:
            _mark_enterprise(filing, actor=actor)
        return filing


# --- on-site acceptance ----------------------------------------------------------------------


def acceptance_template() -> ChecklistTemplate:
    template = (
        ChecklistTemplate.objects.filter(kind="acceptance", is_active=True)
        .order_by("-version")
        .first()
    )
    if template is None:
        raise UserError(_("No on-site acceptance checklist is in use; ask the administrator."))
    return template


@transaction.atomic
def acceptance_schedule(
    *, actor, filing: Filing, date: datetime.date, inspector=None, revision: int | None = None
) -> Acceptance:
    filing = _locked(filing)
    if date < timezone.localdate():
        raise UserError(_("Choose today or a later day for the on-site acceptance."))
    if inspector is not None and workflow.INSPECTOR not in workflow.actor_kinds(inspector, filing):
        raise UserError(
            _(
                "%(name)s cannot inspect this enterprise: choose a member of a reviewing office, "
                "an assigned cadre or the chief of its grid."
            )
            % {"name": inspector.full_name or inspector.username}
        )
    filing = _transition(filing, actor=actor, action="schedule_acceptance", revision=revision)
    days = policy.policy_for(filing.jurisdiction).stage_days.get("acceptance_scheduled", 0)
    if filing.stage_due and filing.stage_due < add_working_days(date, int(days)):
        # The limit runs from the visit, not from the day it was booked.
        filing.stage_due = add_working_days(date, int(days))
        Filing.objects.filter(pk=filing.pk).update(stage_due=filing.stage_due)
    return audited_create(
        Acceptance,
        actor=actor,
        filing=filing,
        template=acceptance_template(),
        scheduled_for=date,
        scheduled_by=_user(actor),
        inspector=inspector,
    )


@transaction.atomic
def acceptance_record(
    *, actor, filing: Filing, answers: dict[int, Answer], opinion: str, revision: int | None = None
) -> Acceptance:
    """Record the checklist through the checklist engine (``inspections.checklists``): every
    required item must be answered and every required photo taken; the template's pass rule
    decides (the acceptance's: any failed item fails it), and all failed items are returned to
    the enterprise at once (一次性告知)."""
    filing = _locked(filing)
    _check_revision(filing, revision)
    acceptance = filing.acceptances.filter(performed_at__isnull=True).order_by("-pk").first()
    if acceptance is None:
        raise Conflict(_("No on-site acceptance is scheduled for this filing."))
    result = checklists.evaluate(acceptance.template, answers, enterprise=filing.enterprise)
    if not opinion.strip():
        result.problems.append(_("Write the inspector's opinion."))
    result.raise_problems()
    rows = [row for row in result.rows if row.applies]
    for row in rows:
        item, answer, photo = row.item, row.answer, row.photo
        stored = AcceptanceAnswer(
            acceptance=acceptance,
            item=item,
            value=answer.value if item.kind == ItemKind.CHECK else "",
            number=answer.number if answer.number not in ("", None) else None,
            text=answer.text.strip(),
        )
        if photo is not None:
            save_upload(stored.photo, photo.content.name, photo.content)
        stored.save()
    failed = result.failed
    passed = result.passed
    audited_update(
        acceptance,
        actor=actor,
        reason=_("%(n)s checklist items answered") % {"n": len(rows)},
        inspector=_user(actor),
        performed_at=timezone.now(),
        passed=passed,
        opinion=opinion.strip(),
    )
    _transition(
        filing,
        actor=actor,
        action="pass_acceptance" if passed else "fail_acceptance",
        reason=opinion.strip(),
        missing=failed,
    )
    return acceptance


# --- approval and notice ---------------------------------------------------------------------


def _notice_jurisdiction(filing: Filing):
    """The jurisdiction that numbers the notice: the county for early resumption, else the
    filing's town or street."""
    depth = 2 if filing.needs_county_approval else 3
    paths = policy.ancestor_paths(filing.jurisdiction)
    return Jurisdiction.objects.filter(path__in=paths, depth=depth).first() or filing.jurisdiction


NOTICE = "resumption.notice"  # the notices' kind in core's document counters


def next_notice_number(jurisdiction, year: int) -> int:
    """Take the next notice number for ``jurisdiction`` and ``year`` (core.numbering: a row
    lock, inside the transaction that creates the notice)."""
    return numbering.take(NOTICE, jurisdiction, year)


format_notice_number = numbering.format_number


@transaction.atomic
def notice_issue(*, actor, filing: Filing, revision: int | None = None) -> Notice:
    filing = _locked(filing)
    _transition(filing, actor=actor, action="issue_notice", revision=revision)
    where = _notice_jurisdiction(filing)
    now = timezone.now()
    year = timezone.localtime(now).year
    sequence = next_notice_number(where, year)
    prefix = policy.notice_prefix(where)
    notice = Notice.objects.create(
        filing=filing,
        number=format_notice_number(prefix, year, sequence),
        jurisdiction=where,
        year=year,
        sequence=sequence,
        issued_at=now,
        issued_by=_user(actor),
    )
    record(actor=actor, obj=notice, action=AuditAction.CREATE, before=None, after=snapshot(notice))
    return notice


@transaction.atomic
def notice_revoke(*, actor, notice: Notice, reason: str) -> Notice:
    """Revoke a notice (the public page says so at once). Its number stays used."""
    filing = _locked(notice.filing)
    if workflow.APPROVER not in workflow.actor_kinds(actor, filing):
        raise NotAllowed(_("Only the office that approves this filing can revoke its notice."))
    if not reason.strip():
        raise UserError(_("Give the reason for revoking the notice."), code="reason_required")
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.revoked:
        raise Conflict(_("This notice is already revoked."))
    return audited_update(
        notice,
        actor=actor,
        reason=reason.strip(),
        revoked=True,
        revoked_reason=reason.strip()[:200],
    )


@transaction.atomic
def filing_confirm_resumption(
    *, actor, filing: Filing, date: datetime.date, returned_count: int | None = None
) -> Filing:
    """The enterprise (or its cadre) confirms it has resumed, with the staff back at work; the
    ledger takes the date and that number (the filing's returning staff when none is given),
    under the registry's row rules."""
    filing = _locked(filing)
    kinds = workflow.actor_kinds(actor, filing)
    if not kinds & {workflow.ENTERPRISE, workflow.INSPECTOR, workflow.APPROVER}:
        raise NotAllowed(_("You may not confirm this enterprise's resumption."))
    if filing.status not in VALID:
        raise Conflict(_("Only a filing that lets the enterprise resume can be confirmed."))
    if date > timezone.localdate():
        raise UserError(_("The resumption date cannot be in the future."))
    # The registry's row rules, as on the enterprise's own form: the date's lower bound and
    # the staff back against the staff employed.
    employees = Enterprise.objects.get(pk=filing.enterprise_id).employee_count
    problems = enterprise_rules.row_problems(
        {"resumed_on": date, "returned_count": returned_count, "employee_count": employees},
        changed={"resumed_on"} | ({"returned_count"} if returned_count is not None else set()),
    )
    if "resumed_on" in problems:
        raise UserError(problems["resumed_on"])
    if "returned_count" in problems:
        raise UserError(
            problems["returned_count"]
            + " "
            + _("The enterprise employs %(n)s; give at most that many.") % {"n": employees}
        )
    filing = audited_update(filing, actor=actor, resumed_on=date, revision=filing.revision + 1)
    _event(filing, actor=actor, action="confirm_resumption", before=filing.status)
    _mark_enterprise(filing, actor=actor, resumed_on=date, returned_count=returned_count)
    return filing


# --- group filing ----------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *, actor, park: Park, enterprises: list[Enterprise], title: str = "", **application
) -> FilingGroup:
    """A park operator files for several tenants at once: one draft per tenant with the same
    application, each reviewed on its own. Tenants that may not file now are named."""
    if not scoped(Park.objects.filter(pk=park.pk), actor).exists():
        raise NotAllowed(_("You do not operate this park."))
    if not enterprises:
        raise UserError(_("Choose at least one tenant enterprise."))
    outside = [e.name for e in enterprises if e.park_id != park.pk]
    if outside:
        raise UserError(
            _("Not tenants of %(park)s: %(names)s.")
            % {"park": park.name, "names": "、".join(outside)}
        )
    group = audited_create(
        FilingGroup,
        actor=actor,
        park=park,
        created_by=_user(actor),
        title=title or _("%(park)s group filing") % {"park": park.name},
    )
    problems = []
    for enterprise in enterprises:
        try:
            with transaction.atomic():
                filing_create(actor=actor, enterprise=enterprise, group=group, **application)
        except UserError as exc:
            problems.append(exc.message)
    if problems:
        raise UserError(" ".join(problems), code="group_invalid")
    return group


def group_submit(*, actor, group: FilingGroup) -> dict[int, str]:
    """Submit every draft of the group; returns, per filing, '' or why it was not submitted."""
    outcome: dict[int, str] = {}
    for filing in group.filings.filter(status__in=EDITABLE).order_by("pk"):
        try:
            filing_submit(actor=actor, filing=filing)
            outcome[filing.pk] = ""
        except UserError as exc:
            outcome[filing.pk] = exc.message
    return outcome


# --- set-up by the command office ------------------------------------------------------------


def _check_commands(actor, jurisdiction) -> None:
    if not any(jurisdiction.path.startswith(j.path) for j in command_jurisdictions(actor)):
        raise NotAllowed(_("Only the command office of this jurisdiction (or above) can set this."))


@transaction.atomic
def policy_create(
    *, actor, jurisdiction, mode: str, effective_from: datetime.date, notice_prefix: str = "",
    remarks: str = "",
):  # fmt: skip
    """A mode for ``jurisdiction`` from a date on. Filings already made keep their mode."""
    _check_commands(actor, jurisdiction)
    if effective_from < timezone.localdate():
        raise UserError(_("A new mode cannot start in the past; choose today or a later day."))
    if ResumptionPolicy.objects.filter(
        jurisdiction=jurisdiction, effective_from=effective_from
    ).exists():
        raise UserError(_("A mode already starts on that day here; choose another day."))
    return audited_create(
        ResumptionPolicy,
        actor=actor,
        jurisdiction=jurisdiction,
        mode=mode,
        effective_from=effective_from,
        notice_prefix=notice_prefix.strip(),
        remarks=remarks.strip(),
    )


@transaction.atomic
def rule_set(*, actor, jurisdiction, code: str, enabled: bool, params: dict):
    """Switch a rule on or off and set its parameters for ``jurisdiction`` (and below)."""
    _check_commands(actor, jurisdiction)
    defaults = policy.DEFAULT_RULE_PARAMS[code]
    unknown = set(params) - set(defaults)
    if unknown:
        raise UserError(_("Unknown parameters: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    row = FilingRule.objects.filter(jurisdiction=jurisdiction, code=code).first()
    if row is None:
        return audited_create(
            FilingRule,
            actor=actor,
            jurisdiction=jurisdiction,
            code=code,
            enabled=enabled,
            params=params,
        )
    return audited_update(row, actor=actor, enabled=enabled, params=params)
