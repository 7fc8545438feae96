"""Forms of the journal pages: writing an entry, attaching a document."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Visibility
from cases.services.journal import ATTACHMENT_EXTENSIONS, JOURNAL_TEXT_MAX_CHARS

VISIBILITY_HELP = _(
    "« Réseau » : tous les services qui peuvent consulter le dossier. « Mon service » : seulement les "
    "collègues de votre service. Par défaut, une note reste dans votre service."
)


def _visibility_field() -> forms.ChoiceField:
    # Privacy by default: a note stays in the author's service unless the author shares it.
    return forms.ChoiceField(
        label=_("Qui peut lire"),
        choices=Visibility.choices,
        initial=Visibility.SERVICE,
        widget=forms.RadioSelect,
        help_text=VISIBILITY_HELP,
        error_messages={"required": _("Choisissez qui pourra lire : le réseau ou votre service seulement.")},
    )


class JournalEntryForm(forms.Form):
    text = forms.CharField(
        label=_("Texte"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=JOURNAL_TEXT_MAX_CHARS,
        error_messages={"required": _("Écrivez le texte de l'entrée.")},
    )
    visibility = _visibility_field()


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("Titre de la pièce"),
        help_text=_("Par exemple « Rapport médical du 12.03.2026 ». Le nom du fichier n'est pas conservé."),
        max_length=200,
        error_messages={"required": _("Donnez un titre à la pièce.")},
    )
    document = forms.FileField(
        label=_("Fichier"),
        # ATTACHMENT_MAX_BYTES is 10 MB; a lazy text cannot be formatted at import.
        help_text=_("PDF, JPEG, PNG, Word (DOCX) ou Excel (XLSX), 10 Mo au plus."),
        error_messages={"required": _("Choisissez le fichier à joindre.")},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ATTACHMENT_EXTENSIONS))}),
    )
    visibility = _visibility_field()
