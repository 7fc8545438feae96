"""Referral API: the referrals of a case; proposing, answering and withdrawing one.

Reads follow the case page (`referrals_of_case`): whoever sees the case lists its
referrals, the reasons shown only to the two services concerned and to the lead.
Proposing and withdrawing follow their pages (`case_get_for_sharing`): a
caseworker of the lead service only, anyone else gets the 404 of a missing case.
Answering follows the answer page (`referral_get_for_answer`): a caseworker of
the target service, which does not see the case yet; anyone else, and a referral
already answered, get 404.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
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
from cases.models import CaseFile, Consent, LegalBasis, Referral
from cases.selectors.consents import consents_of_case
from cases.selectors.participations import case_get_for_sharing
from cases.selectors.referrals import (
    referral_get_for_answer,
    referral_get_for_case,
    referral_get_visible,
    referrals_mark,
    referrals_pending_for,
    referrals_pending_mark,
    referrals_visible,
)
from cases.services.referrals import referral_accept, referral_propose, referral_refuse, referral_withdraw
from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.core.pagination import KeysetPagination
from cii_platform.partners.models import PartnerService


class ReferralSerializer(serializers.ModelSerializer):
    from_service = ServiceCodeField(read_only=True, help_text=_("Service qui a fait la proposition (code)."))
    to_service = ServiceCodeField(read_only=True, help_text=_("Service destinataire (code)."))
    legal_basis: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="label", read_only=True, help_text=_("Base légale de l'échange.")
    )
    created_by: serializers.StringRelatedField = serializers.StringRelatedField(
        help_text=_("Intervenant·e qui a fait la proposition.")
    )
    reason = serializers.CharField(
        source="visible_reason",
        read_only=True,
        help_text=_("Motif ; vide si l'appelant·e n'est ni l'un des deux services concernés ni le pilote."),
    )
    refusal_reason = serializers.CharField(
        source="visible_refusal_reason", read_only=True, help_text=_("Motif du refus, aux mêmes conditions.")
    )
    show_reason = serializers.BooleanField(read_only=True, help_text=_("L'appelant·e peut lire les motifs."))
    overdue = serializers.BooleanField(read_only=True, help_text=_("Sans réponse depuis plus de 10 jours."))
    days_waiting = serializers.IntegerField(read_only=True, help_text=_("Jours depuis la proposition."))
    can_answer = serializers.BooleanField(read_only=True, help_text=_("L'appelant·e peut y répondre."))
    can_withdraw = serializers.BooleanField(read_only=True, help_text=_("L'appelant·e peut la retirer."))

    class Meta:
        model = Referral
        fields = [
            "id",
            "kind",
            "status",
            "from_service",
            "to_service",
            "legal_basis",
            "created_at",
            "created_by",
            "answered_at",
            "reason",
            "refusal_reason",
            "show_reason",
            "overdue",
            "days_waiting",
            "can_answer",
            "can_withdraw",
        ]


class ReferralAnswerSerializer(serializers.ModelSerializer):
    """What the target service learns of its answer (it read the referral on the answer page's terms)."""

    case: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, help_text=_("Référence du dossier.")
    )
    from_service = ServiceCodeField(read_only=True)
    to_service = ServiceCodeField(read_only=True)

    class Meta:
        model = Referral
        fields = ["id", "case", "kind", "status", "from_service", "to_service", "answered_at", "refusal_reason"]


class ReferralCreateSerializer(serializers.Serializer):
    """What the proposal form asks; the service checks the basis and the rest in French."""

    kind = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("« share » (prise en charge partagée) ou « handover » (reprise du pilotage)."),
    )
    to_service = ServiceCodeField(queryset=PartnerService.objects.all(), help_text=_("Service destinataire (code)."))
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Motif, lu par le service destinataire sans le nom de la personne."),
    )
    consent = serializers.PrimaryKeyRelatedField(
        queryset=Consent.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Identifiant du consentement en vigueur qui fonde l'échange, ou vide."),
    )
    legal_basis = serializers.SlugRelatedField(
        slug_field="code",
        queryset=LegalBasis.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Code de l'article de loi qui fonde l'échange sans consentement, ou vide."),
    )

    def __init__(self, *args: Any, case: CaseFile | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case is not None:
            # The consents the lead service sees for this case (the service checks that one is in force).
            fields: Any = self.fields
            fields["consent"].queryset = consents_of_case(case=case)


class ReferralRefuseSerializer(serializers.Serializer):
    refusal_reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Motif du refus (obligatoire, 300 caractères).")
    )


@extend_schema(parameters=[REFERENCE_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("Propositions de transfert du dossier"),
        description=_(
            "Toutes les propositions du dossier, les plus récentes d'abord ; les motifs ne sont lus que par les "
            "deux services concernés et le service pilote. Un dossier invisible répond 404."
        ),
        parameters=[CURSOR_PARAMETER],
    ),
    retrieve=extend_schema(
        summary=_("Une proposition de transfert"),
        description=_("Aux mêmes conditions que la liste."),
        parameters=[ID_PARAMETER],
    ),
    create=extend_schema(
        summary=_("Proposer un transfert"),
        description=_(
            "Réservé aux intervenant·e·s du service pilote ; les autres reçoivent 404. Fondée sur un "
            "consentement en vigueur ou sur un article de loi. Une saisie refusée répond 400 avec les messages "
            "en français et n'enregistre rien."
        ),
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer},
    ),
    accept=extend_schema(
        summary=_("Accepter une proposition"),
        description=_(
            "Réservé aux intervenant·e·s du service destinataire, tant que la proposition attend ; les autres "
            "reçoivent 404. Le service accède alors au dossier."
        ),
        request=None,
        responses={200: ReferralAnswerSerializer},
        parameters=[ID_PARAMETER],
    ),
    refuse=extend_schema(
        summary=_("Refuser une proposition"),
        description=_("Réservé aux intervenant·e·s du service destinataire, avec un motif ; les autres reçoivent 404."),
        request=ReferralRefuseSerializer,
        responses={200: ReferralAnswerSerializer},
        parameters=[ID_PARAMETER],
    ),
    withdraw=extend_schema(
        summary=_("Retirer une proposition"),
        description=_("Réservé aux intervenant·e·s du service pilote qui l'a faite ; les autres reçoivent 404."),
        request=None,
        responses={200: ReferralSerializer},
        parameters=[ID_PARAMETER],
    ),
)
class ReferralViewSet(CasePartViewSet):
    serializer_class = ReferralSerializer
    queryset = Referral.objects.none()  # for the schema; the selectors decide what is read

    def _case_for_sharing(self) -> CaseFile:
        return case_get_for_sharing(
            user=self.user,
            reference=self.reference,
            request=self.request,  # type: ignore[arg-type]
            audit_read=False,
        )

    def _pending_for_answer(self) -> Referral:
        return referral_get_for_answer(
            user=self.user,
            reference=self.reference,
            referral_id=self.row_id,
            request=self.request,  # type: ignore[arg-type]
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        return self.page_of(
            referrals_visible(user=self.user, case=case),
            mark=lambda rows: referrals_mark(user=self.user, case=case, rows=rows),
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        return Response(
            self.get_serializer(referral_get_visible(user=self.user, case=case, referral_id=self.row_id)).data
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case_for_sharing()
        given = ReferralCreateSerializer(data=request.data, case=case)
        given.is_valid(raise_exception=True)
        with service_refusals():
            referral = referral_propose(case=case, proposed_by=self.user, request=request, **given.validated_data)  # type: ignore[arg-type]
        shown = referral_get_visible(user=self.user, case=case, referral_id=referral.pk)
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self._pending_for_answer()
        with service_refusals():
            answered = referral_accept(referral=referral, accepted_by=self.user, request=request)  # type: ignore[arg-type]
        return Response(ReferralAnswerSerializer(answered).data)

    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self._pending_for_answer()
        given = ReferralRefuseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            answered = referral_refuse(
                referral=referral,
                refused_by=self.user,
                reason=given.validated_data["refusal_reason"],
                request=request,  # type: ignore[arg-type]
            )
        return Response(ReferralAnswerSerializer(answered).data)

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case_for_sharing()
        referral = referral_get_for_case(case=case, referral_id=self.row_id)
        with service_refusals():
            referral_withdraw(referral=referral, withdrawn_by=self.user, request=request)  # type: ignore[arg-type]
        return Response(
            self.get_serializer(referral_get_visible(user=self.user, case=case, referral_id=referral.pk)).data
        )


class PendingReferralSerializer(serializers.ModelSerializer):
    """A referral the caller's service must answer, as the "Transferts à traiter" page shows it."""

    case: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, help_text=_("Référence du dossier.")
    )
    programme = serializers.CharField(source="case.programme.name", read_only=True)
    from_service = ServiceCodeField(read_only=True, help_text=_("Service qui a fait la proposition (code)."))
    legal_basis = serializers.CharField(
        source="legal_basis.label", read_only=True, allow_null=True, help_text=_("Base légale, sans consentement.")
    )
    overdue = serializers.BooleanField(read_only=True, help_text=_("Sans réponse au-delà du délai fixé."))
    days_waiting = serializers.IntegerField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "programme",
            "kind",
            "reason",
            "from_service",
            "legal_basis",
            "created_at",
            "overdue",
            "days_waiting",
        ]


@extend_schema_view(
    list=extend_schema(
        summary=_("Propositions de transfert à traiter"),
        description=_(
            "Les propositions adressées au service de l'appelant (intervenant·e·s), les plus récentes d'abord. "
            "Répondre par /api/cases/{reference}/referrals/{id}/accept/ ou refuse/. Liste vide pour les autres rôles."
        ),
    )
)
class PendingReferralViewSet(StaffViewSet):
    serializer_class = PendingReferralSerializer
    pagination_class = KeysetPagination
    queryset = Referral.objects.none()  # for the schema; the selector decides what is read

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.page_of(
            referrals_pending_for(user=self.user),
            mark=lambda rows: referrals_pending_mark(user=self.user, rows=rows, request=request),  # type: ignore[arg-type]
        )


router_registrations = [
    ("referrals/pending", PendingReferralViewSet, "pending-referral"),
    (f"{CASE_PART_PREFIX}/referrals", ReferralViewSet, "case-referral"),
]
