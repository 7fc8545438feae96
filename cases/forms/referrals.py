"""Forms of the referral pages: proposing a referral, answering one."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import CaseFile, Consent, LegalBasis, Referral
from cases.services.referrals import REFERRAL_REASON_MAX_CHARS, REFUSAL_REASON_MAX_CHARS
from cii_platform.partners.models import PartnerService


def _service_label(service: PartnerService) -> str:
    return f"{service.name} ({service.code.upper()})"


def _consent_label(consent: Consent) -> str:
    services = ", ".join(service.code.upper() for service in consent.services.all())
    return str(
        _("Consentement signé le %(signed)s, valable jusqu'au %(until)s (%(services)s)")
        % {
            "signed": consent.signed_on.strftime("%d.%m.%Y"),
            "until": consent.valid_until.strftime("%d.%m.%Y"),
            "services": services,
        }
    )


class ReferralForm(forms.Form):
    """What the lead service proposes, to whom, why and on which basis.

    The basis may be left empty in the form: the service refuses it with its own message.
    """

    kind = forms.ChoiceField(
        label=_("Proposition"),
        choices=Referral.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une prise en charge partagée ou une reprise du pilotage.")},
    )
    to_service = forms.ModelChoiceField(
        label=_("Service destinataire"),
        queryset=PartnerService.objects.none(),
        empty_label=_("— choisir —"),
        error_messages={"required": _("Choisissez le service destinataire.")},
    )
    basis = forms.ChoiceField(label=_("Base légale de l'échange"), required=False)
    reason = forms.CharField(
        label=_("Motif"),
        help_text=_(
            "Le service destinataire lit ce motif avant d'avoir accès au dossier, sans le nom de la personne : "
            "n'y écrivez que ce dont il a besoin pour décider."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REFERRAL_REASON_MAX_CHARS,
        error_messages={"required": _("Indiquez le motif de la proposition.")},
    )

    def __init__(self, *args: Any, case: CaseFile, consents: list[Consent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._consents = {str(consent.pk): consent for consent in consents}
        self._laws = {basis.code: basis for basis in LegalBasis.objects.filter(active=True, is_consent=False)}
        service = cast(forms.ModelChoiceField, self.fields["to_service"])
        service.queryset = PartnerService.objects.exclude(pk=case.lead_service_id).order_by("name")
        service.label_from_instance = _service_label
        basis = cast(forms.ChoiceField, self.fields["basis"])
        basis.choices = [
            ("", _("— choisir —")),
            (
                _("Consentement de la personne"),
                [(f"consent-{pk}", _consent_label(c)) for pk, c in self._consents.items()],
            ),
            (_("Article de loi (sans consentement)"), [(f"law-{code}", b.label) for code, b in self._laws.items()]),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = data.get("basis") or ""
        data["consent"] = self._consents.get(raw.removeprefix("consent-")) if raw.startswith("consent-") else None
        data["legal_basis"] = self._laws.get(raw.removeprefix("law-")) if raw.startswith("law-") else None
        return data


class ReferralAnswerForm(forms.Form):
    ACCEPT = "accept"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("Réponse de votre service"),
        choices=[(ACCEPT, _("Accepter")), (REFUSE, _("Refuser"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez d'accepter ou de refuser.")},
    )
    refusal_reason = forms.CharField(
        label=_("Motif du refus"),
        help_text=_("Obligatoire pour un refus ; le service qui a fait la proposition le lira."),
        max_length=REFUSAL_REASON_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.REFUSE and not (data.get("refusal_reason") or "").strip():
            self.add_error("refusal_reason", _("Indiquez le motif du refus."))
        return data
