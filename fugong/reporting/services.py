"""Writes of the statistics layer: settings, snapshots and upward reporting.

Upward reporting follows DHIS2's data approval: a town submits its day's figures (computed
here, never typed), which freezes them and locks the day for the town; the level above sees
who has submitted, reminds those who have not, and may reopen a day with a reason."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import command_jurisdictions, user_roles
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.stats import figures as F
from fugong.stats.choices import Denominator, SubmissionEventKind, SubmissionStatus
from fugong.stats.models import StatsSetting, Submission, SubmissionEvent
from fugong.stats.reporting import deadline_times


def _is_admin(user) -> bool:
    return Role.PLATFORM_ADMIN in user_roles(user)


def _command_paths(user) -> list[str]:
    return [j.path for j in command_jurisdictions(user)]


def can_submit(user, node: Jurisdiction) -> bool:
    """The node's own command office (or a platform administrator) submits its figures."""
    return _is_admin(user) or node.path in _command_paths(user)


def can_oversee(user, node: Jurisdiction) -> bool:
    """A command office above the node (or a platform administrator) reminds and reopens."""
    return _is_admin(user) or any(
        node.path.startswith(p) and node.path != p for p in _command_paths(user)
    )


def can_configure(user, node: Jurisdiction) -> bool:
    return _is_admin(user) or any(node.path.startswith(p) for p in _command_paths(user))


def deadline_at(node: Jurisdiction, day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, deadline_times([node])[node.pk]))


def _submission_for_update(node: Jurisdiction, day: datetime.date) -> Submission:
    sub, _created = Submission.objects.get_or_create(
        jurisdiction=node, day=day, defaults={"deadline": deadline_at(node, day)}
    )
    return Submission.objects.select_for_update().get(pk=sub.pk)


@transaction.atomic
def submission_submit(
    *,
    actor,
    node: Jurisdiction,
    day: datetime.date,
    zero: bool = False,
    note: str = "",
    revision: int | None = None,
) -> Submission:
    """Freeze the node's figures for the day and lock the day. ``zero``: a 零报告, accepted
    only when nothing new happened on the day (no unit resumed on it)."""
    if not can_submit(actor, node):
        raise NotAllowed(
            _("Only the command office of %(name)s submits its figures.") % {"name": node.name}
        )
    F.check_day(node, day)
    sub = _submission_for_update(node, day)
    if revision is not None and revision != sub.revision:
        raise Conflict(_("Someone else changed this day's report; look at it again."))
    if sub.status == SubmissionStatus.SUBMITTED:
        raise Conflict(
            _(
                "The figures of %(day)s were already submitted; ask the level above to reopen the day."
            )
            % {"day": day.isoformat()}
        )
    figures = F.compute(user=None, node=node, day=day)
    if zero and figures.total.new_resumed:
        raise UserError(
            _(
                "A zero report says nothing new happened, but %(n)s units resumed on %(day)s; "
                "submit the day's figures instead."
            )
            % {"n": figures.total.new_resumed, "day": day.isoformat()},
            code="not_zero",
        )
    now = timezone.now()
    sub = audited_update(
        sub,
        actor=actor,
        status=SubmissionStatus.SUBMITTED,
        is_zero=zero,
        note=note.strip()[:500],
        data=figures.as_dict(),
        submitted_by=actor,
        submitted_at=now,
        revision=sub.revision + 1,
    )
    SubmissionEvent.objects.create(submission=sub, kind=SubmissionEventKind.SUBMITTED, actor=actor)
    return sub


def _submitted_above(node: Jurisdiction, day: datetime.date) -> Jurisdiction | None:
    """The nearest node above ``node`` that has submitted the day, or None."""
    codes = [c for c in node.path.strip("/").split("/") if c and c != node.code]
    sub = (
        Submission.objects.filter(
            jurisdiction__code__in=codes, day=day, status=SubmissionStatus.SUBMITTED
        )
        .select_related("jurisdiction")
        .order_by("-jurisdiction__depth")
        .first()
    )
    return sub.jurisdiction if sub else None


@transaction.atomic
def submission_reopen(
    *, actor, node: Jurisdiction, day: datetime.date, reason: str, revision: int | None = None
) -> Submission:
    if not can_oversee(actor, node):
        raise NotAllowed(
            _("Only a command office above %(name)s may reopen its days.") % {"name": node.name}
        )
    reason = (reason or "").strip()
    if not reason:
        raise UserError(
            _("Say why the day is reopened; the town will see it."), code="reason_required"
        )
    sub = _submission_for_update(node, day)
    if revision is not None and revision != sub.revision:
        raise Conflict(_("Someone else changed this day's report; look at it again."))
    if sub.status != SubmissionStatus.SUBMITTED:
        raise Conflict(_("This day is not submitted, so there is nothing to reopen."))
    above = _submitted_above(node, day)
    if above is not None:
        # DHIS2's rule: a day approved higher up stays locked below until that is undone;
        # reopening only the node would leave its dates locked by the level above.
        raise Conflict(
            _(
                "%(above)s has submitted its figures of %(day)s, which include %(name)s; "
                "that day of %(above)s must be reopened first."
            )
            % {"above": above.name, "day": day.isoformat(), "name": node.name}
        )
    sub = audited_update(
        sub,
        actor=actor,
        reason=reason[:500],
        status=SubmissionStatus.REOPENED,
        revision=sub.revision + 1,
    )
    SubmissionEvent.objects.create(
        submission=sub, kind=SubmissionEventKind.REOPENED, actor=actor, reason=reason[:500]
    )
    return sub


@transaction.atomic
def submission_remind(*, actor, nodes: list[Jurisdiction], day: datetime.date) -> int:
    """催报: remind the nodes that have not submitted the day; returns how many were reminded."""
    reminded = 0
    now = timezone.now()
    for node in nodes:
        if not can_oversee(actor, node):
            raise NotAllowed(
                _("Only a command office above %(name)s may remind it.") % {"name": node.name}
            )
        F.check_day(node, day)
        sub = _submission_for_update(node, day)
        if sub.status == SubmissionStatus.SUBMITTED:
            continue
        sub = audited_update(sub, actor=actor, reminders=sub.reminders + 1, last_reminded_at=now)
        SubmissionEvent.objects.create(
            submission=sub, kind=SubmissionEventKind.REMINDED, actor=actor
        )
        reminded += 1
    return reminded


def setting_set(
    *,
    actor,
    node: Jurisdiction,
    rate_denominator: str,
    report_deadline: datetime.time | None = None,
) -> StatsSetting:
    if not can_configure(actor, node):
        raise NotAllowed(
            _("Only the command office of %(name)s may change its settings.") % {"name": node.name}
        )
    if rate_denominator not in Denominator.values:
        raise UserError(_("Choose what the resumption rate divides by."), code="bad_denominator")
    existing = StatsSetting.objects.filter(jurisdiction=node).first()
    if existing is None:
        return audited_create(
            StatsSetting,
            actor=actor,
            jurisdiction=node,
            rate_denominator=rate_denominator,
            report_deadline=report_deadline,
        )
    return audited_update(
        existing, actor=actor, rate_denominator=rate_denominator, report_deadline=report_deadline
    )
