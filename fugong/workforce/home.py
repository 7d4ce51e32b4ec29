"""The employee's home page (issue 13 point 7): their status, the check-in of this half-day
and their pass, as on their own page (``views.me``), declared as a home tile in apps.py."""

from __future__ import annotations

import uuid

from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.core.registry import Home, HomeTile
from fugong.workforce import checkins
from fugong.workforce.choices import Half, Location, PassStatus, Symptom
from fugong.workforce.models import Employee


def mine(user) -> Employee | None:
    """The user's latest roster entry (the one their check-ins go to), or None."""
    return (
        Employee.objects.filter(user=user)
        .select_related("person", "enterprise")
        .order_by("-pk")
        .first()
    )


def my_day(employee: Employee) -> dict:
    """What the employee's pages show: their status, this half-day's check-in (or the form,
    with a fresh idempotency key) and their valid pass."""
    half = checkins.current_half()
    return {
        "employee": employee,
        "done": employee.checkins.filter(day=timezone.localdate(), half=half).first(),
        "half": Half(half).label,
        "key": uuid.uuid4(),
        "symptoms": Symptom.choices,
        "locations": Location.choices,
        "pass": employee.passes.filter(status=PassStatus.VALID).order_by("-pk").first(),
    }


def _me(home: Home) -> dict | None:
    employee = mine(home.user)
    return my_day(employee) if employee is not None else None


TILES = [
    HomeTile(
        "workforce_me",
        "panel",
        "workforce/home/_me.html",
        frozenset({Role.EMPLOYEE}),
        _me,
        order=10,
    )
]
