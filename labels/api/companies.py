"""Partner companies API: the searchable list, one company, its creation and update, and the import of a file.

CNIP staff only (`labels.roles.is_cnip_staff`): anyone else gets the 404 of a missing page, as for a missing
company. Reads come from `labels.selectors.companies`, writes go through `labels.services.companies` and
`labels.services.company_import` (which audit them). A PATCH names the `version` it read: a stale version
answers 409 and changes nothing; a refused input answers 400 with the French messages. The import answers
its report (rows imported, rows rejected with their numbers and French reasons, columns ignored), or 400
with the French message when the whole file is refused (then nothing is imported).
"""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.core.pagination import KeysetPagination
from labels.models import Canton, PartnerCompany
from labels.selectors.companies import cnip_staff_or_404, company_get, company_list
from labels.services.companies import COMPANY_FIELDS, company_create, company_update
from labels.services.company_import import MAX_BYTES, company_import

VERSION_HELP = _("Obligatoire : la version lue ; une version dépassée répond 409 et ne change rien.")
ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)


class CompanySerializer(serializers.ModelSerializer):
    internship_count = serializers.IntegerField(read_only=True, help_text=_("Nombre de stages (toutes années)."))

    class Meta:
        model = PartnerCompany
        fields = [
            "id",
            "name",
            "uid",
            "canton",
            "locality",
            "branch",
            "contact_name",
            "contact_email",
            "contact_phone",
            "active",
            "internship_count",
            "version",
            "created_at",
            "updated_at",
        ]


# A company as typed: the service checks it (UID check digit, canton, duplicates) with French messages.
# Plain strings here, so that every refusal is the service's. (No docstring: it would be the schema's description.)
class CompanyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, max_length=200, help_text=_("Raison sociale."))
    uid = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, help_text=_("IDE, CHE-123.456.789 (facultatif).")
    )
    canton = serializers.CharField(allow_blank=True, max_length=40, help_text=_("Abréviation officielle, p. ex. NE."))
    locality = serializers.CharField(allow_blank=True, max_length=100, help_text=_("Localité."))
    branch = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    contact_email = serializers.CharField(required=False, allow_blank=True, default="", max_length=254)
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    active = serializers.BooleanField(required=False, default=True)


# A company's details as changed; a field left out keeps its value.
class CompanyPatchSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    uid = serializers.CharField(required=False, allow_blank=True, max_length=40)
    canton = serializers.CharField(required=False, allow_blank=True, max_length=40)
    locality = serializers.CharField(required=False, allow_blank=True, max_length=100)
    branch = serializers.CharField(required=False, allow_blank=True, max_length=100)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    contact_email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    active = serializers.BooleanField(required=False)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class CompanyImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("Fichier CSV (UTF-8) ou Excel (.xlsx), 5 Mo au plus ; la première ligne nomme les colonnes."),
        error_messages={"required": _("Choisissez le fichier à importer."), "empty": _("Le fichier est vide.")},
    )


class ImportedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Numéro de la ligne dans le fichier (les titres : 1)."))
    company_id = serializers.IntegerField()
    company_name = serializers.CharField()
    updated = serializers.BooleanField(help_text=_("Vrai : entreprise existante mise à jour (même IDE)."))
    outcome = serializers.CharField(help_text=_("« créée » ou « mise à jour »."))


class RejectedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Numéro de la ligne dans le fichier (les titres : 1)."))
    reasons = serializers.ListField(child=serializers.CharField(), help_text=_("Les motifs, en français."))
    errors_by_field = serializers.DictField(
        source="errors",
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Les motifs par champ (« __all__ » : la ligne entière)."),
    )


class ImportReportSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    summary = serializers.CharField(help_text=_("Les nombres en une phrase."))
    rows_read = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    imported = ImportedRowSerializer(many=True)
    rejected = RejectedRowSerializer(many=True)
    ignored_columns = serializers.ListField(
        child=serializers.CharField(), help_text=_("Colonnes du fichier qui ne correspondent à aucun champ.")
    )


def _active_param(text: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(text.strip().lower())


@extend_schema_view(
    list=extend_schema(
        summary=_("Entreprises partenaires"),
        description=_(
            "Les entreprises partenaires, par 50, les plus récentes d'abord, avec leur nombre de stages. "
            "Recherche dans la raison sociale, la localité ou l'IDE ; filtres : canton, active, branche. "
            "Réservé au personnel du CNIP (sinon 404)."
        ),
        parameters=[
            OpenApiParameter("search", str, required=False, description=_("Raison sociale, localité ou IDE.")),
            OpenApiParameter("canton", str, required=False, enum=Canton.values),
            OpenApiParameter("active", bool, required=False),
            OpenApiParameter("branch", str, required=False, description=_("Branche (sans égard à la casse).")),
        ],
    ),
    retrieve=extend_schema(
        summary=_("Une entreprise partenaire"),
        description=_("Réservé au personnel du CNIP (sinon 404)."),
        parameters=[ID_PARAMETER],
    ),
    create=extend_schema(
        summary=_("Ajouter une entreprise partenaire"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Une saisie refusée (IDE invalide ou déjà utilisé, canton "
            "inconnu, doublon …) répond 400 avec les messages en français et n'enregistre rien."
        ),
        request=CompanyCreateSerializer,
        responses={201: CompanySerializer},
    ),
    partial_update=extend_schema(
        summary=_("Modifier une entreprise partenaire"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). `version` est celle lue : une version dépassée répond 409 "
            "et ne change rien ; une saisie refusée répond 400 avec les messages en français."
        ),
        parameters=[ID_PARAMETER],
        request=CompanyPatchSerializer,
        responses={200: CompanySerializer},
    ),
    import_file=extend_schema(
        summary=_("Importer des entreprises d'un fichier CSV ou Excel"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Chaque ligne est importée (créée, ou mise à jour si son "
            "IDE est celui d'une entreprise existante) ou rejetée avec ses motifs ; une ligne rejetée n'empêche "
            "pas les autres. Un fichier refusé en entier (illisible, trop grand, colonne obligatoire manquante …) "
            "répond 400 avec le message en français et rien n'est importé."
        ),
        request={"multipart/form-data": CompanyImportSerializer},
        responses={200: ImportReportSerializer},
    ),
)
class CompanyViewSet(StaffViewSet):
    serializer_class = CompanySerializer
    pagination_class = KeysetPagination
    queryset = PartnerCompany.objects.none()  # for the schema; the selectors decide what is read
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _company(self) -> PartnerCompany:
        pk = str(self.kwargs["pk"])
        return company_get(user=self.user, company_id=int(pk) if pk.isdigit() else 0)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        companies = company_list(
            user=self.user,
            search=params.get("search", ""),
            canton=params.get("canton", ""),
            active=_active_param(params.get("active", "")),
            branch=params.get("branch", ""),
        )
        return self.page_of(companies)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self._company()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cnip_staff_or_404(self.user)
        given = CompanyCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            company = company_create(created_by=self.user, request=request, **given.validated_data)  # type: ignore[arg-type]
        shown = company_get(user=self.user, company_id=company.pk)
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        company = self._company()
        given = CompanyPatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_refusals():  # a stale version: 409
            company_update(
                company=company,
                expected_version=data["version"],
                changed_by=self.user,
                request=request,  # type: ignore[arg-type]
                **{field: data.get(field, getattr(company, field)) for field in COMPANY_FIELDS},
            )
        return Response(self.get_serializer(self._company()).data)

    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cnip_staff_or_404(self.user)
        given = CompanyImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload: UploadedFile = given.validated_data["file"]
        # One byte more than the limit is enough for the service to refuse a file too large (its French
        # message), without reading all of it.
        content = upload.read(MAX_BYTES + 1)
        with service_refusals():
            report = company_import(
                file_name=upload.name or "",
                content=content,
                imported_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(ImportReportSerializer(report).data)


router_registrations = [("label/companies", CompanyViewSet, "labels-company")]
