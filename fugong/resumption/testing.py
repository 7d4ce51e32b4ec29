"""Filings for tests, made through the resumption services on a registry from
``fugong.enterprises.testing.build_registry``."""

from __future__ import annotations

from fugong.enterprises.models import Enterprise
from fugong.resumption import services
from fugong.resumption.models import Filing


def add_filing(registry, enterprise: Enterprise, **application) -> Filing:
    """A draft filing for ``enterprise``, started by its own user (``w_t<n>_ent1`` for the
    first of each town) or, for the others, by a new user of its own."""
    from fugong.accounts.choices import Role
    from fugong.accounts.testing import person

    user = next(
        (u for u in registry.county.users.values() if _files_for(u, enterprise)),
        None,
    ) or person(f"w_ent{enterprise.pk}", Role.ENTERPRISE, enterprise=enterprise)
    return services.filing_create(actor=user, enterprise=enterprise, **application)


def _files_for(user, enterprise: Enterprise) -> bool:
    return user.memberships.filter(enterprise=enterprise, is_active=True).exists()
