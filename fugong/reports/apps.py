from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports generated from the figures (日报, 零报告, the four ledgers, the narrative report)
    and the narrative templates. Its pages live under /stats/ beside the dashboard."""

    name = "fugong.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from fugong.accounts.choices import COMMAND_ROLES
        from fugong.core import registry
        from fugong.core.registry import MenuItem
        from fugong.reports import jobs  # noqa: F401 - registers the report job

        registry.add_urls("stats/", "fugong.reports.urls", order=320)
        registry.add_api_router("/stats", "fugong.reports.api.router", order=520)
        registry.add_menu(
            MenuItem(
                _("Reports"),
                "reports:reports",
                "file-earmark-text",
                COMMAND_ROLES,
                "/stats/reports/",
                order=320,
            ),
        )
