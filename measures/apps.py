from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    label = "measures"
    verbose_name = _("Mesures d'insertion")

    def ready(self) -> None:
        # The yearly review's PDF joins the platform's report registry (which never imports this app).
        from measures.reports import register_reports

        register_reports()
