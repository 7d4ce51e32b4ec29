from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.core import registry
from fugong.core.registry import MenuItem

GOVERNMENT = frozenset(
    {Role.PLATFORM_ADMIN, Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT, Role.CADRE}
)


class InspectionsConfig(AppConfig):
    name = "fugong.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        registry.add_urls("inspections/", "fugong.inspections.urls", order=460)
        registry.add_menu(
            MenuItem(
                _("Inspections"),
                "inspections:list",
                "clipboard2-pulse",
                GOVERNMENT | {Role.ENTERPRISE},
                "/inspections/",
                order=460,
            ),
            MenuItem(
                _("Rectification orders"),
                "inspections:orders",
                "exclamation-diamond",
                GOVERNMENT | {Role.ENTERPRISE},
                "/inspections/orders/",
                order=465,
            ),
        )
