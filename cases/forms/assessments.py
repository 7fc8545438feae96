"""The form of an assessment on the common evaluation grid (one score and comment per dimension)."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import GridDimension
from cases.services.assessments import COMMENT_MAX, PERCENT_MAX, SCORE_MAX, ScoreInput
from cii_platform.audit.forms import swiss_date_field

# The meaning of 0 and 3 differs per dimension: the dimension's guidance says it
# (help text), so the choices stay plain numbers.
SCORE_CHOICES = [("", _("non évaluée")), ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3")]


def _score_field_name(code: str) -> str:
    return f"score_{code}"


def _comment_field_name(code: str) -> str:
    return f"comment_{code}"


class AssessmentForm(forms.Form):
    """An assessment on the grid `dimensions` (those of the version in force).

    The form only parses what was typed; the rules (date not in the future, at
    least one dimension scored) belong to `cases.services.assessments.assessment_record`,
    whose errors `add_service_errors` puts back on the fields.
    """

    assessed_on = swiss_date_field(
        _("Date de l'évaluation (jj.mm.aaaa)"), required=True, required_message=_("Indiquez la date de l'évaluation.")
    )
    summary = forms.CharField(
        label=_("Synthèse (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("La synthèse ne peut pas dépasser %(limit_value)d caractères.")},
    )

    def __init__(self, *args: Any, dimensions: Sequence[GridDimension], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = list(dimensions)
        for dimension in self.dimensions:
            # Django %-formats the messages of the validators that carry parameters
            # (choices, bounds, lengths): a "%" of the label must be doubled there.
            label = {"dimension": dimension.label}
            escaped = {"dimension": dimension.label.replace("%", "%%")}
            if dimension.kind == GridDimension.Kind.PERCENT:
                percent_message = _("« %(dimension)s » : indiquez un pourcentage entre 0 et 100, ou laissez vide.")
                score_field: forms.Field = forms.IntegerField(
                    label=_("Pourcentage (0 à 100)"),
                    required=False,
                    min_value=0,
                    max_value=PERCENT_MAX,
                    help_text=dimension.guidance,
                    error_messages={
                        "invalid": percent_message % label,
                        "min_value": percent_message % escaped,
                        "max_value": percent_message % escaped,
                    },
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            else:
                score_field = forms.TypedChoiceField(
                    label=_("Cote (0 à %(max)d)") % {"max": SCORE_MAX},
                    required=False,
                    choices=SCORE_CHOICES,
                    coerce=int,
                    empty_value=None,
                    help_text=dimension.guidance,
                    error_messages={
                        "invalid_choice": _("« %(dimension)s » : choisissez une cote de 0 à 3, ou « non évaluée ».")
                        % escaped
                    },
                )
            self.fields[_score_field_name(dimension.code)] = score_field
            self.fields[_comment_field_name(dimension.code)] = forms.CharField(
                label=_("Commentaire"),
                required=False,
                max_length=COMMENT_MAX,
                error_messages={
                    "max_length": _("« %(dimension)s » : le commentaire ne peut pas dépasser %(max)d caractères.")
                    % {**escaped, "max": COMMENT_MAX}
                },
            )

    def dimension_fields(self) -> list[tuple[GridDimension, forms.BoundField, forms.BoundField]]:
        """Each dimension with its score and comment fields, for the template."""
        return [
            (dimension, self[_score_field_name(dimension.code)], self[_comment_field_name(dimension.code)])
            for dimension in self.dimensions
        ]

    def score_inputs(self) -> dict[str, ScoreInput]:
        """The cleaned scores, by dimension code, as `assessment_record` takes them."""
        return {
            dimension.code: ScoreInput(
                value=self.cleaned_data.get(_score_field_name(dimension.code)),
                comment=self.cleaned_data.get(_comment_field_name(dimension.code)) or "",
            )
            for dimension in self.dimensions
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the service's refusal on the fields it names (a dimension code names its score field)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            name = _score_field_name(key) if _score_field_name(key) in self.fields else key
            self.add_error(name if name in self.fields and key != NON_FIELD_ERRORS else None, messages)
