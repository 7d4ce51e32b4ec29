"""The filings' tiles on the home page (declared in apps.py)."""

from __future__ import annotations

from fugong.accounts.choices import COMMAND_ROLES, Role
from fugong.core.registry import Home, HomeTile
from fugong.resumption.figures import filings_waiting


def _waiting(home: Home) -> dict:
    return {
        "waiting": filings_waiting(user=home.user),
        # The command offices follow the pipeline; reviewers work through their queue.
        "government": home.role in COMMAND_ROLES,
    }


def _own_filing(home: Home) -> dict | None:
    enterprise = next((m.enterprise for m in home.mine if m.enterprise), None)
    if enterprise is None:
        return None
    return {"filing": enterprise.filings.order_by("-pk").first()}


TILES = [
    HomeTile(
        "filings_waiting",
        "stat",
        "resumption/home/_waiting.html",
        COMMAND_ROLES | {Role.REVIEWER, Role.PARK_OPERATOR},
        _waiting,
        order=200,
    ),
    HomeTile(
        "own_filing",
        "panel",
        "resumption/home/_own_filing.html",
        {Role.ENTERPRISE},
        _own_filing,
        order=100,
    ),
]
