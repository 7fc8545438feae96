from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cii_platform.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        from cii_platform.accounts import receivers  # noqa: F401
