"""The submission rules (seed 004), each a function of the application and its parameters.

A result is stored as plain data (code, outcome, the numbers behind it) and turned into a
sentence in the reader's language when shown, so a result saved in Chinese reads in English
for an English user too."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fugong.resumption.choices import Mode, RuleCode
from fugong.resumption.policy import RuleSetting

PASS = "pass"
FAIL = "fail"
ESCALATE = "escalate"  # passes, but the approval moves up to the county


def _supplies(filing, params: dict, now: datetime.datetime) -> tuple[str, dict]:
    staff = filing.returning_staff
    needed = math.ceil(staff * params["days"] * params["masks_per_person_per_day"])
    detail = {"staff": staff, "masks": filing.masks, "needed": needed, "days": params["days"],
              "per_day": params["masks_per_person_per_day"]}  # fmt: skip
    return (PASS if filing.masks >= needed else FAIL), detail


def _lead_time(filing, params: dict, now: datetime.datetime) -> tuple[str, dict]:
    hours = params["hours"]
    if filing.planned_date is None:
        return FAIL, {"hours": hours, "no_date": True}
    start = timezone.make_aware(datetime.datetime.combine(filing.planned_date, datetime.time()))
    left = (start - now).total_seconds() / 3600
    detail = {
        "hours": hours,
        "left": max(0, math.floor(left)),
        "date": filing.planned_date.isoformat(),
    }
    return (PASS if left >= hours else FAIL), detail


def _earliest_date(filing, params: dict, now: datetime.datetime) -> tuple[str, dict]:
    earliest = params.get("date")
    earliest = parse_date(earliest) if isinstance(earliest, str) else earliest
    if not earliest or filing.planned_date is None or filing.planned_date >= earliest:
        return PASS, {"earliest": earliest.isoformat() if earliest else None}
    detail = {"earliest": earliest.isoformat(), "date": filing.planned_date.isoformat()}
    return (ESCALATE if params.get("early_needs_county") else FAIL), detail


def _dormitory(filing, params: dict, now: datetime.datetime) -> tuple[str, dict]:
    limit = params["max_per_room"]
    if not filing.has_dormitory:
        return PASS, {"limit": limit, "none": True}
    per_room = filing.dormitory_per_room
    detail = {"limit": limit, "per_room": per_room}
    return (PASS if per_room is not None and per_room <= limit else FAIL), detail


def _isolation_room(filing, params: dict, now: datetime.datetime) -> tuple[str, dict]:
    outside = filing.staff_from_outside_city
    detail = {"outside": outside}
    return (PASS if outside == 0 or filing.has_isolation_room else FAIL), detail


def _plan(filing, params: dict, now: datetime.datetime) -> tuple[str, dict]:
    missing = []
    if not filing.leading_group.strip():
        missing.append("leading_group")
    if not filing.emergency_plan.strip():
        missing.append("emergency_plan")
    return (FAIL if missing else PASS), {"missing": missing}


CHECKS: dict[str, Callable] = {
    RuleCode.SUPPLIES: _supplies,
    RuleCode.LEAD_TIME: _lead_time,
    RuleCode.EARLIEST_DATE: _earliest_date,
    RuleCode.DORMITORY: _dormitory,
    RuleCode.ISOLATION_ROOM: _isolation_room,
    RuleCode.PLAN: _plan,
}


def evaluate(
    filing, rules: list[RuleSetting], *, now: datetime.datetime | None = None
) -> list[dict]:
    """Every enabled rule's result, in the order of RuleCode, under the filing's mode: in record
    mode there is no approval step to escalate to, so what would need the county's approval
    (an early date, seed 004) fails instead."""
    now = now or timezone.now()
    results = []
    for rule in rules:
        if not rule.enabled:
            continue
        outcome, detail = CHECKS[rule.code](filing, rule.params, now)
        if outcome == ESCALATE and filing.mode == Mode.RECORD:
            outcome = FAIL
        results.append({"code": rule.code, "outcome": outcome, "detail": detail})
    return results


def failed(results: list[dict]) -> list[dict]:
    return [r for r in results if r["outcome"] == FAIL]


def escalates(results: list[dict]) -> bool:
    return any(r["outcome"] == ESCALATE for r in results)


def describe(result: dict) -> str:
    """The result as one sentence saying what was checked and, on failure, what to fix."""
    code, outcome, d = result["code"], result["outcome"], result.get("detail", {})
    if code == RuleCode.SUPPLIES:
        if outcome == PASS:
            return _("%(masks)s masks cover %(staff)s returning staff for %(days)s days.") % d
        return (
            _(
                "%(masks)s masks are not enough: %(staff)s returning staff need %(needed)s for "
                "%(days)s days (%(per_day)s per person per day). Add masks or bring back fewer staff."
            )
            % d
        )
    if code == RuleCode.LEAD_TIME:
        if d.get("no_date"):
            return _("Enter the planned resumption date.")
        if outcome == PASS:
            return _("Filed at least %(hours)s hours before the planned date.") % d
        return (
            _(
                "The planned date %(date)s is only %(left)s hours away; file at least %(hours)s "
                "hours before it, or choose a later date."
            )
            % d
        )
    if code == RuleCode.EARLIEST_DATE:
        if outcome == PASS:
            if d.get("earliest"):
                return _("Not before the earliest resumption date %(earliest)s.") % d
            return _("No earliest resumption date is set here.")
        if outcome == ESCALATE:
            return (
                _(
                    "The planned date %(date)s is before the earliest date %(earliest)s: early "
                    "resumption needs the county's approval."
                )
                % d
            )
        return (
            _(
                "The planned date %(date)s is before the earliest resumption date %(earliest)s; "
                "choose %(earliest)s or later."
            )
            % d
        )
    if code == RuleCode.DORMITORY:
        if d.get("none"):
            return _("No dormitory.")
        if outcome == PASS:
            return _("At most %(per_room)s people per dormitory room (limit %(limit)s).") % d
        if d.get("per_room") is None:
            return _("Enter the most people in one dormitory room (at most %(limit)s).") % d
        return (
            _(
                "%(per_room)s people in one dormitory room is too many; at most %(limit)s are allowed."
            )
            % d
        )
    if code == RuleCode.ISOLATION_ROOM:
        if outcome == PASS:
            if d.get("outside"):
                return (
                    _(
                        "An isolation room is set up for the %(outside)s staff from outside the city."
                    )
                    % d
                )
            return _("No staff come from outside the city.")
        return (
            _(
                "%(outside)s staff come from outside the city: set up an isolation room (single "
                "rooms, apart from the others)."
            )
            % d
        )
    if code == RuleCode.PLAN:
        if outcome == PASS:
            return _("The leading group and the emergency plan are present.")
        names = {"leading_group": _("the leading group"), "emergency_plan": _("the emergency plan")}
        return _("Add %(what)s.") % {"what": _(" and ").join(str(names[m]) for m in d["missing"])}
    return code


def rule_label(code: str) -> str:
    return str(RuleCode(code).label)
