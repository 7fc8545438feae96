"""Partner services of the CII and their offices, as data.

A service owns one permission group (django-guardian grants objects to it);
its staff are members of that group through their account.
"""

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerService(models.Model):
    """One of the services that take part in the CII (SEMP, OAI, SASO, SMIG, SFPO)."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("nom"), max_length=200, unique=True)
    mission = models.CharField(_("mission"), max_length=300, blank=True)
    legal_frame = models.CharField(_("cadre légal"), max_length=200, blank=True)
    permission_group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="partner_service",
        verbose_name=_("groupe de permissions"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("service partenaire")
        verbose_name_plural = _("services partenaires")

    def __str__(self) -> str:
        return self.code.upper()


class Office(models.Model):
    """An office of a service (ORP, SSR Littoral Ouest, OFIJ …) or an organisation it mandates (CNIP)."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("office du service")
        MANDATED_ORGANISATION = "mandated", _("organisation mandatée")

    service = models.ForeignKey(
        PartnerService, on_delete=models.PROTECT, related_name="offices", verbose_name=_("service")
    )
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.OFFICE)
    region = models.CharField(_("région"), max_length=100, blank=True)

    class Meta:
        ordering = ["service__code", "name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="partners_office_unique_name_per_service"),
        ]

    def __str__(self) -> str:
        return self.name
