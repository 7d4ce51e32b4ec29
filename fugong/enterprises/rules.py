"""The rules an enterprise row must keep, wherever it comes from: the edit form, the API, the
bulk status change or an import (``RowChecker``). One function, one set of translated
messages, so a row the import refuses is refused by the form and the API in the same words.

``row_problems(values, changed=...)`` takes the enterprise's values as they would be after the
write (model field names; relations may be objects or ids) and returns ``{field: message}``.
Only the rules that involve a changed field are applied, so a record stored before a rule
existed can still be edited elsewhere (its remarks, say) without being refused for it.
The messages are sentences that fit both alone (form, API) and after a column label (import:
``返岗人数：…``).

Scope, places and submitted days are checked where they are known (services, ``RowChecker``);
which roles may change which fields is ``permissions.refused_fields``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

PEOPLE = ("employee_count", "returned_count")
AMOUNTS = ("revenue_last_year", "tax_paid_last_year")
AMOUNT_LIMIT = Decimal("1e12")  # 14 digits with 2 decimals, as stored
RULE_FIELDS = frozenset({*PEOPLE, *AMOUNTS, "resumed_on"})
# The earliest plausible resumption date: anything before is a typing slip (0001-01-01, 1900).
EARLIEST_RESUMPTION = datetime.date(2000, 1, 1)


def of_enterprise(name: str, message: str) -> str:
    """One enterprise's problem in a list about several: "<name>: <message>"."""
    return _("%(name)s: %(message)s") % {"name": name, "message": message}


def people_problem(value) -> str | None:
    if value is not None and value < 0:
        return _("a number of people cannot be negative.")
    return None


def amount_problem(value) -> str | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= AMOUNT_LIMIT:
        return _("“%(value)s” is not a plausible amount in 10,000 yuan.") % {"value": value}
    return None


def resumed_on_problem(value: datetime.date | None, *, today: datetime.date) -> str | None:
    if value is not None and value > today:
        return _("the date %(date)s is in the future.") % {"date": value.isoformat()}
    if value is not None and value < EARLIEST_RESUMPTION:
        return _(
            "the date %(date)s is too early for a resumption date; give one from %(earliest)s on."
        ) % {"date": value.isoformat(), "earliest": EARLIEST_RESUMPTION.isoformat()}
    return None


def returned_problem(returned: int | None, employees: int | None) -> str | None:
    if returned is not None and employees is not None and returned > employees:
        return _("more staff returned than the enterprise employs.")
    return None


def row_problems(
    values: Mapping,
    *,
    changed: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with an enterprise whose fields would be ``values``: ``{field: message}``
    (empty when nothing is). ``changed``: the fields being written (None: all of them)."""
    changed = RULE_FIELDS if changed is None else set(changed) & RULE_FIELDS
    if not changed:
        return {}
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    for name in PEOPLE:
        if name in changed and (message := people_problem(values.get(name))):
            problems[name] = message
    for name in AMOUNTS:
        if name in changed and (message := amount_problem(values.get(name))):
            problems[name] = message
    if "resumed_on" in changed and (
        message := resumed_on_problem(values.get("resumed_on"), today=today)
    ):
        problems["resumed_on"] = message
    if (
        changed & {"returned_count", "employee_count"}
        and "returned_count" not in problems
        and "employee_count" not in problems
        and (
            message := returned_problem(values.get("returned_count"), values.get("employee_count"))
        )
    ):
        problems["returned_count"] = message
    return problems
