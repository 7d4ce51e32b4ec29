from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

from fugong.core import registry
from fugong.core.registry import MenuItem


class CoreConfig(AppConfig):
    name = "fugong.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Imported here: these modules use the models, which do not exist yet when Django
        # imports this one.
        from fugong.core import (
            jobs,  # noqa: F401  (registers the job task)
            work,
        )
        from fugong.core.imports import engine  # noqa: F401  (registers the import jobs)

        registry.add_urls("", "fugong.core.urls", order=900)
        registry.add_home_tile(
            registry.HomeTile(
                "my_work", "panel", "core/home/_my_work.html", None, work.home_tile, order=10
            )
        )
        registry.add_api_router("/jobs", "fugong.core.jobs_api.router", order=300)
        registry.add_startup_task(_sweep_files)
        registry.add_menu(
            MenuItem(_("My work"), "core:my_work", "list-check", None, "/work/", order=5),
            MenuItem(
                _("Background jobs"), "core:jobs", "hourglass-split", None, "/jobs/", order=800
            ),
        )

        # Apps whose names are plain English strings (not marked for translation): named here,
        # so the admin shows them in the user's language.
        for label, name in (
            ("axes", _("Login lockouts")),
            ("django_tasks_database", _("Background task queue")),
        ):
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name


def _sweep_files(command) -> None:
    """Have the worker delete the uploaded files no row names (fugong/core/orphans.py); nightly
    from cron too: ``fugong sweep-files``."""
    from fugong.core.orphans import sweep_files

    sweep_files.enqueue()
