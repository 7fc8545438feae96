"""Journal API: the entries of a case the caller may read, and writing one.

Reads follow the journal page (`cases.selectors.journal.journal_entries_visible`):
the network's entries plus those of the caller's own service, never those kept
for another service (absent from the list, 404 on the detail). Writing follows
the page that writes (`case_get_for_journal`): a caseworker of a service that
may view the case; anyone else gets the 404 of a missing case.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.common import CASE_PART_PREFIX, CURSOR_PARAMETER, ID_PARAMETER, REFERENCE_PARAMETER, CasePartViewSet
from cases.models import JournalEntry
from cases.selectors.journal import case_get_for_journal, journal_entries_visible, journal_entry_get
from cases.services.journal import journal_entry_create
from cii_platform.core.api import service_refusals


class JournalEntrySerializer(serializers.ModelSerializer):
    author: serializers.StringRelatedField = serializers.StringRelatedField(help_text=_("Auteur·e de l'entrée."))
    service: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Service de l'auteur·e (code).")
    )

    class Meta:
        model = JournalEntry
        fields = ["id", "written_at", "author", "service", "visibility", "text"]


class JournalEntryCreateSerializer(serializers.Serializer):
    # Lenient on purpose: the service checks the text and the visibility, with its French messages.
    text = serializers.CharField(
        allow_blank=True, required=False, default="", trim_whitespace=False, help_text=_("Texte de l'entrée.")
    )
    visibility = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Qui pourra lire l'entrée : « network » (le réseau) ou « service » (mon service seulement)."),
    )


@extend_schema(parameters=[REFERENCE_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("Journal du dossier"),
        description=_(
            "Les entrées du journal que l'appelant·e peut lire, les plus récentes d'abord : celles destinées au "
            "réseau et celles de son service. Un dossier invisible répond 404 comme un dossier inexistant."
        ),
        parameters=[CURSOR_PARAMETER],
    ),
    retrieve=extend_schema(
        summary=_("Une entrée du journal"),
        description=_("Une entrée réservée à un autre service répond 404, comme une entrée inexistante."),
        parameters=[ID_PARAMETER],
    ),
    create=extend_schema(
        summary=_("Écrire dans le journal"),
        description=_(
            "Réservé aux intervenant·e·s d'un service qui voit le dossier. Une saisie refusée répond 400 avec "
            "les messages en français et n'enregistre rien."
        ),
        request=JournalEntryCreateSerializer,
        responses={201: JournalEntrySerializer},
    ),
)
class JournalEntryViewSet(CasePartViewSet):
    serializer_class = JournalEntrySerializer
    queryset = JournalEntry.objects.none()  # for the schema; the selectors decide what is read

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        return self.page_of(journal_entries_visible(user=self.user, case=case))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        entry = journal_entry_get(user=self.user, case=case, entry_id=self.row_id, request=request)  # type: ignore[arg-type]
        return Response(self.get_serializer(entry).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = case_get_for_journal(user=self.user, reference=self.reference, request=request, audit_read=False)  # type: ignore[arg-type]
        given = JournalEntryCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            entry = journal_entry_create(
                case=case,
                author=self.user,
                text=given.validated_data["text"],
                visibility=given.validated_data["visibility"],
                request=request,  # type: ignore[arg-type]
            )
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


router_registrations = [(f"{CASE_PART_PREFIX}/journal", JournalEntryViewSet, "case-journal")]
