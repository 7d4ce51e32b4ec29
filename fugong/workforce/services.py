"""The roster (一人一档): adding a person to an enterprise's roster, one identity per ID
number across enterprises. Every check here is the one the pages, the API and the importer
use."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidLength,
    ValidationError,
)

from fugong.accounts.choices import Role
from fugong.accounts.selectors import active_memberships
from fugong.core.audit import audited_create, audited_update, record_many, snapshot
from fugong.core.crypto import lookup_hash
from fugong.core.errors import NotAllowed, UserError
from fugong.core.imports.registry import Committed
from fugong.core.masking import mask_id_number
from fugong.core.models import AuditAction
from fugong.workforce.choices import Origin
from fugong.workforce.models import Employee, Person

ID_PURPOSE = "id_number"
PHONE_PURPOSE = "phone"


# The provinces' codes (GB/T 2260), the first two digits of every ID number.
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def _fits(text: str) -> bool:
    """The number's shape and check digit (GB 11643, python-stdnum), its birth date (a real
    day, not in the future) and its province. Not stdnum's whole ``validate``: that also asks
    that the county code existed on the birth date, which refuses the real numbers of people
    born before their county's code (most codes date from 1983; numbers were issued later)."""
    if len(text) != 18 or not text[:-1].isdigit() or text[-1] not in "0123456789X":
        raise InvalidLength()
    if text[-1] != ric.calc_check_digit(text):
        raise InvalidChecksum()
    born = ric.get_birth_date(text)  # InvalidComponent for an impossible day
    if born > datetime.date.today() or text[:2] not in PROVINCES:
        raise InvalidComponent()
    return True


def id_number_clean(value: str) -> str:
    """The 18-character 居民身份证号码 with its check digit verified, or a UserError saying
    what is wrong (the number shown masked)."""
    text = ric.compact("".join(str(value or "").split())).upper()
    shown = mask_id_number(text) if len(text) == 18 else text[:4] + "…"
    try:
        _fits(text)
    except InvalidChecksum:
        raise UserError(
            _("ID number %(number)s: its last character (the check digit) is wrong.")
            % {"number": shown},
            code="id_checksum",
        ) from None
    except InvalidComponent:
        raise UserError(
            _("ID number %(number)s: the date of birth or the place code in it is impossible.")
            % {"number": shown},
            code="id_component",
        ) from None
    except ValidationError:
        raise UserError(
            _("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format"
        ) from None
    return text


def person_name(value) -> str:
    """A name as it is kept: spaces collapsed, and none inside a Chinese name (王 五 is 王五)."""
    name = " ".join(str(value or "").split())[:60]
    if all("\u4e00" <= ch <= "\u9fff" or ch in " ·" for ch in name):
        name = name.replace(" ", "")
    return name


def may_keep_roster(user, enterprise) -> bool:
    """The enterprise's own users and platform administrators keep its roster."""
    if user.is_superuser:
        return True
    return any(
        m.role == Role.PLATFORM_ADMIN
        or (m.role == Role.ENTERPRISE and m.enterprise_id == enterprise.pk)
        for m in active_memberships(user)
    )


def person_for(*, name: str, id_number: str) -> Person:
    """The one person with this ID number, made on first sight. A number already registered
    under another name is refused without saying which name (the roster of another enterprise
    is not this one's to read)."""
    number = id_number_clean(id_number)
    name = person_name(name)
    if not name:
        raise UserError(_("Enter the person's name."), code="name")
    digest = lookup_hash(number, ID_PURPOSE)
    person = Person.objects.filter(id_hash=digest).first()
    if person is None:
        try:
            with transaction.atomic():
                return Person.objects.create(name=name, id_number=number, id_hash=digest)
        except IntegrityError:  # made at the same moment by another request
            person = Person.objects.get(id_hash=digest)
    if person.name != name:
        raise UserError(
            _(
                "ID number %(number)s is registered under another name. Check the name and the "
                "number against the ID card."
            )
            % {"number": mask_id_number(number)},
            code="id_name",
        )
    return person


@transaction.atomic
def employee_create(*, actor, enterprise, name: str, id_number: str, phone: str = "", **fields):
    """Add a person to the enterprise's roster (once: a second time is refused)."""
    if not may_keep_roster(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    if fields.get("origin") not in Origin.values:
        raise UserError(_("Choose where the person comes back from."), code="origin")
    person = person_for(name=name, id_number=id_number)
    if Employee.objects.filter(enterprise=enterprise, person=person).exists():
        raise UserError(
            _("%(name)s is already on the roster.") % {"name": person.name}, code="duplicate"
        )
    phone = "".join(str(phone or "").split())
    employee = audited_create(
        Employee,
        actor=actor,
        reason=_("Roster"),
        enterprise=enterprise,
        person=person,
        phone=phone,
        phone_hash=lookup_hash(phone, PHONE_PURPOSE) if phone else "",
        **fields,
    )
    _assess([employee])
    return employee


def _assess(employees: list[Employee]) -> None:
    """What the origin rules say of them, written beside them (fugong.workforce.rules)."""
    from fugong.workforce import rules  # rules imports this module's siblings only

    for e in employees:
        e.enterprise  # noqa: B018 - loaded with its place for the rule book
    rules.save(rules.apply(employees, rules.RuleBook()))


EDITABLE = (
    "origin",
    "origin_region",
    "travel_14d",
    "planned_return",
    "transport",
    "transit_hours",
    "dormitory",
    "work_status",
)


@transaction.atomic
def employee_update(*, actor, employee: Employee, phone: str | None = None, **fields):
    """Change a roster entry (audited; the person's name and ID number are their identity and
    are not changed here)."""
    if not may_keep_roster(actor, employee.enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "origin" in fields and fields["origin"] not in Origin.values:
        raise UserError(_("Choose where the person comes back from."), code="origin")
    if phone is not None:
        phone = "".join(str(phone).split())
        if phone != employee.phone:
            fields["phone"] = phone
            fields["phone_hash"] = lookup_hash(phone, PHONE_PURPOSE) if phone else ""
    employee = audited_update(employee, actor=actor, reason=_("Roster"), **fields)
    _assess([employee])
    return employee


def roster_enterprises(user, *, own_only: bool = False):
    """The enterprises whose roster the user keeps (their own enterprise's users; an
    administrator any, unless ``own_only``: the import takes the enterprise's own users)."""
    from fugong.enterprises.models import Enterprise

    admin = user.is_superuser or any(
        m.role == Role.PLATFORM_ADMIN for m in active_memberships(user)
    )
    if admin and not own_only:
        return Enterprise.objects.all()
    ids = [m.enterprise_id for m in active_memberships(user) if m.role == Role.ENTERPRISE]
    return Enterprise.objects.filter(pk__in=ids)


@transaction.atomic
def employees_upsert(*, actor, enterprise, rows: list[dict], reason: str) -> Committed:
    """Write checked roster rows (the importer's): a person is found by the hash of their ID
    number or made, their entry on this roster made or changed where a value differs; a
    number registered meanwhile under another name is refused (its masked number in
    ``refused``). Set-wise: a few queries per call, one audit row per entry written."""
    if not may_keep_roster(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    by_hash = {lookup_hash(r["id_number"], ID_PURPOSE): r for r in rows}
    known = set(Person.objects.filter(id_hash__in=list(by_hash)).values_list("id_hash", flat=True))
    Person.objects.bulk_create(
        [
            Person(name=r["name"], id_number=r["id_number"], id_hash=h)
            for h, r in by_hash.items()
            if h not in known
        ],
        ignore_conflicts=True,  # made meanwhile by another import: read below
    )
    persons = {
        p.id_hash: p
        for p in Person.objects.filter(id_hash__in=list(by_hash)).only("pk", "id_hash", "name")
    }  # (not the ID number: nothing to decrypt)
    refused = [
        mask_id_number(r["id_number"]) for h, r in by_hash.items() if persons[h].name != r["name"]
    ]
    stored = {
        e.person_id: e
        for e in Employee.objects.filter(enterprise=enterprise, person__in=persons.values())
    }
    made, changed, before, unchanged = [], [], {}, 0
    for digest, row in by_hash.items():
        person = persons[digest]
        if person.name != row["name"]:
            continue
        values = {k: row[k] for k in EDITABLE if k in row}
        if row.get("phone"):
            values |= {
                "phone": row["phone"],
                "phone_hash": lookup_hash(row["phone"], PHONE_PURPOSE),
            }
        employee = stored.get(person.pk)
        if employee is None:
            made.append(Employee(enterprise=enterprise, person=person, **values))
            continue
        differs = {k: v for k, v in values.items() if getattr(employee, k) != v}
        if not differs:
            unchanged += 1
            continue
        before[employee.pk] = snapshot(employee)
        for k, v in differs.items():
            setattr(employee, k, v)
        changed.append(employee)
    # Assessed before they are written: the new rows go in with their measure.
    from fugong.workforce import rules

    book = rules.RuleBook()
    rules.apply(made, book)
    Employee.objects.bulk_create(made)
    rules.save(rules.apply(changed, book))
    if changed:
        fields = sorted({*EDITABLE, "phone", "phone_hash", "updated_at"})
        now = timezone.now()
        for employee in changed:
            employee.updated_at = now
        Employee.objects.bulk_update(changed, fields)
    record_many(
        actor=actor,
        model=Employee,
        changes=[(e.pk, str(e), AuditAction.CREATE, None, snapshot(e)) for e in made]
        + [(e.pk, str(e), AuditAction.UPDATE, before[e.pk], snapshot(e)) for e in changed],
        reason=reason,
    )
    return Committed(created=len(made), updated=len(changed), unchanged=unchanged, refused=refused)
