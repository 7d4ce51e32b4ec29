"""Writes of upward reporting.

Upward reporting follows DHIS2's data approval: a town submits its day's figures (computed
here, never typed), which freezes them and locks the day for the town; the level above sees
who has submitted, reminds those who have not, and may reopen a day with a reason."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction
from fugong.core.audit import audited_update
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.notifications.services import event_raise
from fugong.reporting import events
from fugong.reporting.choices import SubmissionEventKind, SubmissionStatus
from fugong.reporting.models import Submission, SubmissionEvent
from fugong.reporting.selectors import deadline_times
from fugong.reporting.workflow import SUBMISSIONS, can_oversee, can_submit
from fugong.stats import figures as F


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
    SUBMISSIONS.check(sub, actor=actor, action="submit", revision=revision)
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
    return SUBMISSIONS.apply(
        sub,
        actor=actor,
        action="submit",
        revision=revision,
        locked=True,
        is_zero=zero,
        note=note.strip()[:500],
        data=figures.as_dict(),
        submitted_by=actor,
        submitted_at=timezone.now(),
    )


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
    SUBMISSIONS.check(sub, actor=actor, action="reopen", reason=reason, revision=revision)
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
    return SUBMISSIONS.apply(
        sub, actor=actor, action="reopen", reason=reason[:500], revision=revision, locked=True
    )


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
        # Told after commit; the n-th reminder of a day is told once however often it runs.
        event_raise(
            kind=events.REMINDED.code,
            subject=sub,
            actor=actor,
            params=events.REMINDED.params(sub, {}),
            dedup_key=f"reporting.reminded:{sub.pk}:{sub.reminders}",
        )
        reminded += 1
    return reminded
