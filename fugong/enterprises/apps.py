from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import ENTERPRISE_VIEWERS
from fugong.core import registry
from fugong.core.imports import registry as imports
from fugong.core.registry import MenuItem


class EnterprisesConfig(AppConfig):
    name = "fugong.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self) -> None:
        # Imported here: these modules use the models, which do not exist yet when Django
        # imports this one.
        from fugong.enterprises import figures, home, io  # noqa: F401 (io registers job kinds)
        from fugong.enterprises.importer import EnterpriseImporter

        imports.register(EnterpriseImporter())  # the ledger on the import engine

        figures.register_figure_source()  # what the statistics layer counts

        registry.add_urls("enterprises/", "fugong.enterprises.urls", order=100)
        registry.add_api_router("/enterprises", "fugong.enterprises.api.router", order=200)
        registry.add_menu(
            MenuItem(
                _("Enterprises"),
                "enterprises:list",
                "buildings",
                ENTERPRISE_VIEWERS,
                "/enterprises/",
                order=100,
            )
        )
        for tile in home.TILES:
            registry.add_home_tile(tile)
        registry.add_demo_step("parks", "fugong.enterprises.demo.build_parks", after=("offices",))
        registry.add_demo_step(
            "enterprises", "fugong.enterprises.demo.build_enterprises", after=("parks",)
        )
