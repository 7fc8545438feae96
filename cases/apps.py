from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    label = "cases"
    verbose_name = _("Dossiers CII")

    def ready(self) -> None:
        # The case files' PDF reports join the platform's registry (which never imports this app).
        from cases.reports import register_reports

        register_reports()
