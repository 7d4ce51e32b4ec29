"""What each role may do with the enterprises in its scope (scope itself is fugong.core.scope)."""

from __future__ import annotations

from fugong.accounts.choices import Role
from fugong.accounts.selectors import user_roles

MANAGERS = {Role.PLATFORM_ADMIN, Role.COMMAND}
STATUS_SETTERS = MANAGERS | {Role.CADRE, Role.PARK_OPERATOR}
EDITORS = MANAGERS | {Role.PARK_OPERATOR, Role.ENTERPRISE}
IMPORTERS = MANAGERS | {Role.PARK_OPERATOR}


def can_manage(user) -> bool:
    """Create enterprises, assign 包保, override derived values."""
    return bool(user_roles(user) & MANAGERS)


def can_set_status(user) -> bool:
    return bool(user_roles(user) & STATUS_SETTERS)


def can_edit(user) -> bool:
    return bool(user_roles(user) & EDITORS)


def can_import(user) -> bool:
    return bool(user_roles(user) & IMPORTERS)
