"""The workflow engine: a transition table per model, and one locked transition step.

An app with a workflow (filings today; requests, inspections, passes next) declares its table
in its own ``workflow.py``. The same table drives enforcement (services call ``apply``) and the
buttons shown (pages and the API ask ``available``), so the two cannot drift.

Declaring a table::

    from fugong.core.workflow import Workflow, transition as t

    OWNER, HANDLER = "owner", "handler"

    def roles(user, request) -> set[str]:          # what the user is to this object
        ...

    REQUESTS = Workflow(
        "requests.request",
        [
            t("submit", _("Submit"), [S.DRAFT], S.OPEN, actors=[OWNER]),
            t("answer", _("Answer"), [S.OPEN], S.ANSWERED, actors=[HANDLER], needs_reason=True),
            # a condition on other fields of the object, and a predicate of its own:
            t("escalate", _("Escalate"), [S.OPEN], S.ESCALATED, when={"urgent": {True}},
              may=lambda user, obj: user.is_staff),
        ],
        roles=roles,
        due_days=lambda obj, target: 3 if target == S.OPEN else None,   # working days
    )

    # services.py: every status change goes through the table
    @transaction.atomic
    def request_answer(*, actor, request, reason, revision=None):
        return REQUESTS.apply(request, actor=actor, action="answer", reason=reason,
                              revision=revision, answered_at=timezone.now())

    # views / API: the buttons
    for t in REQUESTS.available(request.user, obj): ...

What ``apply`` does, in one transaction: lock the row (``select_for_update``), compare the
revision the form or API sent with the row's (a mismatch raises ``Conflict`` telling the user
that someone else changed it and to reload: the one optimistic-concurrency convention; forms
carry the revision in a hidden field, the API in the body), find the transition for the
action in the object's state, check the actor (``NotAllowed``), require the reason where the
table says, set the state, the revision + 1, the due date (``fugong.core.calendar``, working
days) and the caller's other changes with one audited update (one audit row), write the
app's event row (``Workflow.record_event``, override it) and, after commit only, send the
``transitioned`` signal, which the notifications app subscribes to. A system actor (a string
naming the process: demo data, a management command, the import jobs) may take any step.
``check`` refuses what ``apply`` would without changing anything. ``system_step`` is a
process's step without lock, audit or event row: one conditional UPDATE on the table's
sources, False when another process moved the row first (the job runner's steps).

Why not a library. django-fsm-2 puts transitions on model methods (``@transition`` with
``conditions`` and ``permission``) and changes the field in memory; its
``ConcurrentTransitionMixin`` compares the state column, not a revision the user saw, and it has
no event, audit, reason or due date, so every app would wrap it in what this module does anyway.
viewflow is a process engine with its own task tables and views: far more than a status column
with a table of who may move it. The engine has no dependency and is the one the filings
already used (moved here from ``resumption/workflow.py``). docs/workflow.md says more.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.audit import audited_update
from fugong.core.calendar import add_working_days
from fugong.core.concurrency import ensure_current
from fugong.core.errors import Conflict, NotAllowed, UserError

# Sent after the transaction that took a step commits (never when it rolls back), with
# sender=the model class and keyword arguments workflow, instance, action, before, after,
# actor, reason.
transitioned = Signal()


@dataclass(frozen=True)
class Transition:
    """One row of a table: ``action`` moves an object from one of ``sources`` to ``target``
    when its fields match ``when`` (field name -> allowed values), for a user who is one of
    ``actors`` (the workflow's ``roles``) or for whom ``may(user, obj)`` holds."""

    action: str
    label: Any
    sources: frozenset[str]
    target: str
    actors: frozenset[str] = frozenset()
    may: Callable[[Any, Any], bool] | None = None
    when: Mapping[str, frozenset] = field(default_factory=dict)
    needs_reason: bool = False
    style: str = "primary"

    def applies_to(self, obj: Any, state: str) -> bool:
        return state in self.sources and all(
            getattr(obj, name) in values for name, values in self.when.items()
        )


def transition(
    action: str,
    label: Any,
    sources: Iterable[str],
    target: str,
    *,
    actors: Iterable[str] = (),
    may: Callable[[Any, Any], bool] | None = None,
    when: Mapping[str, Iterable] | None = None,
    needs_reason: bool = False,
    style: str = "primary",
) -> Transition:
    return Transition(
        action,
        label,
        frozenset(sources),
        target,
        frozenset(actors),
        may,
        {name: frozenset(values) for name, values in (when or {}).items()},
        needs_reason,
        style,
    )


def is_system(actor: Any) -> bool:
    """A system actor: a string naming the process, not a user."""
    return isinstance(actor, str)


class Workflow:
    """A model's transition table and its transition step (see the module docstring).
    Subclass it to write an event row or word the errors for the app's users."""

    def __init__(
        self,
        name: str,
        transitions: Iterable[Transition],
        *,
        state_field: str = "status",
        revision_field: str | None = "revision",
        due_field: str | None = None,
        due_days: Callable[[Any, str], int | None] | None = None,
        roles: Callable[[Any, Any], set[str]] | None = None,
        step_model: str = "",
        step_subject: str = "",
    ):
        self.name = name
        # The app's step log ("app_label.Model", a core.models.WorkflowStep) and its foreign
        # key to the record: ``record_event`` writes one row a step when they are given.
        self.step_model = step_model
        self.step_subject = step_subject
        self.transitions = list(transitions)
        self.state_field = state_field
        self.revision_field = revision_field
        self.due_field = due_field
        self.due_days = due_days
        self.roles = roles

    # --- the table -------------------------------------------------------------------------

    def named(self, action: str) -> list[Transition]:
        return [t for t in self.transitions if t.action == action]

    def find(self, action: str, obj: Any) -> Transition | None:
        """The transition ``action`` takes ``obj`` through in its current state, if any."""
        state = getattr(obj, self.state_field)
        for t in self.transitions:
            if t.action == action and t.applies_to(obj, state):
                return t
        return None

    def roles_of(self, user: Any, obj: Any) -> set[str]:
        if self.roles is None or is_system(user):
            return set()
        return self.roles(user, obj)

    def allowed(self, t: Transition, user: Any, obj: Any, roles: set[str] | None = None) -> bool:
        if is_system(user):
            return True
        if t.actors and t.actors & (self.roles_of(user, obj) if roles is None else roles):
            return True
        return bool(t.may and t.may(user, obj))

    def available(self, user: Any, obj: Any, roles: set[str] | None = None) -> list[Transition]:
        """The actions ``user`` may take on ``obj`` now, one per action name (the buttons)."""
        roles = self.roles_of(user, obj) if roles is None else roles
        state = getattr(obj, self.state_field)
        seen: set[str] = set()
        result = []
        for t in self.transitions:
            if (
                t.action not in seen
                and t.applies_to(obj, state)
                and self.allowed(t, user, obj, roles)
            ):
                seen.add(t.action)
                result.append(t)
        return result

    # --- the step --------------------------------------------------------------------------

    def lock(self, obj: models.Model) -> models.Model:
        """Re-read ``obj`` with its row locked until the transaction ends."""
        return type(obj)._default_manager.select_for_update(of=("self",)).get(pk=obj.pk)

    def check_revision(self, obj: Any, revision: int | str | None) -> None:
        """The optimistic-concurrency check: ``revision`` is what the user's form or request
        saw (None: the caller does not track it)."""
        if revision is None or self.revision_field is None:
            return
        ensure_current(obj, revision, field=self.revision_field, conflict=lambda: self.stale(obj))

    def due(self, obj: Any, target: str) -> datetime.date | None:
        days = self.due_days(obj, target) if self.due_days else None
        return add_working_days(timezone.localdate(), int(days)) if days else None

    def check(
        self,
        obj: Any,
        *,
        actor: Any,
        action: str,
        reason: str = "",
        revision: int | str | None = None,
    ) -> Transition:
        """Raise what ``apply`` would refuse with (stale revision, no such step in this state,
        a refused actor, a missing reason), else return the transition. For a service that
        must refuse before work of its own (computing figures, checking rules) and then
        calls ``apply`` on the locked object."""
        self.check_revision(obj, revision)
        t = self.find(action, obj)
        if t is None:
            raise self.not_possible(obj, action)
        if not self.allowed(t, actor, obj):
            raise self.refused(obj, t)
        if t.needs_reason and not (reason or "").strip():
            raise self.reason_required(obj, t)
        return t

    def apply(
        self,
        obj: models.Model,
        *,
        actor: Any,
        action: str,
        reason: str = "",
        revision: int | str | None = None,
        locked: bool = False,
        **changes: Any,
    ) -> models.Model:
        """Take ``action`` on ``obj`` (see the module docstring) and return the updated object.
        ``locked``: the caller already holds the row lock in this transaction and passes the
        locked object. ``changes``: other fields to set in the same audited update."""
        with transaction.atomic():
            if not locked:
                obj = self.lock(obj)
            t = self.check(obj, actor=actor, action=action, reason=reason, revision=revision)
            reason = (reason or "").strip()
            before = getattr(obj, self.state_field)
            values = {self.state_field: t.target}
            if self.revision_field:
                values[self.revision_field] = getattr(obj, self.revision_field) + 1
            if self.due_field:
                values[self.due_field] = self.due(obj, t.target)
            values.update(changes)
            obj = audited_update(obj, actor=actor, reason=reason, **values)
            self.record_event(obj, actor=actor, transition=t, before=before, reason=reason)
            instance = obj
            transaction.on_commit(
                lambda: transitioned.send(
                    sender=type(instance),
                    workflow=self,
                    instance=instance,
                    action=t.action,
                    before=before,
                    after=t.target,
                    actor=actor,
                    reason=reason,
                )
            )
        return obj

    def system_step(
        self,
        obj: models.Model,
        *,
        action: str,
        actor: str = "system",
        reason: str = "",
        **changes: Any,
    ) -> bool:
        """A step a process takes (the job runner, recovery after a crash), race-free without
        a row lock: one conditional ``UPDATE ... WHERE pk = obj.pk AND <state> IN <sources>``
        per transition named ``action`` (its ``when`` conditions in the WHERE too). Returns
        False and changes nothing when the row is in none of the sources any more (another
        process moved it first); the caller then leaves it alone. On success ``obj`` carries
        the new state and ``changes``, the revision (if any) goes up by one, and
        ``transitioned`` is sent after commit as for ``apply``. No audit and no event row:
        nobody's decision is recorded, the process only reports what happened to its own
        work (the object's own fields say what; a user's step goes through ``apply``)."""
        if not is_system(actor):
            raise TypeError("system_step takes a system actor (a string naming the process)")
        manager = type(obj)._default_manager
        for t in self.named(action):
            values: dict[str, Any] = {self.state_field: t.target, **changes}
            if self.revision_field:
                values[self.revision_field] = models.F(self.revision_field) + 1
            where = {f"{self.state_field}__in": list(t.sources)}
            where.update({f"{name}__in": list(allowed) for name, allowed in t.when.items()})
            if len(t.sources) == 1:
                (before,) = t.sources
            else:  # the state the UPDATE is about to replace, for the signal
                before = (
                    manager.filter(pk=obj.pk, **where)
                    .values_list(self.state_field, flat=True)
                    .first()
                )
            if before is None or not manager.filter(pk=obj.pk, **where).update(**values):
                continue
            self._after_system_step(obj, t, before, actor, reason, changes)
            return True
        if not self.named(action):
            raise ValueError(f"{self.name}: no transition named {action!r}")
        return False

    def _after_system_step(self, obj, t, before, actor, reason, changes) -> None:
        setattr(obj, self.state_field, t.target)
        for name, value in changes.items():
            setattr(obj, name, value)
        if self.revision_field:
            obj.refresh_from_db(fields=[self.revision_field])
        transaction.on_commit(
            lambda: transitioned.send(
                sender=type(obj),
                workflow=self,
                instance=obj,
                action=t.action,
                before=before,
                after=t.target,
                actor=actor,
                reason=reason,
            )
        )

    # --- hooks an app overrides ------------------------------------------------------------

    def record_event(self, obj: Any, *, actor: Any, transition: Transition, before: str,
                     reason: str) -> None:  # fmt: skip
        """Write the app's event row (its timeline): a row of ``step_model`` when the workflow
        names one; an app with another kind of timeline overrides this. The audit row is
        written already."""
        if not self.step_model:
            return
        from django.apps import apps

        is_user = getattr(actor, "pk", None) is not None
        apps.get_model(self.step_model).objects.create(
            **{self.step_subject: obj},
            action=transition.action,
            before=before,
            after=transition.target,
            actor=actor if is_user else None,
            actor_name=(actor.get_full_name() or actor.get_username()) if is_user else str(actor),
            reason=reason,
        )

    def _state_text(self, obj: Any) -> str:
        display = getattr(obj, f"get_{self.state_field}_display", None)
        return str(display() if display else getattr(obj, self.state_field))

    def stale(self, obj: Any) -> Conflict:
        return Conflict(
            _(
                "Someone else changed this record while you had it open (it is now "
                "“%(status)s”). Reload the page to see their change, then try again."
            )
            % {"status": self._state_text(obj)}
        )

    def not_possible(self, obj: Any, action: str) -> Conflict:
        named = self.named(action)
        return Conflict(
            _("“%(action)s” is not possible now: the record is “%(status)s”.")
            % {"action": named[0].label if named else action, "status": self._state_text(obj)}
        )

    def refused(self, obj: Any, t: Transition) -> NotAllowed:
        return NotAllowed(_("You may not “%(action)s” this record.") % {"action": t.label})

    def reason_required(self, obj: Any, t: Transition) -> UserError:
        return UserError(
            _("Give the reason for “%(action)s”.") % {"action": t.label}, code="reason_required"
        )
