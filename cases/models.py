"""Réseau CII case files.

The foundation holds only what the access gate needs: a reference, a lead
service and a status. The next issue adds the person, consent, evaluation grid
and action plans.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cii_platform.access import ServiceGrantBase
from cii_platform.partners.models import PartnerService


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("signalé")
    ASSESSMENT = "assessment", _("en évaluation")
    ACTION_PLAN = "action_plan", _("plan d'action")
    FOLLOW_UP = "follow_up", _("suivi")
    CLOSED = "closed", _("clôturé")
    OUT_OF_CRITERIA = "out_of_criteria", _("hors critères")


class CaseFile(models.Model):
    """A shared case file (dossier CII), reached by the services it is granted to."""

    reference = models.CharField(_("référence"), max_length=20, unique=True)
    lead_service = models.ForeignKey(
        PartnerService, on_delete=models.PROTECT, related_name="led_cases", verbose_name=_("service pilote")
    )
    status = models.CharField(_("statut"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REPORTED)
    opened_at = models.DateTimeField(_("ouvert le"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("dossier CII")
        verbose_name_plural = _("dossiers CII")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CaseStatus.values), name="cases_casefile_known_status"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseReferenceCounter(models.Model):
    """The last reference number handed out in a year (locked while a case is opened)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CaseFileGroupObjectPermission(ServiceGrantBase):
    """Which service may view or change which case file (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="service_grants")

    class Meta(ServiceGrantBase.Meta):
        verbose_name = _("accès d'un service à un dossier")
        verbose_name_plural = _("accès des services aux dossiers")
        indexes = [models.Index(fields=["content_object", "group", "permission"], name="cases_grant_object_idx")]
