"""Staff accounts and their roles.

Every staff account belongs to one partner service (and one of its offices)
and holds zero or more roles. Roles decide what the interface offers; which
objects a person reaches is decided by the access module, per service.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cii_platform.partners.models import Office, PartnerService


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("conseiller·ère / travailleur·euse social·e")
    COORDINATION_GROUP = "coordination_group", _("membre du groupe de coordination")
    GP_CII = "gp_cii", _("membre du GP CII")
    CNIP_STAFF = "cnip_staff", _("collaborateur·rice du CNIP")
    LABEL_JURY = "label_jury", _("membre du jury du Label Intégration")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("préposé·e à la protection des données")
    PLATFORM_ADMIN = "platform_admin", _("administrateur·rice de la plateforme")


class User(AbstractUser):
    """A staff account of a partner service."""

    service = models.ForeignKey(
        PartnerService,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name=_("service"),
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name=_("office"),
    )
    job_title = models.CharField(_("fonction"), max_length=150, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(office__isnull=True) | models.Q(service__isnull=False),
                name="accounts_user_office_needs_service",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, role: Role | str) -> bool:
        """Whether the account holds `role`; roles are read once per request and cached."""
        return role in self.role_codes

    @property
    def role_codes(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.roles.values_list("role", flat=True)) if self.pk else frozenset()
            self._role_codes = cached
        return cached


class RoleAssignment(models.Model):
    """A role held by a staff account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("compte"))
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("rôle")
        verbose_name_plural = _("rôles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="accounts_roleassignment_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_roleassignment_known"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()
