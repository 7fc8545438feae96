"""Forms of the yearly reviews, corrective measures, service agreements and NE-ESO screening pages.

They parse what was typed; the rules belong to the services
(`measures.services.reviews`, `.corrective`, `.agreements`, `.eso_screening`),
whose refusals `add_service_errors` puts back on the fields.
"""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin, VersionedForm
from measures.models import AgreementMetric, CorrectiveMeasure, Measure, Provider
from measures.services.agreements import AgreementTerms, IndicatorTarget

LOWER_IS_BETTER: frozenset[str] = frozenset(
    {AgreementMetric.AVERAGE_DURATION_DAYS, AgreementMetric.COST_PER_POSITIVE_EXIT}
)
"""Metrics whose target is a ceiling by default (shorter placements, cheaper positive exits)."""


class MeasureChoiceField(forms.ModelChoiceField):
    """A measure shown with its provider ("Alfaset · Atelier horlogerie")."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.provider} · {obj}"


class MeasureMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Measures shown with their provider."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.provider} · {obj}"


class ReviewOpenForm(forms.Form):
    """Which review to open: a mixed measure and a year."""

    mesure = forms.ModelChoiceField(
        label=_("Mesure mixte"), queryset=Measure.objects.none(), to_field_name="code", empty_label=None
    )
    annee = forms.IntegerField(label=_("Année"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, measures: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["mesure"]).queryset = measures


class ReviewForm(ServiceErrorsMixin, forms.Form):
    assessment = forms.CharField(
        label=_("Appréciation du groupe"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce que le groupe retient de l'année : qualité, adéquation aux publics, collaboration."),
    )
    prospects = forms.CharField(
        label=_("Perspectives"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    proposed_places = forms.IntegerField(label=_("Places proposées pour l'année suivante"), required=False, min_value=0)
    proposed_budget = forms.DecimalField(
        label=_("Budget proposé pour l'année suivante (CHF)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CorrectiveRequestForm(ServiceErrorsMixin, forms.Form):
    provider = forms.ModelChoiceField(label=_("Prestataire"), queryset=Provider.objects.order_by("name"))
    measure = MeasureChoiceField(
        label=_("Mesure concernée (facultatif)"),
        queryset=Measure.objects.select_related("provider").order_by("provider__name", "name"),
        required=False,
    )
    description = forms.CharField(
        label=_("Correction demandée"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    changes_contract = forms.BooleanField(
        label=_("Cette correction modifie la convention de prestations"),
        required=False,
        help_text=_("Elle sera alors soumise au GP CII, qui décide."),
    )
    due_on = swiss_date_field(_("Échéance"), required=True, required_message=_("Indiquez l'échéance."))


class CorrectiveFollowUpForm(ServiceErrorsMixin, forms.Form):
    follow_up = forms.CharField(label=_("Suivi"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(
        label=_("Statut"),
        choices=[
            (CorrectiveMeasure.Status.IN_PROGRESS.value, CorrectiveMeasure.Status.IN_PROGRESS.label),
            (CorrectiveMeasure.Status.DONE.value, CorrectiveMeasure.Status.DONE.label),
        ],
    )
    changes_contract = forms.BooleanField(label=_("Cette correction modifie la convention"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CorrectiveDecisionForm(ServiceErrorsMixin, forms.Form):
    gp_decision = forms.CharField(
        label=_("Décision du GP CII"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AgreementForm(ServiceErrorsMixin, VersionedForm):
    """The terms of an agreement, its measures and one target per indicator (left empty: not an indicator).

    With `editing` the form carries the hidden version of the agreement it shows; a new agreement has none.
    """

    provider = forms.ModelChoiceField(label=_("Prestataire (mandataire)"), queryset=Provider.objects.order_by("name"))
    title = forms.CharField(label=_("Objet de la convention"), max_length=200)
    parties = forms.CharField(
        label=_("Parties"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mandant et mandataire."),
    )
    legal_bases = forms.CharField(label=_("Bases légales"), widget=forms.Textarea(attrs={"rows": 2}))
    target_groups = forms.CharField(label=_("Publics cibles"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = swiss_date_field(_("Du"), required=True, required_message=_("Indiquez le début de la convention."))
    ends_on = swiss_date_field(_("Au"), required=True, required_message=_("Indiquez la fin de la convention."))
    volume_places = forms.IntegerField(label=_("Volume (places)"), min_value=0)
    price = forms.DecimalField(label=_("Prix annuel (CHF)"), min_value=Decimal("0"), max_digits=12, decimal_places=2)
    data_protection = forms.CharField(
        label=_("Protection des données et secret"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    measures = MeasureMultipleChoiceField(
        label=_("Mesures couvertes"),
        queryset=Measure.objects.select_related("provider").order_by("provider__name", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]
        for metric in AgreementMetric:
            self.fields[f"target_{metric.value}"] = forms.DecimalField(
                label=metric.label, required=False, max_digits=12, decimal_places=2
            )
            self.fields[f"higher_{metric.value}"] = forms.BooleanField(
                label=_("Plus c'est haut, mieux c'est"),
                required=False,
                initial=metric.value not in LOWER_IS_BETTER,
            )

    def indicator_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """For the template: each metric's target field and its direction."""
        return [(self[f"target_{metric.value}"], self[f"higher_{metric.value}"]) for metric in AgreementMetric]

    def terms(self) -> AgreementTerms:
        data = self.cleaned_data
        return AgreementTerms(
            title=data["title"],
            parties=data["parties"],
            legal_bases=data["legal_bases"],
            target_groups=data["target_groups"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            volume_places=data["volume_places"],
            price=data["price"],
            data_protection=data["data_protection"],
        )

    def indicators(self) -> list[IndicatorTarget]:
        data = self.cleaned_data
        return [
            IndicatorTarget(
                metric=metric.value,
                target=data[f"target_{metric.value}"],
                higher_is_better=bool(data[f"higher_{metric.value}"]),
            )
            for metric in AgreementMetric
            if data.get(f"target_{metric.value}") is not None
        ]

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "indicators" in error.error_dict:
            indicator_errors = error.error_dict.pop("indicators")
            self.add_error(None, indicator_errors)
        super().add_service_errors(error)


class EsoScreeningForm(ServiceErrorsMixin, forms.Form):
    productivity_percent = forms.IntegerField(
        label=_("Productivité (%)"),
        min_value=0,
        max_value=100,
        help_text=_("Capacité de productivité estimée par rapport à un poste du premier marché."),
    )
    age = forms.IntegerField(label=_("Âge (ans)"), min_value=15, max_value=100)
    debts_chf = forms.DecimalField(
        label=_("Dettes (CHF)"), min_value=Decimal("0"), max_digits=12, decimal_places=2, initial=Decimal("0")
    )
    has_family_charges = forms.BooleanField(
        label=_("Charge de famille (enfants ou autres personnes à charge)"), required=False
    )
    heavy_social_problem = forms.BooleanField(label=_("Problématique sociale lourde"), required=False)
