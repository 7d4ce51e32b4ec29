"""Checklist templates. A template that has been used is never edited in place: "make a new
version" copies it, the copy is edited and put in use, and filled checklists keep the exact
items they were answered against."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from fugong.core.admin import AuditedModelAdmin
from fugong.inspections.models import ChecklistItem, ChecklistTemplate
from fugong.inspections.services import template_in_use, template_new_version


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not template_in_use(obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or not template_in_use(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not template_in_use(obj)


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "version", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    inlines = [ChecklistItemInline]
    actions = ["new_version"]

    @admin.action(description=_("Make a new version (copy and put in use)"))
    def new_version(self, request, queryset):
        for template in queryset:
            copy = template_new_version(actor=request.user, template=template)
            messages.success(request, f"{copy}")
