from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import COMMAND_ROLES, ENTERPRISE_VIEWERS, Role
from fugong.core import registry
from fugong.core.registry import MenuItem


class ResumptionConfig(AppConfig):
    name = "fugong.resumption"
    label = "resumption"
    verbose_name = _("Resumption filings")

    def ready(self) -> None:
        # Imported here: these modules use the models, which do not exist yet when Django
        # imports this one.
        from fugong.resumption import events, home, work

        registry.add_urls("resumption/", "fugong.resumption.urls", order=200)
        registry.add_urls("v/", "fugong.resumption.public_urls", order=210)
        registry.add_api_router("/filings", "fugong.resumption.api.router", order=400)
        registry.add_menu(
            MenuItem(
                _("Resumption filings"),
                "resumption:list",
                "clipboard-check",
                ENTERPRISE_VIEWERS,
                "/resumption/",
                order=200,
            ),
            MenuItem(
                _("Review queue"),
                "resumption:queue",
                "inboxes",
                frozenset({Role.REVIEWER, Role.PARK_OPERATOR}),
                "/resumption/queue/",
                order=210,
            ),
            MenuItem(
                _("Resumption pipeline"),
                "resumption:pipeline",
                "bar-chart-steps",
                COMMAND_ROLES,
                "/resumption/pipeline/",
                order=220,
            ),
            MenuItem(
                _("Resumption settings"),
                "resumption:settings",
                "sliders",
                frozenset({Role.COMMAND}),
                "/resumption/settings/",
                order=230,
            ),
        )
        for tile in home.TILES:
            registry.add_home_tile(tile)
        for source in work.SOURCES:
            registry.add_work_source(source)
        for kind in events.KINDS:
            registry.add_event_kind(kind)
        registry.add_demo_step(
            "routes", "fugong.resumption.demo.build_routes", after=("enterprises",)
        )
        registry.add_demo_step("filings", "fugong.resumption.demo.build_filings", after=("users",))
