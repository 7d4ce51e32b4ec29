from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fugong.accounts.models import (
    ApiToken,
    Jurisdiction,
    LoginLog,
    Membership,
    Office,
    TokenRevocation,
    User,
)
from fugong.accounts.signals import acting_as
from fugong.core.admin import AuditedModelAdmin, ReadOnlyAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["jurisdiction", "office", "enterprise"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "is_active", "last_login"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Fugong"), {"fields": ["full_name", "phone"]}),
    ]
    inlines = [MembershipInline]

    # A password changed or an account deactivated here revokes the user's API tokens
    # (accounts.signals); the admin is recorded as who did it.
    def save_model(self, request, obj, form, change) -> None:
        with acting_as(request.user):
            super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        with acting_as(request.user):
            return super().user_change_password(request, id, form_url)


@admin.register(Jurisdiction)
class JurisdictionAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Office)
class OfficeAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "jurisdiction"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["jurisdiction"]


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "role", "jurisdiction", "office", "enterprise", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__full_name"]
    autocomplete_fields = ["user", "jurisdiction", "office", "enterprise"]


@admin.register(LoginLog)
class LoginLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "event", "ip_address"]
    list_filter = ["event"]
    search_fields = ["username"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked",
        "revoked_reason",
    ]
    list_filter = ["revoked", "revoked_reason"]
    search_fields = ["user__username", "user__full_name", "prefix"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        from fugong.accounts.services import api_token_revoke

        n = 0
        for token in queryset.filter(revoked=False):
            api_token_revoke(actor=request.user, token=token, why=TokenRevocation.ADMIN)
            n += 1
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", n) % {"n": n},
            messages.SUCCESS,
        )
