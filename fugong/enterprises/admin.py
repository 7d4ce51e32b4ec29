from django.contrib import admin

from fugong.core.admin import AuditedModelAdmin
from fugong.enterprises.models import Assignment, Enterprise, Park


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedModelAdmin):
    list_display = ["name", "credit_code", "jurisdiction"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["jurisdiction", "park"]
    filter_horizontal = ["routed_offices"]


@admin.register(Park)
class ParkAdmin(AuditedModelAdmin):
    list_display = ["name", "jurisdiction", "operator"]
    search_fields = ["name"]
    autocomplete_fields = ["jurisdiction", "operator"]


@admin.register(Assignment)
class AssignmentAdmin(AuditedModelAdmin):
    list_display = ["enterprise", "user", "duty", "post"]
    autocomplete_fields = ["enterprise", "user"]
