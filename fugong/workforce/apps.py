from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    """Workforce and health (issue 13, MISSION C4, seed 004): one file per person (一人一档)
    in each enterprise's roster; one identity per 身份证号 across enterprises, the number kept
    encrypted at rest and found by its keyed hash."""

    name = "fugong.workforce"
    label = "workforce"
    verbose_name = _("Workforce and health")
