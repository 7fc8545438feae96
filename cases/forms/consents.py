"""Forms of the sharing pages: recording and revoking a consent, inviting a service."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import CaseFile, Consent, DataCategory, LegalBasis
from cases.services.consents import CONSENT_DOCUMENT_SIGNATURES
from cii_platform.accounts.models import Role, User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.partners.models import PartnerService


def service_label(service: PartnerService) -> str:
    return f"{service.name} ({service.code.upper()})"


class ConsentForm(forms.Form):
    """The consent as the person signed it; the lead service of the case is always covered."""

    services = forms.ModelMultipleChoiceField(
        label=_("Services avec lesquels les informations peuvent être échangées"),
        queryset=PartnerService.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Catégories de données concernées"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    purpose = forms.CharField(
        label=_("But de l'échange"),
        help_text=_(
            "En termes simples, ce que les services feront ensemble, par exemple « coordonner la recherche "
            "d'une mesure d'insertion adaptée »."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    signed_on = swiss_date_field(
        _("Signé le (jj.mm.aaaa)"), required=True, required_message=_("Indiquez la date de signature.")
    )
    valid_until = swiss_date_field(
        _("Valable jusqu'au (jj.mm.aaaa)"), required=True, required_message=_("Indiquez la fin de validité.")
    )
    document = forms.FileField(
        label=_("Document signé (facultatif)"),
        help_text=_("Fichier PDF, JPEG ou PNG de 5 Mo au plus."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(CONSENT_DOCUMENT_SIGNATURES))}),
    )

    def __init__(self, *args: Any, case: CaseFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = cast(forms.ModelMultipleChoiceField, self.fields["services"])
        services.queryset = PartnerService.objects.exclude(pk=case.lead_service_id).order_by("name")
        services.label_from_instance = service_label
        services.help_text = _("Le service pilote (%(service)s) est toujours compris dans le consentement.") % {
            "service": case.lead_service.name
        }


class ConsentRevokeForm(forms.Form):
    note = forms.CharField(
        label=_("Motif de la révocation"),
        help_text=_("Par exemple « révocation orale lors de l'entretien du 12.03.2026 »."),
        max_length=300,
        error_messages={"required": _("Indiquez comment et quand la personne a révoqué son consentement.")},
    )


def consent_label(consent: Consent) -> str:
    services = ", ".join(service.code.upper() for service in consent.services.all())
    return str(
        _("Consentement signé le %(signed)s, valable jusqu'au %(until)s (%(services)s)")
        % {
            "signed": consent.signed_on.strftime("%d.%m.%Y"),
            "until": consent.valid_until.strftime("%d.%m.%Y"),
            "services": services,
        }
    )


class LegalBasisChoiceMixin(forms.Form):
    """A `basis` choice between the consents in force and the articles of law of the editable list.

    `clean()` turns it into `consent` (or None) and `legal_basis` (or None). It may be
    left empty: the services refuse an exchange without basis with their own message.
    """

    basis = forms.ChoiceField(label=_("Base légale de l'échange"), required=False)

    def offer_bases(self, consents: list[Consent]) -> None:
        self._consents = {str(consent.pk): consent for consent in consents}
        self._laws = {basis.code: basis for basis in LegalBasis.objects.filter(active=True, is_consent=False)}
        basis = cast(forms.ChoiceField, self.fields["basis"])
        basis.choices = [
            ("", _("— choisir —")),
            (
                _("Consentement de la personne"),
                [(f"consent-{pk}", consent_label(c)) for pk, c in self._consents.items()],
            ),
            (_("Article de loi (sans consentement)"), [(f"law-{code}", b.label) for code, b in self._laws.items()]),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = data.get("basis") or ""
        data["consent"] = self._consents.get(raw.removeprefix("consent-")) if raw.startswith("consent-") else None
        data["legal_basis"] = self._laws.get(raw.removeprefix("law-")) if raw.startswith("law-") else None
        return data


class ParticipationInviteForm(LegalBasisChoiceMixin, forms.Form):
    """Which service to invite and on which basis: a consent in force or an article of law.

    The basis may be left empty in the form: the service refuses it with its own message.
    """

    field_order = ["service", "basis", "caseworker", "person_informed"]

    service = forms.ModelChoiceField(
        label=_("Service à inviter"),
        queryset=PartnerService.objects.none(),
        empty_label=_("— choisir —"),
        error_messages={"required": _("Choisissez le service à inviter.")},
    )
    caseworker = forms.ModelChoiceField(
        label=_("Intervenant·e du service invité (facultatif)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— le service invité le désignera —"),
    )
    person_informed = forms.BooleanField(
        label=_("La personne a déjà été informée de cet échange"),
        help_text=_("Seulement pour un échange fondé sur un article de loi, sans consentement."),
        required=False,
    )

    def __init__(self, *args: Any, case: CaseFile, consents: list[Consent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer_bases(consents)
        service = cast(forms.ModelChoiceField, self.fields["service"])
        service.queryset = PartnerService.objects.exclude(pk=case.lead_service_id).order_by("name")
        service.label_from_instance = service_label
        caseworker = cast(forms.ModelChoiceField, self.fields["caseworker"])
        caseworkers: QuerySet[User] = (
            User.objects.filter(is_active=True, roles__role=Role.CASEWORKER, service__isnull=False)
            .exclude(service_id=case.lead_service_id)
            .select_related("service")
            .order_by("service__name", "last_name", "first_name")
        )
        caseworker.queryset = caseworkers
        caseworker.label_from_instance = lambda user: f"{user.get_full_name() or user.username} · {user.service}"


class ParticipationEndForm(forms.Form):
    reason = forms.CharField(label=_("Motif (facultatif)"), max_length=300, required=False)
