"""Reads of upward reporting (DHIS2's data approval): a node's submission of a day with its
deadline and history, the 催报 board of the nodes under a node, and the home page's hints.

Towns and streets and the levels above them report (depth up to ``REPORTING_MAX_DEPTH``, the
levels that keep daily snapshots); villages, communities and grids do not."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.core import tree
from fugong.core.scope import scoped
from fugong.reporting.choices import SubmissionStatus
from fugong.reporting.models import Submission, SubmissionEvent
from fugong.stats import figures as F
from fugong.stats.models import StatsSetting

REPORTING_MAX_DEPTH = F.SNAPSHOT_MAX_DEPTH


def reports_upward(node: Jurisdiction) -> bool:
    """True for a node that submits its figures to the level above."""
    return node.parent_id is not None and node.depth <= REPORTING_MAX_DEPTH


def reporting_children(*, user, node: Jurisdiction) -> list[Jurisdiction]:
    """The active children of ``node`` that report to it and that the user may see
    (``user=None``: all of them)."""
    if node.depth + 1 > REPORTING_MAX_DEPTH:
        return []
    qs = node.children.filter(is_active=True)
    if user is not None:
        qs = scoped(qs, user)
    return list(qs.order_by("code"))


@dataclass(frozen=True)
class SubmissionState:
    """One node's report of one day, whether or not a Submission row exists yet."""

    node: Jurisdiction
    day: datetime.date
    submission: Submission | None
    deadline: datetime.datetime

    @property
    def jurisdiction(self) -> Jurisdiction:
        """The node, named as on ``Submission``: the workflow table (``SUBMISSIONS``) reads a
        state as it reads a submission, so the buttons of a day with no row yet come from it."""
        return self.node

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else SubmissionStatus.PENDING

    @property
    def status_label(self) -> str:
        return str(SubmissionStatus(self.status).label)

    @property
    def is_submitted(self) -> bool:
        return self.status == SubmissionStatus.SUBMITTED

    @property
    def revision(self) -> int:
        return self.submission.revision if self.submission else 0

    @property
    def submitted_at(self) -> datetime.datetime | None:
        return self.submission.submitted_at if self.is_submitted else None

    @property
    def submitted_by(self):
        return self.submission.submitted_by if self.is_submitted else None

    @property
    def is_zero(self) -> bool:
        return bool(self.is_submitted and self.submission.is_zero)

    @property
    def note(self) -> str:
        return self.submission.note if self.is_submitted else ""

    @property
    def reminders(self) -> int:
        return self.submission.reminders if self.submission else 0

    @property
    def last_reminded_at(self) -> datetime.datetime | None:
        return self.submission.last_reminded_at if self.submission else None

    @property
    def late(self) -> bool:
        """Submitted after the deadline, or not submitted and the deadline has passed."""
        if self.is_submitted:
            return self.submission.submitted_at > self.deadline
        return timezone.now() > self.deadline

    @property
    def reopened_reason(self) -> str:
        """Why the day was last reopened (shown to the node while it is reopened)."""
        if self.status != SubmissionStatus.REOPENED:
            return ""
        event = self.submission.events.filter(kind="reopened").order_by("-at", "-id").first()
        return event.reason if event else ""


def _deadline_at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def deadline_times(nodes: list[Jurisdiction]) -> dict[int, datetime.time]:
    """The time each node's daily report is due, in one query: the deadline of the nearest
    setting on the node or above it that has one, else the platform's. (A setting that only
    chooses the rate denominator leaves the deadline of the level above in force.)"""
    from django.conf import settings

    found = tree.nearest_many(
        StatsSetting.objects.filter(report_deadline__isnull=False).order_by(), nodes
    )
    return {
        pk: row.report_deadline if row is not None else settings.FUGONG_REPORT_DEADLINE
        for pk, row in found.items()
    }


def _states(nodes: list[Jurisdiction], day: datetime.date) -> list[SubmissionState]:
    rows = {
        s.jurisdiction_id: s
        for s in Submission.objects.filter(jurisdiction__in=nodes, day=day).select_related(
            "submitted_by"
        )
    }
    times = deadline_times([n for n in nodes if n.pk not in rows or not rows[n.pk].deadline])
    return [
        SubmissionState(
            node=n,
            day=day,
            submission=rows.get(n.pk),
            deadline=rows[n.pk].deadline
            if n.pk in rows and rows[n.pk].deadline
            else _deadline_at(day, times[n.pk]),
        )
        for n in nodes
    ]


def submission_state(*, node: Jurisdiction, day: datetime.date) -> SubmissionState:
    """The node's own report of the day. Callers check that the user may see the node."""
    return _states([node], day)[0]


def submission_events(state: SubmissionState) -> list[SubmissionEvent]:
    """What happened to the day's report, oldest first: submitted, reminded, reopened."""
    if state.submission is None:
        return []
    return list(state.submission.events.select_related("actor"))


@dataclass(frozen=True)
class Board:
    """The 催报 board: the report of the day of every node reporting to ``node``."""

    node: Jurisdiction
    day: datetime.date
    rows: list[SubmissionState]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.is_submitted)

    @property
    def not_submitted(self) -> int:
        return self.total - self.submitted

    @property
    def late(self) -> int:
        return sum(1 for r in self.rows if r.late)

    @property
    def waiting(self) -> list[SubmissionState]:
        """The 催报 list: who has not submitted."""
        return [r for r in self.rows if not r.is_submitted]


def submission_board(*, user, node: Jurisdiction, day: datetime.date) -> Board:
    """Each child of ``node`` that reports to it and that the user may see, with its status
    of the day (three queries, whatever the number of children)."""
    return Board(node=node, day=day, rows=_states(reporting_children(user=user, node=node), day))


# How far back the home page looks for reminders that are still waiting.
REMINDER_DAYS = 14


def reminders_waiting(*, node: Jurisdiction) -> list[Submission]:
    """The node's days of the last REMINDER_DAYS days that the level above has reminded it
    about and that it has not submitted, newest first."""
    since = timezone.localdate() - datetime.timedelta(days=REMINDER_DAYS - 1)
    return list(
        Submission.objects.filter(jurisdiction=node, day__gte=since, reminders__gt=0)
        .exclude(status=SubmissionStatus.SUBMITTED)
        .order_by("-day")
    )


@dataclass(frozen=True)
class HomeReporting:
    """What a command office's home page says about the reports of one of its nodes."""

    node: Jurisdiction
    own: SubmissionState | None  # the node's own report of today, when it reports upwards
    reminded: list[Submission]  # its days the level above is waiting for
    board: Board | None  # today's reports of the nodes reporting to it, when there are any


def home_reporting(*, user, nodes: list[Jurisdiction]) -> list[HomeReporting]:
    day = timezone.localdate()
    out = []
    for node in nodes:
        reports = reports_upward(node)
        own = submission_state(node=node, day=day) if reports else None
        board = submission_board(user=user, node=node, day=day)
        if own is None and not board.rows:
            continue
        out.append(
            HomeReporting(
                node=node,
                own=own,
                reminded=reminders_waiting(node=node) if reports else [],
                board=board if board.rows else None,
            )
        )
    return out


def submitted_days(
    *, since: datetime.date | None = None, codes: list[str] | None = None
) -> list[tuple[str, str, datetime.date]]:
    """The submitted days (node path, node name, day), from ``since`` on and of the nodes with
    ``codes`` (None: all); the statistics layer's locks read them (``fugong.stats.locks``)."""
    qs = Submission.objects.filter(status=SubmissionStatus.SUBMITTED)
    if since is not None:
        qs = qs.filter(day__gte=since)
    if codes is not None:
        qs = qs.filter(jurisdiction__code__in=codes)
    return list(qs.values_list("jurisdiction__path", "jurisdiction__name", "day"))


def submitted_figures(
    node: Jurisdiction, day: datetime.date
) -> tuple[dict, datetime.datetime | None] | None:
    """The figures the node submitted for the day and when, or None if it has not submitted
    them; the statistics layer's frozen figures read them (``figures.snapshot_get``)."""
    sub = (
        Submission.objects.filter(jurisdiction=node, day=day, status=SubmissionStatus.SUBMITTED)
        .exclude(data=None)
        .first()
    )
    return None if sub is None else (sub.data, sub.submitted_at)
