"""What each role may do with the enterprises in its scope (scope itself is fugong.core.scope),
and which fields of an enterprise each role may change (docs/registry.md, "Who may do what")."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from fugong.accounts.choices import Role
from fugong.accounts.selectors import user_roles
from fugong.enterprises.models import Enterprise

MANAGERS = {Role.PLATFORM_ADMIN, Role.COMMAND}
STATUS_SETTERS = MANAGERS | {Role.CADRE, Role.PARK_OPERATOR}
EDITORS = MANAGERS | {Role.PARK_OPERATOR, Role.ENTERPRISE}
IMPORTERS = MANAGERS | {Role.PARK_OPERATOR}
# Who keeps the registry's figures: the managers, and a park operator for its tenants.
REGISTRY_KEEPERS = MANAGERS | {Role.PARK_OPERATOR}

# Fields that move the statistics, the data scope or 包保, and the roles that may change them.
# Every other field an editor sees (name, address, contacts, capabilities, remarks) is open to
# every role that may edit (EDITORS). An enterprise user therefore keeps its own contact data
# and capabilities up to date, and reaches 已复工 only through its resumption filing.
STATUS_FIELDS = ("ledger", "resumed_on", "returned_count")  # 台账, 已复工, 返岗人数: 复工率
REGISTRY_FIELDS = (
    "employee_count",  # 返岗率's denominator
    "industry",  # with revenue: the statistical category
    "revenue_last_year",
    "tax_paid_last_year",  # the key-enterprise flag
    "park",  # the park operator's scope
    "category",  # stated in an import (else derived); set by hand on the override page
    "category_overridden",
    "category_override_reason",
)
MANAGED_FIELDS = (
    "credit_code",  # the key an import matches on
    "jurisdiction",  # the data scope and every figure by place
    "tier",  # which leader takes charge (包保, TIER_LEADER)
    "is_key",
    "is_key_overridden",
    "is_key_override_reason",
)
FIELD_WRITERS: dict[str, set[str]] = {
    **dict.fromkeys(STATUS_FIELDS, STATUS_SETTERS),
    **dict.fromkeys(REGISTRY_FIELDS, REGISTRY_KEEPERS),
    **dict.fromkeys(MANAGED_FIELDS, MANAGERS),
}


def can_manage(user) -> bool:
    """Create enterprises, assign 包保, override derived values."""
    return bool(user_roles(user) & MANAGERS)


def can_set_status(user) -> bool:
    return bool(user_roles(user) & STATUS_SETTERS)


def can_edit(user) -> bool:
    return bool(user_roles(user) & EDITORS)


def can_import(user) -> bool:
    return bool(user_roles(user) & IMPORTERS)


def _is_person(actor) -> bool:
    """Writes by the system (the demo, a migration: an actor given as a label) are not
    limited by role."""
    return getattr(actor, "pk", None) is not None


def may_change(user, name: str) -> bool:
    writers = FIELD_WRITERS.get(name)
    if writers is None or not _is_person(user):
        return True
    return bool(user_roles(user) & writers)


def refused_fields(user, names: Iterable[str]) -> list[str]:
    """The fields among ``names`` that ``user`` may not change, in model order."""
    if not _is_person(user):
        return []
    roles = user_roles(user)
    names = set(names)
    return [n for n in FIELD_WRITERS if n in names and not roles & FIELD_WRITERS[n]]


def refusal_message(names: Iterable[str]) -> str:
    """The sentence for a write that changes fields the user may not change."""
    names = list(names)
    labels = "、".join(str(Enterprise._meta.get_field(n).verbose_name) for n in names)
    message = _(
        "You may not change %(fields)s: these fields count in the statistics or decide who "
        "is answerable for the enterprise. Ask your command office to change them."
    ) % {"fields": labels}
    if set(names) & set(STATUS_FIELDS):
        message += " " + _(
            "An enterprise is marked as resumed through its resumption filing, with the date "
            "and the staff back at work."
        )
    return message
