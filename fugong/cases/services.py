"""Every change to a request: raise it (numbered by its town), dispatch it by the routing
table, sign for it or return it, reply, rate or reopen, withdraw; extension requests decided
by the dispatcher; the dispatcher's callbacks; attachments. Each step goes through the one
transition table (``workflow.CASES``) and is audited; the notifications follow the steps
(``events``)."""

from __future__ import annotations

import datetime
import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction, Office
from fugong.accounts.selectors import active_memberships
from fugong.cases import events
from fugong.cases import workflow as W
from fugong.cases.choices import (
    WITH_DEPARTMENT,
    ExtensionStatus,
    Nature,
    Rating,
    RouteLevel,
    Source,
    Status,
    Urgency,
)
from fugong.cases.models import (
    Callback,
    Case,
    CaseAttachment,
    CaseNote,
    Category,
    Extension,
    Route,
    TimeLimit,
    Urge,
)
from fugong.core import calendar, numbering, tree
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.files import clean_upload
from fugong.core.orphans import save_upload
from fugong.core.permissions import general_refusal
from fugong.core.scope import scoped
from fugong.enterprises.models import Assignment
from fugong.notifications.services import event_raise

NUMBERING = "cases.case"
URGE_NUMBERING = "cases.urge"
# Working days between two urgings of one request (each one a level higher).
URGE_EVERY = 3
ATTACHMENT_TYPES = ("pdf", "jpg", "png", "docx", "xlsx")
MAX_ATTACHMENTS = 5
COUNTY_DEPTH = 2
# Fallback working days when no time limit row matches (a help request's).
DEFAULT_DAYS = 5


# ------------------------------------------------------------------------ who may raise


RAISERS = frozenset({Role.ENTERPRISE, Role.PARK_OPERATOR, Role.CADRE, Role.COMMAND})


def may_raise(user, enterprise) -> bool:
    """The enterprise's own users and its park operator, the cadres assigned to it (包保,
    liaisons), and the grid chiefs and command offices whose place holds it."""
    roles = {m.role for m in active_memberships(user)}
    if not roles & RAISERS:
        return False
    return scoped(type(enterprise).objects.filter(pk=enterprise.pk), user).exists()


def _source_for(user, enterprise, asked: str | None) -> str:
    if asked == Source.VISIT:
        return Source.VISIT
    own = user.memberships.filter(is_active=True, enterprise=enterprise).exists()
    return Source.ENTERPRISE if own else Source.ON_BEHALF


# ------------------------------------------------------------------------ the tables


def time_limit(category: Category, nature: str, urgency: str) -> int:
    """The working days for a request of ``category``, ``nature`` and ``urgency``: the row
    for the category if there is one, else the row for any category."""
    rows = {
        row.category_id: row.days
        for row in TimeLimit.objects.filter(nature=nature, urgency=urgency)
    }
    return rows.get(category.pk, rows.get(None, DEFAULT_DAYS))


_above = tree.at_depth  # the place at a depth on the way up (itself when higher)


def town_of(place: Jurisdiction) -> Jurisdiction:
    """The request's town or street: it numbers the request and dispatches it first."""
    return _above(place, W.DISPATCH_DEPTH)


def route(case: Case) -> list[Office]:
    """The departments the routing table names for ``case`` (the first leads): the rows of
    the nearest place at or above the request's with rows of its own, else the default
    table; each row's department is the nearest active office of its kind at the row's
    level or above."""
    rows = tree.nearest_set(
        Route.objects.filter(category=case.category, is_active=True), case.jurisdiction
    )
    if not rows:
        rows = list(Route.objects.filter(category=case.category, is_active=True, jurisdiction=None))
    offices: list[Office] = []
    town = town_of(case.jurisdiction)
    county = _above(case.jurisdiction, COUNTY_DEPTH)
    for row in rows:
        start = town if row.level == RouteLevel.TOWN else county
        office = tree.nearest(Office.objects.filter(kind=row.office_kind, is_active=True), start)
        if office is not None and office not in offices:
            offices.append(office)
    return offices


def departments_for(case: Case):
    """The departments a dispatcher may send ``case`` to: active handling offices at the
    request's place or above it."""
    return Office.objects.filter(
        is_active=True, jurisdiction__path__in=tree.ancestor_paths(case.jurisdiction)
    ).order_by("jurisdiction__depth", "kind", "name")


# ------------------------------------------------------------------------ raising


def _text(value, field: str, limit: int, *, required: bool = True) -> str:
    """Typed text without control characters (PostgreSQL refuses NUL), trimmed; a sentence
    when it is missing (``required``) or longer than ``limit``, never cut silently."""
    value = "".join(
        ch for ch in str(value or "") if ch in "\t\n\r" or unicodedata.category(ch) != "Cc"
    ).strip()
    if not value and required:
        raise UserError(_("Fill in %(field)s.") % {"field": field}, code="required")
    if len(value) > limit:
        raise UserError(
            _("%(field)s is longer than %(n)s characters.") % {"field": field, "n": limit},
            code="too_long",
        )
    return value


text_checked = _text


@transaction.atomic
def case_raise(
    *,
    actor,
    enterprise,
    category: Category,
    title: str,
    text: str,
    nature: str = Nature.HELP,
    urgency: str = Urgency.NORMAL,
    source: str | None = None,
    uploads=(),
    visit=None,
) -> Case:
    """A new request of ``enterprise``, numbered by its town (诉〔2026〕0001号), waiting for
    dispatch. Its files are checked before anything is stored."""
    if not may_raise(actor, enterprise):
        raise NotAllowed(_("Only the enterprise, its liaison or its cadres raise its requests."))
    if not category.is_active:
        raise UserError(_("Choose a category in use."), code="category")
    if nature not in Nature.values or urgency not in Urgency.values:
        raise UserError(_("Choose the nature and the urgency."), code="nature")
    title = _text(title, _("the title"), 100)
    text = _text(text, _("what is asked"), 4000)
    uploads = list(uploads)
    if len(uploads) > MAX_ATTACHMENTS:
        raise UserError(
            _("At most %(n)s files a request.") % {"n": MAX_ATTACHMENTS}, code="too_many"
        )
    if visit is not None:
        if visit.enterprise_id != enterprise.pk:
            raise UserError(_("The visit was to another enterprise."), code="visit")
        source = Source.VISIT
    files = [clean_upload(u, allowed=ATTACHMENT_TYPES, prefix="case") for u in uploads]
    place = enterprise.jurisdiction
    town = town_of(place)
    year = timezone.localdate().year
    sequence = numbering.take(NUMBERING, town, year)
    case = audited_create(
        Case,
        actor=actor,
        reason=_("Request raised"),
        jurisdiction=place,
        issuer=town,
        year=year,
        sequence=sequence,
        number=numbering.format_number(f"{town.name[:2]}诉", year, sequence),
        enterprise=enterprise,
        raised_by=actor,
        source=_source_for(actor, enterprise, source),
        category=category,
        nature=nature,
        urgency=urgency,
        title=title,
        text=text,
        visit=visit,
    )
    W.case_event(case, actor=actor, action="raise", before="")
    for clean in files:  # each file audited, as a filing's attachments are
        _attach(case, clean, actor=actor)
    if settings.FUGONG_CASES_AUTO_DISPATCH:
        offices = route(case)
        if offices:
            return case_dispatch(actor="routing table", case=case, lead=offices[0], co=offices[1:])
    event_raise(kind=events.RAISED, subject=case, actor=actor, params=events.params(case))
    return case


# ------------------------------------------------------------------------ the steps


def _due_from(day: datetime.date, case: Case) -> datetime.date:
    return calendar.add_working_days(day, time_limit(case.category, case.nature, case.urgency))


@transaction.atomic
def case_dispatch(*, actor, case: Case, lead: Office, co=(), revision=None) -> Case:
    """转办: the request goes to ``lead`` (which replies) and ``co`` (which help and see it);
    its time limit starts."""
    case = W.CASES.lock(case)
    W.CASES.check(case, actor=actor, action="dispatch", revision=revision)
    allowed = set(departments_for(case).values_list("pk", flat=True))
    chosen = [lead, *[o for o in co if o.pk != lead.pk]]
    if any(o.pk not in allowed for o in chosen):
        raise UserError(
            _("Choose departments of the request's place or above it."), code="department"
        )
    case.offices.set(chosen)
    return W.CASES.apply(
        case,
        actor=actor,
        action="dispatch",
        reason=", ".join(o.name for o in chosen),
        locked=True,
        lead_office=lead,
        dispatched_at=timezone.now(),
        due=_due_from(timezone.localdate(), case),
    )


def _step(case: Case, *, actor, action: str, reason: str = "", revision=None, **changes) -> Case:
    return W.CASES.apply(
        case, actor=actor, action=action, reason=reason, revision=revision, **changes
    )


def case_accept(*, actor, case: Case, revision=None) -> Case:
    """承办: the lead department signs for the request."""
    return _step(case, actor=actor, action="accept", revision=revision)


@transaction.atomic
def case_return(*, actor, case: Case, reason: str, revision=None) -> Case:
    """The lead department returns a mis-routed request to the dispatcher, with the reason;
    it no longer sees it once re-routed elsewhere."""
    case = W.CASES.lock(case)
    W.CASES.check(case, actor=actor, action="return", reason=reason, revision=revision)
    lead = case.lead_office
    case = W.CASES.apply(
        case,
        actor=actor,
        action="return",
        reason=reason,
        locked=True,
        lead_office=None,
        due=None,
    )
    case.offices.remove(lead)
    return case


@transaction.atomic
def case_reply(*, actor, case: Case, reply: str, revision=None) -> Case:
    """办结: the lead department's answer; on time when given by the reply date."""
    reply = _text(reply, _("the reply"), 4000)
    case = W.CASES.lock(case)
    today = timezone.localdate()
    return W.CASES.apply(
        case,
        actor=actor,
        action="reply",
        revision=revision,
        locked=True,
        reply=reply,
        replied_at=timezone.now(),
        on_time=case.due is None or today <= case.due,
    )


@transaction.atomic
def case_rate(*, actor, case: Case, rating: str, reason: str = "", revision=None) -> Case:
    """评价: the enterprise rates the reply once. 不满意 (with its reason) sends the request
    back to the same department the first time, with a new time limit; the second time it
    closes as unsatisfied."""
    if rating not in Rating.values:
        raise UserError(_("Choose satisfied, basically satisfied or unsatisfied."), code="rating")
    reason = _text(reason, _("the reason"), 500, required=False)
    if rating == Rating.UNSATISFIED and not reason:
        raise UserError(_("Say why you are not satisfied."), code="reason_required")
    case = W.CASES.lock(case)
    if rating == Rating.UNSATISFIED and not case.reopened:
        return W.CASES.apply(
            case,
            actor=actor,
            action="reopen",
            reason=reason,
            revision=revision,
            locked=True,
            reopened=True,
            rating=Rating.UNSATISFIED,
            rating_reason=reason,
            due=_due_from(timezone.localdate(), case),
        )
    return W.CASES.apply(
        case,
        actor=actor,
        action="rate",
        reason=reason,
        revision=revision,
        locked=True,
        rating=rating,
        rating_reason=reason,
        closed_at=timezone.now(),
    )


def case_withdraw(*, actor, case: Case, reason: str, revision=None) -> Case:
    return _step(case, actor=actor, action="withdraw", reason=reason, revision=revision)


# ------------------------------------------------------------------------ extensions


@transaction.atomic
def extension_ask(*, actor, case: Case, days: int, reason: str) -> Extension:
    """The lead department asks for ``days`` more working days, with the reason; one
    waiting request at a time."""
    case = W.CASES.lock(case)
    if W.HANDLER not in W.actor_kinds(actor, case) or case.status not in WITH_DEPARTMENT:
        raise NotAllowed(_("Only the handling department asks for more time, while handling."))
    if not 1 <= int(days) <= 30:
        raise UserError(_("Ask for 1 to 30 working days."), code="days")
    reason = _text(reason, _("the reason"), 500)
    if case.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise UserError(_("An extension request waits for the dispatcher already."))
    extension = audited_create(
        Extension,
        actor=actor,
        reason=_("More time asked"),
        why=reason,
        case=case,
        office=case.lead_office,
        days=int(days),
        asked_by=actor,
    )
    event_raise(
        kind=events.EXTENSION_ASKED,
        subject=extension,
        actor=actor,
        params=events.extension_params(extension),
    )
    return extension


@transaction.atomic
def extension_decide(*, actor, extension: Extension, approve: bool) -> Extension:
    """The dispatcher approves (the reply date moves by the days asked) or refuses."""
    case = W.CASES.lock(extension.case)
    if W.DISPATCHER not in W.actor_kinds(actor, case):
        raise NotAllowed(_("Only the request's dispatcher decides on more time."))
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise UserError(_("This extension request was decided already."))
    if approve and case.due:
        audited_update(
            case,
            actor=actor,
            reason=_("Extension approved"),
            due=calendar.add_working_days(case.due, extension.days),
            revision=case.revision + 1,
        )
    extension = audited_update(
        extension,
        actor=actor,
        status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    event_raise(
        kind=events.EXTENSION_DECIDED,
        subject=extension,
        actor=actor,
        params=events.extension_params(extension),
    )
    return extension


# ------------------------------------------------------------------------ callbacks


def callback_log(*, actor, case: Case, note: str, reached: bool = True) -> Callback:
    """回访: the dispatcher's call back to the enterprise, logged."""
    if W.DISPATCHER not in W.actor_kinds(actor, case):
        raise NotAllowed(_("Only the request's dispatcher logs callbacks."))
    note = _text(note, _("what was said"), 1000)
    return audited_create(
        Callback, actor=actor, case=case, by=actor, note=note, reached=bool(reached)
    )


def assigned_cadres(case: Case) -> list[int]:
    return list(
        Assignment.objects.filter(enterprise_id=case.enterprise_id).values_list(
            "user_id", flat=True
        )
    )


# ------------------------------------------------------------------------ 督办


def escalate_overdue(*, today: datetime.date | None = None) -> int:
    """督办: each request past its reply date and still with a department is escalated one
    level up the tree (its town's county first, then the city, the province), every
    URGE_EVERY working days while it stays overdue: the command office of that level issues
    a numbered 催办通知书 to the department, told at once. Returns how many were issued."""
    today = today or timezone.localdate()
    issued = 0
    overdue = Case.objects.filter(status__in=WITH_DEPARTMENT, due__lt=today).values_list(
        "pk", flat=True
    )
    for pk in list(overdue):
        issued += _urge(pk, today) is not None
    return issued


@transaction.atomic
def _urge(pk: int, today: datetime.date) -> Urge | None:
    case = W.CASES.lock(Case(pk=pk))
    if case.status not in WITH_DEPARTMENT or case.due is None or case.due >= today:
        return None  # replied or extended meanwhile
    last = case.urges.order_by("-level").first()
    if last is not None:
        again = calendar.add_working_days(timezone.localdate(last.issued_at), URGE_EVERY)
        if today < again:
            return None
    level = case.escalation + 1
    depth = town_of(case.jurisdiction).depth - level
    if depth < 0:
        return None  # urged up to the top of the tree already
    issuer = _above(case.jurisdiction, depth)
    year = today.year
    sequence = numbering.take(URGE_NUMBERING, issuer, year)
    urge = audited_create(
        Urge,
        actor="escalation",
        case=case,
        level=level,
        issuer=issuer,
        office=case.lead_office,
        year=year,
        sequence=sequence,
        number=numbering.format_number(f"{issuer.name[:2]}催办", year, sequence),
        due_was=case.due,
    )
    audited_update(case, actor="escalation", reason=urge.number, escalation=level)
    event_raise(kind=events.URGED, subject=urge, params=events.urge_params(urge))
    return urge


def note_add(*, actor, case: Case, text: str) -> CaseNote:
    """A step of the handling, logged by the lead or a co-handling department while the
    request is with them (帮办代办: each step of the procedure)."""
    kinds = W.actor_kinds(actor, case)
    if not kinds & {W.HANDLER, W.CO_HANDLER} or case.status not in WITH_DEPARTMENT:
        raise NotAllowed(_("Only its departments log steps, while handling it."))
    text = _text(text, _("the step"), 1000)
    return audited_create(
        CaseNote, actor=actor, case=case, by=actor, office=W.office_of(actor, case), text=text
    )


# ------------------------------------------------------------------------ attachments


@transaction.atomic
def attachment_add(*, actor, case: Case, upload) -> CaseAttachment:
    """A file added to a request after it was raised (the API's ``POST …/files``): by the
    enterprise's side while it is open or waiting for the rating, by its departments while
    they handle it; checked as at raising (``clean_upload``), MAX_ATTACHMENTS a request."""
    case = W.CASES.lock(case)
    kinds = W.actor_kinds(actor, case)
    enterprise_side = W.ENTERPRISE in kinds and case.status not in (Status.CLOSED, Status.WITHDRAWN)
    department = bool(kinds & {W.HANDLER, W.CO_HANDLER}) and case.status in WITH_DEPARTMENT
    if not (enterprise_side or department):
        raise NotAllowed(general_refusal())
    if case.attachments.count() >= MAX_ATTACHMENTS:
        raise UserError(
            _("At most %(n)s files a request.") % {"n": MAX_ATTACHMENTS}, code="too_many"
        )
    return _attach(case, clean_upload(upload, allowed=ATTACHMENT_TYPES, prefix="case"), actor=actor)


def _attach(case: Case, clean, *, actor) -> CaseAttachment:
    """Store a checked file (``core.files.clean_upload``'s) on the request, audited."""
    return audited_create(
        CaseAttachment,
        actor=actor,
        case=case,
        file=save_upload(CaseAttachment(case=case).file, clean.content.name, clean.content),
        filename=clean.filename,
        content_type=clean.kind,
        size=clean.size,
        uploaded_by=actor,
    )
