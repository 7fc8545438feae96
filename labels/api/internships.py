"""Internships and CNIP training programmes API.

CNIP staff only (`labels.roles.is_cnip_staff`): anyone else gets the 404 of a missing page, as for a missing
internship. Interns appear under their pseudonym only. Reads come from `labels.selectors.internships`, writes
go through `labels.services.internships` (which audits them). A PATCH names the `version` it read: a stale
version answers 409 and changes nothing; a refused input answers 400 with the French messages.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.core.pagination import KeysetPagination
from labels.models import Internship, PartnerCompany, TrainingProgramme
from labels.selectors.companies import cnip_staff_or_404
from labels.selectors.internships import internship_get, internship_list, programme_list
from labels.services.internships import internship_create, internship_update, programme_create

VERSION_HELP = _("Obligatoire : la version lue ; une version dépassée répond 409 et ne change rien.")
ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingProgramme
        fields = ["id", "code", "name", "active"]


class ProgrammeCreateSerializer(serializers.Serializer):
    code = serializers.CharField(allow_blank=True, max_length=40, help_text=_("Code (lettres, chiffres, tirets)."))
    name = serializers.CharField(allow_blank=True, max_length=150, help_text=_("Nom de la formation."))


class InternshipSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    programme_code = serializers.CharField(source="programme.code", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)

    class Meta:
        model = Internship
        fields = [
            "id",
            "company",
            "company_name",
            "intern_pseudonym",
            "programme",
            "programme_code",
            "programme_name",
            "starts_on",
            "ends_on",
            "finished",
            "employed_on_last_day",
            "coaching_notes",
            "version",
            "created_at",
            "updated_at",
        ]


def _company_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=PartnerCompany.objects.all(),
        help_text=_("Entreprise partenaire (id)."),
        error_messages={"does_not_exist": _("Entreprise partenaire inconnue.")},
        **kwargs,
    )


def _programme_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=TrainingProgramme.objects.all(),
        help_text=_("Formation CNIP (id)."),
        error_messages={"does_not_exist": _("Formation CNIP inconnue.")},
        **kwargs,
    )


# An internship as typed: the service checks it (pseudonym, dates, outcome) with French messages.
class InternshipCreateSerializer(serializers.Serializer):
    company = _company_field()
    intern_pseudonym = serializers.CharField(
        allow_blank=True, max_length=40, help_text=_("Pseudonyme du ou de la stagiaire (jamais un numéro AVS).")
    )
    programme = _programme_field()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text=_("Fin prévue, ou fin effective une fois le stage terminé."))
    finished = serializers.BooleanField(required=False, default=False)
    employed_on_last_day = serializers.BooleanField(required=False, default=False)
    coaching_notes = serializers.CharField(required=False, allow_blank=True, default="")


# An internship as changed; a field left out keeps its value.
class InternshipPatchSerializer(serializers.Serializer):
    company = _company_field(required=False)
    intern_pseudonym = serializers.CharField(required=False, allow_blank=True, max_length=40)
    programme = _programme_field(required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    finished = serializers.BooleanField(required=False)
    employed_on_last_day = serializers.BooleanField(required=False)
    coaching_notes = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


INTERNSHIP_FIELDS = (
    "company",
    "intern_pseudonym",
    "programme",
    "starts_on",
    "ends_on",
    "finished",
    "employed_on_last_day",
    "coaching_notes",
)


def _int_param(text: str) -> int | None:
    return int(text) if text.isdigit() else None


@extend_schema_view(
    list=extend_schema(
        summary=_("Formations CNIP"),
        description=_("Les formations par nom (filtre : active). Réservé au personnel du CNIP (sinon 404)."),
        parameters=[OpenApiParameter("active", bool, required=False)],
    ),
    create=extend_schema(
        summary=_("Ajouter une formation CNIP"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Un code vide ou déjà pris, un nom vide répondent 400 avec "
            "les messages en français."
        ),
        request=ProgrammeCreateSerializer,
        responses={201: ProgrammeSerializer},
    ),
)
class ProgrammeViewSet(StaffViewSet):
    serializer_class = ProgrammeSerializer
    pagination_class = None  # a few dozen programmes
    queryset = TrainingProgramme.objects.none()
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        active = {"true": True, "false": False}.get(request.query_params.get("active", "").lower())
        return Response(self.get_serializer(programme_list(user=self.user, active=active), many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cnip_staff_or_404(self.user)
        given = ProgrammeCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            programme = programme_create(created_by=self.user, request=request, **given.validated_data)  # type: ignore[arg-type]
        return Response(self.get_serializer(programme).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary=_("Stages"),
        description=_(
            "Les stages, par 50, les plus récemment saisis d'abord, les stagiaires sous pseudonyme. Filtres : "
            "entreprise (id), année (stages ayant au moins un jour dans l'année), recherche. Réservé au personnel "
            "du CNIP (sinon 404)."
        ),
        parameters=[
            OpenApiParameter("company", int, required=False, description=_("Entreprise partenaire (id).")),
            OpenApiParameter("year", int, required=False, description=_("Année civile.")),
            OpenApiParameter("search", str, required=False, description=_("Pseudonyme, entreprise ou formation.")),
        ],
    ),
    retrieve=extend_schema(
        summary=_("Un stage"),
        description=_("Réservé au personnel du CNIP (sinon 404)."),
        parameters=[ID_PARAMETER],
    ),
    create=extend_schema(
        summary=_("Saisir un stage"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Une saisie refusée (pseudonyme manquant ou numéro AVS, fin "
            "avant le début, engagement d'un stage non terminé, entreprise inactive …) répond 400 avec les "
            "messages en français et n'enregistre rien."
        ),
        request=InternshipCreateSerializer,
        responses={201: InternshipSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Modifier un stage"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). `version` est celle lue : une version dépassée répond 409 "
            "et ne change rien ; une saisie refusée répond 400 avec les messages en français. Une édition publiée "
            "du label garde ses chiffres."
        ),
        parameters=[ID_PARAMETER],
        request=InternshipPatchSerializer,
        responses={200: InternshipSerializer},
    ),
)
class InternshipViewSet(StaffViewSet):
    serializer_class = InternshipSerializer
    pagination_class = KeysetPagination
    queryset = Internship.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _internship(self) -> Internship:
        pk = str(self.kwargs["pk"])
        return internship_get(user=self.user, internship_id=int(pk) if pk.isdigit() else 0)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        year = _int_param(params.get("year", ""))
        internships = internship_list(
            user=self.user,
            year=year if year is not None and 1900 <= year <= 2100 else None,
            search=params.get("search", ""),
        )
        if params.get("company"):
            internships = internships.filter(company_id=_int_param(params["company"]) or 0)
        return self.page_of(internships)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self._internship()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cnip_staff_or_404(self.user)
        given = InternshipCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            internship = internship_create(created_by=self.user, request=request, **given.validated_data)  # type: ignore[arg-type]
        shown = internship_get(user=self.user, internship_id=internship.pk)
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        internship = self._internship()
        given = InternshipPatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_refusals():  # a stale version: 409
            internship_update(
                internship=internship,
                expected_version=data["version"],
                changed_by=self.user,
                request=request,  # type: ignore[arg-type]
                **{field: data.get(field, getattr(internship, field)) for field in INTERNSHIP_FIELDS},
            )
        return Response(self.get_serializer(self._internship()).data)


router_registrations = [
    ("label/programmes", ProgrammeViewSet, "labels-programme"),
    ("label/internships", InternshipViewSet, "labels-internship"),
]
