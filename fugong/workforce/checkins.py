"""The daily check-in (体温监测 twice a day, issue 13 point 4): from the employee's phone page
or, in bulk, from the enterprise's own attendance or HR system. One row per person and
half-day, whatever is retried: a submission sent again with its idempotency key is the same
row. An abnormal reading (≥ 37.3 °C or a symptom) tells the enterprise and its grid chief at
once through the notification engine and revokes the person's pass."""

# ruff: noqa: S608  (the SQL names are the model's table and columns; values are parameters)

from __future__ import annotations

import datetime
import functools
import json
import uuid
from contextlib import nullcontext
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.choices import Role
from fugong.accounts.models import hash_token
from fugong.accounts.selectors import active_memberships
from fugong.accounts.services import api_token_cte, api_token_user_id
from fugong.core.bulk import fetchall
from fugong.core.crypto import lookup_hasher
from fugong.core.errors import NotAllowed, UserError
from fugong.core.scope import scoped
from fugong.enterprises.models import Enterprise
from fugong.notifications.services import event_raise
from fugong.workforce import services
from fugong.workforce.choices import Half, Location, Source, Symptom, WorkStatus
from fugong.workforce.events import ABNORMAL, CHECKIN_REMINDER
from fugong.workforce.models import CheckIn, Employee, StaffCount

ABNORMAL_TENTHS = 373  # 37.3 °C
# The actor of a check-in whose person proved their phone with a one-time code.
PROVED_BY_PHONE = "phone-code"
LOWEST, HIGHEST = 340, 430  # 34-43 °C: outside it the thermometer was misread
BULK_MAX = 5000
ALL_SYMPTOMS = sum(Symptom.values)


def tenths(value) -> int:
    """A temperature in tenths of a degree, or a UserError naming the value."""
    result = _plain_tenths(value)
    if result is None:
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


def _plain_tenths(value) -> int | None:
    """The tenths of a JSON number as systems send it (36 or 36.5), read exactly as the
    Decimal path above reads it but without a Decimal (the bulk API reads 5,000 a call); None
    for anything else (text, more decimals, an exponent, inf, nan: the Decimal path)."""
    kind = type(value)
    if kind is int:
        return value * 10 if -(10**8) < value < 10**8 else None
    if kind is float:
        text = repr(value)  # the shortest text of the float: what str() and Decimal see
        if len(text) <= 10 and text[-2:-1] == "." and text[-1].isdigit():
            return int(text[:-2] + text[-1])  # "36.5" is 365 tenths exactly
    return None


def current_half(now: datetime.datetime | None = None) -> int:
    return Half.MORNING if timezone.localtime(now).hour < 12 else Half.AFTERNOON


class _Rules:
    """The rules of a check-in's values, with today read once for all the items of a call."""

    halves = tuple(Half.values)
    locations = tuple(Location.values)

    def __init__(self):
        self.today = timezone.localdate()
        self.yesterday = self.today - datetime.timedelta(days=1)

    def check(self, day, half, temperature, symptoms, location) -> tuple:
        """(day, half, tenths, symptoms, location, abnormal), or a UserError saying why not
        (TypeError or ValueError for values of the wrong kind)."""
        if day > self.today:
            raise UserError(_("A check-in cannot be for a day to come."), code="day")
        if day < self.yesterday:
            raise UserError(_("A check-in is for today or yesterday."), code="day")
        if half not in self.halves:
            raise UserError(_("Morning or afternoon."), code="half")
        if location not in self.locations:
            raise UserError(_("Choose where the person is."), code="location")
        symptoms = int(symptoms)
        if not 0 <= symptoms <= ALL_SYMPTOMS:
            raise UserError(_("Unknown symptoms."), code="symptoms")
        t = tenths(temperature)
        return day, int(half), t, symptoms, int(location), t >= ABNORMAL_TENTHS or symptoms != 0


def _checked(day, half, temperature, symptoms, location) -> dict:
    day, half, t, symptoms, location, abnormal = _Rules().check(
        day, half, temperature, symptoms, location
    )
    return {
        "day": day,
        "half": half,
        "tenths": t,
        "symptoms": symptoms,
        "location": location,
        "abnormal": abnormal,
    }


def _key(value) -> uuid.UUID | None:
    if not value:
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise UserError(_("The idempotency key is not a UUID."), code="key") from None


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


# -- writing: one statement that skips what is stored already and says what it wrote ------------
_COLUMNS = "employee_id, day, half, tenths, symptoms, location, abnormal, source, key, at"
_CONFLICT = "ON CONFLICT (employee_id, day, half) DO NOTHING RETURNING id, employee_id, abnormal"


@functools.cache
def _fields() -> list:
    return [CheckIn._meta.get_field(name) for name in _COLUMNS.split(", ")]


def _returning() -> bool:
    """Whether the database writes with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``
    (PostgreSQL; SQLite from 3.35): what was written comes back from the one statement, what
    was stored already is skipped without an error (no savepoint, no look-up first)."""
    return connection.vendor == "postgresql" or (
        connection.vendor == "sqlite" and connection.features.can_return_rows_from_bulk_insert
    )


def _insert_many(rows: list[tuple], source: int) -> list[tuple]:
    """Insert ``rows`` (employee_id, day, half, tenths, symptoms, location, abnormal, key) in
    one statement, skipping any person and half-day stored already: (id, employee_id,
    abnormal, day, half) of those written. The rows travel as a few texts (PostgreSQL: one a column;
    SQLite: one JSON text): a few parameters whatever their number, no model instance, no
    per-field preparation."""
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    now = timezone.now()
    days = {day: day.isoformat() for day in {row[1] for row in rows}}  # today, yesterday
    if connection.vendor == "postgresql":
        # A column a parameter, each one text of comma-separated values (keys: empty for
        # none), unnested together and bound by the server: cheaper than taking every field
        # of every row out of JSON (half the statement's time) and than Django's binding on
        # the client (which quotes the text into the statement).
        e, d, h, t, sy, lo, a, k = zip(*rows, strict=True)
        columns = [
            ",".join(map(str, e)),
            ",".join([days[x] for x in d]),
            ",".join(map(str, h)),
            ",".join(map(str, t)),
            ",".join(map(str, sy)),
            ",".join(map(str, lo)),
            ",".join(["t" if x else "f" for x in a]),
            ",".join(["" if x is None else str(x) for x in k]),
        ]
        types = ("bigint", "date", "smallint", "smallint", "smallint", "smallint", "boolean")
        arrays = [f"string_to_array(%s, ',')::{t}[]" for t in types]
        sql = (
            f"INSERT INTO {table} ({_COLUMNS}) "
            "SELECT e, d, h, t, sy, lo, a, %s, k, %s "
            f"FROM unnest({', '.join(arrays)}, string_to_array(%s, ',', '')::uuid[]) "
            f"AS r(e, d, h, t, sy, lo, a, k) {_CONFLICT}, day, half"
        )
        written = fetchall(sql, [source, now, *columns])
        return [(pk, e, bool(a), d, h) for pk, e, a, d, h in written]
    body = json.dumps(
        [(e, days[d], h, t, s, lo, a, k and k.hex) for e, d, h, t, s, lo, a, k in rows]
    )
    now = connection.ops.adapt_datetimefield_value(now)
    picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(7))
    # "WHERE true": else SQLite reads the ON of ON CONFLICT as a join's.
    sql = (
        f"INSERT INTO {table} ({_COLUMNS}) "
        f"SELECT {picks}, %s, json_extract(value, '$[7]'), %s "
        f"FROM json_each(%s) WHERE true {_CONFLICT}, day, half"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [source, now, body])
        return [(pk, e, bool(a), _day(d), h) for pk, e, a, d, h in cursor]


def _day(value) -> datetime.date:
    """A day as SQLite's RETURNING gives it: a date, or its text where sqlite3's converters
    are off."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _insert_one(row: CheckIn, *, user_id: int | None = None) -> bool:
    """Insert ``row`` unless its person and half-day is stored already: whether it was
    written (its pk set). With ``user_id``, the row's employee is that user's latest
    employment, found by the insert itself (none: nothing written)."""
    if not _returning():
        if user_id is not None:
            employee = _own_employee(user_id)
            if employee is None:
                return False
            row.employee = employee
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            return False
        return True
    if user_id is None:
        values = _values(row)
        marks = ", ".join(["%s"] * len(values))
        sql = f"INSERT INTO {_table()} ({_COLUMNS}) VALUES ({marks}) {_CONFLICT}"
        return _written(row, sql, values)
    # the employee's id from the one look-up of the user's employment
    return _written(row, _own_insert("%s"), [*_values(row)[1:], user_id])


def checkins_own_by_tokens(items: list[tuple[str, CheckIn]]) -> list[bool | None]:
    """Each ``(raw API token, row)`` as the check-in of the token's user (the token checked
    as the API checks it, its last use written), all in one statement on PostgreSQL (the
    API's fast lane gathers its requests: ``fugong.workforce.fastlane``): True for a row
    written; False for one whose same submission (the same key) is stored already, the row
    then being the stored one; None for anything else (no valid token, no roster entry,
    another check-in stored for the half-day, the same person and half-day twice in
    ``items``): the API says why."""
    if connection.vendor != "postgresql":
        return [_own_by_token(row, raw) for raw, row in items]
    out: list[bool | None] = [None] * len(items)
    sent, seen = [], set()
    now = timezone.now()
    for index, (raw, row) in enumerate(items):
        if not raw or len(raw) > 200:
            continue
        digest = hash_token(raw)
        if (digest, row.day, row.half) in seen:
            continue  # the API answers the second (a retry, or a duplicate)
        seen.add((digest, row.day, row.half))
        row.at = now
        key = str(row.key) if row.key else None
        sent.append(
            (index, digest, row.day.isoformat(), row.half, row.tenths, row.symptoms)
            + (row.location, row.abnormal, key)
        )
    if not sent:
        return out
    head, params = api_token_cte("SELECT hash FROM item", [])
    t, e = _table(), connection.ops.quote_name(Employee._meta.db_table)
    sql = (
        "WITH item AS (SELECT (r->>0)::int AS n, r->>1 AS hash, (r->>2)::date AS day, "
        "(r->>3)::smallint AS half, (r->>4)::smallint AS tenths, (r->>5)::smallint AS symptoms, "
        "(r->>6)::smallint AS location, (r->>7)::boolean AS abnormal, (r->>8)::uuid AS key "
        "FROM json_array_elements(%s::json) AS r), "
        + head.removeprefix("WITH ")
        + ", who AS (SELECT DISTINCT ON (i.n) i.n, e.id AS employee_id FROM item i "  # noqa: S608
        f"JOIN api_token k ON k.key_hash = i.hash JOIN {e} e ON e.user_id = k.user_id "
        "ORDER BY i.n, e.id DESC), "
        f"written AS (INSERT INTO {t} ({_COLUMNS}) SELECT w.employee_id, i.day, i.half, "
        "i.tenths, i.symptoms, i.location, i.abnormal, %s, i.key, %s "
        "FROM item i JOIN who w ON w.n = i.n ON CONFLICT (employee_id, day, half) DO NOTHING "
        "RETURNING id, employee_id, day, half) "
        "SELECT w.n, x.id, x.employee_id, x.abnormal, x.tenths, x.made "
        "FROM who w JOIN item i ON i.n = w.n CROSS JOIN LATERAL ("
        "SELECT y.id, y.employee_id, i.abnormal, i.tenths, true AS made FROM written y "
        "WHERE y.employee_id = w.employee_id AND y.day = i.day AND y.half = i.half UNION ALL "
        f"SELECT c.id, c.employee_id, c.abnormal, c.tenths, false FROM {t} c "
        "WHERE c.employee_id = w.employee_id AND c.day = i.day AND c.half = i.half "
        "AND c.key = i.key) x"
    )
    now = connection.ops.adapt_datetimefield_value(now)
    values = [json.dumps(sent), *params, Source.PHONE, now]
    for n, pk, employee_id, abnormal, t_, made in fetchall(sql, values, prepare=True):
        row = items[n][1]
        row.pk, row.employee_id, row.abnormal, row.tenths = pk, employee_id, abnormal, t_
        row._state.adding = False
        out[n] = made
    return out


def _own_by_token(row: CheckIn, raw: str) -> bool | None:
    """One of :func:`checkins_own_by_tokens` on other databases, in a few statements."""
    user_id = api_token_user_id(raw)
    if user_id is None:
        return None
    if _insert_one(row, user_id=user_id):
        return True
    employee = _own_employee(user_id) if row.key is not None else None
    stored = (
        CheckIn.objects.filter(employee=employee, day=row.day, half=row.half, key=row.key).first()
        if employee is not None
        else None
    )
    if stored is None:
        return None
    row.pk, row.employee_id, row.abnormal, row.tenths = (
        stored.pk,
        stored.employee_id,
        stored.abnormal,
        stored.tenths,
    )
    row._state.adding = False
    return False


def _table() -> str:
    return connection.ops.quote_name(CheckIn._meta.db_table)


def _values(row: CheckIn) -> list:
    """The row's values for ``_COLUMNS`` as the database takes them (its time set now)."""
    row.at = timezone.now()
    return [f.get_db_prep_save(getattr(row, f.attname), connection) for f in _fields()]


def _own_insert(user: str) -> str:
    """The statement that writes a row for the latest employment of the user ``user`` (SQL:
    a parameter or a sub-query), with the row's values but the employee's as parameters."""
    q = connection.ops.quote_name
    marks = ", ".join(["%s"] * (len(_fields()) - 1))
    return (
        f"INSERT INTO {_table()} ({_COLUMNS}) SELECT e.{q('id')}, {marks} "
        f"FROM {q(Employee._meta.db_table)} e WHERE e.{q('user_id')} = {user} "
        f"ORDER BY e.{q('id')} DESC LIMIT 1 {_CONFLICT}"
    )


def _written(row: CheckIn, sql: str, values: list) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        written = cursor.fetchone()
    if written is None:
        return False
    row.pk, row.employee_id = written[0], written[1]
    row._state.adding = False
    return True


def _own_employee(user_id: int) -> Employee | None:
    """The user's own entry on a roster (the latest, should they be on two)."""
    return (
        Employee.objects.filter(user_id=user_id)
        .select_related("person", "enterprise")
        .order_by("-pk")
        .first()
    )


def checkin_record(
    *,
    actor,
    employee: Employee | None,
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
    refused. ``employee`` None: the actor's own (their latest entry on a roster; none: refused),
    found by the statement that writes the check-in. A normal reading is that one statement
    (no transaction around it: nothing else is written); an abnormal one is written with its
    alert and the pass revoked, atomically."""
    if (
        employee is not None
        and actor != PROVED_BY_PHONE
        and employee.user_id != getattr(actor, "pk", None)
        and not services.may_keep_roster(actor, employee.enterprise)
    ):
        raise NotAllowed(_("Only the person or their enterprise checks in for them."))
    values = _checked(day, half, temperature, symptoms, location)
    key = _key(key)
    row = CheckIn(key=key, source=source, **values)
    if employee is not None:
        row.employee = employee
    with transaction.atomic() if row.abnormal else nullcontext():
        made = _insert_one(row, user_id=None if employee is not None else actor.pk)
        if made and row.abnormal:
            if employee is None:
                row.employee = _own_employee(actor.pk)
            _alert([row])
    if made:
        return row, True
    if employee is None:
        employee = _own_employee(actor.pk)
        if employee is None:
            raise NotAllowed(_("Your account is on no enterprise's roster: ask your enterprise."))
    stored = CheckIn.objects.get(employee=employee, day=values["day"], half=values["half"])
    if key is not None and stored.key == key:
        stored.employee = employee
        return stored, False  # a retry of the same submission
    raise UserError(
        _("%(name)s has checked in for this half-day already.") % {"name": employee.person.name},
        code="duplicate",
    )


@transaction.atomic
def checkins_bulk(*, actor, enterprise, items: list[dict]) -> dict:
    """The enterprise's system sends many check-ins at once (its staff by ID number). Each
    item is checked; the good ones are written in one insert; one already stored (a re-sent
    batch) is counted, not written again. Returns counts and the refused items' reasons."""
    if not services.may_keep_roster(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    if len(items) > BULK_MAX:
        raise UserError(_("At most %(n)s check-ins a call.") % {"n": BULK_MAX}, code="too_many")
    numbers = ["".join(str(item.get("id_number", "")).split()).upper() for item in items]
    digest = lookup_hasher(services.ID_PURPOSE)
    hashes = {n: digest(n) for n in set(numbers)}  # once a number
    staff = _staff_by_hash(enterprise.pk, list(set(hashes.values())))
    rules = _Rules()
    refused, rows = [], {}
    for index, item in enumerate(items):
        pk = staff.get(hashes[numbers[index]])
        if pk is None:
            refused.append({"index": index, "message": _("Not on this enterprise's roster.")})
            continue
        try:
            day, half, t, symptoms, location, abnormal = rules.check(
                item["day"],
                item.get("half", 0),
                item.get("temperature"),
                item.get("symptoms", 0),
                item.get("location", Location.SITE),
            )
            key = _key(item.get("key"))
        except (UserError, KeyError, TypeError, ValueError) as exc:
            refused.append({"index": index, "message": getattr(exc, "message", str(exc))})
            continue
        if (pk, day, half) in rows:
            refused.append({"index": index, "message": _("The same person and half-day twice.")})
            continue
        rows[pk, day, half] = (pk, day, half, t, symptoms, location, abnormal, key)
    if not rows:
        return {"accepted": 0, "duplicates": 0, "refused": refused}
    if _returning():
        written = _insert_many(list(rows.values()), Source.BULK)
        accepted = len(written)
        # The abnormal ones made from what was sent and what the insert returned: read back
        # from the check-ins, a day's partition just filled (its statistics behind) was
        # scanned whole for them (10-40 ms a call).
        sick = [(pk, e, d, h) for pk, e, abnormal, d, h in written if abnormal]
        staff = Employee.objects.select_related("enterprise").in_bulk({e for _p, e, _d, _h in sick})
        made = []
        for pk, e, d, h in sick:
            _e, _d, _h, t, symptoms, location, _a, key = rows[e, d, h]
            made.append(
                CheckIn(
                    pk=pk, employee=staff[e], day=d, half=h, tenths=t, symptoms=symptoms,
                    location=location, abnormal=True, source=Source.BULK, key=key,
                )
            )  # fmt: skip
        _alert(made)
    else:
        accepted, abnormal_ids = _insert_with_orm(rows)
        if abnormal_ids:
            _alert(
                list(
                    CheckIn.objects.select_related("employee__enterprise").filter(
                        pk__in=abnormal_ids
                    )
                )
            )
    return {"accepted": accepted, "duplicates": len(rows) - accepted, "refused": refused}


def _staff_by_hash(enterprise_id: int, hashes: list[str]) -> dict[str, int]:
    """{ID number hash: employee pk} of the enterprise's staff among ``hashes``: the hashes
    travel as one text parameter, not as 5,000 (each quoted by the driver)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return dict(
            Employee.objects.filter(
                enterprise_id=enterprise_id, person__id_hash__in=hashes
            ).values_list("person__id_hash", "pk")
        )
    q = connection.ops.quote_name
    employee, person = Employee._meta, Employee._meta.get_field("person").related_model._meta
    if connection.vendor == "postgresql":
        # 5,000 look-ups of the two unique indexes, one a hash (a sub-query per hash): as a
        # join the planner chose to hash both tables whole (80 ms for a roster of 100,000,
        # against some 15 for the look-ups).
        found = (
            f"SELECT e.{q('id')} FROM {q(person.db_table)} p "
            f"JOIN {q(employee.db_table)} e ON e.{q('person_id')} = p.{q('id')} "
            f"AND e.{q('enterprise_id')} = %s WHERE p.{q('id_hash')} = h.v"
        )
        sql = (
            f"SELECT v, pk FROM (SELECT h.v, ({found}) AS pk "  # noqa: S608
            # OFFSET 0: the sub-query kept whole, so each look-up runs once, not again
            # for the WHERE
            "FROM unnest(string_to_array(%s, ',')) AS h(v) OFFSET 0) AS s WHERE pk IS NOT NULL"
        )
        # Bound by the server (Django's cursor would quote the 330 kB into the statement).
        return dict(fetchall(sql, [enterprise_id, ",".join(hashes)]))  # hex: no comma in them
    else:
        # From the list (CROSS JOIN keeps SQLite's order): 5,000 look-ups of the unique
        # indexes, not a scan of a roster of 100,000.
        sql = (
            f"SELECT p.{q('id_hash')}, e.{q('id')} FROM json_each(%s) j "
            f"CROSS JOIN {q(person.db_table)} p CROSS JOIN {q(employee.db_table)} e "
            f"WHERE p.{q('id_hash')} = j.value AND e.{q('person_id')} = p.{q('id')} "
            f"AND e.{q('enterprise_id')} = %s"
        )
        params = [json.dumps(hashes), enterprise_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _insert_with_orm(rows: dict) -> tuple[int, list[int]]:
    """Where ``_returning`` is not there: what is stored already is looked up first."""
    stored = set(
        CheckIn.objects.filter(
            employee_id__in={pk for pk, _d, _h in rows}, day__in={d for _pk, d, _h in rows}
        ).values_list("employee_id", "day", "half")
    )
    fields = ("employee_id", "day", "half", "tenths", "symptoms", "location", "abnormal", "key")
    new = [
        CheckIn(source=Source.BULK, **dict(zip(fields, row, strict=True)))
        for key, row in rows.items()
        if key not in stored
    ]
    CheckIn.objects.bulk_create(new, ignore_conflicts=True)
    abnormal = [r for r in new if r.abnormal]
    ids = []
    if abnormal:
        ids = list(
            CheckIn.objects.filter(
                employee_id__in=[r.employee_id for r in abnormal],
                day__in={r.day for r in abnormal},
                abnormal=True,
            ).values_list("pk", flat=True)
        )
    return len(new), ids


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


OVERSEERS = frozenset({Role.CADRE, Role.COMMAND, Role.PLATFORM_ADMIN})  # see the 未报 lists


def may_remind(actor, enterprise) -> bool:
    """The enterprise's own users, and the grid chiefs, cadres and command offices whose
    scope holds it (their 未报 list, ``overview``)."""
    if services.may_keep_roster(actor, enterprise):
        return True
    roles = {m.role for m in active_memberships(actor)}
    if not (roles & OVERSEERS or actor.is_superuser):
        return False
    return scoped(Enterprise.objects.filter(pk=enterprise.pk), actor).exists()


@transaction.atomic
def remind(*, actor, enterprise, day: datetime.date, half: int) -> int:
    """催报: remind each person of the 未报 list who has an account (their inbox, and email
    where they chose it); once a half-day however often it is pressed, by the enterprise or
    by a grid chief or command office above it. Returns how many."""
    if not may_remind(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users and those in charge of it remind."))
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
    the half-day, most first: (name, not checked in, expected, enterprise id). The counts are the
    database's own (``StaffCount``, ``CheckInTally``, kept by triggers): one row an
    enterprise, whatever the number of people (600,000 in a county)."""
    from django.db.models import F, FilteredRelation, Q
    from django.db.models.functions import Coalesce

    abnormal = (
        scoped(CheckIn.objects.filter(day=day, abnormal=True), user)
        .select_related("employee__person", "employee__enterprise")
        # What the page shows: no phone, no ID number to decrypt, narrow rows to join.
        .only(
            "day",
            "half",
            "at",
            "tenths",
            "symptoms",
            "abnormal",
            "employee__person__name",
            "employee__enterprise__name",
        )
        .order_by("-at")[:limit]
    )
    tallied = "enterprise__checkin_tallies"
    missing = (
        scoped(StaffCount.objects.filter(expected__gt=0), user)
        .annotate(
            now=FilteredRelation(
                tallied, condition=Q(**{f"{tallied}__day": day, f"{tallied}__half": half})
            )
        )
        .annotate(missing=F("expected") - Coalesce(F("now__checked"), 0))
        .filter(missing__gt=0)
        .order_by("-missing", "enterprise_id")
        .values_list("enterprise__name", "missing", "expected", "enterprise_id")[:limit]
    )
    return list(abnormal), list(missing)
