from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Upward reporting (DHIS2's data approval): a node submits its day's figures, the level
    above reminds and reopens. Its pages live under /stats/ beside the dashboard."""

    name = "fugong.reporting"
    label = "reporting"
    verbose_name = _("Upward reporting")

    def ready(self) -> None:
        from fugong.accounts.choices import COMMAND_ROLES
        from fugong.core import registry
        from fugong.core.registry import MenuItem
        from fugong.reporting import events, home, selectors, work
        from fugong.stats import figures, locks

        # The statistics layer reads the submitted days through these, never this app.
        locks.register_submitted_days(selectors.submitted_days)
        figures.register_submitted_figures(selectors.submitted_figures)

        registry.add_urls("stats/", "fugong.reporting.urls", order=310)
        registry.add_api_router("/stats", "fugong.reporting.api.router", order=510)
        registry.add_menu(
            MenuItem(
                _("Daily reporting"),
                "reporting:reporting",
                "send-check",
                COMMAND_ROLES,
                "/stats/reporting/",
                order=310,
            ),
        )
        for tile in home.TILES:
            registry.add_home_tile(tile)
        for source in work.SOURCES:
            registry.add_work_source(source)
        for kind in events.KINDS:
            registry.add_event_kind(kind)
