"""What upward reporting tells people (issue 12, declared in apps.py): a 催报 reaches the
command office of the node reminded; a reopened day reaches it too, with the reason. The
notifications app keeps those who see the node's report and drops the actor."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.registry import EventKind
from fugong.reporting.models import Submission


def node_command(submission: Submission) -> list[int]:
    """The members of the command office of the node whose report it is."""
    return list(
        Membership.objects.filter(
            role=Role.COMMAND, jurisdiction_id=submission.jurisdiction_id, is_active=True
        ).values_list("user_id", flat=True)
    )


def _url(submission: Submission) -> str:
    return (
        f"{reverse('reporting:reporting')}?node={submission.jurisdiction_id}"
        f"&day={submission.day:%Y-%m-%d}"
    )


def _params(submission: Submission, step: dict) -> dict:
    return {
        "node": submission.jurisdiction.name,
        "day": f"{submission.day:%Y-%m-%d}",
        "reason": step.get("reason", ""),
    }


REMINDED = EventKind(
    code="reporting.reminded",
    label=gettext_lazy("The level above reminded a node to submit its figures (催报)"),
    recipients=node_command,
    title=lambda p: _("The level above reminds %(node)s to submit the figures of %(day)s.") % p,
    url=_url,
    params=_params,
    mandatory=True,
)

KINDS = [
    REMINDED,
    EventKind(
        code="reporting.reopened",
        label=gettext_lazy("A submitted day was reopened"),
        recipients=node_command,
        title=lambda p: (
            _("The figures of %(day)s of %(node)s were reopened; submit them again: %(reason)s") % p
        ),
        url=_url,
        params=_params,
        workflow="reporting.submission",
        actions=frozenset({"reopen"}),
    ),
]
