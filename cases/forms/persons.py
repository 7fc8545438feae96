"""The signalement form: a person (already followed, or new) and the case to open for them."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import Person, Programme, Region, Sex
from cases.selectors.persons import person_find_visible_by_avs, person_list_visible
from cases.services.persons import PersonDetails, avs_normalise
from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field

NEW_PERSON_FIELDS = ("first_name", "last_name", "birth_date")


class SignalForm(forms.Form):
    """Who is signalled, in which programme and why; the lead service is always the user's own.

    The person is, in this order: a person picked among the likely duplicates (or
    preselected from their page), a person found by AVS number among those the
    user already sees, or the new person described in the identity fields.
    """

    existing_person = forms.ModelChoiceField(
        label=_("Personne déjà enregistrée"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Cette personne ne figure dans aucun dossier de votre service.")},
    )
    existing_avs = forms.CharField(
        label=_("Numéro AVS d'une personne déjà suivie par votre service"),
        help_text=_("Format 756.XXXX.XXXX.XC. Laissez vide pour signaler une nouvelle personne."),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    last_name = forms.CharField(label=_("Nom"), required=False, max_length=100)
    first_name = forms.CharField(label=_("Prénom"), required=False, max_length=100)
    birth_date = swiss_date_field(_("Date de naissance (jj.mm.aaaa)"))
    avs_number = forms.CharField(
        label=_("Numéro AVS (si connu)"),
        help_text=_(
            "Format 756.XXXX.XXXX.XC. Laissez vide si la personne n'en a pas, par exemple une personne "
            "requérante d'asile."
        ),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    # Not required: a person chosen among those already recorded posts no identity.
    sex = forms.ChoiceField(label=_("Sexe"), choices=Sex.choices, initial=Sex.OTHER, required=False)
    language = forms.CharField(label=_("Langue"), initial="français", max_length=50, required=False)
    commune = forms.CharField(label=_("Commune de domicile"), required=False, max_length=100)
    phone = forms.CharField(label=_("Téléphone"), required=False, max_length=30)
    email = forms.EmailField(
        label=_("Courriel"), required=False, error_messages={"invalid": _("Saisissez une adresse de courriel valable.")}
    )
    address = forms.CharField(label=_("Adresse"), required=False, max_length=200)
    confirm_new_person = forms.BooleanField(
        label=_("Il s'agit d'une autre personne : enregistrer une nouvelle fiche"), required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.filter(active=True),
        empty_label=_("— choisir —"),
        error_messages={"required": _("Choisissez le programme.")},
    )
    region = forms.ChoiceField(
        label=_("Région"), choices=[("", _("— non précisée —")), *Region.choices], required=False
    )
    receives_unemployment = forms.BooleanField(label=_("Indemnités de chômage (AC)"), required=False)
    receives_disability = forms.BooleanField(label=_("Prestations de l'assurance-invalidité (AI)"), required=False)
    receives_social_assistance = forms.BooleanField(label=_("Aide sociale (AS)"), required=False)
    signal_reason = forms.CharField(
        label=_("Motif du signalement"),
        help_text=_("En quelques phrases : la situation et pourquoi elle demande une prise en charge coordonnée."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Indiquez le motif du signalement.")},
    )
    confirm_over_age = forms.BooleanField(
        label=_("Je confirme le signalement malgré l'âge de la personne"), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        existing = cast(forms.ModelChoiceField, self.fields["existing_person"])
        existing.queryset = person_list_visible(user=user)

    def preselected_person(self) -> Person | None:
        """The person chosen before this submission (from their page, or among the duplicates), if visible."""
        raw = self.data.get("existing_person") if self.is_bound else self.initial.get("existing_person")
        if not raw or not str(raw).isdigit():
            return None
        return person_list_visible(user=self.user).filter(pk=int(raw)).first()

    def clean_existing_avs(self) -> str:
        return self._normalised_avs("existing_avs")

    def clean_avs_number(self) -> str:
        return self._normalised_avs("avs_number")

    def _normalised_avs(self, field: str) -> str:
        try:
            return avs_normalise(self.cleaned_data.get(field, "")) or ""
        except ValidationError as error:
            raise ValidationError(error.messages, code="invalid_avs") from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("existing_person") is not None:
            return data
        avs = data.get("existing_avs")
        if avs:
            found = person_find_visible_by_avs(user=self.user, avs_number=avs)
            if found is None:
                # The same answer whether the number is unknown or belongs to a
                # person the service does not follow: nothing leaks.
                self.add_error(
                    "existing_avs",
                    _(
                        "Aucune personne avec ce numéro AVS ne figure dans les dossiers de votre service. "
                        "Videz ce champ et décrivez la personne ci-dessous (nouvelle personne)."
                    ),
                )
            else:
                data["existing_person"] = found
            return data
        for name in NEW_PERSON_FIELDS:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Ce champ est obligatoire pour signaler une nouvelle personne."))
        return data

    def signal_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `cases.services.persons.person_signal` (after `is_valid()`)."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "programme": data["programme"],
            "region": data["region"],
            "signal_reason": data["signal_reason"],
            "receives_unemployment": data["receives_unemployment"],
            "receives_disability": data["receives_disability"],
            "receives_social_assistance": data["receives_social_assistance"],
            "new_person_confirmed": data["confirm_new_person"],
            "over_age_confirmed": data["confirm_over_age"],
        }
        if data.get("existing_person") is not None:
            arguments["person"] = data["existing_person"]
        else:
            arguments["details"] = PersonDetails(
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
                avs_number=data["avs_number"],
                sex=data["sex"] or Sex.OTHER,
                language=data["language"] or "français",
                commune=data["commune"],
                phone=data["phone"],
                email=data["email"],
                address=data["address"],
            )
        return arguments
