"""The charter batch's and the commuter-bus letter's state machines on the workflow engine,
and who is what to them.

A charter batch is planned, departs and arrives (or is cancelled) by its organiser: the
enterprise's own users, the members of the organising office, or a command office over the
batch's place.

The commuter-bus letter (通勤班车使用意见函) on the workflow engine, and who is what to it.

The enterprise fills in the letter for one of its buses and submits it; the town or street
that issues it (its economy office, seed 004's 经贸办, or a command office of the place or
above) approves it, sends it back or rejects it with a reason. Where the place does not
review letters (``LetterRule``, ``FUGONG_BUS_LETTER_APPROVAL``), the enterprise issues it
itself ("issue"). An issued letter is revoked by the issuer with a reason."""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.accounts.selectors import active_memberships
from fugong.buses.choices import BatchStatus as B
from fugong.buses.choices import LetterStatus as L
from fugong.core import tree
from fugong.core.errors import Conflict
from fugong.core.workflow import Workflow, transition

ORGANISER = "organiser"  # who organises a charter batch (``organises``)

BATCH_TRANSITIONS = [
    transition("depart", _("Departed"), [B.PLANNED], B.DEPARTED, actors=[ORGANISER]),
    transition("arrive", _("Arrived"), [B.DEPARTED], B.ARRIVED, actors=[ORGANISER],
               style="success"),
    transition("cancel", _("Cancel the batch"), [B.PLANNED], B.CANCELLED, actors=[ORGANISER],
               needs_reason=True, style="outline-danger"),
]  # fmt: skip


def command_over(user, jurisdiction) -> bool:
    """Is ``user`` a member of a command office of ``jurisdiction`` or above?"""
    above = set(tree.ancestor_paths(jurisdiction))
    return any(
        m.role == Role.COMMAND and m.jurisdiction is not None and m.jurisdiction.path in above
        for m in active_memberships(user)
    )


def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        m.role == Role.PLATFORM_ADMIN for m in active_memberships(user)
    )


def organises(user, batch) -> bool:
    """May ``user`` change ``batch`` (its passengers, its steps)?"""
    if is_admin(user):
        return True
    if batch.enterprise_id:
        return any(
            m.role == Role.ENTERPRISE and m.enterprise_id == batch.enterprise_id
            for m in active_memberships(user)
        )
    if batch.office_id and any(m.office_id == batch.office_id for m in active_memberships(user)):
        return True
    return command_over(user, batch.jurisdiction)


class BatchWorkflow(Workflow):
    def stale(self, obj):
        return Conflict(
            gettext(
                "Someone else changed this batch while you had it open (it is now "
                "“%(status)s”). Reload the page; what you typed is still in the form."
            )
            % {"status": obj.get_status_display()}
        )


BATCHES = BatchWorkflow(
    "buses.batch",
    BATCH_TRANSITIONS,
    roles=lambda user, batch: {ORGANISER} if organises(user, batch) else set(),
)

ENTERPRISE = "enterprise"  # the bus's enterprise's own users
ISSUER = "issuer"  # the reviewing office, or a command office over the issuing place

LETTER_TRANSITIONS = [
    transition("submit", _("Submit for review"), [L.DRAFT], L.SUBMITTED, actors=[ENTERPRISE],
               when={"needs_approval": [True]}),
    transition("issue", _("Issue the letter"), [L.DRAFT], L.APPROVED, actors=[ENTERPRISE],
               when={"needs_approval": [False]}, style="success"),
    transition("approve", _("Approve and issue"), [L.SUBMITTED], L.APPROVED, actors=[ISSUER],
               style="success"),
    transition("send_back", _("Send back"), [L.SUBMITTED], L.DRAFT, actors=[ISSUER],
               needs_reason=True, style="warning"),
    transition("reject", _("Do not approve"), [L.SUBMITTED], L.REJECTED, actors=[ISSUER],
               needs_reason=True, style="outline-danger"),
    transition("revoke", pgettext_lazy("letter", "Revoke"), [L.APPROVED], L.REVOKED, actors=[ISSUER],
               needs_reason=True, style="outline-danger"),
]  # fmt: skip

# The steps that give the letter its number.
ISSUING = frozenset({"issue", "approve"})


def issues(user, jurisdiction, office_id: int | None) -> bool:
    """May ``user`` decide on the letters of ``jurisdiction`` (reviewed by ``office_id``)?"""
    if is_admin(user) or command_over(user, jurisdiction):
        return True
    return bool(office_id) and any(
        m.role in (Role.REVIEWER, Role.DEPARTMENT) and m.office_id == office_id
        for m in active_memberships(user)
    )


def actor_kinds(user, letter) -> set[str]:
    kinds: set[str] = set()
    enterprise_id = letter.bus.enterprise_id
    if any(
        m.role == Role.ENTERPRISE and m.enterprise_id == enterprise_id
        for m in active_memberships(user)
    ):
        kinds.add(ENTERPRISE)
    if issues(user, letter.jurisdiction, letter.office_id):
        kinds.add(ISSUER)
    return kinds


class LetterWorkflow(Workflow):
    def lock(self, obj):
        from fugong.buses.models import Letter

        return (
            Letter.objects.select_for_update(of=("self",))
            .select_related("bus__enterprise", "jurisdiction")
            .get(pk=obj.pk)
        )

    def stale(self, obj):
        return Conflict(
            gettext(
                "Someone else changed this letter while you had it open (it is now "
                "“%(status)s”). Reload the page; what you typed is still in the form."
            )
            % {"status": obj.get_status_display()}
        )


LETTERS = LetterWorkflow(
    "buses.letter",
    LETTER_TRANSITIONS,
    roles=actor_kinds,
    step_model="buses.LetterStep",
    step_subject="letter",
)
