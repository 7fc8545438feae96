"""API of the yearly reviews, corrective measures and service agreements: the pages' selectors and services.

Reviews are read with their figures (frozen once final, live while draft);
corrective measures are requested, followed, escalated and decided under the same
rules as the pages; agreements are read with the actual value of each indicator
against its target, and changed (PATCH) by the coordination group. Whoever may not
see or change a part gets the 404 of a missing object; a refused input answers 400
with the service's French messages; a stale version answers 409.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.core.pagination import KeysetPagination
from measures.models import AgreementMetric, CorrectiveMeasure, Measure, Provider, ServiceAgreement, YearlyReview
from measures.roles import is_coordination_member
from measures.selectors.agreements import (
    agreement_get,
    agreement_list,
    agreements_editable,
    agreements_indicator_values,
)
from measures.selectors.reviews import (
    corrective_measure_get,
    corrective_measures_visible,
    yearly_review_figures_shown,
    yearly_review_get_by_id,
    yearly_review_list,
)
from measures.services.agreements import AgreementTerms, IndicatorTarget, agreement_update
from measures.services.corrective import (
    corrective_measure_decide,
    corrective_measure_escalate,
    corrective_measure_request,
    corrective_measure_update,
)


class _MeasuresViewSet(StaffViewSet):
    pagination_class = KeysetPagination
    lookup_value_regex = r"\d+"

    @property
    def row_id(self) -> int:
        return int(self.kwargs["pk"])


# ---------------------------------------------------------------------------------------------------------------
# Yearly reviews


class YearlyReviewSerializer(serializers.ModelSerializer):
    measure: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Code de la mesure.")
    )
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    provider = serializers.CharField(source="measure.provider.name", read_only=True)

    class Meta:
        model = YearlyReview
        fields = [
            "id",
            "measure",
            "measure_name",
            "provider",
            "year",
            "status",
            "assessment",
            "prospects",
            "proposed_places",
            "proposed_budget",
            "updated_at",
            "version",
        ]


class YearlyReviewDetailSerializer(YearlyReviewSerializer):
    figures = serializers.SerializerMethodField(
        help_text=_(
            "Les chiffres de l'année calculés à partir des placements (figés si le bilan est validé) : placements, "
            "bénéficiaires, entrées, sorties par motif, taux d'occupation, coût, coût par place et par sortie positive."
        )
    )

    class Meta(YearlyReviewSerializer.Meta):
        fields = [*YearlyReviewSerializer.Meta.fields, "figures"]

    def get_figures(self, review: YearlyReview) -> dict[str, Any]:
        return yearly_review_figures_shown(review=review)


@extend_schema_view(
    list=extend_schema(
        summary=_("Bilans annuels des mesures mixtes"),
        description=_("Pour les intervenant·e·s, le groupe de coordination et le GP CII ; 404 pour les autres."),
    ),
    retrieve=extend_schema(
        summary=_("Un bilan annuel et ses chiffres"),
        description=_(
            "Les chiffres d'un bilan validé sont ceux figés à la validation ; ceux d'un brouillon sont calculés."
        ),
        responses={200: YearlyReviewDetailSerializer},
    ),
)
class YearlyReviewViewSet(_MeasuresViewSet):
    serializer_class = YearlyReviewSerializer
    queryset = YearlyReview.objects.none()  # for the schema; the selectors decide what is read

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.page_of(yearly_review_list(user=self.user, request=request))  # type: ignore[arg-type]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = yearly_review_get_by_id(user=self.user, review_id=self.row_id, request=request)  # type: ignore[arg-type]
        return Response(YearlyReviewDetailSerializer(review).data)


# ---------------------------------------------------------------------------------------------------------------
# Corrective measures


class CorrectiveMeasureSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.name", read_only=True)
    measure: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = CorrectiveMeasure
        fields = [
            "id",
            "provider",
            "measure",
            "description",
            "changes_contract",
            "requested_on",
            "due_on",
            "status",
            "follow_up",
            "escalated_at",
            "gp_decision",
            "version",
        ]


class CorrectiveRequestSerializer(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=Provider.objects.all(), help_text=_("Prestataire (id)."))
    measure = serializers.SlugRelatedField(
        slug_field="code", queryset=Measure.objects.all(), required=False, allow_null=True, default=None
    )
    description = serializers.CharField(allow_blank=True, trim_whitespace=False)
    changes_contract = serializers.BooleanField(default=False)
    due_on = serializers.DateField()


class CorrectiveFollowUpSerializer(serializers.Serializer):
    follow_up = serializers.CharField(allow_blank=True, trim_whitespace=False)
    status = serializers.CharField(help_text=_("« in_progress » ou « done »."))
    changes_contract = serializers.BooleanField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(help_text=_("La version lue ; une version dépassée répond 409."))


class CorrectiveVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=_("La version lue ; une version dépassée répond 409."))


class CorrectiveDecisionSerializer(CorrectiveVersionSerializer):
    decision = serializers.CharField(allow_blank=True, trim_whitespace=False)


@extend_schema_view(
    list=extend_schema(
        summary=_("Mesures correctives"),
        description=_(
            "Toutes pour le groupe de coordination ; pour le GP CII, celles qui lui ont été soumises. 404 pour les "
            "autres."
        ),
    ),
    retrieve=extend_schema(summary=_("Une mesure corrective")),
    create=extend_schema(
        summary=_("Demander une mesure corrective à un prestataire"),
        description=_("Réservé au groupe de coordination."),
        request=CorrectiveRequestSerializer,
        responses={201: CorrectiveMeasureSerializer},
    ),
    follow_up=extend_schema(
        summary=_("Enregistrer le suivi (en cours ou réalisée)"),
        request=CorrectiveFollowUpSerializer,
        responses={200: CorrectiveMeasureSerializer},
    ),
    escalate=extend_schema(
        summary=_("Soumettre au GP CII une correction qui modifie la convention"),
        request=CorrectiveVersionSerializer,
        responses={200: CorrectiveMeasureSerializer},
    ),
    decide=extend_schema(
        summary=_("Décision du GP CII"),
        description=_("Réservé aux membres du GP CII, pour une mesure qui leur a été soumise."),
        request=CorrectiveDecisionSerializer,
        responses={200: CorrectiveMeasureSerializer},
    ),
)
class CorrectiveMeasureViewSet(_MeasuresViewSet):
    serializer_class = CorrectiveMeasureSerializer
    queryset = CorrectiveMeasure.objects.none()  # for the schema; the selectors decide what is read

    def _get(self) -> CorrectiveMeasure:
        return corrective_measure_get(user=self.user, corrective_id=self.row_id, request=self.request)  # type: ignore[arg-type]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.page_of(corrective_measures_visible(user=self.user, request=request))  # type: ignore[arg-type]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self._get()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not is_coordination_member(self.user):  # the page's rule: only the group requests corrections
            raise Http404
        given = CorrectiveRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_refusals():
            corrective = corrective_measure_request(
                provider=data["provider"],
                measure=data["measure"],
                description=data["description"],
                changes_contract=data["changes_contract"],
                due_on=data["due_on"],
                requested_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(self.get_serializer(corrective).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="suivi")
    def follow_up(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        corrective = self._get()
        given = CorrectiveFollowUpSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_refusals():
            corrective = corrective_measure_update(
                corrective=corrective,
                expected_version=data["version"],
                follow_up=data["follow_up"],
                status=data["status"],
                changes_contract=data["changes_contract"],
                updated_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(self.get_serializer(corrective).data)

    @action(detail=True, methods=["post"], url_path="soumettre")
    def escalate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        corrective = self._get()
        given = CorrectiveVersionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            corrective = corrective_measure_escalate(
                corrective=corrective,
                expected_version=given.validated_data["version"],
                escalated_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(self.get_serializer(corrective).data)

    @action(detail=True, methods=["post"], url_path="decision")
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        corrective = self._get()
        given = CorrectiveDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            corrective = corrective_measure_decide(
                corrective=corrective,
                expected_version=given.validated_data["version"],
                decision=given.validated_data["decision"],
                decided_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(self.get_serializer(corrective).data)


# ---------------------------------------------------------------------------------------------------------------
# Service agreements


class IndicatorValueSerializer(serializers.Serializer):
    metric = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    target = serializers.DecimalField(max_digits=12, decimal_places=2)
    higher_is_better = serializers.BooleanField()
    actual = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text=_("Valeur atteinte, calculée ; null si pas encore.")
    )
    met = serializers.BooleanField(allow_null=True, help_text=_("Cible atteinte ; null si pas encore calculable."))
    unit = serializers.CharField()


class ServiceAgreementSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.name", read_only=True)
    measures: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = ServiceAgreement
        fields = [
            "id",
            "provider",
            "title",
            "parties",
            "legal_bases",
            "target_groups",
            "starts_on",
            "ends_on",
            "volume_places",
            "price",
            "data_protection",
            "measures",
            "indicators",
            "version",
        ]

    @extend_schema_field(IndicatorValueSerializer(many=True))
    def get_indicators(self, agreement: ServiceAgreement) -> list[dict[str, Any]]:
        values = self.context["indicator_values"][agreement.pk]
        return IndicatorValueSerializer(values, many=True).data  # type: ignore[return-value]


class IndicatorTargetSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=AgreementMetric.choices, help_text=_("Indicateur."))
    target = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=_("Valeur cible."))
    higher_is_better = serializers.BooleanField(default=True, help_text=_("Plus c'est haut, mieux c'est."))


AGREEMENT_TERMS = (
    "title",
    "parties",
    "legal_bases",
    "target_groups",
    "starts_on",
    "ends_on",
    "volume_places",
    "price",
    "data_protection",
)


# An agreement's terms, measures and indicators as changed; a part left out keeps its value. (No docstring: it
# would be the schema's description, in English.)
class ServiceAgreementPatchSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, trim_whitespace=False)
    parties = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    legal_bases = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    target_groups = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    volume_places = serializers.IntegerField(required=False)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    data_protection = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    measures = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Measure.objects.all(),
        many=True,
        required=False,
        help_text=_("Codes des mesures couvertes (toutes : la liste remplace l'actuelle)."),
    )
    indicators = IndicatorTargetSerializer(
        many=True, required=False, help_text=_("Tous les indicateurs : la liste remplace l'actuelle.")
    )
    version = serializers.IntegerField(
        min_value=1, help_text=_("Obligatoire : la version lue ; une version dépassée répond 409 et ne change rien.")
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Conventions de prestations"),
        description=_(
            "Chaque convention avec ses indicateurs : valeur cible, valeur atteinte calculée à partir des placements "
            "des mesures de la convention sur sa période écoulée, et cible atteinte ou non."
        ),
    ),
    retrieve=extend_schema(summary=_("Une convention de prestations et ses indicateurs")),
    partial_update=extend_schema(
        summary=_("Modifier une convention de prestations"),
        description=_(
            "Réservé au groupe de coordination (sinon 404) ; le prestataire ne change pas. `version` est celle "
            "lue : une version dépassée répond 409 et ne change rien ; une saisie refusée répond 400 avec les "
            "messages en français."
        ),
        request=ServiceAgreementPatchSerializer,
        responses={200: ServiceAgreementSerializer},
    ),
)
class ServiceAgreementViewSet(_MeasuresViewSet):
    serializer_class = ServiceAgreementSerializer
    queryset = ServiceAgreement.objects.none()  # for the schema; the selectors decide what is read
    http_method_names = ["get", "patch", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(agreement_list(user=self.user, request=request)) or []  # type: ignore[arg-type]
        values = agreements_indicator_values(agreements=page)
        data = ServiceAgreementSerializer(page, many=True, context={"indicator_values": values}).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = agreement_get(user=self.user, agreement_id=self.row_id, request=request)  # type: ignore[arg-type]
        return self._shown(agreement)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = agreement_get(user=self.user, agreement_id=self.row_id, request=request)  # type: ignore[arg-type]
        if not agreements_editable(self.user):  # a reader, not an editor: as if missing
            raise Http404
        given = ServiceAgreementPatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        terms = AgreementTerms(**{field: data.get(field, getattr(agreement, field)) for field in AGREEMENT_TERMS})
        if "indicators" in data:
            indicators = [IndicatorTarget(**row) for row in data["indicators"]]
        else:
            indicators = [
                IndicatorTarget(row.metric, row.target, row.higher_is_better) for row in agreement.indicators.all()
            ]
        with service_refusals():  # a stale version: 409
            agreement_update(
                agreement=agreement,
                terms=terms,
                measures=data["measures"] if "measures" in data else list(agreement.measures.all()),
                indicators=indicators,
                expected_version=data["version"],
                updated_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return self._shown(agreement_get(user=self.user, agreement_id=agreement.pk, request=request))  # type: ignore[arg-type]

    def _shown(self, agreement: ServiceAgreement) -> Response:
        values = agreements_indicator_values(agreements=[agreement])
        return Response(ServiceAgreementSerializer(agreement, context={"indicator_values": values}).data)


router_registrations = [
    ("measures/reviews", YearlyReviewViewSet, "measure-review"),
    ("measures/corrective-measures", CorrectiveMeasureViewSet, "corrective-measure"),
    ("measures/agreements", ServiceAgreementViewSet, "service-agreement"),
]
