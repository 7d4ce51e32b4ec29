"""Upward reporting's part of "my work" (待办, ``fugong.core.work``): a command office's own
node's report of today while it is not submitted, and the earlier days the level above has
reminded it about (催报). Declared in apps.py."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.accounts.selectors import command_jurisdictions
from fugong.core.registry import WorkItem, WorkSource
from fugong.reporting.selectors import reminders_waiting, reports_upward, submission_state


def _reminded(times: int) -> str:
    return _("Reminded by the level above (%(n)d×)") % {"n": times}


def to_submit(user, limit: int) -> tuple[list[WorkItem], int]:
    """For each node whose command office the user belongs to and that reports upwards: today's
    figures not yet submitted (due at the deadline) and each reminded day still waiting."""
    today = timezone.localdate()
    items: list[WorkItem] = []
    url = reverse("reporting:reporting")
    for node in command_jurisdictions(user):
        if not reports_upward(node):
            continue
        state = submission_state(node=node, day=today)
        if not state.is_submitted:
            items.append(
                WorkItem(
                    title=_("Today's figures of %(node)s") % {"node": node.name},
                    url=f"{url}?node={node.pk}",
                    due=state.deadline,
                    overdue=state.late,
                    detail=" · ".join(
                        [state.status_label] + [_reminded(state.reminders)] * bool(state.reminders)
                    ),
                )
            )
        for s in reminders_waiting(node=node):
            if s.day == today and not state.is_submitted:
                continue  # today's, listed above
            items.append(
                WorkItem(
                    title=_("Figures of %(day)s of %(node)s")
                    % {"day": f"{s.day:%Y-%m-%d}", "node": node.name},
                    url=f"{url}?node={node.pk}&day={s.day:%Y-%m-%d}",
                    due=s.day,
                    overdue=True,
                    detail=_reminded(s.reminders),
                )
            )
    return items[:limit], len(items)


SOURCES = [
    WorkSource(
        "reporting.to_submit",
        gettext_lazy("Figures to submit upwards"),
        frozenset({Role.COMMAND}),
        to_submit,
        url_name="reporting:reporting",
        order=200,
    ),
]
