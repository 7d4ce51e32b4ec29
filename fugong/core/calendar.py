"""The one working-day calendar: weekends, the State Council's public holidays and the make-up
working days (调休), from chinese-calendar. Every time limit counted in working days (a filing's
stage, a request's reply, an inspection's rectification) is counted here."""

from __future__ import annotations

import datetime

import chinese_calendar


def is_working_day(day: datetime.date) -> bool:
    """Whether ``day`` is a working day. For a year chinese-calendar has no data for yet (the
    holidays are published each November), Monday to Friday are."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start``."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        days -= is_working_day(day)
    return day
