from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fugong.accounts"
    label = "accounts"
    verbose_name = _("Accounts and jurisdictions")

    def ready(self) -> None:
        from fugong.accounts import signals  # noqa: F401
