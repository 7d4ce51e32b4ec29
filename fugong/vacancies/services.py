"""Writing vacancies and the enterprises' board settings. Every write checks that the actor
may write the enterprise's vacancies (``selectors.writable_enterprises``), applies the rules
of ``clean_values`` (the same for the forms, the import and the API), keeps the copied columns
(industry, listed, search key) current and leaves an audit row per vacancy."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction, phone_validator
from fugong.core.audit import audited_create, audited_update, record_many, snapshot_values
from fugong.core.concurrency import ensure_current
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.models import AuditAction
from fugong.core.text import clean_text
from fugong.core.tree import paths_to
from fugong.enterprises.models import Enterprise
from fugong.vacancies import selectors
from fugong.vacancies.choices import TRANSITIONS, Education, VacancyStatus
from fugong.vacancies.models import BoardSetting, Vacancy
from fugong.vacancies.search import search_key

DEFAULT_DAYS = 30  # a vacancy is open this long unless the enterprise says otherwise
MAX_DAYS = 180  # and at most this long ahead
MAX_HEADCOUNT = 10_000
MAX_PAY = 1_000_000
AGE_RANGE = (16, 75)
TEXT_FIELDS = {"post": 60, "address": 200, "skills": 2000, "contact_name": 60}
EDITABLE = (
    "post", "headcount", "filled", "pay_min", "pay_max", "place", "address", "education",
    "age_min", "age_max", "skills", "contact_name", "contact_phone", "expires_on",
)  # fmt: skip


def default_expiry(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=DEFAULT_DAYS)


def _int(values: dict, name: str, label: str, low: int, high: int) -> int | None:
    value = values.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise UserError(_("%(field)s: write a whole number.") % {"field": label}) from None
    if not low <= number <= high:
        raise UserError(
            _("%(field)s: between %(low)s and %(high)s.")
            % {"field": label, "low": low, "high": high}
        )
    return number


def clean_values(values: dict[str, Any], *, current: Vacancy | None = None) -> dict[str, Any]:
    """``values`` checked and normalised, or ``UserError`` with the first rule broken, in a
    sentence naming the field. Fields absent from ``values`` keep ``current``'s."""
    out: dict[str, Any] = {}
    base = (
        {name: getattr(current, name) for name in EDITABLE if name != "place"}
        if current is not None
        else {}
    )
    merged = {**base, **values}
    for name, length in TEXT_FIELDS.items():
        if name in values:
            out[name] = clean_text(values[name], length + 1)
            if len(out[name]) > length:
                raise UserError(
                    _("%(field)s: at most %(n)s characters.")
                    % {"field": str(Vacancy._meta.get_field(name).verbose_name), "n": length}
                )
    post = out.get("post", merged.get("post") or "")
    out["post"] = post
    if not post:
        raise UserError(_("Post: name the post, e.g. 普工 or 电焊工."))
    headcount = _int(merged, "headcount", _("People needed"), 1, MAX_HEADCOUNT)
    if headcount is None:
        raise UserError(_("People needed: say how many people the post needs."))
    filled = _int(merged, "filled", _("Filled so far"), 0, MAX_HEADCOUNT) or 0
    if filled > headcount:
        raise UserError(
            _("Filled so far: %(filled)s is more than the %(needed)s people needed.")
            % {"filled": filled, "needed": headcount}
        )
    pay_min = _int(merged, "pay_min", _("Pay from"), 0, MAX_PAY)
    pay_max = _int(merged, "pay_max", _("Pay up to"), 0, MAX_PAY)
    if pay_min is not None and pay_max is not None and pay_min > pay_max:
        raise UserError(_("Pay: the lower end (%(low)s) is above the upper end (%(high)s).")
                        % {"low": pay_min, "high": pay_max})  # fmt: skip
    age_min = _int(merged, "age_min", _("Age from"), *AGE_RANGE)
    age_max = _int(merged, "age_max", _("Age up to"), *AGE_RANGE)
    if age_min is not None and age_max is not None and age_min > age_max:
        raise UserError(_("Age: the lower end (%(low)s) is above the upper end (%(high)s).")
                        % {"low": age_min, "high": age_max})  # fmt: skip
    out.update(headcount=headcount, filled=filled, pay_min=pay_min, pay_max=pay_max,
               age_min=age_min, age_max=age_max)  # fmt: skip
    education = merged.get("education") or ""
    if education not in ("", *Education.values):
        raise UserError(_("Education: not one of the levels offered."))
    out["education"] = education
    phone = clean_text(merged.get("contact_phone") or "", 21).replace(" ", "")
    if phone:
        try:
            phone_validator(phone)
        except ValidationError as exc:
            raise UserError(_("Contact phone: %(reason)s") % {"reason": exc.messages[0]}) from None
    out["contact_phone"] = phone
    place = values.get("place")
    if place is not None:
        if not isinstance(place, Jurisdiction):
            place = Jurisdiction.objects.filter(pk=place, is_active=True).first()
        if place is None or not place.is_active or place.depth < 2:
            raise UserError(_("Place of work: choose a county, town, street or village."))
        out["place"] = place
    expires = merged.get("expires_on")
    today = timezone.localdate()
    if expires in (None, ""):
        expires = default_expiry(today)
    if not isinstance(expires, datetime.date):
        raise UserError(_("Open until: write a date such as 2026-03-31."))
    changed = current is None or expires != current.expires_on
    if changed and expires < today:
        raise UserError(_("Open until: the day has passed; choose today or a later day."))
    if expires > today + datetime.timedelta(days=MAX_DAYS):
        raise UserError(
            _("Open until: at most %(n)s days ahead (%(day)s); post it again later if needed.")
            % {"n": MAX_DAYS, "day": (today + datetime.timedelta(days=MAX_DAYS)).isoformat()}
        )
    out["expires_on"] = expires
    return out


def _require_writer(actor, enterprise_id: int) -> None:
    if not selectors.may_write(actor, enterprise_id):
        raise NotAllowed(
            _("Only the enterprise's own users and the human resources bureau over it may change its vacancies.")
        )  # fmt: skip


def _listed(enterprise_id: int) -> bool:
    setting = BoardSetting.objects.filter(enterprise_id=enterprise_id).only("public").first()
    return True if setting is None else setting.public


PLACE_DEPTH = 4  # a vacancy's place by default: the enterprise's village or community


def default_places(jurisdictions: Iterable[Jurisdiction]) -> dict[int, int]:
    """Jurisdiction id -> the id of its village or community (itself when as high or higher):
    a grid is not a place a job seeker knows. One query."""
    jurisdictions = list(jurisdictions)
    wanted = {j.pk: paths_to(j.path)[PLACE_DEPTH] for j in jurisdictions if j.depth > PLACE_DEPTH}
    ids = dict(Jurisdiction.objects.filter(path__in=set(wanted.values())).values_list("path", "pk"))
    return {j.pk: ids.get(wanted.get(j.pk), j.pk) for j in jurisdictions}


def place_texts(place_ids: Iterable[int]) -> dict[int, str]:
    """Place id -> what the search key holds of it: its town's name and its own. Two
    queries."""
    places = list(Jurisdiction.objects.filter(pk__in=set(place_ids)).only("pk", "name", "path"))
    towns = {p.pk: paths_to(p.path)[3] for p in places if len(paths_to(p.path)) > 4}
    names = dict(
        Jurisdiction.objects.filter(path__in=set(towns.values())).values_list("path", "name")
    )
    return {p.pk: f"{names.get(towns.get(p.pk), '')}{p.name}" for p in places}


PLACE_RELATED = "place__parent__parent"


def place_text(place: Jurisdiction) -> str:
    """The place as ``place_texts`` gives it (its town's name and its own) from the place and
    its parents: no query when they are selected with it (``PLACE_RELATED``)."""
    town = place
    while town.depth > 3 and town.parent_id:
        town = town.parent
    return f"{town.name}{place.name}" if place.depth > 3 and town.depth == 3 else place.name


def _copied(enterprise: Enterprise, place: Jurisdiction, post: str) -> dict:
    """The columns copied from the enterprise for the board's filters and search."""
    return {
        "industry_section": selectors.enterprise_section(enterprise),
        "listed": _listed(enterprise.pk),
        "search_key": search_key(post, enterprise.name, place_texts([place.pk])[place.pk]),
    }


def _enterprise(pk: int) -> Enterprise:
    return Enterprise.objects.select_related("jurisdiction", "industry__parent").get(pk=pk)


def _stale() -> Conflict:
    return Conflict(
        _("Someone else changed this vacancy while you had it open. Reload the page; what you typed is still in the form."),
        code="stale",
    )  # fmt: skip


@transaction.atomic
def vacancy_save(
    *, actor, enterprise: Enterprise | None = None, vacancy: Vacancy | None = None,
    revision=None, publish: bool = False, **values,
) -> Vacancy:  # fmt: skip
    """Create a vacancy of ``enterprise`` (a draft; published at once with ``publish``) or
    change ``vacancy``. ``values``: the ``EDITABLE`` fields (absent ones kept)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if vacancy is None:
        if enterprise is None:
            raise ValueError("a new vacancy needs its enterprise")
        _require_writer(actor, enterprise.pk)
        enterprise = _enterprise(enterprise.pk)
        if values.get("place") is None:
            home = enterprise.jurisdiction
            values["place"] = Jurisdiction.objects.get(pk=default_places([home])[home.pk])
        clean = clean_values(values)
        now = timezone.now()
        created = audited_create(
            Vacancy, actor=actor, enterprise=enterprise,
            created_by=actor if getattr(actor, "pk", None) else None,
            status=VacancyStatus.PUBLISHED if publish else VacancyStatus.DRAFT,
            published_at=now if publish else None,
            **clean, **_copied(enterprise, clean["place"], clean["post"]),
        )  # fmt: skip
        selectors.forget_choices()
        return created
    _require_writer(actor, vacancy.enterprise_id)
    locked = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    ensure_current(locked, revision, field="revision", conflict=_stale)
    if "place" in values and values["place"] is None:
        values.pop("place")
    clean = clean_values(values, current=locked)
    enterprise = _enterprise(locked.enterprise_id)
    place = clean.get("place") or locked.place
    changes = {**clean, **_copied(enterprise, place, clean.get("post") or locked.post)}
    changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
    if publish and locked.status != VacancyStatus.PUBLISHED:
        changes.update(status=VacancyStatus.PUBLISHED, published_at=timezone.now())
    if not changes:
        return locked
    saved = audited_update(locked, actor=actor, revision=locked.revision + 1, **changes)
    selectors.forget_choices()
    return saved


@transaction.atomic
def vacancy_set_status(*, actor, vacancy: Vacancy, status: str, revision=None) -> Vacancy:
    """Publish, close or reopen. Publishing an expired vacancy opens it again for the default
    period."""
    _require_writer(actor, vacancy.enterprise_id)
    locked = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    ensure_current(locked, revision, field="revision", conflict=_stale)
    if (locked.status, status) not in TRANSITIONS:
        raise UserError(
            _("A vacancy that is %(now)s cannot become %(then)s.")
            % {"now": locked.get_status_display(), "then": VacancyStatus(status).label
               if status in VacancyStatus.values else status},
            code="transition",
        )  # fmt: skip
    changes: dict[str, Any] = {"status": status, "revision": locked.revision + 1}
    if status == VacancyStatus.PUBLISHED:
        changes["published_at"] = timezone.now()
        if locked.expires_on < timezone.localdate():
            changes["expires_on"] = default_expiry()
    saved = audited_update(locked, actor=actor, **changes)
    selectors.forget_choices()
    return saved


@transaction.atomic
def vacancy_fill(*, actor, vacancy: Vacancy, filled: int, revision=None) -> Vacancy:
    """The enterprise says how many of the people needed it has found."""
    return vacancy_save(actor=actor, vacancy=vacancy, revision=revision, filled=filled)


@transaction.atomic
def board_setting_set(*, actor, enterprise: Enterprise, public: bool) -> BoardSetting:
    """Whether the enterprise's vacancies appear on the public job board; its vacancies'
    ``listed`` follows (one audited update per vacancy changed)."""
    _require_writer(actor, enterprise.pk)
    setting = BoardSetting.objects.select_for_update().filter(enterprise=enterprise).first()
    if setting is None:
        setting = audited_create(BoardSetting, actor=actor, enterprise=enterprise, public=public)
    else:
        setting = audited_update(setting, actor=actor, public=public)
    changed = list(Vacancy.objects.filter(enterprise=enterprise).exclude(listed=public))
    if changed:
        Vacancy.objects.filter(pk__in=[v.pk for v in changed]).update(listed=public)
        record_many(
            actor=actor, model=Vacancy,
            changes=((v.pk, v.post, AuditAction.UPDATE, {"listed": not public},
                      {"listed": public}) for v in changed),
            reason=_("The enterprise's job board setting"),
        )  # fmt: skip
    selectors.forget_choices()
    return setting


def board_public(enterprise_id: int) -> bool:
    return _listed(enterprise_id)


# --- many at once (the import, demo data, benchmarks) ---------------------------------------


@transaction.atomic
def vacancies_bulk_create(*, actor, rows: Iterable[dict], reason: str = "") -> int:
    """Create vacancies from checked rows (``clean_values`` output plus ``enterprise_id``,
    and ``status``/``published_at`` when not a draft) in bulk, one audit row each. The
    copied columns are computed here, each enterprise and place read once."""
    rows = list(rows)
    if not rows:
        return 0
    enterprises = {
        e.pk: e
        for e in Enterprise.objects.filter(pk__in={r["enterprise_id"] for r in rows})
        .select_related("industry__parent")
        .only("pk", "name", "jurisdiction_id", "industry__code", "industry__level",
              "industry__parent__code")
    }  # fmt: skip
    hidden = set(
        BoardSetting.objects.filter(enterprise_id__in=enterprises, public=False).values_list(
            "enterprise_id", flat=True
        )
    )
    homes = default_places(
        Jurisdiction.objects.filter(pk__in={e.jurisdiction_id for e in enterprises.values()})
    )
    place_ids = {r.get("place_id") or homes[enterprises[r["enterprise_id"]].jurisdiction_id]
                 for r in rows}  # fmt: skip
    places = place_texts(place_ids)
    objects = []
    for r in rows:
        e = enterprises[r["enterprise_id"]]
        values = dict(r)
        place_id = values.pop("place_id", None) or homes[e.jurisdiction_id]
        values.pop("place", None)
        objects.append(
            Vacancy(
                place_id=place_id,
                industry_section=selectors.enterprise_section(e),
                listed=e.pk not in hidden,
                search_key=search_key(values["post"], e.name, places.get(place_id, "")),
                created_by=actor if getattr(actor, "pk", None) else None,
                **values,
            )
        )
    created = Vacancy.objects.bulk_create(objects, batch_size=2000)
    record_many(
        actor=actor, model=Vacancy,
        changes=((v.pk, v.post, AuditAction.CREATE, None,
                  snapshot_values(Vacancy, v.__dict__, skip_empty=True)) for v in created),
        reason=reason,
    )  # fmt: skip
    selectors.forget_choices()
    return len(created)
