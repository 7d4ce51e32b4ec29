from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "fugong.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from fugong.stats import reports  # noqa: F401 - registers the report job
