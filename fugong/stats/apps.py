from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "fugong.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fugong.accounts.choices import COMMAND_ROLES
        from fugong.accounts.models import jurisdictions_moved
        from fugong.core import registry
        from fugong.core.registry import MenuItem

        post_migrate.connect(_install_tally, sender=self)
        jurisdictions_moved.connect(_recount_tally)

        registry.add_urls("stats/", "fugong.stats.urls", order=300)
        registry.add_api_router("/stats", "fugong.stats.api.router", order=500)
        registry.add_menu(
            MenuItem(
                _("Dashboard"), "stats:dashboard", "graph-up", COMMAND_ROLES, "/stats/", order=300
            ),
        )
        registry.add_startup_task(_catch_up_snapshots)
        registry.add_demo_step("history", "fugong.stats.demo.build_history", after=("filings",))


def _catch_up_snapshots(command) -> None:
    """Have the worker take the end-of-day snapshots of past days that have none (the days the
    server was down, or a new database's last 60 days); one query when none is missing.
    ``fugong snapshot`` from cron does the same each night."""
    # Imported here, not at the top: an AppConfig module is imported before the models exist.
    from fugong.accounts.models import Jurisdiction
    from fugong.stats.tasks import missing_days, take_missing_snapshots

    missing = missing_days()
    if missing and Jurisdiction.objects.exists():
        take_missing_snapshots.enqueue()
        command.stdout.write(
            f"{len(missing)} past day(s) have no end-of-day snapshot yet; "
            "the background worker takes them now."
        )


def _install_tally(sender, using, **kwargs) -> None:
    """The tally's triggers after every ``migrate``: a migration that alters the enterprise
    table on SQLite copies it into a new table without them (fugong/stats/tally.py)."""
    from fugong.stats import tally

    tally.install(using)


def _recount_tally(sender, **kwargs) -> None:
    """A moved jurisdiction gives the units under it other ancestors without a write to them."""
    from fugong.stats import tally

    tally.rebuild()
