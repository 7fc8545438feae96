"""Forms of the referral pages: proposing a referral, answering one."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.consents import LegalBasisChoiceMixin, service_label
from cases.models import CaseFile, Consent, Referral
from cases.services.referrals import REFERRAL_REASON_MAX_CHARS, REFUSAL_REASON_MAX_CHARS
from cii_platform.partners.models import PartnerService


class ReferralForm(LegalBasisChoiceMixin, forms.Form):
    """What the lead service proposes, to whom, why and on which basis.

    The basis may be left empty in the form: the service refuses it with its own message.
    """

    field_order = ["kind", "to_service", "basis", "reason"]

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
        self.offer_bases(consents)
        service = cast(forms.ModelChoiceField, self.fields["to_service"])
        service.queryset = PartnerService.objects.exclude(pk=case.lead_service_id).order_by("name")
        service.label_from_instance = service_label


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
