from django import forms
from django.utils.translation import gettext_lazy as _

from cii_platform.audit.models import AuditAction


class AuditSearchForm(forms.Form):
    person = forms.CharField(label=_("Personne (identifiant)"), required=False, max_length=64)
    object = forms.CharField(label=_("Objet (référence, ou type:identifiant)"), required=False, max_length=200)
    user = forms.CharField(label=_("Utilisateur·rice (identifiant)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("toutes"))] + list(AuditAction.choices)
    )
    date_from = forms.DateField(label=_("Du (jj.mm.aaaa)"), required=False)
    date_to = forms.DateField(label=_("Au (jj.mm.aaaa)"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return data
