"""Forms of the action plan and of the network meetings.

The forms parse what was typed and offer only the case's own choices (services
taking part, their caseworkers, the case's goals and meetings); the rules belong
to `cases.services.action_plans` and `cases.services.meetings`, whose refusals
`add_service_errors` puts back on the fields.
"""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.consents import service_label
from cases.models import Goal, Meeting
from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin
from cii_platform.partners.models import PartnerService


def _user_label(user: User) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({user.service.code.upper()})" if user.service else name


def _goal_label(goal: Goal) -> str:
    return goal.title


def _meeting_label(meeting: Meeting) -> str:
    return str(_("Séance du %(date)s") % {"date": meeting.held_on.strftime("%d.%m.%Y")})


class GoalForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(
        label=_("Objectif"),
        max_length=200,
        help_text=_("Par exemple « retrouver un emploi à 50 % dans la vente »."),
        error_messages={"required": _("Indiquez l'objectif.")},
    )
    description = forms.CharField(
        label=_("Description (facultatif)"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TaskForm(ServiceErrorsMixin, forms.Form):
    """A task of the plan; `meeting` makes it a commitment taken in that meeting."""

    title = forms.CharField(
        label=_("Tâche"),
        max_length=200,
        help_text=_("Ce qu'il faut faire, par exemple « demander un rapport médical »."),
        error_messages={"required": _("Indiquez la tâche.")},
    )
    assigned_service = forms.ModelChoiceField(
        label=_("Service responsable"),
        queryset=PartnerService.objects.none(),
        empty_label=_("— choisir —"),
        error_messages={
            "required": _("Choisissez le service responsable."),
            "invalid_choice": _("Choisissez un service qui participe au dossier."),
        },
    )
    assigned_to = forms.ModelChoiceField(
        label=_("Personne responsable (facultatif)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— le service —"),
        help_text=_("Un·e conseiller·ère du service responsable."),
        error_messages={"invalid_choice": _("Choisissez un·e conseiller·ère d'un service participant.")},
    )
    due_on = swiss_date_field(
        _("Échéance (jj.mm.aaaa)"), required=True, required_message=_("Indiquez l'échéance de la tâche.")
    )
    goal = forms.ModelChoiceField(
        label=_("Objectif (facultatif)"),
        queryset=Goal.objects.none(),
        required=False,
        empty_label=_("— aucun —"),
        error_messages={"invalid_choice": _("Choisissez un objectif de ce dossier.")},
    )
    meeting = forms.ModelChoiceField(
        label=_("Engagement pris lors de la séance (facultatif)"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("— aucune —"),
        error_messages={"invalid_choice": _("Choisissez une séance de ce dossier.")},
    )

    def __init__(
        self,
        *args: Any,
        services: Sequence[PartnerService],
        caseworkers: Any,
        goals: Any,
        meetings: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        service_field = cast(forms.ModelChoiceField, self.fields["assigned_service"])
        service_field.queryset = PartnerService.objects.filter(pk__in=[service.pk for service in services]).order_by(
            "name"
        )
        service_field.label_from_instance = service_label  # type: ignore[method-assign]
        user_field = cast(forms.ModelChoiceField, self.fields["assigned_to"])
        user_field.queryset = caseworkers
        user_field.label_from_instance = _user_label  # type: ignore[method-assign]
        goal_field = cast(forms.ModelChoiceField, self.fields["goal"])
        goal_field.queryset = goals
        goal_field.label_from_instance = _goal_label  # type: ignore[method-assign]
        meeting_field = cast(forms.ModelChoiceField, self.fields["meeting"])
        meeting_field.queryset = meetings
        meeting_field.label_from_instance = _meeting_label  # type: ignore[method-assign]


class MeetingForm(ServiceErrorsMixin, forms.Form):
    held_on = swiss_date_field(
        _("Date de la séance (jj.mm.aaaa)"), required=True, required_message=_("Indiquez la date de la séance.")
    )
    place = forms.CharField(label=_("Lieu (facultatif)"), required=False, max_length=150)
    services = forms.ModelMultipleChoiceField(
        label=_("Services présents"),
        queryset=PartnerService.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Indiquez au moins un service présent."),
            "invalid_choice": _("Choisissez des services qui participent au dossier."),
        },
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Collaborateur·rices présent·es"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Les conseiller·ères des services participants qui étaient là."),
        error_messages={"invalid_choice": _("Choisissez des conseiller·ères des services participants.")},
    )
    other_participants = forms.CharField(
        label=_("Autres participant·es (facultatif)"),
        required=False,
        max_length=300,
        help_text=_("Par exemple « la personne, son médecin traitant, une curatrice »."),
    )
    decisions = forms.CharField(
        label=_("Décisions"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Les engagements de chaque service s'ajoutent ensuite comme tâches, depuis la page de la séance."),
        error_messages={"required": _("Indiquez les décisions prises lors de la séance.")},
    )

    def __init__(self, *args: Any, services: Sequence[PartnerService], caseworkers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service_field = cast(forms.ModelMultipleChoiceField, self.fields["services"])
        service_field.queryset = PartnerService.objects.filter(pk__in=[service.pk for service in services]).order_by(
            "name"
        )
        service_field.label_from_instance = service_label  # type: ignore[method-assign]
        user_field = cast(forms.ModelMultipleChoiceField, self.fields["participants"])
        user_field.queryset = caseworkers
        user_field.label_from_instance = _user_label  # type: ignore[method-assign]
