"""Set-up data of resumption: modes, rules, the routing table. Filings themselves change only
through the services (their pages and the API), so they are read-only here."""

from django.contrib import admin

from fugong.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from fugong.resumption.models import (
    Filing,
    FilingRule,
    Notice,
    ResumptionPolicy,
    RoutingRule,
)


@admin.register(ResumptionPolicy)
class ResumptionPolicyAdmin(AuditedModelAdmin):
    list_display = ["jurisdiction", "mode", "effective_from", "notice_prefix", "remarks"]
    list_filter = ["mode"]
    search_fields = ["jurisdiction__name", "jurisdiction__code"]
    autocomplete_fields = ["jurisdiction"]


@admin.register(FilingRule)
class FilingRuleAdmin(AuditedModelAdmin):
    list_display = ["code", "jurisdiction", "enabled", "params"]
    list_filter = ["code", "enabled"]
    autocomplete_fields = ["jurisdiction"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedModelAdmin):
    list_display = [
        "position", "jurisdiction", "category", "industry_prefix", "flag", "office_kind",
        "office_level", "is_active", "note",
    ]  # fmt: skip
    list_filter = ["office_kind", "is_active", "category"]
    autocomplete_fields = ["jurisdiction"]


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "mode", "status", "submitted_at", "lead_office"]
    list_filter = ["mode", "status"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "filing", "issued_at", "revoked"]
    search_fields = ["number"]
