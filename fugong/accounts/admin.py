from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import (
    ApiToken,
    Jurisdiction,
    LoginLog,
    Membership,
    Office,
    TokenRevocation,
    User,
)
from fugong.accounts.services import acting_as, api_token_revoke
from fugong.core.admin import AuditedModelAdmin, ReadOnlyAdmin

# Django stores permission names in English ("Can add user") and shows them as they are; these
# labels put them in the user's language from the model's translated name.
PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action in PERMISSION_ACTIONS and model is not None and model._meta.model_name == model_name:
        text = PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    else:
        text = gettext(permission.name)
    return f"{permission.content_type} | {text}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return permission_label(obj)


class TranslatedPermissionsMixin:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedPermissionsMixin, BaseGroupAdmin):
    pass


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["jurisdiction", "office", "enterprise"]


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, AuditedModelAdmin, BaseUserAdmin):
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
    exclude = ["key_hash"]  # a hash of the secret: of no use to anyone reading the page
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        n = 0
        for token in queryset.filter(revoked=False):
            api_token_revoke(actor=request.user, token=token, why=TokenRevocation.ADMIN)
            n += 1
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", n) % {"n": n},
            messages.SUCCESS,
        )
