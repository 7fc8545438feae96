"""Assessment API: the assessments of a case on the common evaluation grid, and recording one.

Everyone who sees the case reads its assessments (as on the history page).
Recording follows the page that records (`assessment_new`): the case is read
through `case_get_for_reading` (404 when not visible), then a user who sees it
but may not score it (no caseworker role) gets 403, as on that page.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.common import (
    CASE_PART_PREFIX,
    CURSOR_PARAMETER,
    ID_PARAMETER,
    REFERENCE_PARAMETER,
    CasePartViewSet,
    ServiceCodeField,
)
from cases.models import Assessment, AssessmentScore
from cases.selectors.assessments import assessment_get, assessment_may_record, assessments_of_case
from cases.services.assessments import ScoreInput, assessment_record
from cii_platform.core.api import service_refusals


class AssessmentScoreSerializer(serializers.ModelSerializer):
    dimension = serializers.CharField(source="dimension.code", read_only=True, help_text=_("Code de la dimension."))
    dimension_label = serializers.CharField(
        source="dimension.label", read_only=True, help_text=_("Libellé de la dimension.")
    )
    dimension_kind = serializers.CharField(
        source="dimension.kind", read_only=True, help_text=_("« score » (cote de 0 à 3) ou « percent » (0 à 100).")
    )

    class Meta:
        model = AssessmentScore
        fields = ["dimension", "dimension_label", "dimension_kind", "score", "percent", "comment"]


class AssessmentSerializer(serializers.ModelSerializer):
    service = ServiceCodeField(read_only=True, help_text=_("Service qui a évalué (code)."))
    author: serializers.StringRelatedField = serializers.StringRelatedField(
        help_text=_("Auteur·e qui a signé l'évaluation.")
    )
    grid_version = serializers.IntegerField(
        source="version.number", read_only=True, help_text=_("Version de la grille.")
    )
    scores = AssessmentScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "assessed_on", "signed_at", "service", "author", "grid_version", "summary", "scores"]


class ScoreInputSerializer(serializers.Serializer):
    value = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Cote de 0 à 3, ou pourcentage de 0 à 100 pour la capacité de travail ; vide : non évaluée."),
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Commentaire."))


class AssessmentCreateSerializer(serializers.Serializer):
    """What the assessment form asks; the service checks the ranges and the grid in French."""

    assessed_on = serializers.DateField(help_text=_("Date de l'évaluation (AAAA-MM-JJ), pas dans le futur."))
    summary = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Synthèse."))
    scores = serializers.DictField(
        child=ScoreInputSerializer(),
        help_text=_("Par code de dimension de la grille en vigueur, la valeur et le commentaire."),
    )


@extend_schema(parameters=[REFERENCE_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("Évaluations du dossier"),
        description=_(
            "Les évaluations du dossier sur la grille commune, les plus récentes d'abord, avec leurs cotes. "
            "Un dossier invisible répond 404 comme un dossier inexistant."
        ),
        parameters=[CURSOR_PARAMETER],
    ),
    retrieve=extend_schema(
        summary=_("Une évaluation"),
        description=_("Une évaluation d'un autre dossier répond 404."),
        parameters=[ID_PARAMETER],
    ),
    create=extend_schema(
        summary=_("Enregistrer une évaluation"),
        description=_(
            "Signée au nom de l'appelant·e pour son service. Un dossier invisible répond 404 ; un·e membre qui "
            "voit le dossier sans être intervenant·e reçoit 403. Une saisie refusée répond 400 avec les messages "
            "en français et n'enregistre rien."
        ),
        request=AssessmentCreateSerializer,
        responses={201: AssessmentSerializer},
    ),
)
class AssessmentViewSet(CasePartViewSet):
    serializer_class = AssessmentSerializer
    queryset = Assessment.objects.none()  # for the schema; the selectors decide what is read

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        return self.page_of(assessments_of_case(case=case))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        return Response(self.get_serializer(assessment_get(case=case, pk=self.row_id)).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        if not assessment_may_record(user=self.user, case=case):
            # The user sees the case (otherwise 404 above) but may not score it: 403, as on the page.
            raise PermissionDenied
        given = AssessmentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_refusals(permission_denied_as_404=False):
            assessment = assessment_record(
                case=case,
                author=self.user,
                assessed_on=data["assessed_on"],
                scores={code: ScoreInput(**score) for code, score in data["scores"].items()},
                summary=data["summary"],
                request=request,  # type: ignore[arg-type]
            )
        created = assessment_get(case=case, pk=assessment.pk)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


router_registrations = [(f"{CASE_PART_PREFIX}/assessments", AssessmentViewSet, "case-assessment")]
