"""举报 (whistle-blowing, MISSION C3, seed 004: 鼓励企业内部职工、社会知情群众举报): a report about
an enterprise from its staff or the public, sent without login from the public page
(``tip_views``), screened by the command office of its town or street, dispatched to a
department through the requests' own routing table and working-day time limits
(``services.route``, ``services.time_limit``), replied, closed; or dismissed with the reason.

- One transition table (``TIPS``) on the core workflow engine drives the services, the
  buttons and the API's ``actions``; each step is audited and written to the tip's
  timeline (``TipEvent``).
- The reporter gets a numbered receipt (core numbering ``cases.tip`` per town and year:
  城关举报〔2026〕0001号) and a random tracking code; only its keyed hash is stored
  (``crypto.lookup_hash``), so the lookup page finds the tip by the code and nobody can
  read the code back.
- Whistle-blowers are protected: the enterprise, its park operator and its cadres never see
  a tip (``tip_list``); the contact is encrypted at rest, masked on screen and kept out of
  the audit log; the photo is re-encoded (its EXIF location dropped) and only downloaded.
"""

from __future__ import annotations

import datetime
import re
import secrets
import time
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Jurisdiction, Membership, Office
from fugong.accounts.selectors import active_memberships, is_command, office_ids
from fugong.cases import services
from fugong.cases import workflow as CW
from fugong.cases.choices import Nature, TipStatus, Urgency
from fugong.cases.models import Category, Tip, TipEvent
from fugong.core import calendar, crypto, numbering, tree
from fugong.core.audit import audited_create
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.files import clean_upload
from fugong.core.orphans import save_upload
from fugong.core.scope import get_scope, subtree_q
from fugong.core.workflow import Transition, Workflow, transition
from fugong.enterprises.models import Enterprise

S = TipStatus
NUMBERING = "cases.tip"
CODE_PURPOSE = "cases.tip_code"
# The tracking code: 12 characters without look-alikes (0/O, 1/I/L), about 59 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
PHOTO_TYPES = ("jpg", "png")
# A tip is timed as a complaint (投诉) of its category: the time-limit table's rows for that
# nature (10 working days, urgent 5, unless the category has its own).
NATURE = Nature.COMPLAINT
# The system actor of the public page in the audit log (the reporter is nobody).
REPORTER = "tips.public_page"

SCREENER = "screener"  # a command office of the tip's town or street or above it
HANDLER = "handler"  # a member of the department it is dispatched to


# ---------------------------------------------------------------------------- the table


def tip_roles(user, tip: Tip) -> set[str]:
    kinds: set[str] = set()
    above = tree.ancestor_paths(tip.jurisdiction)
    for m in active_memberships(user):
        if (
            m.role == Role.COMMAND
            and m.jurisdiction is not None
            and m.jurisdiction.path in above
            and m.jurisdiction.depth <= CW.DISPATCH_DEPTH
        ):
            kinds.add(SCREENER)
        elif (
            m.role in (Role.DEPARTMENT, Role.REVIEWER)
            and tip.lead_office_id
            and m.office_id == tip.lead_office_id
        ):
            kinds.add(HANDLER)
    return kinds


TRANSITIONS: list[Transition] = [
    transition("dispatch", _("Screen and dispatch"), [S.RECEIVED], S.DISPATCHED,
               actors=[SCREENER]),
    transition("dismiss", _("Dismiss"), [S.RECEIVED], S.DISMISSED, actors=[SCREENER],
               needs_reason=True, style="outline-danger"),
    transition("reply", _("Reply"), [S.DISPATCHED], S.REPLIED, actors=[HANDLER],
               style="success"),
    transition("send_back", _("Not enough: send back to the department"), [S.REPLIED],
               S.DISPATCHED, actors=[SCREENER], needs_reason=True, style="warning"),
    transition("close", _("Close"), [S.REPLIED], S.CLOSED, actors=[SCREENER],
               style="success"),
]  # fmt: skip

# Actions with a form of their own on the page (not a bare button).
FORM_ACTIONS = {"dispatch", "reply"}


def tip_event(tip: Tip, *, actor, action: str, before: str, reason: str = "") -> None:
    is_user = getattr(actor, "pk", None) is not None
    TipEvent.objects.create(
        tip=tip,
        actor=actor if is_user else None,
        actor_name=(actor.full_name or actor.get_username()) if is_user else "",
        action=action,
        from_status=before,
        to_status=tip.status,
        reason=reason,
    )


class TipWorkflow(Workflow):
    def lock(self, obj):
        return (
            Tip.objects.select_for_update(of=("self",))
            .select_related("jurisdiction", "category", "lead_office")
            .get(pk=obj.pk)
        )

    def record_event(self, obj, *, actor, transition, before, reason):
        tip_event(obj, actor=actor, action=transition.action, before=before, reason=reason)

    def stale(self, obj):
        return Conflict(
            gettext(
                "Someone else changed this tip while you had it open (it is now "
                "“%(status)s”). Reload the page; what you typed is still in the form."
            )
            % {"status": obj.get_status_display()}
        )

    def not_possible(self, obj, action):
        possible = self.named(action)
        label = possible[0].label if possible else action
        return Conflict(
            gettext("“%(action)s” is not possible: the tip is “%(status)s”.")
            % {"action": label, "status": obj.get_status_display()}
        )

    def refused(self, obj, t):
        return NotAllowed(gettext("You may not “%(action)s” this tip.") % {"action": t.label})

    def reason_required(self, obj, t):
        return UserError(gettext("Give the reason."), code="reason_required")


TIPS = TipWorkflow("cases.tip", TRANSITIONS, roles=tip_roles)


def available_actions(user, tip: Tip) -> list[Transition]:
    return TIPS.available(user, tip)


def overdue(tip: Tip, today: datetime.date | None = None) -> bool:
    """Past its reply date and still with the department."""
    today = today or timezone.localdate()
    return tip.status == S.DISPATCHED and tip.due is not None and tip.due < today


# ---------------------------------------------------------------------------- reading


def tip_list(user):
    """The tips ``user`` may see: the command offices' of their places (a town's, and those
    above it), the department's dispatched to it. Nobody else: an enterprise, its park
    operator and its cadres (包保, grid chiefs) never see a tip, even one about another
    enterprise."""
    qs = Tip.objects.select_related("jurisdiction", "category", "lead_office")
    scope = get_scope(user)
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    for m in active_memberships(user):
        if m.role == Role.COMMAND and m.jurisdiction is not None:
            q |= subtree_q("jurisdiction__path", m.jurisdiction.path)
    if scope.office_ids:
        q |= Q(lead_office_id__in=scope.office_ids)
    return qs.filter(q)


def is_screener(user) -> bool:
    return is_command(user)


def to_screen(user):
    """Tips waiting for screening that the user's command office sees, the oldest first."""
    if not is_screener(user):
        return Tip.objects.none()
    return tip_list(user).filter(status=S.RECEIVED).order_by("created_at", "id")


def inbox(user):
    """The department's tips to reply to, the nearest reply date first."""
    ids = office_ids(user)
    if not ids:
        return Tip.objects.none()
    return tip_list(user).filter(status=S.DISPATCHED, lead_office_id__in=ids).order_by("due", "id")


def overdue_list(user):
    """Tips past their reply date and still with a department, the longest overdue first."""
    return (
        tip_list(user)
        .filter(status=S.DISPATCHED, due__lt=timezone.localdate())
        .order_by("due", "id")
    )


def towns():
    """The towns and streets a tip may concern (the public page's choice)."""
    return (
        Jurisdiction.objects.filter(depth=CW.DISPATCH_DEPTH, is_active=True)
        .select_related("parent")
        .order_by("path")
    )


def normalize_code(text: str) -> str:
    """What the reporter typed, as the code: full-width to half-width, upper case, without
    spaces and hyphens."""
    text = unicodedata.normalize("NFKC", str(text or "")).upper()
    return re.sub(r"[\s\-]", "", text)[:40]


def show_code(code: str) -> str:
    """ABCD-EFGH-JKMN: easier to copy down."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def tip_by_code(code: str) -> Tip | None:
    """The tip whose tracking code is ``code`` (as typed), or None."""
    code = normalize_code(code)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return (
        Tip.objects.select_related("jurisdiction", "lead_office")
        .filter(code_hash=crypto.lookup_hash(code, CODE_PURPOSE))
        .first()
    )


# ---------------------------------------------------------------------------- submitting

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")


def _phone(value: str) -> str:
    value = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not value:
        return ""
    if not PHONE_RE.match(value):
        raise UserError(
            gettext("The phone number should be digits only, e.g. 13812345678."), code="phone"
        )
    return value


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def tip_submit(
    *,
    place: Jurisdiction,
    enterprise_name: str,
    text: str,
    by_staff: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    photo=None,
) -> tuple[Tip, str]:
    """A tip from the public page, numbered by its town (城关举报〔2026〕0001号), waiting for
    screening; returns it with the tracking code, which is given to the reporter once and
    stored only as a keyed hash. The photo is checked before anything is stored."""
    if place is None or place.depth != CW.DISPATCH_DEPTH or not place.is_active:
        raise UserError(gettext("Choose the town or street."), code="place")
    enterprise_name = services.text_checked(enterprise_name, gettext("the enterprise"), 200)
    text = services.text_checked(text, gettext("what you report"), 2000)
    contact_name = services.text_checked(contact_name, gettext("your name"), 50, required=False)
    contact_phone = _phone(contact_phone)
    clean = clean_upload(photo, allowed=PHOTO_TYPES, prefix="tip") if photo else None
    year = timezone.localdate().year
    sequence = numbering.take(NUMBERING, place, year)
    code = _new_code()
    while Tip.objects.filter(code_hash=crypto.lookup_hash(code, CODE_PURPOSE)).exists():
        code = _new_code()  # 31^12 codes: practically never
    tip = audited_create(
        Tip,
        actor=REPORTER,
        reason=gettext("Tip received"),
        jurisdiction=place,
        year=year,
        sequence=sequence,
        number=numbering.format_number(f"{place.name[:2]}举报", year, sequence),
        enterprise_name=enterprise_name,
        text=text,
        by_staff=bool(by_staff),
        contact_name=contact_name,
        contact_phone=contact_phone,
        photo=save_upload(Tip(year=year).photo, clean.content.name, clean.content) if clean else "",
        photo_type=clean.kind if clean else "",
        code_hash=crypto.lookup_hash(code, CODE_PURPOSE),
    )
    tip_event(tip, actor=None, action="receive", before="")
    return tip, code


# ---------------------------------------------------------------------------- the steps


# Not for a whistle-blower's report: the park operator may run the very park of the firm
# reported, and the power company is not a public authority.
NOT_FOR_TIPS = (OfficeKind.PARK_OPERATOR, OfficeKind.POWER)


def departments_for(tip: Tip):
    """The departments a screener may send ``tip`` to: the public authorities at its place or
    above with someone who can answer it (a department or reviewer member), so a tip never
    lands where nobody may open it."""
    staffed = Membership.objects.filter(
        role__in=[Role.DEPARTMENT, Role.REVIEWER], is_active=True
    ).values("office_id")
    return services.departments_for(tip).exclude(kind__in=NOT_FOR_TIPS).filter(pk__in=staffed)


def suggested(tip: Tip, category: Category | None = None) -> list[Office]:
    """What the routing table names for ``tip`` in ``category`` (the first leads)."""
    category = category or tip.category
    if category is None:
        return []
    probe = Tip(jurisdiction=tip.jurisdiction, category=category)
    allowed = set(departments_for(tip).values_list("pk", flat=True))
    return [office for office in services.route(probe) if office.pk in allowed]


@transaction.atomic
def tip_dispatch(
    *,
    actor,
    tip: Tip,
    category: Category,
    lead: Office | None = None,
    urgency: str = Urgency.NORMAL,
    enterprise: Enterprise | None = None,
    revision=None,
) -> Tip:
    """甄别转办: the screener picks the category (and may match the enterprise named); the
    tip goes to ``lead``, by default the department the routing table names for the
    category at the tip's place, with the category's time limit in working days."""
    tip = TIPS.lock(tip)
    TIPS.check(tip, actor=actor, action="dispatch", revision=revision)
    if category is None or not category.is_active:
        raise UserError(gettext("Choose a category in use."), code="category")
    if urgency not in Urgency.values:
        raise UserError(gettext("Choose the urgency."), code="urgency")
    if lead is None:
        named = suggested(tip, category)
        if not named:
            raise UserError(
                gettext(
                    "The routing table names no department for this category here: choose one."
                ),
                code="department",
            )
        lead = named[0]
    if not departments_for(tip).filter(pk=lead.pk).exists():
        raise UserError(
            gettext("Choose a department of the tip's town or above it."), code="department"
        )
    if enterprise is not None and not (
        enterprise.jurisdiction.path.startswith(tip.jurisdiction.path)
    ):
        raise UserError(
            gettext("The enterprise matched is not in the tip's town or street."),
            code="enterprise",
        )
    days = services.time_limit(category, NATURE, urgency)
    return TIPS.apply(
        tip,
        actor=actor,
        action="dispatch",
        reason=lead.name,
        locked=True,
        category=category,
        urgency=urgency,
        enterprise=enterprise,
        lead_office=lead,
        screened_by=actor,
        dispatched_at=timezone.now(),
        due=calendar.add_working_days(timezone.localdate(), days),
    )


@transaction.atomic
def tip_dismiss(*, actor, tip: Tip, reason: str, revision=None) -> Tip:
    """不予受理: the screener dismisses the tip with the reason, which the reporter reads."""
    reason = services.text_checked(reason, gettext("the reason"), 500, required=False)
    return TIPS.apply(
        tip,
        actor=actor,
        action="dismiss",
        reason=reason,
        revision=revision,
        screened_by=actor,
        dismissal=reason,
        closed_at=timezone.now(),
    )


@transaction.atomic
def tip_reply(*, actor, tip: Tip, reply: str, revision=None) -> Tip:
    """The department's answer: what it found and did (the reporter reads it); on time when
    given by the reply date."""
    reply = services.text_checked(reply, gettext("the reply"), 2000)
    tip = TIPS.lock(tip)
    return TIPS.apply(
        tip,
        actor=actor,
        action="reply",
        revision=revision,
        locked=True,
        reply=reply,
        replied_at=timezone.now(),
        on_time=tip.due is None or timezone.localdate() <= tip.due,
    )


def tip_send_back(*, actor, tip: Tip, reason: str, revision=None) -> Tip:
    """The screener finds the reply not enough: back to the department (the reply date
    stays)."""
    reason = services.text_checked(reason, gettext("the reason"), 500, required=False)
    return TIPS.apply(tip, actor=actor, action="send_back", reason=reason, revision=revision)


def tip_close(*, actor, tip: Tip, revision=None) -> Tip:
    return TIPS.apply(tip, actor=actor, action="close", revision=revision, closed_at=timezone.now())


def mask_name(name: str) -> str:
    """张三丰 -> 张**: the family name only."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def contact_read(*, actor, tip: Tip) -> dict[str, str]:
    """The reporter's contact in full, for the screener or the handling department to call
    back; the reading is written to the tip's timeline (who and when)."""
    if not tip_roles(actor, tip) & {SCREENER, HANDLER}:
        raise NotAllowed(gettext("Only the screening office and the handling department see it."))
    tip_event(tip, actor=actor, action="contact_read", before=tip.status)
    return {"name": tip.contact_name, "phone": tip.contact_phone}


# ---------------------------------------------------------------------------- rate limit


def over_limit(key: str, *, limit: int, window: int) -> bool:
    """Count one more hit of ``key`` in the current window of ``window`` seconds on the
    project's cache (Redis in production: its INCR is atomic) and say whether the hits now
    pass ``limit``. A fixed window: at most twice the limit across a window's edge."""
    bucket = int(time.time() // window)
    name = f"fugong:limit:{key}:{bucket}"
    cache.add(name, 0, timeout=window + 5)
    try:
        hits = cache.incr(name)
    except ValueError:  # expired between the two calls
        cache.set(name, 1, timeout=window + 5)
        hits = 1
    return hits > limit


def submit_limit() -> tuple[int, int]:
    """(tips, seconds): how many tip submissions one client address may send in a window."""
    return getattr(settings, "FUGONG_TIPS_PER_HOUR", 10), 3600


def lookup_limit() -> tuple[int, int]:
    """(lookups, seconds) by one client address: tracking codes are not to be guessed."""
    return getattr(settings, "FUGONG_TIP_LOOKUPS_PER_10_MINUTES", 30), 600
