from django.contrib import admin
from django.db import transaction

from fugong.core.audit import record, snapshot
from fugong.core.models import AuditAction, AuditLog, Job


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin writes leave the same audit rows as the services do."""

    @transaction.atomic
    def save_model(self, request, obj, form, change) -> None:
        before = None
        if change:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(old) if old is not None else None
        super().save_model(request, obj, form, change)
        request._fugong_audit_pending = (obj, before, change)

    @transaction.atomic
    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        obj, before, change = getattr(
            request, "_fugong_audit_pending", (form.instance, None, change)
        )
        after = snapshot(obj)
        if change and before == after:
            return
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        record(
            actor=request.user, obj=obj, action=action, before=before, after=after, reason="admin"
        )

    @transaction.atomic
    def delete_model(self, request, obj) -> None:
        record(
            actor=request.user,
            obj=obj,
            action=AuditAction.DELETE,
            before=snapshot(obj),
            after=None,
            reason="admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_name", "request_id"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "title", "status", "done", "total", "created_by"]
    list_filter = ["status", "kind"]
