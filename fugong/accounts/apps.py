from django.apps import AppConfig
from django.urls import path
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import COMMAND_ROLES, Role
from fugong.core import registry
from fugong.core.registry import MenuItem


class AccountsConfig(AppConfig):
    name = "fugong.accounts"
    label = "accounts"
    verbose_name = _("Accounts and jurisdictions")

    def ready(self) -> None:
        # Imported here: these modules use the models, which do not exist yet when Django
        # imports this one.
        from fugong.accounts import selectors, services, signals, views  # noqa: F401

        registry.add_urls("", [path("", views.home, name="home")], order=0)
        registry.add_urls("", "fugong.accounts.urls", order=800)
        registry.add_api_router("/auth", "fugong.accounts.api.auth_router", order=0)
        registry.add_api_router("/", "fugong.accounts.api.router", order=100)
        registry.add_menu(
            MenuItem(_("Home"), "home", "house", order=0),
            MenuItem(
                _("Jurisdictions"),
                "accounts:jurisdictions",
                "diagram-3",
                COMMAND_ROLES,
                "/jurisdictions/",
                order=700,
            ),
            MenuItem(
                _("Login log"),
                "accounts:login_log",
                "journal-text",
                None,
                "/account/login-log/",
                order=810,
            ),
            MenuItem(
                _("System settings"),
                "admin:index",
                "gear",
                frozenset({Role.PLATFORM_ADMIN}),
                "/admin/",
                order=900,
            ),
        )
        registry.add_demo_step("jurisdictions", "fugong.accounts.demo.build_jurisdictions")
        registry.add_demo_step(
            "offices", "fugong.accounts.demo.build_offices", after=("jurisdictions",)
        )
        registry.provide("build_scope", selectors.build_scope)
        registry.provide("user_roles", selectors.user_roles)
        registry.provide("primary_role", selectors.primary_role)
        registry.provide("sees_personal_data", selectors.sees_personal_data)
        registry.provide("authenticate_token", services.api_token_authenticate)
