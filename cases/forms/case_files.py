"""Forms of the case file's own pages: the queue filters and the workflow steps."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import CaseStatus, Outcome, OutOfCriteriaReason, Programme, Region
from cii_platform.audit.forms import swiss_date_field
from cii_platform.partners.models import PartnerService


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher (nom, numéro AVS ou référence)"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[
            ("", _("nouveaux et en évaluation")),
            (CaseStatus.REPORTED, CaseStatus.REPORTED.label),
            (CaseStatus.ASSESSMENT, CaseStatus.ASSESSMENT.label),
        ],
    )
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    region = forms.ChoiceField(label=_("Région"), required=False, choices=[("", _("toutes")), *Region.choices])
    service = forms.ChoiceField(label=_("Service pilote"), required=False)
    overdue = forms.BooleanField(label=_("Seulement les dossiers avec des tâches en retard"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("tous"))] + [
            (programme.code, programme.name) for programme in Programme.objects.filter(active=True)
        ]
        self.fields["service"].choices = [("", _("tous"))] + [
            (service.code, str(service)) for service in PartnerService.objects.all()
        ]


class TransitionForm(forms.Form):
    """One step of the workflow; `version` is the version of the case the page showed."""

    to_status = forms.ChoiceField(label=_("Nouveau statut"), choices=CaseStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Remarque (facultatif)"), required=False, max_length=300)
    outcome = forms.ChoiceField(label=_("Issue (pour clôturer)"), required=False, choices=[("", "—"), *Outcome.choices])
    outcome_date = swiss_date_field(_("Date de l'issue (jj.mm.aaaa)"))
    out_of_criteria_reason = forms.ChoiceField(
        label=_("Motif (hors critères)"), required=False, choices=[("", "—"), *OutOfCriteriaReason.choices]
    )
