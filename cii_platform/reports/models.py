"""Report jobs: a PDF rendered in the background by the Celery worker."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    AUDIT_EXTRACT = "audit_extract", _("Extrait du journal d'audit")
    ACCESS_REPORT = "access_report", _("Rapport d'accès d'une personne")
    CASE_SUMMARY = "case_summary", _("Résumé de dossier pour une séance de réseau")
    MEASURE_REVIEW = "measure_review", _("Bilan annuel d'une mesure d'insertion")
    LABEL_CERTIFICATES = "label_certificates", _("Certificats du Label Intégration")
    LABEL_PALMARES = "label_palmares", _("Palmarès du Label Intégration")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échec")


class ReportJob(models.Model):
    """One requested document. Its file is downloadable only by whoever may see its content."""

    kind = models.CharField(_("type"), max_length=32, choices=ReportKind.choices)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_jobs", verbose_name=_("demandé par")
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    status = models.CharField(_("statut"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progression (%)"), default=0)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    result = models.FileField(_("fichier"), upload_to="reports/%Y/%m/", blank=True)
    archive = models.FileField(_("archive des documents séparés"), upload_to="reports/%Y/%m/", blank=True)
    error = models.CharField(_("erreur"), max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("rapport")
        verbose_name_plural = _("rapports")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="reports_reportjob_progress_max_100"),
            models.CheckConstraint(condition=models.Q(kind__in=ReportKind.values), name="reports_reportjob_known_kind"),
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="reports_reportjob_known_status"
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "-id"], name="reports_job_requester_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
