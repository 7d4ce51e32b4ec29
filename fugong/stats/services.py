"""Writes of the statistics layer: its settings (what the rate divides by, the daily report's
deadline), changed by the command office of the node or one above it."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import command_jurisdictions, user_roles
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.stats.choices import Denominator
from fugong.stats.models import StatsSetting


def is_admin(user) -> bool:
    return Role.PLATFORM_ADMIN in user_roles(user)


def command_paths(user) -> list[str]:
    return [j.path for j in command_jurisdictions(user)]


def can_configure(user, node: Jurisdiction) -> bool:
    return is_admin(user) or any(node.path.startswith(p) for p in command_paths(user))


def setting_set(
    *,
    actor,
    node: Jurisdiction,
    rate_denominator: str,
    report_deadline: datetime.time | None = None,
) -> StatsSetting:
    if not can_configure(actor, node):
        raise NotAllowed(
            _("Only the command office of %(name)s may change its settings.") % {"name": node.name}
        )
    if rate_denominator not in Denominator.values:
        raise UserError(_("Choose what the resumption rate divides by."), code="bad_denominator")
    existing = StatsSetting.objects.filter(jurisdiction=node).first()
    if existing is None:
        return audited_create(
            StatsSetting,
            actor=actor,
            jurisdiction=node,
            rate_denominator=rate_denominator,
            report_deadline=report_deadline,
        )
    return audited_update(
        existing, actor=actor, rate_denominator=rate_denominator, report_deadline=report_deadline
    )
