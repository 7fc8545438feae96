from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabelsConfig(AppConfig):
    name = "labels"
    label = "labels"
    verbose_name = _("Label Intégration")

    def ready(self) -> None:
        # The certificates and the palmarès join the platform's report registry (which never imports this app).
        from labels.reports import register_reports

        register_reports()
