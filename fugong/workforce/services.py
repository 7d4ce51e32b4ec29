"""The roster (一人一档): adding a person to an enterprise's roster, one identity per ID
number across enterprises. Every check here is the one the pages, the API and the importer
use."""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain
from operator import itemgetter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
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
from fugong.core import crypto
from fugong.core.audit import (
    audit_mask,
    audited_create,
    audited_update,
    record_many,
    snapshot_values,
)
from fugong.core.bulk import insert_rows, load_cache, new_ids, rows_by_keys, update_rows
from fugong.core.crypto import decrypt, lookup_hash, lookup_hasher
from fugong.core.errors import NotAllowed, UserError
from fugong.core.imports.registry import Committed
from fugong.core.masking import mask_id_number, masks_inside
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
    born = _birth_day(text[6:14])  # ric.get_birth_date, without compacting the number again
    if born is None:
        raise InvalidComponent()
    # (A birth year before the one this process started in is never in the future.)
    if (born.year >= _STARTED_YEAR and born > datetime.date.today()) or text[:2] not in PROVINCES:
        raise InvalidComponent()
    return True


_STARTED_YEAR = datetime.date.today().year


@lru_cache(maxsize=65536)  # people share birth days: an import's 100,000 have a few thousand
def _birth_day(digits: str) -> datetime.date | None:
    """The day of "YYYYMMDD", None when there is no such day."""
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def id_number_text(value) -> str:
    """The ID number as it is kept, not yet checked: without spaces, in capitals (stdnum's
    ``compact``; an ASCII text needs only the capitals)."""
    text = "".join(str(value or "").split())
    return text.upper() if text.isascii() else ric.compact(text).upper()


def id_number_clean(value: str) -> str:
    """The 18-character 居民身份证号码 with its check digit verified, or a UserError saying
    what is wrong (the number shown masked)."""
    text = id_number_text(value)
    try:
        _fits(text)
    except InvalidChecksum:
        raise UserError(
            _("ID number %(number)s: its last character (the check digit) is wrong.")
            % {"number": _shown(text)},
            code="id_checksum",
        ) from None
    except InvalidComponent:
        raise UserError(
            _("ID number %(number)s: the date of birth or the place code in it is impossible.")
            % {"number": _shown(text)},
            code="id_component",
        ) from None
    except ValidationError:
        raise UserError(
            _("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format"
        ) from None
    return text


def _shown(text: str) -> str:
    return mask_id_number(text) if len(text) == 18 else text[:4] + "…"


def person_name(value) -> str:
    """A name as it is kept: spaces collapsed, and none inside a Chinese name (王 五 is 王五)."""
    name = " ".join(str(value or "").split())[:60]
    if " " in name and _CHINESE_NAME(name):
        name = name.replace(" ", "")
    return name


_CHINESE_NAME = re.compile("[\u4e00-\u9fff ·]*").fullmatch


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
    if fields.get("travel_14d"):
        fields["travel_at"] = timezone.now()
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
    return _employee_write(actor, employee, _("Roster"), fields)


def _employee_write(actor, employee: Employee, reason: str, fields: dict) -> Employee:
    if "travel_14d" in fields and fields["travel_14d"] != employee.travel_14d:
        fields["travel_at"] = timezone.now() if fields["travel_14d"] else None
    employee = audited_update(employee, actor=actor, reason=reason, **fields)
    _assess([employee])  # the origin rules: measure, may work from, pass
    return employee


RIDE_FIELDS = frozenset({"transport", "origin", "origin_region", "planned_return", "travel_14d"})


@transaction.atomic
def employee_record_ride(*, actor, employee: Employee, reason: str, **fields) -> Employee:
    """A ride that brought the person back (a charter bus, ``fugong.buses``), written by the
    ride's organiser, who may be a government office and not the enterprise's roster keeper:
    the caller has checked that ``actor`` organises the ride. Only how and from where the
    person came back changes (``RIDE_FIELDS``), audited, and the origin rules are applied
    again."""
    unknown = set(fields) - RIDE_FIELDS
    if unknown:
        raise ValueError(f"not a ride field: {sorted(unknown)}")
    if "origin" in fields and fields["origin"] not in Origin.values:
        raise UserError(_("Choose where the person comes back from."), code="origin")
    return _employee_write(actor, employee, reason, fields)


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


# An import's many values sealed with the key read once (the one format: core.crypto).
sealer = crypto.sealer


# The stored columns of an entry the upsert reads and writes (the phone itself is not read:
# a phone given is compared by its hash, so no stored phone is decrypted).
_ENTRY_COLUMNS = [f.attname for f in Employee._meta.concrete_fields if f.attname not in ("phone",)]


def _sealed_rows(rows: list[dict]) -> dict[str, dict]:
    """The rows by their ID number's hash (a number twice: the later row), each with its ID
    number and phone sealed and hashed: the importer's rows carry them so (``id_sealed``,
    ``id_hash``, ``phone_sealed``, ``phone_hash``, made at the check), others in clear
    (``id_number``, ``phone``), sealed here."""
    hash_id = lookup_hasher(ID_PURPOSE)
    hash_phone = lookup_hasher(PHONE_PURPOSE)
    seal = sealer()
    by_hash: dict[str, dict] = {}
    for row in rows:
        if "id_hash" not in row:
            row = dict(row)
            number = row.pop("id_number")
            row["id_hash"] = hash_id(number)
            row["id_sealed"] = seal(number)
            row["clear_id"] = number  # for the message of a refused row
            phone = row.pop("phone", "")
            if phone:
                row["phone_hash"] = hash_phone(phone)
                row["phone_sealed"] = seal(phone)
        by_hash[row["id_hash"]] = row
    return by_hash


def _persons(by_hash: dict[str, dict], now) -> dict[str, dict]:
    """The person (id, name) of each hash, the missing ones made (their ID numbers sealed as
    the rows carry them): one query to read, one insert (COPY on PostgreSQL). A number made
    meanwhile by another import breaks the insert: it is read again and the rest made."""
    for attempt in range(3):
        persons = {
            p["id_hash"]: p
            for p in rows_by_keys(Person, "id_hash", list(by_hash), ["id", "id_hash", "name"])
        }
        missing = [h for h in by_hash if h not in persons]
        if not missing:
            return persons
        try:
            with transaction.atomic():  # a savepoint: a clash undoes this insert only
                ids = new_ids(Person, len(missing))
                insert_rows(
                    Person,
                    ["id", "created_at", "updated_at", "name", "id_number", "id_hash"],
                    (
                        (pk, now, now, by_hash[h]["name"], by_hash[h]["id_sealed"], h)
                        for pk, h in zip(ids, missing, strict=True)
                    ),
                )
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        for pk, h in zip(ids, missing, strict=True):
            persons[h] = {"id": pk, "id_hash": h, "name": by_hash[h]["name"], "new": True}
        return persons
    raise AssertionError("unreachable")


class _Assessor:
    """``rules.apply`` for the entries of one enterprise: the assessment of each (origin,
    region, planned return) taken once (an import's rows share a few)."""

    def __init__(self, enterprise):
        from fugong.workforce import rules

        self.book = rules.RuleBook()
        self.path = enterprise.jurisdiction.path
        self.seen: dict[tuple, tuple] = {}

    def __call__(self, values: dict) -> tuple:
        key = (values["origin"], values["origin_region"], values["planned_return"])
        found = self.seen.get(key)
        if found is None:
            with translation.override(settings.LANGUAGE_CODE):  # stored: the site's language
                a = self.book.assess(path=self.path, origin=key[0], region=key[1], returns=key[2])
            # Plain text, as read back (Measure.NONE is an enum member): the audit snapshot
            # takes plain values without converting them.
            found = self.seen[key] = (str(a.measure), a.may_work_from, a.reason[:300])
        return found


_ASSESSED = ("measure", "may_work_from", "measure_reason")


def _made_snapshots(made: list[tuple[str, dict]], now) -> Iterator[dict]:
    """``snapshot_values(Employee, values, skip_empty=True)`` of each new entry (its audit
    row's "after": the fields it was made with) with less work per value: the values are
    text, numbers and days, and the stamps are all ``now`` (test_roster_import compares the
    two)."""
    masked = set(Employee.audit_masked_fields)
    excluded = set(Employee.audit_excluded_fields)
    spec = [
        (
            f.name,
            f.attname,
            "" if f.name not in masked else "inside" if masks_inside(f) else "whole",
        )
        for f in Employee._meta.concrete_fields
        if f.name not in excluded
    ]
    stamp, date = now.isoformat(), datetime.date
    for _name, values in made:
        out = {}
        for name, attname, mode in spec:
            value = values[attname]
            if value is None or value == "":
                continue
            kind = type(value)
            if mode:
                value = audit_mask(value, inside=mode == "inside")
            elif kind is str or kind is int:
                pass
            elif value is now:
                value = stamp
            elif kind is date:
                value = value.isoformat()
            else:
                value = snapshot_values(Employee, {attname: value})[name]
            out[name] = value
        yield out


def _plain(value):
    """A choice's value as plain text (a default such as WorkStatus.NOT_RETURNED)."""
    return value.value if isinstance(value, enum.Enum) else value


@transaction.atomic
@load_cache()  # one large SQLite page cache for the people, entries and audit rows
def employees_upsert(*, actor, enterprise, rows: list[dict], reason: str) -> Committed:
    """Write checked roster rows (the importer's): a person is found by the hash of their ID
    number or made, their entry on this roster made or changed where a value differs; a
    number registered meanwhile under another name is refused (its masked number in
    ``refused``). Set-wise: a few queries per call whatever its size (people and entries
    inserted with ids taken beforehand, COPY on PostgreSQL), one audit row per entry written.
    Rows carry the ID number and phone in clear or, from the importer, sealed with their
    hashes (``_sealed_rows``)."""
    if not may_keep_roster(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    now = timezone.now()
    by_hash = _sealed_rows(rows)
    persons = _persons(by_hash, now)
    refused = [
        mask_id_number(r.get("clear_id") or decrypt(r["id_sealed"]))
        for h, r in by_hash.items()
        if persons[h]["name"] != r["name"]
    ]
    stored = {
        e["person_id"]: e
        for e in rows_by_keys(
            Employee,
            "person_id",
            [p["id"] for p in persons.values() if not p.get("new")],
            _ENTRY_COLUMNS,
        )
        if e["enterprise_id"] == enterprise.pk
    }
    assess = _Assessor(enterprise)
    defaults = {a: _plain(Employee._meta.get_field(a).get_default()) for a in _ENTRY_COLUMNS}
    defaults |= {"enterprise_id": enterprise.pk, "created_at": now, "updated_at": now}
    defaults["phone"] = ""
    fresh: list[tuple[dict, int]] = []  # rows of new entries, with their person
    changed: list[tuple[str, dict, dict, list[str]]] = []  # name, before, after, columns
    unchanged = 0
    for digest, row in by_hash.items():
        person = persons[digest]
        if person["name"] != row["name"]:
            continue
        entry = stored.get(person["id"])
        if entry is None:
            fresh.append((row, person["id"]))
            continue
        values = {k: row[k] for k in EDITABLE if k in row}
        if row.get("phone_hash"):
            values["phone_hash"] = row["phone_hash"]
        differs = [k for k, v in values.items() if entry[k] != v]
        if not differs:
            unchanged += 1
            continue
        after = entry | values
        after.update(zip(_ASSESSED, assess(after), strict=True))
        after["updated_at"] = now
        differs += [k for k in _ASSESSED if after[k] != entry[k]]
        if "travel_14d" in differs:  # its age counts from now (retention)
            after["travel_at"] = now if after["travel_14d"] else None
            differs.append("travel_at")
        if "phone_hash" in differs:
            after["phone"] = row["phone_sealed"]
            differs.append("phone")
        changed.append((row["name"], entry, after, differs))
    made: list[tuple[str, dict]] = []  # (name, attname -> value), as they are inserted
    if fresh:
        columns = [*_ENTRY_COLUMNS, "phone"]
        values_of = itemgetter(*columns)
        ids = new_ids(Employee, len(fresh))

        def new_entries() -> Iterator[tuple]:
            """Each new entry's values, made as the insert takes them (PostgreSQL's COPY
            takes them while the server writes the ones before: no query in here)."""
            for pk, (row, person_id) in zip(ids, fresh, strict=True):
                new = defaults | {k: row[k] for k in EDITABLE if k in row}
                new["id"], new["person_id"] = pk, person_id
                if new["travel_14d"]:
                    new["travel_at"] = now
                if row.get("phone_hash"):
                    new["phone_hash"], new["phone"] = row["phone_hash"], row["phone_sealed"]
                new.update(zip(_ASSESSED, assess(new), strict=True))
                made.append((row["name"], new))
                yield values_of(new)

        insert_rows(Employee, columns, new_entries())
    groups: dict[tuple[str, ...], list[dict]] = {}
    for _name, _before, after, differs in changed:
        groups.setdefault(tuple(sorted(differs)), []).append(after)
    for differs, group in groups.items():
        update_rows(
            Employee,
            [*differs, "updated_at"],
            ((a["id"], *(a[c] for c in differs), now) for a in group),
        )
    label = f" · {enterprise.pk}"  # str(employee)
    # A new entry's audit row holds what it was made with (its empty fields left out), as
    # the enterprises' import writes them; made as the insert takes them, as above.
    record_many(
        actor=actor,
        model=Employee,
        changes=chain(
            (
                (v["id"], name + label, AuditAction.CREATE, None, after)
                for (name, v), after in zip(made, _made_snapshots(made, now), strict=True)
            ),
            (
                (
                    after["id"],
                    name + label,
                    AuditAction.UPDATE,
                    snapshot_values(Employee, before),
                    snapshot_values(Employee, after),
                )
                for name, before, after, _differs in changed
            ),
        ),
        reason=reason,
    )
    return Committed(created=len(made), updated=len(changed), unchanged=unchanged, refused=refused)
