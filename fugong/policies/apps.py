from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.core import registry
from fugong.core.registry import MenuItem

GOVERNMENT = frozenset(
    {Role.PLATFORM_ADMIN, Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT, Role.CADRE}
)


class PoliciesConfig(AppConfig):
    name = "fugong.policies"
    label = "policies"
    verbose_name = _("Policies and benefits")

    def ready(self) -> None:
        from fugong.policies import events, figures, jobs, signals, work  # noqa: F401

        registry.add_urls("policies/", "fugong.policies.urls", order=480)
        registry.add_urls("open/policies/", "fugong.policies.public_urls", order=490)
        registry.add_api_router("/policies", "fugong.policies.api.router", order=680)
        registry.add_menu(
            MenuItem(
                _("Policies"),
                "policies:list",
                "gift",
                GOVERNMENT | {Role.ENTERPRISE},
                "/policies/",
                order=480,
            ),
            MenuItem(
                _("My policy benefits"),
                "policies:mine",
                "gift-fill",
                frozenset({Role.ENTERPRISE}),
                "/policies/mine/",
                order=481,
            ),
        )
        for kind in events.KINDS:
            registry.add_event_kind(kind)
        for source in work.SOURCES:
            registry.add_work_source(source)
        figures.register()
        registry.add_demo_step(
            "policies", "fugong.policies.demo.build_policies", after=("inspections",)
        )
