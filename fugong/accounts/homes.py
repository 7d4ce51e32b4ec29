"""What each role sees first after logging in."""

from __future__ import annotations

from fugong.accounts import selectors
from fugong.accounts.choices import Role
from fugong.core.selectors import job_list
from fugong.enterprises.selectors import enterprise_list
from fugong.stats.reporting import home_reporting
from fugong.stats.selectors import enterprise_breakdown, enterprise_total, filings_waiting


def home_context(user, role: str | None) -> tuple[str, dict]:
    memberships = selectors.active_memberships(user)
    mine = [m for m in memberships if m.role == role]
    context: dict = {
        "role": role,
        "memberships": memberships,
        "recent_jobs": job_list(user=user)[:5],
    }
    if role in (Role.PLATFORM_ADMIN, Role.COMMAND):
        roots = selectors.jurisdiction_roots(user=user)
        context["areas"] = [
            {"node": node, "breakdown": enterprise_breakdown(user=user, node=node)}
            for node in roots[:3]
        ]
        context["waiting"] = filings_waiting(user=user)
        # Today's upward reports: the user's own nodes' (and reminders received), and how many
        # of the nodes reporting to them have submitted.
        context["reporting"] = home_reporting(
            user=user, nodes=selectors.command_jurisdictions(user) or roots[:3]
        )
        return "accounts/home_command.html", context
    if role in (Role.REVIEWER, Role.DEPARTMENT, Role.PARK_OPERATOR):
        context["offices"] = [m.office for m in mine if m.office]
        context["enterprise_total"] = enterprise_total(user=user)
        context["enterprises"] = enterprise_list(user=user)[:10]
        if role != Role.DEPARTMENT:
            context["waiting"] = filings_waiting(user=user)
        return "accounts/home_office.html", context
    if role == Role.CADRE:
        context["enterprise_total"] = enterprise_total(user=user)
        context["enterprises"] = enterprise_list(user=user)[:20]
        return "accounts/home_cadre.html", context
    if role in (Role.ENTERPRISE, Role.EMPLOYEE):
        context["enterprise"] = next((m.enterprise for m in mine if m.enterprise), None)
        if role == Role.ENTERPRISE and context["enterprise"]:
            context["filing"] = context["enterprise"].filings.order_by("-pk").first()
        return f"accounts/home_{role}.html", context
    return "accounts/home_none.html", context
