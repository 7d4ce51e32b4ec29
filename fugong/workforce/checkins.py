"""The daily check-in (体温监测 twice a day, issue 13 point 4): from the employee's phone page
or, in bulk, from the enterprise's own attendance or HR system. One row per person and
half-day, whatever is retried: a submission sent again with its idempotency key is the same
row. An abnormal reading (≥ 37.3 °C or a symptom) tells the enterprise and its grid chief at
once through the notification engine and revokes the person's pass."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.crypto import lookup_hash
from fugong.core.errors import NotAllowed, UserError
from fugong.notifications.services import event_raise
from fugong.workforce import services
from fugong.workforce.choices import Half, Location, Source, Symptom, WorkStatus
from fugong.workforce.events import ABNORMAL, CHECKIN_REMINDER
from fugong.workforce.models import CheckIn, Employee

ABNORMAL_TENTHS = 373  # 37.3 °C
# The actor of a check-in whose person proved their phone with a one-time code.
PROVED_BY_PHONE = "phone-code"
LOWEST, HIGHEST = 340, 430  # 34-43 °C: outside it the thermometer was misread
BULK_MAX = 5000
ALL_SYMPTOMS = sum(Symptom.values)


def tenths(value) -> int:
    """A temperature in tenths of a degree, or a UserError naming the value."""
    text = str(value).strip().replace("℃", "").replace("°C", "").replace(",", ".")
    not_one = UserError(_("“%(value)s” is not a temperature.") % {"value": str(value)[:10]})
    try:
        number = Decimal(text[:10])
        if not number.is_finite():  # Infinity, NaN
            raise not_one
        result = int((number * 10).to_integral_value())
    except (InvalidOperation, ValueError, ArithmeticError):  # 1e999999999 and the like
        raise not_one from None
    if not LOWEST <= result <= HIGHEST:
        raise UserError(
            _("%(value)s °C is not a body temperature (34-43 °C): measure again.")
            % {"value": str(value)[:10]},
            code="temperature",
        )
    return result


def current_half(now: datetime.datetime | None = None) -> int:
    return Half.MORNING if timezone.localtime(now).hour < 12 else Half.AFTERNOON


def _checked(day, half, temperature, symptoms, location) -> dict:
    today = timezone.localdate()
    if day > today:
        raise UserError(_("A check-in cannot be for a day to come."), code="day")
    if day < today - datetime.timedelta(days=1):
        raise UserError(_("A check-in is for today or yesterday."), code="day")
    if half not in Half.values:
        raise UserError(_("Morning or afternoon."), code="half")
    if location not in Location.values:
        raise UserError(_("Choose where the person is."), code="location")
    if not 0 <= int(symptoms) <= ALL_SYMPTOMS:
        raise UserError(_("Unknown symptoms."), code="symptoms")
    t = tenths(temperature)
    return {
        "day": day,
        "half": half,
        "tenths": t,
        "symptoms": int(symptoms),
        "location": location,
        "abnormal": t >= ABNORMAL_TENTHS or int(symptoms) != 0,
    }


def _alert(checkins: list[CheckIn]) -> None:
    """Tell the enterprise and its grid chief of each abnormal check-in, and revoke the
    person's pass (the events go out after the commit; each check-in once)."""
    from fugong.workforce.passes import revoke_for

    for c in checkins:
        if not c.abnormal:
            continue
        revoke_for(c.employee, _("Abnormal check-in on %(day)s") % {"day": c.day})
        event_raise(
            kind=ABNORMAL,
            subject=c,
            params={"enterprise": c.employee.enterprise.name, "day": f"{c.day:%Y-%m-%d}"},
            dedup_key=f"abnormal-checkin:{c.pk}",
        )


@transaction.atomic
def checkin_record(
    *,
    actor,
    employee: Employee,
    day: datetime.date,
    half: int,
    temperature,
    symptoms: int = 0,
    location: int = Location.HOME,
    key: uuid.UUID | str | None = None,
    source: int = Source.PHONE,
) -> tuple[CheckIn, bool]:
    """The person's check-in (their own, or typed by their enterprise): (row, created). The
    same submission again (same key) gives the stored row; another for the half-day is
    refused."""
    if (
        actor != PROVED_BY_PHONE
        and employee.user_id != getattr(actor, "pk", None)
        and not services.may_keep_roster(actor, employee.enterprise)
    ):
        raise NotAllowed(_("Only the person or their enterprise checks in for them."))
    values = _checked(day, half, temperature, symptoms, location)
    key = uuid.UUID(str(key)) if key else None
    try:
        with transaction.atomic():
            row = CheckIn.objects.create(employee=employee, key=key, source=source, **values)
    except IntegrityError:
        row = CheckIn.objects.get(employee=employee, day=day, half=half)
        if key is not None and row.key == key:
            return row, False  # a retry of the same submission
        raise UserError(
            _("%(name)s has checked in for this half-day already.")
            % {"name": employee.person.name},
            code="duplicate",
        ) from None
    row.employee = employee
    _alert([row])
    return row, True


@transaction.atomic
def checkins_bulk(*, actor, enterprise, items: list[dict]) -> dict:
    """The enterprise's system sends many check-ins at once (its staff by ID number). Each
    item is checked; the good ones are written in one insert; one already stored (a re-sent
    batch) is counted, not written again. Returns counts and the refused items' reasons."""
    if not services.may_keep_roster(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    if len(items) > BULK_MAX:
        raise UserError(_("At most %(n)s check-ins a call.") % {"n": BULK_MAX}, code="too_many")
    hashes = {}
    for item in items:
        number = "".join(str(item.get("id_number", "")).split()).upper()
        hashes[number] = lookup_hash(number, services.ID_PURPOSE)
    staff = dict(
        Employee.objects.filter(
            enterprise=enterprise, person__id_hash__in=set(hashes.values())
        ).values_list("person__id_hash", "pk")
    )
    refused, rows = [], {}
    for index, item in enumerate(items):
        number = "".join(str(item.get("id_number", "")).split()).upper()
        pk = staff.get(hashes[number])
        if pk is None:
            refused.append({"index": index, "message": _("Not on this enterprise's roster.")})
            continue
        try:
            values = _checked(
                item["day"],
                item.get("half", 0),
                item.get("temperature"),
                item.get("symptoms", 0),
                item.get("location", Location.SITE),
            )
        except (UserError, KeyError, TypeError, ValueError) as exc:
            refused.append({"index": index, "message": getattr(exc, "message", str(exc))})
            continue
        key = (pk, values["day"], values["half"])
        if key in rows:
            refused.append({"index": index, "message": _("The same person and half-day twice.")})
            continue
        rows[key] = CheckIn(employee_id=pk, key=item.get("key"), source=Source.BULK, **values)
    stored = set()
    if rows:
        days = {d for _pk, d, _h in rows}
        stored = set(
            CheckIn.objects.filter(
                employee_id__in={pk for pk, _d, _h in rows}, day__in=days
            ).values_list("employee_id", "day", "half")
        )
    new = [row for key, row in rows.items() if key not in stored]
    CheckIn.objects.bulk_create(new, ignore_conflicts=True)
    abnormal = [r for r in new if r.abnormal]
    if abnormal:
        saved = CheckIn.objects.select_related("employee__enterprise").filter(
            employee_id__in=[r.employee_id for r in abnormal],
            day__in={r.day for r in abnormal},
            abnormal=True,
        )
        _alert(list(saved))
    return {"accepted": len(new), "duplicates": len(rows) - len(new), "refused": refused}


def not_reported(*, enterprise, day: datetime.date, half: int):
    """The people at work or under observation with no check-in for the half-day (未报)."""
    return (
        Employee.objects.filter(
            enterprise=enterprise,
            work_status__in=[WorkStatus.AT_WORK, WorkStatus.OBSERVING, WorkStatus.REMOTE],
        )
        # NOT EXISTS on the (person, day, half-day) unique index: one look-up a person.
        .exclude(Exists(CheckIn.objects.filter(employee=OuterRef("pk"), day=day, half=half)))
        .select_related("person")
        .only("pk", "work_status", "person__name")  # no phone to decrypt
        .order_by("person__name")
    )


@transaction.atomic
def remind(*, actor, enterprise, day: datetime.date, half: int) -> int:
    """催报: remind each person of the 未报 list who has an account (their inbox, and email
    where they chose it); once a half-day however often it is pressed. Returns how many."""
    if not services.may_keep_roster(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    told = 0
    for employee in (
        not_reported(enterprise=enterprise, day=day, half=half)
        .filter(user__isnull=False)
        .select_related(None)
        .only("pk", "user_id", "enterprise_id")
    ):
        raised = event_raise(
            kind=CHECKIN_REMINDER,
            subject=employee,
            actor=actor,
            params={"day": f"{day:%Y-%m-%d}", "half": half},
            dedup_key=f"checkin-reminder:{employee.pk}:{day}:{half}",
        )
        told += raised is not None
    return told


EXPECTED = [WorkStatus.AT_WORK, WorkStatus.OBSERVING, WorkStatus.REMOTE]


def overview(*, user, day: datetime.date, half: int, limit: int = 100):
    """For a grid chief, a town or a county: today's abnormal check-ins in their scope (on
    the partial index of the abnormal), and the enterprises with people not checked in for
    the half-day, most first (two grouped counts, whatever the number of people)."""
    from django.db.models import Count

    from fugong.core.scope import scoped

    abnormal = (
        scoped(CheckIn.objects.filter(day=day, abnormal=True), user)
        .select_related("employee__person", "employee__enterprise")
        .order_by("-at")[:limit]
    )
    expected = dict(
        scoped(Employee.objects.filter(work_status__in=EXPECTED), user)
        .values_list("enterprise_id")
        .annotate(n=Count("pk"))
        .values_list("enterprise_id", "n")
    )
    checked = dict(
        scoped(
            CheckIn.objects.filter(day=day, half=half, employee__work_status__in=EXPECTED),
            user,
        )
        .values_list("employee__enterprise_id")
        .annotate(n=Count("pk"))
        .values_list("employee__enterprise_id", "n")
    )
    missing = sorted(
        ((pk, n - checked.get(pk, 0), n) for pk, n in expected.items() if n > checked.get(pk, 0)),
        key=lambda row: -row[1],
    )[:limit]
    from fugong.enterprises.models import Enterprise

    names = dict(
        Enterprise.objects.filter(pk__in=[m[0] for m in missing]).values_list("pk", "name")
    )
    return list(abnormal), [(names.get(pk, ""), miss, total) for pk, miss, total in missing]


def figures(*, user, node, day: datetime.date, half: int) -> list[dict]:
    """For each place under ``node`` (in the user's scope): people on the rosters, back at
    work (返工率 = at work / on the roster, not counting those who left), expected to check
    in, checked in this half-day (coverage), abnormal today. Three grouped counts, whatever
    the number of people: the rows are grouped by the start of their enterprise's path."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from fugong.accounts.choices import CODE_LENGTH
    from fugong.accounts.models import Jurisdiction
    from fugong.core.scope import scoped

    length = len(node.path) + CODE_LENGTH.get(node.depth + 1, 15) + 1
    below = {"enterprise__jurisdiction__path__startswith": node.path}

    def grouped(qs, path_lookup: str, **extra) -> dict[str, dict]:
        return {
            row["p"]: row
            for row in scoped(qs, user)
            .annotate(p=Substr(path_lookup, 1, length))
            .values("p")
            .annotate(n=Count("pk"), **extra)
        }

    from django.db.models import Q

    staff = grouped(
        Employee.objects.filter(**below).exclude(work_status=WorkStatus.LEFT),
        "enterprise__jurisdiction__path",
        back=Count("pk", filter=Q(work_status=WorkStatus.AT_WORK)),
        expected=Count("pk", filter=Q(work_status__in=EXPECTED)),
    )
    done = grouped(
        CheckIn.objects.filter(
            day=day, employee__enterprise__jurisdiction__path__startswith=node.path
        ),
        "employee__enterprise__jurisdiction__path",
        now=Count("pk", filter=Q(half=half, employee__work_status__in=EXPECTED)),
        abnormal=Count("pk", filter=Q(abnormal=True)),
    )
    places = {
        j.path: j
        for j in Jurisdiction.objects.filter(path__in=set(staff) | set(done)).order_by("path")
    }
    rows = []
    for path in sorted(set(staff) | set(done)):
        s, d = staff.get(path, {}), done.get(path, {})
        on_roster, expected, now = s.get("n", 0), s.get("expected", 0), d.get("now", 0)
        rows.append(
            {
                "place": places.get(path),
                "on_roster": on_roster,
                "back": s.get("back", 0),
                "rate": round(100 * s.get("back", 0) / on_roster, 1) if on_roster else None,
                "expected": expected,
                "checked": now,
                "coverage": round(100 * now / expected, 1) if expected else None,
                "abnormal": d.get("abnormal", 0),
            }
        )
    return rows
