"""The audit trail: an append-only record of who did what to which object.

Rows are written by `cii_platform.audit.services.audit_record` only. The
application refuses to change or delete them, and on PostgreSQL a trigger
(migration 0002) refuses UPDATE and DELETE at the database level.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditAction(models.TextChoices):
    READ = "read", _("consultation")
    CREATE = "create", _("création")
    CHANGE = "change", _("modification")
    DELETE = "delete", _("suppression")
    EXPORT = "export", _("export")
    PRINT = "print", _("impression")
    PERMISSION_GRANT = "permission_grant", _("octroi d'accès")
    PERMISSION_REVOKE = "permission_revoke", _("retrait d'accès")
    LOGIN = "login", _("connexion")
    LOGOUT = "logout", _("déconnexion")
    LOGIN_FAILED = "login_failed", _("échec de connexion")
    LOCKOUT = "lockout", _("verrouillage")
    ACCESS_DENIED = "access_denied", _("accès refusé")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Le journal d'audit ne peut pas être modifié.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AuditTrailIsAppendOnly("Le journal d'audit ne peut pas être supprimé.")


class AuditEvent(models.Model):
    """One audited action. `object_label` and `detail` never hold personal data beyond ids and references."""

    occurred_at = models.DateTimeField(_("date et heure"), auto_now_add=True, db_index=True)
    # No database constraint: deleting an account must not touch its history.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    actor_username = models.CharField(_("identifiant de l'auteur"), max_length=150, blank=True, db_index=True)
    actor_service = models.CharField(_("service de l'auteur"), max_length=16, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("type d'objet"), max_length=100, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    object_label = models.CharField(_("objet"), max_length=200, blank=True)
    person_id = models.CharField(_("personne concernée"), max_length=64, blank=True, db_index=True)
    legal_basis = models.CharField(_("base légale"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse"), null=True, blank=True)
    detail = models.JSONField(_("détails"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("événements d'audit")
        indexes = [
            models.Index(fields=["object_type", "object_id", "occurred_at"], name="audit_object_idx"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_idx"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.occurred_at:%d.%m.%Y %H:%M} {self.actor_username} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Le journal d'audit ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Le journal d'audit ne peut pas être supprimé.")
