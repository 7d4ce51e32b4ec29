from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusesConfig(AppConfig):
    name = "fugong.buses"
    label = "buses"
    verbose_name = _("Charter and commuter buses")
