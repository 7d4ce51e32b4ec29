from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "fugong.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fugong.accounts.signals import jurisdictions_moved
        from fugong.stats import reports  # noqa: F401 - registers the report job

        post_migrate.connect(_install_tally, sender=self)
        jurisdictions_moved.connect(_recount_tally)


def _install_tally(sender, using, **kwargs) -> None:
    """The tally's triggers after every ``migrate``: a migration that alters the enterprise
    table on SQLite copies it into a new table without them (fugong/stats/tally.py)."""
    from fugong.stats import tally

    tally.install(using)


def _recount_tally(sender, **kwargs) -> None:
    """A moved jurisdiction gives the units under it other ancestors without a write to them."""
    from fugong.stats import tally

    tally.rebuild()
