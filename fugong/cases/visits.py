"""Visits (走访, issue 14 point 6): a cadre plans a visit to an enterprise, records what was
found (whom they met, photos) and raises requests from it; coverage targets per kind of
enterprise and period, the enterprises not visited in time listed by their cadres; and the
无事不扰 rule: no more than FUGONG_VISITS_QUIET_MAX visits to one enterprise in
FUGONG_VISITS_QUIET_DAYS days unless the enterprise asks, said when a visit is planned."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import active_memberships
from fugong.cases.models import Visit, VisitPhoto, VisitTarget
from fugong.cases.services import text_checked
from fugong.core import tree
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.files import clean_upload
from fugong.core.orphans import save_upload
from fugong.core.scope import scoped, subtree_q
from fugong.enterprises.models import Assignment, Enterprise

VISITORS = frozenset({Role.CADRE, Role.COMMAND})
PHOTO_TYPES = ("jpg", "png")
MAX_PHOTOS = 5


def may_visit(user, enterprise) -> bool:
    """Cadres (包保, liaisons, grid chiefs) and command offices whose scope holds it."""
    if not {m.role for m in active_memberships(user)} & VISITORS:
        return False
    return scoped(Enterprise.objects.filter(pk=enterprise.pk), user).exists()


def recent(enterprise, day: datetime.date):
    """The visits counted by 无事不扰 for a visit on ``day``: not cancelled, not asked for by
    the enterprise, within FUGONG_VISITS_QUIET_DAYS days before it (planned ones after it
    count too: they will happen)."""
    since = day - datetime.timedelta(days=settings.FUGONG_VISITS_QUIET_DAYS - 1)
    return Visit.objects.filter(
        enterprise=enterprise, day__gte=since, asked_by_enterprise=False
    ).exclude(state=Visit.State.CANCELLED)


def quiet_text(enterprise, day: datetime.date) -> str:
    """What the planning form says of 无事不扰 for ``enterprise`` on ``day``."""
    n = recent(enterprise, day).count()
    since = day - datetime.timedelta(days=settings.FUGONG_VISITS_QUIET_DAYS - 1)
    return _(
        "无事不扰: %(name)s has %(n)s visit(s) made or planned since %(since)s; at most "
        "%(max)s in %(days)s days unless it asks for one."
    ) % {
        "name": enterprise.name,
        "n": n,
        "days": settings.FUGONG_VISITS_QUIET_DAYS,
        "since": f"{since:%Y-%m-%d}",
        "max": settings.FUGONG_VISITS_QUIET_MAX,
    }


@transaction.atomic
def visit_plan(*, actor, enterprise, day: datetime.date, asked: bool = False) -> Visit:
    if not may_visit(actor, enterprise):
        raise NotAllowed(_("Only its cadres and the command offices above it visit it."))
    if day < timezone.localdate() - datetime.timedelta(days=30):
        raise UserError(_("Plan a visit for a day to come, or record one of this month."))
    if day > timezone.localdate() + datetime.timedelta(days=366):
        raise UserError(_("Plan a visit within the coming year."), code="day")
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()  # one at a time
    if not asked and recent(enterprise, day).count() >= settings.FUGONG_VISITS_QUIET_MAX:
        raise UserError(
            quiet_text(enterprise, day) + " " + _("Tick “the enterprise asked for it” if it did."),
            code="quiet",
        )
    return audited_create(
        Visit,
        actor=actor,
        reason=_("Visit planned"),
        enterprise=enterprise,
        jurisdiction=enterprise.jurisdiction,
        visitor=actor,
        day=day,
        asked_by_enterprise=bool(asked),
    )


@transaction.atomic
def visit_record(
    *, actor, visit: Visit, met: str, findings: str, day: datetime.date | None = None, photos=()
) -> Visit:
    """The visit was made: whom they met, what was found, photos (checked, re-encoded)."""
    if not may_visit(actor, visit.enterprise):
        raise NotAllowed(_("Only its cadres and the command offices above it visit it."))
    if visit.state == Visit.State.CANCELLED:
        raise UserError(_("This visit was cancelled."))
    findings = text_checked(findings, _("what was found"), 4000)
    met = text_checked(met, _("whom you met"), 200, required=False)
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise UserError(_("A visit is recorded once made, not before."), code="day")
    if day != visit.day and day < timezone.localdate() - datetime.timedelta(days=30):
        # (a record corrected later keeps its day)
        raise UserError(_("Plan a visit for a day to come, or record one of this month."))
    photos = list(photos)
    if len(photos) + visit.photos.count() > MAX_PHOTOS:
        raise UserError(_("At most %(n)s photos a visit.") % {"n": MAX_PHOTOS})
    cleaned = [clean_upload(p, allowed=PHOTO_TYPES, prefix="visit") for p in photos]
    visit = audited_update(
        visit,
        actor=actor,
        state=Visit.State.DONE,
        met=met,
        findings=findings,
        day=day,
    )
    for c in cleaned:
        audited_create(
            VisitPhoto,
            actor=actor,
            visit=visit,
            file=save_upload(VisitPhoto(visit=visit).file, c.content.name, c.content),
            content_type=c.kind,
            size=c.size,
        )
    return visit


def visit_cancel(*, actor, visit: Visit) -> Visit:
    if not may_visit(actor, visit.enterprise):
        raise NotAllowed(_("Only its cadres and the command offices above it visit it."))
    if visit.state != Visit.State.PLANNED:
        raise UserError(_("Only a planned visit is cancelled."))
    return audited_update(visit, actor=actor, state=Visit.State.CANCELLED)


# ---------------------------------------------------------------------------- coverage


@dataclass
class Coverage:
    target: VisitTarget
    enterprises: int = 0
    visited: int = 0
    missing: list = field(default_factory=list)  # (enterprise, [cadre names])

    @property
    def rate(self):
        from fugong.stats.figures import percent

        return percent(self.visited, self.enterprises)


def targets_for(node: Jurisdiction) -> list[VisitTarget]:
    own = tree.nearest_set(VisitTarget.objects.filter(is_active=True), node)
    return own or list(VisitTarget.objects.filter(is_active=True, jurisdiction=None))


def coverage(*, user, node: Jurisdiction, today: datetime.date | None = None, limit=200):
    """For each target of ``node``: the enterprises it covers in the user's scope, how many
    were visited in the period, and those not visited with their cadres (包保), first
    ``limit``. Two queries a target, and one for the cadres of those listed."""
    today = today or timezone.localdate()
    out = []
    for target in targets_for(node):
        qs = scoped(Enterprise.objects.filter(subtree_q("jurisdiction__path", node.path)), user)
        if target.kind == VisitTarget.Kind.KEY:
            qs = qs.filter(is_key=True)
        since = today - datetime.timedelta(days=target.days - 1)
        done = Visit.objects.filter(
            enterprise=OuterRef("pk"), state=Visit.State.DONE, day__gte=since, day__lte=today
        )
        qs = qs.annotate(seen=Exists(done))
        c = Coverage(target=target, enterprises=qs.count(), visited=qs.filter(seen=True).count())
        missing = list(qs.filter(seen=False).order_by("name")[:limit])
        cadres: dict[int, list[str]] = {}
        for enterprise_id, name, username in Assignment.objects.filter(
            enterprise__in=missing
        ).values_list("enterprise_id", "user__full_name", "user__username"):
            cadres.setdefault(enterprise_id, []).append(name or username)
        c.missing = [(e, cadres.get(e.pk, [])) for e in missing]
        out.append(c)
    return out


def my_due(user, today: datetime.date | None = None, limit: int = 100):
    """A cadre's own enterprises (包保) not visited within their target's period."""
    today = today or timezone.localdate()
    mine = Enterprise.objects.filter(assignments__user=user).distinct()
    rows = []
    for e in mine.select_related("jurisdiction")[:limit]:
        days = min((t.days for t in targets_for(e.jurisdiction) if _covers(t, e)), default=None)
        if days is None:
            continue
        last = (
            Visit.objects.filter(enterprise=e, state=Visit.State.DONE)
            .order_by("-day")
            .values_list("day", flat=True)
            .first()
        )
        if last is None or last < today - datetime.timedelta(days=days - 1):
            rows.append((e, last, days))
    return rows


def _covers(target: VisitTarget, enterprise) -> bool:
    return target.kind == VisitTarget.Kind.ALL or enterprise.is_key
