from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VacanciesConfig(AppConfig):
    """The vacancy database (动态空岗信息库) and the public job board (issue 17, MISSION C8,
    seed 001 §二)."""

    name = "fugong.vacancies"
    label = "vacancies"
    verbose_name = _("Vacancies and the job board")

    def ready(self) -> None:
        from fugong.accounts.choices import Role
        from fugong.core import registry
        from fugong.core.imports import registry as imports
        from fugong.core.registry import MenuItem
        from fugong.vacancies import figures
        from fugong.vacancies.importer import VacancyImporter

        imports.register(VacancyImporter())
        registry.add_urls("vacancies/", "fugong.vacancies.urls", order=500)
        registry.add_urls("open/jobs/", "fugong.vacancies.public_urls", order=510)
        registry.add_api_router("/vacancies", "fugong.vacancies.api.router", order=700)
        registry.add_menu(
            MenuItem(
                _("Vacancies"),
                "vacancies:list",
                "briefcase",
                frozenset(
                    {
                        Role.PLATFORM_ADMIN,
                        Role.COMMAND,
                        Role.REVIEWER,
                        Role.DEPARTMENT,
                        Role.CADRE,
                        Role.ENTERPRISE,
                    }
                ),
                "/vacancies/",
                order=500,
            )
        )
        figures.register()
        registry.add_demo_step(
            "vacancies", "fugong.vacancies.demo.build_vacancies", after=("policies", "roster")
        )
