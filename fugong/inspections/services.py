"""Every write of the inspections app: checklist templates, inspections (planned, recorded,
self-checks submitted and reviewed), rectification orders (整改通知书) and orders to stop
(责令停业). Atomic, audited, keyword-only."""

from __future__ import annotations

import contextlib
import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction
from fugong.core import numbering, tree
from fugong.core.audit import audited_create, audited_update
from fugong.core.calendar import add_working_days
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.files import clean_upload
from fugong.core.orphans import save_upload
from fugong.enterprises.models import Assignment
from fugong.inspections import checklists, events, workflow
from fugong.inspections.checklists import Answer
from fugong.inspections.choices import (
    InspectionKind,
    InspectionStatus,
    ItemKind,
    OrderStatus,
    StopStatus,
)
from fugong.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    Rectification,
    StopOrder,
)
from fugong.notifications.services import event_raise

RECTIFICATION = "inspections.rectification"  # the kinds in core's document counters
STOP = "inspections.stop"
TOWN_DEPTH = 3  # a town or a street numbers the orders of its enterprises


def template_in_use(template: ChecklistTemplate) -> bool:
    """Whether a checklist was filled in on this version: any row of another model (an
    acceptance, an inspection, ...) points at it. Found through the model's reverse relations,
    so inspections need not know the apps that use its templates."""
    # include_hidden: the acceptances' key has no reverse accessor (related_name="+").
    return any(
        relation.related_model._default_manager.filter(**{relation.field.name: template}).exists()
        for relation in ChecklistTemplate._meta.get_fields(include_hidden=True)
        if relation.is_relation
        and relation.auto_created
        and not relation.concrete
        and relation.related_model is not ChecklistItem
    )


ITEM_FIELDS = (
    "position", "text", "kind", "required", "photo_required", "group", "points", "critical",
    "applies_if", "minimum",
)  # fmt: skip


@transaction.atomic
def template_new_version(*, actor, template: ChecklistTemplate) -> ChecklistTemplate:
    """Copy ``template`` with its items as the next version, put the copy in use and the
    others of the same code out of use. Checklists already filled keep their version."""
    number = ChecklistTemplate.objects.filter(code=template.code).aggregate(n=Max("version"))["n"]
    copy = audited_create(
        ChecklistTemplate,
        actor=actor,
        code=template.code,
        version=number + 1,
        name=template.name,
        kind=template.kind,
        source=template.source,
        pass_rule=template.pass_rule,
        pass_score=template.pass_score,
        rectify_days=template.rectify_days,
        is_active=True,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=copy, **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in template.items.all()
    )
    for old in ChecklistTemplate.objects.filter(code=template.code, is_active=True).exclude(
        pk=copy.pk
    ):
        audited_update(old, actor=actor, is_active=False, reason="new version")
    return copy


def _user(actor):
    return actor if getattr(actor, "pk", None) is not None else None


def town_of(place: Jurisdiction) -> Jurisdiction:
    """The town (or street) of ``place``: it numbers the orders (``place`` when higher)."""
    return tree.at_depth(place, TOWN_DEPTH)


def _numbered(kind: str, label: str, place: Jurisdiction, now: datetime.datetime) -> dict:
    town = town_of(place)
    year = timezone.localtime(now).year
    sequence = numbering.take(kind, town, year)
    return {
        "issuer": town,
        "year": year,
        "sequence": sequence,
        "number": numbering.format_number(f"{town.name[:2]}{label}", year, sequence),
    }


# --- planning ------------------------------------------------------------------------------

# A 包保 cadre inspects none of her own enterprises unannounced or at random (the draws avoid
# the conflict of interest already; a planner naming her is refused the same way).
CADRE_BARRED = (InspectionKind.UNANNOUNCED, InspectionKind.RANDOM)


class AlreadyPlanned(Conflict):
    """The same inspection is planned already (a back button, a second press): ``existing``."""

    def __init__(self, message, *, existing: Inspection):
        super().__init__(message, code="already_planned")
        self.existing = existing


def latest_plan_date(today: datetime.date | None = None) -> datetime.date:
    """The last day an inspection (or a re-inspection) may be planned for: a year from today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def is_cadre_of(user, enterprise) -> bool:
    """Whether ``user`` looks after ``enterprise`` as its 包保 cadre."""
    return (
        user is not None
        and Assignment.objects.filter(user_id=user.pk, enterprise_id=enterprise.pk).exists()
    )


def may_plan(actor, enterprise) -> bool:
    """A command office of the enterprise's place or above, or a reviewing office or
    department whose place covers the enterprise's."""
    probe = Inspection(enterprise=enterprise, jurisdiction=enterprise.jurisdiction)
    if workflow.PLANNER in workflow.actor_kinds(actor, probe):
        return True
    return bool(planning_offices(actor, enterprise))


def planning_offices(actor, enterprise) -> list:
    """The offices ``actor`` belongs to (reviewing or department) whose place covers the
    enterprise's: an inspection planned by their member is that office's."""
    from fugong.accounts.choices import Role
    from fugong.accounts.selectors import active_memberships

    above = set(tree.ancestor_paths(enterprise.jurisdiction))
    return [
        m.office
        for m in active_memberships(actor)
        if m.role in (Role.REVIEWER, Role.DEPARTMENT)
        and m.office is not None
        and m.office.is_active
        and m.office.jurisdiction.path in above
    ]


@transaction.atomic
def inspection_plan(
    *,
    actor,
    enterprise,
    kind: str,
    template: ChecklistTemplate,
    date: datetime.date,
    inspector=None,
    office=None,
    order: Rectification | None = None,
    stop: StopOrder | None = None,
    due: datetime.date | None = None,
) -> Inspection:
    """Plan an inspection of ``enterprise`` on ``template`` (its version in use). A self-check
    is the enterprise's to fill by ``due`` (default: the date); a re-inspection follows an
    order or an order to stop."""
    if kind not in InspectionKind.values:
        raise UserError(_("Choose the kind of inspection."), code="kind")
    if not template.is_active:
        raise UserError(_("Choose a checklist in use."), code="template")
    system = isinstance(actor, str)
    if not system and not may_plan(actor, enterprise):
        raise NotAllowed(_("You may not plan inspections of this enterprise."))
    if date < timezone.localdate() and kind != InspectionKind.SELF_CHECK:
        raise UserError(_("Choose today or a later day."), code="date")
    latest = latest_plan_date()
    if date > latest or (due is not None and due > latest):
        raise UserError(
            _("Choose a day within a year from today (%(date)s at the latest).")
            % {"date": latest.isoformat()},
            code="date",
        )
    if kind in CADRE_BARRED and is_cadre_of(inspector, enterprise):
        raise UserError(
            _(
                "%(name)s is this enterprise's 包保 cadre and may not inspect it unannounced or "
                "at random: name another inspector."
            )
            % {"name": inspector.full_name or inspector.username},
            code="inspector",
        )
    if kind != InspectionKind.RANDOM:  # a draw never draws an enterprise twice
        existing = (
            Inspection.objects.filter(
                enterprise=enterprise,
                kind=kind,
                planned_for=date,
                status=InspectionStatus.PLANNED,
                order=order,
                stop=stop,
            )  # fmt: skip
            .order_by("pk")
            .first()
        )
        if existing is not None:
            raise AlreadyPlanned(
                _(
                    "This inspection is planned already: the same kind, for this enterprise on "
                    "%(date)s. Open the planned one instead of planning it twice."
                )
                % {"date": date.isoformat()},
                existing=existing,
            )
    if office is None and not system:
        offices = planning_offices(actor, enterprise)
        office = offices[0] if offices else None
    if inspector is not None and kind == InspectionKind.SELF_CHECK:
        inspector = None
    inspection = audited_create(
        Inspection,
        actor=actor,
        enterprise=enterprise,
        jurisdiction=enterprise.jurisdiction,
        office=office,
        kind=kind,
        template=template,
        planned_for=date,
        due=due or (date if kind == InspectionKind.SELF_CHECK else None),
        planned_by=_user(actor),
        inspector=inspector,
        order=order,
        stop=stop,
    )
    event_raise(kind=events.PLANNED, subject=inspection, actor=actor,
                params=events.params(inspection))  # fmt: skip
    return inspection


# --- filling the checklist -----------------------------------------------------------------


def may_fill(actor, inspection: Inspection) -> bool:
    """Whether ``actor`` is who fills this checklist (whatever its state)."""
    kinds = workflow.actor_kinds(actor, inspection)
    if inspection.kind == InspectionKind.SELF_CHECK:
        return workflow.ENTERPRISE in kinds
    return workflow.INSPECTOR in kinds


def inspection_save_draft(*, actor, inspection: Inspection, draft: dict[str, str]) -> bool:
    """Keep what was typed on the checklist page (the page sends it as the inspector goes, so
    a dropped connection or a closed phone loses nothing). Not audited: a draft decides
    nothing. False when the inspection is no longer open."""
    if not may_fill(actor, inspection):
        raise NotAllowed(_("You may not fill in this checklist."))
    clean = {
        str(k)[:40]: str(v)[:4000]
        for k, v in list(draft.items())[:400]
        if not str(k).startswith("_")  # the server's own keys (KEPT) are never the page's
    }
    with transaction.atomic():
        row = Inspection.objects.select_for_update().filter(
            pk=inspection.pk, status=InspectionStatus.PLANNED
        )
        current = row.values_list("draft", flat=True).first()
        if current is None:
            return False
        if (current or {}).get(KEPT):
            clean[KEPT] = current[KEPT]
        return bool(row.update(draft=clean))


# A refused checklist keeps the photos that were good (checked and re-encoded) here, in the
# draft under KEPT (item id → stored name); the next submission uses them where no new photo
# is sent, and they are deleted once it is recorded (or cancelled).
KEPT = "_photos"


def _photo_storage():
    return InspectionAnswer._meta.get_field("photo").storage


def kept_photos(inspection: Inspection) -> dict[int, str]:
    """The photos kept from a refused submission, by item id."""
    kept = (inspection.draft or {}).get(KEPT) or {}
    return {int(k): v for k, v in kept.items() if str(k).isdigit() and isinstance(v, str)}


def inspection_keep_photos(*, actor, inspection: Inspection, photos: dict[int, object]) -> set[int]:
    """Keep the good photos of a refused submission (``photos``: item id → upload) so they
    need not be chosen again; returns the item ids kept (a photo that is not a JPEG or PNG
    image is not). Not audited, like the draft."""
    if not may_fill(actor, inspection):
        raise NotAllowed(_("You may not fill in this checklist."))
    items = set(inspection.template.items.values_list("pk", flat=True))
    storage = _photo_storage()
    stored: dict[int, str] = {}
    for pk, upload in photos.items():
        if pk not in items or not upload:
            continue
        try:
            clean = clean_upload(upload, allowed=checklists.PHOTO_TYPES, prefix="photo")
        except UserError:
            continue
        stored[pk] = storage.save(f"inspections/{inspection.pk}/kept/{clean.content.name}",
                                  clean.content)  # fmt: skip
    if not stored:
        return set()
    with transaction.atomic():
        locked = (
            Inspection.objects.select_for_update()
            .filter(pk=inspection.pk, status=InspectionStatus.PLANNED)
            .first()
        )
        if locked is None:  # recorded meanwhile: nothing to keep them for
            _delete_files(stored.values())
            return set()
        kept = kept_photos(locked)
        replaced = [kept[pk] for pk in stored if pk in kept]
        kept.update(stored)
        draft = dict(locked.draft or {})
        draft[KEPT] = {str(k): v for k, v in kept.items()}
        Inspection.objects.filter(pk=locked.pk).update(draft=draft)
    _delete_files(replaced)
    return set(stored)


def _delete_files(names) -> None:
    storage = _photo_storage()
    for name in names:
        with contextlib.suppress(OSError):  # already gone: nothing to clean
            storage.delete(name)


def _with_kept_photos(inspection: Inspection, answers: dict[int, Answer]) -> list[str]:
    """Use the kept photos where no new photo is sent; returns every kept name, to delete
    once the checklist is recorded."""
    kept = kept_photos(inspection)
    storage = _photo_storage()
    for pk, name in kept.items():
        answer = answers.get(pk)
        if answer is not None and not answer.photo and storage.exists(name):
            with storage.open(name, "rb") as stored:
                answer.photo = ContentFile(stored.read(), name=name.rsplit("/", 1)[-1])
    return list(kept.values())


def _store_answers(inspection: Inspection, result: checklists.Result) -> None:
    inspection.answers.all().delete()  # a self-check sent back is filled again
    for row in result.rows:
        if not row.applies:
            continue
        item, answer = row.item, row.answer
        stored = InspectionAnswer(
            inspection=inspection,
            item=item,
            value=answer.value if item.kind == ItemKind.CHECK else "",
            number=answer.number if answer.number not in ("", None) else None,
            text=answer.text.strip()[:1000],
            failed=row.failed,
        )
        if row.photo is not None:
            save_upload(stored.photo, row.photo.content.name, row.photo.content)
        stored.save()


class ChecklistIncomplete(UserError):
    """A checklist refused: ``problems`` one sentence each, an item's starting with its
    position and text (the page marks them on their items)."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems), code="checklist_incomplete")
        self.problems = problems


def _evaluate(inspection: Inspection, answers: dict[int, Answer], opinion: str, *, needs_opinion):
    result = checklists.evaluate(inspection.template, answers, enterprise=inspection.enterprise)
    if needs_opinion and not opinion.strip():
        result.problems.append(_("Fill in the inspector's opinion."))
    if result.problems:
        raise ChecklistIncomplete(result.problems)
    return result


@transaction.atomic
def inspection_record(
    *,
    actor,
    inspection: Inspection,
    answers: dict[int, Answer],
    opinion: str,
    revision: int | None = None,
    rectify_by: datetime.date | None = None,
) -> Inspection:
    """Record an on-site inspection: the answers, the score and the result. Failed items open
    a rectification order (even when the score passes); a re-inspection closes its order when
    no item fails again, or sends it back to be rectified again with a new deadline."""
    inspection = workflow.INSPECTIONS.lock(inspection)
    workflow.INSPECTIONS.check(inspection, actor=actor, action="record", revision=revision)
    kept = _with_kept_photos(inspection, answers)
    result = _evaluate(inspection, answers, opinion, needs_opinion=True)
    transaction.on_commit(lambda: _delete_files(kept))
    _store_answers(inspection, result)
    now = timezone.now()
    workflow.INSPECTIONS.apply(
        inspection, actor=actor, action="record", revision=revision, locked=True,
        reason=_("%(n)s checklist items answered") % {"n": len(result.rows)},
        inspector=_user(actor) or inspection.inspector, performed_at=now, score=result.score,
        passed=result.passed, opinion=opinion.strip(), draft={},
    )  # fmt: skip
    _after_result(actor, inspection, result, now=now, rectify_by=rectify_by)
    return inspection


def _after_result(actor, inspection, result, *, now, rectify_by=None) -> None:
    order = inspection.order
    if order is not None and order.status in (OrderStatus.OPEN, OrderStatus.REPORTED):
        order = workflow.ORDERS.lock(order)
        step = f"re-inspection {inspection.pk}"
        if not result.failed:  # every item put right
            workflow.ORDERS.apply(
                order, actor=step, action="close", closed_at=now,
                on_time=timezone.localdate(now) <= order.deadline,
            )  # fmt: skip
            return
        if order.status == OrderStatus.REPORTED:
            workflow.ORDERS.apply(
                order, actor=step, action="reopen", items=result.failed,
                deadline=rectify_by or _deadline(inspection, now),
            )  # fmt: skip
        return
    if result.failed and inspection.stop_id is None:  # failed items are ordered put right
        rectification_issue(actor=actor, inspection=inspection, items=result.failed,
                            deadline=rectify_by, now=now)  # fmt: skip


def _deadline(inspection: Inspection, now) -> datetime.date:
    return add_working_days(timezone.localdate(now), inspection.template.rectify_days)


@transaction.atomic
def self_check_submit(
    *, actor, inspection: Inspection, answers: dict[int, Answer], opinion: str = "",
    revision: int | None = None,
) -> Inspection:  # fmt: skip
    """The enterprise submits its self-check (自查) for review; the score is computed now."""
    inspection = workflow.INSPECTIONS.lock(inspection)
    workflow.INSPECTIONS.check(inspection, actor=actor, action="submit", revision=revision)
    kept = _with_kept_photos(inspection, answers)
    result = _evaluate(inspection, answers, opinion, needs_opinion=False)
    transaction.on_commit(lambda: _delete_files(kept))
    _store_answers(inspection, result)
    return workflow.INSPECTIONS.apply(
        inspection, actor=actor, action="submit", revision=revision, locked=True,
        performed_at=timezone.now(), inspector=_user(actor), score=result.score,
        passed=result.passed, opinion=opinion.strip(), draft={},
    )  # fmt: skip


@transaction.atomic
def self_check_review(
    *, actor, inspection: Inspection, accept: bool, reason: str = "",
    revision: int | None = None, rectify_by: datetime.date | None = None,
) -> Inspection:  # fmt: skip
    """Accept a submitted self-check (a failed one opens a rectification order, as an
    inspection would) or send it back to the enterprise with the reason."""
    inspection = workflow.INSPECTIONS.lock(inspection)
    action = "accept" if accept else "send_back"
    now = timezone.now()
    inspection = workflow.INSPECTIONS.apply(
        inspection, actor=actor, action=action, reason=reason, revision=revision, locked=True,
        reviewed_by=_user(actor), reviewed_at=now,
    )  # fmt: skip
    if not accept:  # the enterprise corrects what it sent instead of starting again
        Inspection.objects.filter(pk=inspection.pk).update(draft=answers_as_draft(inspection))
    if accept:
        failed = [
            {"item": a.item.position, "text": a.item.text, "note": a.text}
            for a in inspection.answers.filter(failed=True).select_related("item")
        ]
        if failed:
            rectification_issue(
                actor=actor, inspection=inspection, items=failed, deadline=rectify_by, now=now
            )
    return inspection


def answers_as_draft(inspection: Inspection) -> dict[str, str]:
    """The stored answers and opinion as the checklist page's draft (its field names); photos
    are not part of a draft."""
    draft = {"opinion": inspection.opinion} if inspection.opinion else {}
    for answer in inspection.answers.select_related("item"):
        key = f"item_{answer.item_id}"
        if answer.item.kind == ItemKind.CHECK and answer.value:
            draft[key] = answer.value
        elif answer.item.kind == ItemKind.NUMBER and answer.number is not None:
            draft[key] = format(answer.number.normalize(), "f")
        if answer.text:
            draft[f"{key}_text"] = answer.text
    return draft


# --- rectification orders ------------------------------------------------------------------


def rectification_issue(*, actor, inspection: Inspection, items: list[dict], deadline=None,
                        now=None) -> Rectification:  # fmt: skip
    """Issue the numbered rectification order (整改通知书) of a failed inspection."""
    now = now or timezone.now()
    deadline = deadline or _deadline(inspection, now)
    if deadline < timezone.localdate(now):
        raise UserError(_("The rectification deadline cannot be in the past."), code="deadline")
    order = audited_create(
        Rectification,
        actor=actor,
        inspection=inspection,
        enterprise_id=inspection.enterprise_id,
        jurisdiction_id=inspection.jurisdiction_id,
        office=inspection.office,
        items=items,
        deadline=deadline,
        issued_at=now,
        issued_by=_user(actor),
        **_numbered(RECTIFICATION, "整改", inspection.jurisdiction, now),
    )
    event_raise(kind=events.ORDERED, subject=order, actor=actor, params=events.params(order))
    return order


@transaction.atomic
def rectification_report(
    *, actor, order: Rectification, report: str, revision: int | None = None
) -> Rectification:
    """The enterprise reports what it did; the re-inspection is planned at once, for the
    inspector of the failed inspection, on the next working day."""
    report = report.strip()
    if not report:
        raise UserError(_("Say what was done to rectify each item."), code="report")
    order = workflow.ORDERS.apply(
        order, actor=actor, action="report", revision=revision, report=report,
        reported_at=timezone.now(),
    )  # fmt: skip
    first = order.inspection
    if not order.reinspections.filter(status=InspectionStatus.PLANNED).exists():
        inspection_plan(
            actor="rectification report",
            enterprise=order.enterprise,
            kind=InspectionKind.REINSPECTION,
            template=_in_use(first.template),
            date=add_working_days(timezone.localdate(), 1),
            inspector=first.inspector if first.kind != InspectionKind.SELF_CHECK else None,
            office=order.office,
            order=order,
        )
    event_raise(kind=events.REPORTED, subject=order, actor=actor, params=events.params(order))
    return order


def _in_use(template: ChecklistTemplate) -> ChecklistTemplate:
    """The version of ``template``'s checklist in use now (itself when none is)."""
    return (
        ChecklistTemplate.objects.filter(code=template.code, is_active=True)
        .order_by("-version")
        .first()
        or template
    )


def inspection_cancel(*, actor, inspection: Inspection, reason: str, revision=None) -> Inspection:
    """Cancel a planned inspection, with the reason (the planners)."""
    kept = list(kept_photos(inspection).values())
    inspection = workflow.INSPECTIONS.apply(
        inspection, actor=actor, action="cancel", reason=reason, revision=revision, draft={}
    )
    transaction.on_commit(lambda: _delete_files(kept))
    return inspection


@transaction.atomic
def rectification_cancel(*, actor, order: Rectification, reason: str, revision=None):
    """Cancel a rectification order, with the reason (the planners), and its re-inspections
    still planned with the same reason: nothing is left to re-inspect."""
    order = workflow.ORDERS.apply(
        order, actor=actor, action="cancel", reason=reason, revision=revision
    )
    why = _("Rectification order %(number)s cancelled: %(reason)s") % {
        "number": order.number,
        "reason": reason.strip(),
    }
    for planned in order.reinspections.filter(status=InspectionStatus.PLANNED):
        inspection_cancel(actor=actor, inspection=planned, reason=why[:1000])
    return order


# --- orders to stop ------------------------------------------------------------------------


@transaction.atomic
def stop_issue(
    *, actor, enterprise, facts: str, basis: str = "", inspection: Inspection | None = None,
    order: Rectification | None = None,
) -> StopOrder:  # fmt: skip
    """Order the enterprise to stop operating (责令停业), with the facts found as its record.
    Only a planner (a command office over it, or its responsible office) may."""
    facts = facts.strip()
    if not facts:
        raise UserError(_("Write down the facts found: they are the order's record."))
    probe = inspection or order or Inspection(enterprise=enterprise,
                                              jurisdiction=enterprise.jurisdiction)  # fmt: skip
    if workflow.PLANNER not in workflow.actor_kinds(actor, probe) and not planning_offices(
        actor, enterprise
    ):
        raise NotAllowed(_("You may not order this enterprise to stop."))
    if StopOrder.objects.filter(enterprise=enterprise, status=StopStatus.IN_FORCE).exists():
        raise Conflict(_("An order to stop this enterprise is already in force."))
    now = timezone.now()
    offices = [] if isinstance(actor, str) else planning_offices(actor, enterprise)
    stop = audited_create(
        StopOrder,
        actor=actor,
        enterprise=enterprise,
        jurisdiction=enterprise.jurisdiction,
        office=(inspection.office if inspection else None) or (offices[0] if offices else None),
        inspection=inspection,
        order=order,
        facts=facts,
        basis=basis.strip(),
        issued_at=now,
        issued_by=_user(actor),
        **_numbered(STOP, "停业", enterprise.jurisdiction, now),
    )
    event_raise(kind=events.STOPPED, subject=stop, actor=actor, params=events.params(stop))
    return stop


@transaction.atomic
def stop_lift(*, actor, stop: StopOrder, reason: str, revision: int | None = None) -> StopOrder:
    """Lift an order to stop: only after a re-inspection made for it has passed."""
    passed = (
        stop.reinspections.filter(
            status=InspectionStatus.DONE, passed=True, performed_at__gte=stop.issued_at
        )  # fmt: skip
        .order_by("-performed_at")
        .first()
    )
    if passed is None:
        raise Conflict(
            _("The order can be lifted only after a re-inspection has passed: plan one first.")
        )
    return workflow.STOPS.apply(
        stop, actor=actor, action="lift", reason=reason, revision=revision,
        lifted_at=timezone.now(), lifted_by=_user(actor), lifted_on=passed,
    )  # fmt: skip
