"""The states of a day's submission (上报), on the workflow engine (``fugong.core.workflow``):
the node's command office submits, a command office above reopens with a reason. Services
take both steps through ``SUBMISSIONS.apply``; pages and the API ask ``available_actions``
which forms to show. Reminding (催报) changes no state, so it is not in the table."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Jurisdiction
from fugong.core.errors import Conflict, UserError
from fugong.core.workflow import Transition, Workflow, transition
from fugong.reporting.choices import SubmissionEventKind, SubmissionStatus
from fugong.reporting.models import SubmissionEvent
from fugong.stats.services import command_paths, is_admin

S = SubmissionStatus


def can_submit(user, node: Jurisdiction) -> bool:
    """The node's own command office (or a platform administrator) submits its figures."""
    return is_admin(user) or node.path in command_paths(user)


def can_oversee(user, node: Jurisdiction) -> bool:
    """A command office above the node (or a platform administrator) reminds and reopens."""
    return is_admin(user) or any(
        node.path.startswith(p) and node.path != p for p in command_paths(user)
    )


EVENTS = {"submit": SubmissionEventKind.SUBMITTED, "reopen": SubmissionEventKind.REOPENED}


class SubmissionWorkflow(Workflow):
    def record_event(self, obj, *, actor, transition, before, reason):
        SubmissionEvent.objects.create(
            submission=obj, kind=EVENTS[transition.action], actor=actor, reason=reason
        )

    def stale(self, obj):
        return Conflict(gettext("Someone else changed this day's report; look at it again."))

    def not_possible(self, obj, action):
        if action == "submit":
            return Conflict(
                gettext(
                    "The figures of %(day)s were already submitted; ask the level above to "
                    "reopen the day."
                )
                % {"day": obj.day.isoformat()}
            )
        return Conflict(gettext("This day is not submitted, so there is nothing to reopen."))

    def reason_required(self, obj, t):
        return UserError(
            gettext("Say why the day is reopened; the town will see it."), code="reason_required"
        )


SUBMISSIONS = SubmissionWorkflow(
    "reporting.submission",
    [
        transition(
            "submit", _("Submit"), [S.PENDING, S.REOPENED], S.SUBMITTED,
            may=lambda user, sub: can_submit(user, sub.jurisdiction),
        ),
        transition(
            "reopen", _("Reopen"), [S.SUBMITTED], S.REOPENED,
            may=lambda user, sub: can_oversee(user, sub.jurisdiction), needs_reason=True,
        ),
    ],
)  # fmt: skip


def available_actions(user, state) -> list[Transition]:
    """The steps ``user`` may take now on a day's report: a ``Submission`` or a
    ``SubmissionState`` (a day with no row yet is pending)."""
    return SUBMISSIONS.available(user, state)
