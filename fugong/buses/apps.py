from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.core import registry
from fugong.core.registry import MenuItem

# Who has the menu: government roles and enterprises (park operators and cadres see the
# buses of their enterprises too).
READERS = frozenset(
    {
        Role.PLATFORM_ADMIN,
        Role.COMMAND,
        Role.REVIEWER,
        Role.DEPARTMENT,
        Role.CADRE,
        Role.PARK_OPERATOR,
        Role.ENTERPRISE,
    }
)


class BusesConfig(AppConfig):
    name = "fugong.buses"
    label = "buses"
    verbose_name = _("Charter and commuter buses")

    def ready(self) -> None:
        from fugong.buses import figures, work

        registry.add_urls("buses/", "fugong.buses.urls", order=495)
        registry.add_urls("open/buses/", "fugong.buses.public_urls", order=496)
        registry.add_api_router("/buses", "fugong.buses.api.router", order=695)
        registry.add_menu(
            MenuItem(_("Buses"), "buses:batches", "bus-front", READERS, "/buses/", order=495)
        )
        for source in work.SOURCES:
            registry.add_work_source(source)
        figures.register()
        registry.add_demo_step("buses", "fugong.buses.demo.build_buses", after=("roster",))
