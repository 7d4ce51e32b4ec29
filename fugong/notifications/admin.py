"""For the platform administrator: the group robots (their keys and secrets are set on the
command offices' set-up pages, /notifications/setup/, and never shown here); the deliveries
are read-only (the delivery log page sends again)."""

from django.contrib import admin

from fugong.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from fugong.notifications.models import Delivery, RobotWebhook


@admin.register(RobotWebhook)
class RobotWebhookAdmin(AuditedModelAdmin):
    # The key and the secret are set on the set-up pages (checked there); never shown here.
    exclude = ["key", "secret"]
    readonly_fields = ["key_tail", "signed", "created_at"]
    list_display = ["name", "jurisdiction", "kind", "is_active"]

    def has_add_permission(self, request) -> bool:
        return False  # added on the set-up pages, which take the key

    list_filter = ["kind", "is_active"]
    search_fields = ["name", "jurisdiction__name"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "channel", "user", "robot", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
