"""For the platform administrator: the group robots (the command offices set theirs up in
their own pages, /notifications/setup/); the deliveries are read-only (the delivery log page
sends again)."""

from django.contrib import admin

from fugong.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from fugong.notifications.models import Delivery, RobotWebhook


@admin.register(RobotWebhook)
class RobotWebhookAdmin(AuditedModelAdmin):
    list_display = ["name", "jurisdiction", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "jurisdiction__name"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "channel", "user", "robot", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
