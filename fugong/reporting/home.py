"""Upward reporting's tile on the home page (declared in apps.py)."""

from __future__ import annotations

from fugong.accounts import selectors as account_selectors
from fugong.accounts.choices import COMMAND_ROLES
from fugong.core.registry import Home, HomeTile
from fugong.reporting.selectors import home_reporting


def _reporting(home: Home) -> dict:
    # Today's upward reports: the user's own nodes' (and reminders received), and how many of
    # the nodes reporting to them have submitted.
    nodes = (
        account_selectors.command_jurisdictions(home.user)
        or home.memo("roots", lambda: account_selectors.jurisdiction_roots(user=home.user))[:3]
    )
    return {"reporting": home_reporting(user=home.user, nodes=nodes)}


TILES = [
    HomeTile(
        "reporting", "panel", "reporting/home/_reporting.html", COMMAND_ROLES, _reporting, order=100
    ),
]
