"""Editions API: the yearly editions of the label, their figures, criteria, jury, ranking and workflow.

The access gate is `labels.selectors.editions.edition_get`: CNIP staff reach every edition, a jury member
the editions in whose jury they sit, anyone else none (the 404 of a missing page, audited by the gate).
CNIP staff alone create and change an edition, its criteria and its seats, compute, submit, reopen and
publish it, set special labels and print the certificates; a jury member reaching one of those gets the
same 404. A jury member acts for their own seat only (approval, marks, recusals). Every write goes through
`labels.services.editions` / `labels.services.jury` (which audit it): a refused input answers 400 with the
French messages and changes nothing, a stale `version` answers 409.
"""

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.reports.models import ReportKind
from cii_platform.reports.services import report_job_request
from labels.models import (
    Criterion,
    CriterionKind,
    CriterionMetric,
    Edition,
    JuryApproval,
    JuryMember,
    JuryScore,
    JurySeat,
    Normalisation,
    PartnerCompany,
    RankingEntry,
    Recusal,
)
from labels.ranking import TIE_RULE
from labels.roles import is_cnip_staff, may_use_labels
from labels.selectors.editions import (
    RankingSensitivity,
    edition_criteria,
    edition_get,
    edition_list,
    jury_accounts,
    jury_member_for,
    jury_progress,
    marking_candidates,
    ranking_rows,
    ranking_sensitivity,
)
from labels.selectors.figures import edition_figures
from labels.services.editions import (
    CriterionTerms,
    criterion_delete,
    criterion_set,
    edition_compute_ranking,
    edition_create,
    edition_publish,
    edition_reopen,
    edition_submit_to_jury,
    edition_update,
    special_label_set,
)
from labels.services.jury import (
    jury_approval_withdraw,
    jury_approve,
    jury_member_remove,
    jury_member_set,
    jury_score_delete,
    jury_score_set,
    recusal_record,
    recusal_withdraw,
)

VERSION_HELP = _("Obligatoire : la version lue de l'édition ; une version dépassée répond 409 et ne change rien.")
YEAR_PARAMETER = OpenApiParameter("year", int, OpenApiParameter.PATH, description=_("Année de l'édition."))
SEAT_PARAMETER = OpenApiParameter("seat", str, OpenApiParameter.PATH, enum=JurySeat.values, description=_("Siège."))
CRITERION_PARAMETER = OpenApiParameter("criterion_id", int, OpenApiParameter.PATH, description=_("Critère (id)."))
VERSION_QUERY_PARAMETER = OpenApiParameter("version", int, required=True, description=VERSION_HELP)


# --- serializers: reading -----------------------------------------------------------------------


class EditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Edition
        fields = [
            "year",
            "period_start",
            "period_end",
            "threshold",
            "prizes",
            "ceremony_on",
            "ceremony_place",
            "signatories",
            "status",
            "computed_at",
            "published_at",
            "version",
        ]


class CantonCountSerializer(serializers.Serializer):
    canton = serializers.CharField()
    canton_name = serializers.CharField(source="label")
    count = serializers.IntegerField()


class HeadlineFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    frozen = serializers.BooleanField(help_text=_("Vrai : chiffres figés à la publication ; sinon calculés."))
    companies = serializers.IntegerField(help_text=_("Entreprises ayant accueilli des stagiaires."))
    labelled = serializers.IntegerField(help_text=_("Entreprises labellisées."))
    labelled_by_canton = CantonCountSerializer(many=True)
    internship_days = serializers.IntegerField(help_text=_("Jours ouvrables (lundi–vendredi) dans la période."))
    interns = serializers.IntegerField()
    finished = serializers.IntegerField(help_text=_("Stages terminés dans la période."))
    hired = serializers.IntegerField(help_text=_("Stagiaires engagé·e·s au dernier jour."))
    reinsertion_rate = serializers.DecimalField(
        max_digits=7, decimal_places=6, allow_null=True, help_text=_("Engagés ÷ terminés ; nul si aucun terminé.")
    )
    reinsertion_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class FiguresComparisonSerializer(serializers.Serializer):
    current = HeadlineFiguresSerializer()
    previous = HeadlineFiguresSerializer(allow_null=True, help_text=_("L'édition de l'année précédente, s'il y en a."))


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "position", "name", "description", "kind", "metric", "weight", "normalisation", "max_score"]


class JuryAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    username = serializers.CharField()


class JuryMemberSerializer(serializers.ModelSerializer):
    user = JuryAccountSerializer()

    class Meta:
        model = JuryMember
        fields = ["id", "seat", "user", "title"]


class RecusalSerializer(serializers.ModelSerializer):
    seat = serializers.CharField(source="member.seat", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = Recusal
        fields = ["id", "seat", "company", "company_name", "reason", "recorded_at"]


class ApprovalSerializer(serializers.ModelSerializer):
    seat = serializers.CharField(source="member.seat", read_only=True)

    class Meta:
        model = JuryApproval
        fields = ["seat", "ranking_computed_at", "approved_at", "comment"]


class SeatSerializer(serializers.Serializer):
    seat = serializers.ChoiceField(choices=JurySeat.choices)
    seat_label = serializers.CharField()
    member = JuryMemberSerializer(allow_null=True)
    approves_current = serializers.BooleanField(help_text=_("A approuvé le classement tel que calculé maintenant."))
    approved_at = serializers.DateTimeField(source="approval.approved_at", allow_null=True)
    approval_comment = serializers.CharField(source="approval.comment", allow_null=True)
    recusals = RecusalSerializer(many=True)
    marks_given = serializers.IntegerField()
    marks_expected = serializers.IntegerField()


class JurySerializer(serializers.Serializer):
    seats = SeatSerializer(many=True)
    approvals = serializers.IntegerField(help_text=_("Approbations du classement actuel (trois pour publier)."))
    complete = serializers.BooleanField(help_text=_("Trois sièges pourvus et trois approbations du classement actuel."))
    companies_to_mark = serializers.IntegerField()


class EditionDetailSerializer(serializers.Serializer):
    edition = EditionSerializer()
    figures = FiguresComparisonSerializer()
    criteria = CriterionSerializer(many=True)
    jury = JurySerializer()
    my_seat = serializers.CharField(allow_null=True, help_text=_("Le siège de l'appelant·e dans ce jury, s'il y en a."))


class CriterionCellSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField(source="criterion.pk")
    criterion_name = serializers.CharField(source="criterion.name")
    value = serializers.FloatField(help_text=_("Valeur brute (jours, nombre, taux corrigé ou note moyenne)."))
    normalised = serializers.FloatField(help_text=_("Part entre 0 et 1."))
    points = serializers.FloatField(help_text=_("Part × poids."))
    marks = serializers.IntegerField(allow_null=True, help_text=_("Notes du jury moyennées (critère qualitatif)."))


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(source="entry.rank")
    rank_low = serializers.IntegerField(source="entry.rank_low", allow_null=True, help_text=_("Meilleur rang ±20 %."))
    rank_high = serializers.IntegerField(
        source="entry.rank_high", allow_null=True, help_text=_("Moins bon rang ±20 %.")
    )
    company = serializers.IntegerField(source="entry.company_id")
    company_name = serializers.CharField(source="entry.company_name")
    canton = serializers.CharField(source="entry.canton")
    locality = serializers.CharField(source="entry.locality")
    internship_days = serializers.IntegerField(source="entry.internship_days")
    interns = serializers.IntegerField(source="entry.interns")
    finished = serializers.IntegerField(source="entry.finished")
    hired = serializers.IntegerField(source="entry.hired")
    raw_rate = serializers.DecimalField(
        source="entry.raw_rate", max_digits=7, decimal_places=6, allow_null=True, help_text=_("Taux brut.")
    )
    corrected_rate = serializers.DecimalField(
        source="entry.corrected_rate",
        max_digits=7,
        decimal_places=6,
        allow_null=True,
        help_text=_("Taux corrigé des petits effectifs (borne inférieure de Wilson à 95 %)."),
    )
    score = serializers.DecimalField(source="entry.score", max_digits=9, decimal_places=4)
    labelled = serializers.BooleanField(source="entry.labelled")
    prize = serializers.IntegerField(source="entry.prize", allow_null=True)
    special_label = serializers.CharField(source="entry.special_label")
    tie_note = serializers.CharField(source="entry.tie_note")
    entry = serializers.IntegerField(source="entry.pk", help_text=_("Id de la ligne (pour un label spécial)."))
    criteria = CriterionCellSerializer(many=True, source="cells")


class WeightVariantSerializer(serializers.Serializer):
    factor = serializers.FloatField()
    labelled_gained = serializers.ListField(child=serializers.IntegerField())
    labelled_lost = serializers.ListField(child=serializers.IntegerField())
    prizes_changed = serializers.BooleanField()


class SensitivityCheckSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    criterion_name = serializers.CharField()
    weight = serializers.FloatField()
    max_rank_shift = serializers.IntegerField()
    labelled_changes = serializers.BooleanField()
    prizes_change = serializers.BooleanField()
    summary = serializers.CharField()
    variants = WeightVariantSerializer(many=True)


class SensitivitySerializer(serializers.Serializer):
    stable = serializers.BooleanField(help_text=_("Aucun poids à ±20 % ne change les labellisées ni les prix."))
    checks = SensitivityCheckSerializer(many=True)


class RankingSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    tie_rule = serializers.CharField(help_text=_("La règle de départage, telle qu'appliquée."))
    rows = RankingRowSerializer(many=True)
    sensitivity = SensitivitySerializer(allow_null=True, help_text=_("Nul tant qu'aucun classement n'est calculé."))


class MarkSerializer(serializers.ModelSerializer):
    seat = serializers.CharField(source="member.seat", read_only=True)

    class Meta:
        model = JuryScore
        fields = ["id", "seat", "criterion", "company", "score", "comment", "version", "updated_at"]


class SpecialLabelEntrySerializer(serializers.ModelSerializer):
    entry = serializers.IntegerField(source="pk")

    class Meta:
        model = RankingEntry
        fields = ["entry", "company", "company_name", "rank", "labelled", "prize", "special_label"]


class ReportJobSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text=_("Id de la demande de document."))
    url = serializers.URLField(help_text=_("La page de la demande (progression, puis téléchargement)."))


# --- serializers: writing -----------------------------------------------------------------------


class EditionCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("Année de l'édition (2000–2100)."))
    threshold = serializers.DecimalField(max_digits=8, decimal_places=2, help_text=_("Seuil du label (points)."))
    period_start = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Défaut : 1.1."))
    period_end = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Défaut : 31.12."))
    prizes = serializers.IntegerField(required=False, default=3, help_text=_("Prix d'excellence (0–10)."))
    ceremony_on = serializers.DateField(required=False, allow_null=True, default=None)
    ceremony_place = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    signatories = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Une ligne par signataire : nom, fonction.")
    )


# An edition's settings as changed; a field left out keeps its value.
class EditionPatchSerializer(serializers.Serializer):
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    threshold = serializers.DecimalField(max_digits=8, decimal_places=2, required=False)
    prizes = serializers.IntegerField(required=False)
    ceremony_on = serializers.DateField(required=False, allow_null=True)
    ceremony_place = serializers.CharField(required=False, allow_blank=True, max_length=150)
    signatories = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


EDITION_SETTINGS = (
    "period_start",
    "period_end",
    "threshold",
    "prizes",
    "ceremony_on",
    "ceremony_place",
    "signatories",
)


class EditionVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class CriterionCreateSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    kind = serializers.ChoiceField(choices=CriterionKind.choices)
    metric = serializers.ChoiceField(
        choices=CriterionMetric.choices, required=False, allow_blank=True, default="", help_text=_("Si quantitatif.")
    )
    weight = serializers.DecimalField(max_digits=8, decimal_places=2)
    normalisation = serializers.ChoiceField(choices=Normalisation.choices)
    max_score = serializers.IntegerField(required=False, default=10, help_text=_("Note maximale (si qualitatif)."))
    position = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


# A criterion as changed; a field left out keeps its value.
class CriterionPatchSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    kind = serializers.ChoiceField(choices=CriterionKind.choices, required=False)
    metric = serializers.ChoiceField(choices=CriterionMetric.choices, required=False, allow_blank=True)
    weight = serializers.DecimalField(max_digits=8, decimal_places=2, required=False)
    normalisation = serializers.ChoiceField(choices=Normalisation.choices, required=False)
    max_score = serializers.IntegerField(required=False)
    position = serializers.IntegerField(required=False, min_value=0)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


CRITERION_TERMS = ("name", "description", "kind", "metric", "weight", "normalisation", "max_score", "position")


class SeatSetSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=jury_accounts(),
        help_text=_("Compte (id) ayant le rôle de membre du jury."),
        error_messages={"does_not_exist": _("Ce compte n'a pas le rôle de membre du jury du Label Intégration.")},
    )
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class MarkSetSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text=_("Critère qualitatif de l'édition (id)."))
    company = serializers.IntegerField(help_text=_("Entreprise notée (id)."))
    score = serializers.DecimalField(max_digits=8, decimal_places=2, help_text=_("De 0 à la note maximale."))
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("La version lue de la note ; nulle pour une nouvelle note. Dépassée : 409."),
    )


class RecusalCreateSerializer(serializers.Serializer):
    company = serializers.IntegerField(help_text=_("Entreprise (id)."))
    reason = serializers.CharField(allow_blank=True, max_length=300, help_text=_("Le lien avec l'entreprise."))
    seat = serializers.ChoiceField(
        choices=JurySeat.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Pour le personnel du CNIP : le siège récusé. Un membre du jury se récuse lui-même."),
    )


class SpecialLabelSerializer(serializers.Serializer):
    entry = serializers.IntegerField(help_text=_("Ligne du classement (id)."))
    special_label = serializers.CharField(
        allow_blank=True, max_length=80, help_text=_("Par exemple « Coup de cœur » ; vide pour le retirer.")
    )


# --- the viewset --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RankingView:
    year: int
    status: str
    computed_at: Any
    tie_rule: str
    rows: list[Any]
    sensitivity: dict[str, Any] | None


def _sensitivity(analysis: RankingSensitivity | None) -> dict[str, Any] | None:
    if analysis is None:
        return None
    return {
        "stable": analysis.analysis.stable,
        "checks": [
            {
                "criterion_id": check.criterion_id,
                "criterion_name": check.criterion_name,
                "weight": check.weight,
                "max_rank_shift": check.max_rank_shift,
                "labelled_changes": check.labelled_changes,
                "prizes_change": check.prizes_change,
                "summary": gettext(check.summary),
                "variants": [
                    {
                        "factor": variant.factor,
                        "labelled_gained": list(variant.labelled_gained),
                        "labelled_lost": list(variant.labelled_lost),
                        "prizes_changed": variant.prizes_changed,
                    }
                    for variant in check.variants
                ],
            }
            for check in analysis.analysis.checks
        ],
    }


def _refused(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


@extend_schema_view(
    list=extend_schema(
        summary=_("Éditions du Label Intégration"),
        description=_(
            "Toutes les éditions pour le personnel du CNIP ; pour un membre du jury, celles dont il fait partie du "
            "jury ; 404 pour les autres."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Une édition : chiffres, critères, jury, statut"),
        description=_(
            "Les chiffres de l'édition (figés si elle est publiée) à côté de ceux de l'édition précédente, ses "
            "critères, les trois sièges du jury (récusations, notes, approbations) et son statut. Personnel du "
            "CNIP et membres de son jury ; sinon 404."
        ),
        parameters=[YEAR_PARAMETER],
        responses={200: EditionDetailSerializer},
    ),
    create=extend_schema(
        summary=_("Ouvrir l'édition d'une année"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). L'édition est un brouillon avec les critères par défaut ; "
            "la période de référence va par défaut du 1er janvier au 31 décembre. Une année déjà ouverte ou une "
            "saisie refusée répond 400 avec les messages en français."
        ),
        request=EditionCreateSerializer,
        responses={201: EditionDetailSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Modifier les réglages d'une édition"),
        description=_(
            "Période, seuil, prix, cérémonie, signataires. Réservé au personnel du CNIP (sinon 404). Changer la "
            "période, le seuil ou les prix annule un classement calculé. `version` est celle lue : une version "
            "dépassée répond 409 ; une édition publiée ou une saisie refusée répond 400."
        ),
        parameters=[YEAR_PARAMETER],
        request=EditionPatchSerializer,
        responses={200: EditionDetailSerializer},
    ),
    compute=extend_schema(
        summary=_("Calculer le classement"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Remplace le classement précédent et ses approbations."
        ),
        parameters=[YEAR_PARAMETER],
        request=None,
        responses={200: EditionDetailSerializer},
    ),
    submit=extend_schema(
        summary=_("Soumettre le classement au jury"),
        description=_("Réservé au personnel du CNIP (sinon 404). Le classement doit être calculé et le jury complet."),
        parameters=[YEAR_PARAMETER],
        request=None,
        responses={200: EditionDetailSerializer},
    ),
    reopen=extend_schema(
        summary=_("Reprendre le classement (retour au brouillon)"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Le classement et les approbations sont annulés. `version` "
            "est celle lue : une version dépassée répond 409."
        ),
        parameters=[YEAR_PARAMETER],
        request=EditionVersionSerializer,
        responses={200: EditionDetailSerializer},
    ),
    publish=extend_schema(
        summary=_("Publier l'édition"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Refusé (400, message en français) sans les trois "
            "approbations du classement actuel. Une édition publiée ne change plus."
        ),
        parameters=[YEAR_PARAMETER],
        request=None,
        responses={200: EditionDetailSerializer},
    ),
    ranking=extend_schema(
        summary=_("Le classement de l'édition"),
        description=_(
            "Les entreprises classées avec leurs chiffres, le taux brut et le taux corrigé (borne inférieure de "
            "Wilson), les points par critère, le rang sous des poids à ±20 %, la règle de départage et l'analyse "
            "de sensibilité. Personnel du CNIP et membres du jury de l'édition ; sinon 404."
        ),
        parameters=[YEAR_PARAMETER],
        responses={200: RankingSerializer},
    ),
    criterion_add=extend_schema(
        summary=_("Ajouter un critère"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404), tant que le classement n'est pas soumis au jury ; annule un "
            "classement calculé. `version` est celle de l'édition : dépassée, 409 ; saisie refusée, 400."
        ),
        parameters=[YEAR_PARAMETER],
        request=CriterionCreateSerializer,
        responses={201: CriterionSerializer},
    ),
    criterion_change=extend_schema(
        summary=_("Modifier un critère"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404), tant que le classement n'est pas soumis au jury ; annule un "
            "classement calculé. `version` est celle de l'édition : dépassée, 409 ; saisie refusée, 400."
        ),
        parameters=[YEAR_PARAMETER, CRITERION_PARAMETER],
        request=CriterionPatchSerializer,
        responses={200: CriterionSerializer},
    ),
    seat_set=extend_schema(
        summary=_("Pourvoir un siège du jury"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Un autre compte remplace le membre (ses notes, récusations "
            "et son approbation partent avec lui) et annule un classement calculé. `version` est celle de "
            "l'édition : dépassée, 409 ; compte sans le rôle de juré, 400."
        ),
        parameters=[YEAR_PARAMETER, SEAT_PARAMETER],
        request=SeatSetSerializer,
        responses={200: JuryMemberSerializer},
    ),
    approve=extend_schema(
        summary=_("Approuver le classement (membre du jury)"),
        description=_(
            "Le membre du jury lui-même, pour son siège, tant que le classement est soumis au jury (sinon 400) ; "
            "toute autre personne reçoit 404."
        ),
        parameters=[YEAR_PARAMETER],
        request=ApproveSerializer,
        responses={201: ApprovalSerializer},
    ),
    withdraw_approval=extend_schema(
        summary=_("Retirer son approbation (membre du jury)"),
        description=_("Le membre du jury lui-même, tant que le classement est soumis au jury ; sinon 404 ou 400."),
        parameters=[YEAR_PARAMETER],
        request=None,
        responses={204: None},
    ),
    mark=extend_schema(
        summary=_("Noter une entreprise sur un critère qualitatif (membre du jury)"),
        description=_(
            "Le membre du jury lui-même (sinon 404). `version` : celle de la note lue, nulle pour une nouvelle "
            "note ; dépassée, 409. Une note hors échelle, une entreprise pour laquelle il est récusé, un critère "
            "non qualitatif répondent 400. Annule un classement calculé."
        ),
        parameters=[YEAR_PARAMETER],
        request=MarkSetSerializer,
        responses={200: MarkSerializer},
    ),
    recusal=extend_schema(
        summary=_("Enregistrer une récusation"),
        description=_(
            "Le membre du jury pour son siège, ou le personnel du CNIP en nommant le siège (sinon 404). Les "
            "notes du membre pour l'entreprise sont supprimées ; annule un classement calculé."
        ),
        parameters=[YEAR_PARAMETER],
        request=RecusalCreateSerializer,
        responses={201: RecusalSerializer},
    ),
    special_label=extend_schema(
        summary=_("Donner (ou retirer) un label spécial"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404), pour une entreprise labellisée d'un classement calculé "
            "(sinon 400). N'annule rien."
        ),
        parameters=[YEAR_PARAMETER],
        request=SpecialLabelSerializer,
        responses={200: SpecialLabelEntrySerializer},
    ),
    certificates=extend_schema(
        summary=_("Imprimer les certificats de l'édition"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404). Demande au service d'impression un PDF à imprimer et une "
            "archive ZIP des certificats de toutes les entreprises labellisées ; répond 202 avec la demande et "
            "l'adresse de sa page. Une édition sans entreprise labellisée répond 400."
        ),
        parameters=[YEAR_PARAMETER],
        request=None,
        responses={202: ReportJobSerializer},
    ),
    palmares=extend_schema(
        summary=_("Demander le palmarès de l'édition (PDF)"),
        description=_(
            "Le personnel du CNIP et les membres du jury de l'édition (sinon 404). Répond 202 avec la demande et "
            "l'adresse de sa page ; une édition sans classement répond 400."
        ),
        parameters=[YEAR_PARAMETER],
        request=None,
        responses={202: ReportJobSerializer},
    ),
    recusal_withdraw=extend_schema(
        summary=_("Retirer une récusation"),
        description=_(
            "Le membre du jury lui-même ou le personnel du CNIP (sinon 404) ; un classement calculé est annulé. "
            "Une édition publiée répond 400."
        ),
        parameters=[YEAR_PARAMETER, OpenApiParameter("recusal_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={204: None},
    ),
    mark_withdraw=extend_schema(
        summary=_("Retirer une de ses notes"),
        description=_(
            "Le membre du jury lui-même (sinon 404). `version` (paramètre) est celle de la note : dépassée, 409. "
            "Un classement calculé est annulé ; une édition publiée répond 400."
        ),
        parameters=[
            YEAR_PARAMETER,
            OpenApiParameter("mark_id", int, OpenApiParameter.PATH),
            VERSION_QUERY_PARAMETER,
        ],
        request=None,
        responses={204: None},
    ),
)
class EditionViewSet(StaffViewSet):
    serializer_class = EditionSerializer
    pagination_class = None  # one edition a year
    queryset = Edition.objects.none()  # for the schema; the selectors decide what is read
    lookup_field = "year"
    lookup_value_regex = r"[0-9]{1,4}"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    # -- access --

    def _edition(self) -> Edition:
        year = str(self.kwargs["year"])
        return edition_get(user=self.user, year=int(year) if year.isdigit() else 0, request=self.request)  # type: ignore[arg-type]

    def _staff_edition(self) -> Edition:
        """The edition for CNIP staff; the 404 of a missing page for a jury member (and anyone else)."""
        edition = self._edition()
        if not is_cnip_staff(self.user):
            raise Http404
        return edition

    def _member(self, edition: Edition) -> JuryMember:
        member = jury_member_for(edition=edition, user=self.user)
        if member is None:
            raise Http404
        return member

    def _detail(self, year: int) -> Response:
        edition = edition_get(user=self.user, year=year, request=self.request)  # type: ignore[arg-type]
        member = jury_member_for(edition=edition, user=self.user)
        data = {
            "edition": edition,
            "figures": edition_figures(edition=edition),
            "criteria": edition_criteria(edition=edition),
            "jury": jury_progress(edition=edition),
            "my_seat": member.seat if member is not None else None,
        }
        return Response(EditionDetailSerializer(data).data)

    @staticmethod
    def _given(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
        given = serializer_class(data=request.data)
        given.is_valid(raise_exception=True)
        return dict(given.validated_data)

    # -- editions --

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_use_labels(self.user):  # the label's API does not exist for anyone else
            raise Http404
        return Response(self.get_serializer(edition_list(user=self.user), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._edition().year)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not is_cnip_staff(self.user):
            raise Http404
        data = self._given(EditionCreateSerializer, request)
        with service_refusals():
            edition = edition_create(created_by=self.user, request=request, **data)  # type: ignore[arg-type]
        response = self._detail(edition.year)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        data = self._given(EditionPatchSerializer, request)
        with service_refusals():  # a stale version: 409
            edition_update(
                edition=edition,
                expected_version=data["version"],
                updated_by=self.user,
                request=request,  # type: ignore[arg-type]
                **{field: data.get(field, getattr(edition, field)) for field in EDITION_SETTINGS},
            )
        return self._detail(edition.year)

    # -- workflow --

    @action(detail=True, methods=["post"])
    def compute(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        with service_refusals():
            edition_compute_ranking(edition=edition, computed_by=self.user, request=request)  # type: ignore[arg-type]
        return self._detail(edition.year)

    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        with service_refusals():
            edition_submit_to_jury(edition=edition, submitted_by=self.user, request=request)  # type: ignore[arg-type]
        return self._detail(edition.year)

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        data = self._given(EditionVersionSerializer, request)
        with service_refusals():  # a stale version: 409
            edition_reopen(
                edition=edition,
                expected_version=data["version"],
                reopened_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return self._detail(edition.year)

    @action(detail=True, methods=["post"])
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        with service_refusals():
            edition_publish(edition=edition, published_by=self.user, request=request)  # type: ignore[arg-type]
        return self._detail(edition.year)

    @action(detail=True, methods=["get"])
    def ranking(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._edition()
        view = _RankingView(
            year=edition.year,
            status=edition.status,
            computed_at=edition.computed_at,
            tie_rule=gettext(TIE_RULE),
            rows=ranking_rows(edition=edition),
            sensitivity=_sensitivity(ranking_sensitivity(edition=edition)),
        )
        return Response(RankingSerializer(view).data)

    # -- criteria --

    @action(detail=True, methods=["post"], url_path="criteria")
    def criterion_add(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        data = self._given(CriterionCreateSerializer, request)
        version = data.pop("version")
        with service_refusals():
            criterion = criterion_set(
                edition=edition,
                terms=CriterionTerms(**data),
                expected_version=version,
                changed_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(CriterionSerializer(criterion).data, status=status.HTTP_201_CREATED)

    def _criterion(self, edition: Edition) -> Criterion:
        criterion = Criterion.objects.filter(edition=edition, pk=int(self.kwargs["criterion_id"])).first()
        if criterion is None:
            raise Http404
        return criterion

    @action(detail=True, methods=["patch"], url_path=r"criteria/(?P<criterion_id>[0-9]+)")
    def criterion_change(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        criterion = self._criterion(edition)
        data = self._given(CriterionPatchSerializer, request)
        terms = CriterionTerms(**{field: data.get(field, getattr(criterion, field)) for field in CRITERION_TERMS})
        with service_refusals():
            changed = criterion_set(
                edition=edition,
                criterion=criterion,
                terms=terms,
                expected_version=data["version"],
                changed_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(CriterionSerializer(changed).data)

    @extend_schema(
        summary=_("Supprimer un critère"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404) ; les notes du jury sur ce critère sont supprimées. "
            "`version` (paramètre) est celle de l'édition : dépassée, 409."
        ),
        parameters=[YEAR_PARAMETER, CRITERION_PARAMETER, VERSION_QUERY_PARAMETER],
        request=None,
        responses={204: None},
    )
    @criterion_change.mapping.delete
    def criterion_remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        criterion = self._criterion(edition)
        version = self._version_param(request)
        with service_refusals():
            criterion_delete(
                criterion=criterion,
                expected_version=version,
                deleted_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _version_param(request: Request) -> int:
        text = request.query_params.get("version", "")
        if not text.isdigit() or int(text) < 1:
            raise _refused("version", gettext("Indiquez la version lue de l'édition (paramètre « version »)."))
        return int(text)

    # -- the jury --

    @action(detail=True, methods=["put"], url_path=r"jury/(?P<seat>[a-z_]+)")
    def seat_set(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        seat = str(self.kwargs["seat"])
        if seat not in JurySeat.values:
            raise Http404
        data = self._given(SeatSetSerializer, request)
        with service_refusals():  # a stale version: 409
            member = jury_member_set(
                edition=edition,
                seat=seat,
                user=data["user"],
                title=data["title"],
                expected_version=data["version"],
                set_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(JuryMemberSerializer(member).data)

    @extend_schema(
        summary=_("Libérer un siège du jury"),
        description=_(
            "Réservé au personnel du CNIP (sinon 404) ; annule un classement calculé. `version` (paramètre) est "
            "celle de l'édition : dépassée, 409."
        ),
        parameters=[YEAR_PARAMETER, SEAT_PARAMETER, VERSION_QUERY_PARAMETER],
        request=None,
        responses={204: None},
    )
    @seat_set.mapping.delete
    def seat_remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        member = JuryMember.objects.filter(edition=edition, seat=str(self.kwargs["seat"])).first()
        if member is None:
            raise Http404
        version = self._version_param(request)
        with service_refusals():
            jury_member_remove(
                member=member,
                expected_version=version,
                removed_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self._member(self._edition())
        data = self._given(ApproveSerializer, request)
        with service_refusals():
            approval = jury_approve(
                member=member,
                approved_by=self.user,
                comment=data["comment"],
                request=request,  # type: ignore[arg-type]
            )
        return Response(ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="withdraw-approval")
    def withdraw_approval(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self._member(self._edition())
        with service_refusals():
            jury_approval_withdraw(member=member, withdrawn_by=self.user, request=request)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _candidate(self, edition: Edition, company_id: int) -> PartnerCompany:
        company = next((company for company in marking_candidates(edition=edition) if company.pk == company_id), None)
        if company is None:
            raise _refused(
                "company",
                gettext("Cette entreprise n'a accueilli aucun·e stagiaire pendant la période de référence."),
            )
        return company

    @action(detail=True, methods=["post"], url_path="marks")
    def mark(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._edition()
        member = self._member(edition)
        data = self._given(MarkSetSerializer, request)
        criterion = Criterion.objects.filter(
            edition=edition, pk=data["criterion"], kind=CriterionKind.QUALITATIVE
        ).first()
        if criterion is None:
            raise _refused("criterion", gettext("Le jury ne note que les critères qualitatifs de son édition."))
        company = self._candidate(edition, data["company"])
        with service_refusals():  # a stale version of the mark: 409
            mark = jury_score_set(
                member=member,
                criterion=criterion,
                company=company,
                score=data["score"],
                comment=data["comment"],
                expected_version=data["version"],
                scored_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(MarkSerializer(mark).data)

    @action(detail=True, methods=["post"], url_path="recusals")
    def recusal(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._edition()
        data = self._given(RecusalCreateSerializer, request)
        if is_cnip_staff(self.user):
            if not data["seat"]:
                raise _refused("seat", gettext("Indiquez le siège du jury qui se récuse."))
            member = JuryMember.objects.filter(edition=edition, seat=data["seat"]).first()
            if member is None:
                raise _refused("seat", gettext("Ce siège du jury n'est pas pourvu."))
        else:
            member = self._member(edition)
            if data["seat"] and data["seat"] != member.seat:
                raise Http404
        company = self._candidate(edition, data["company"])
        with service_refusals():
            recusal = recusal_record(
                member=member,
                company=company,
                reason=data["reason"],
                recorded_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(RecusalSerializer(recusal).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["delete"], url_path=r"recusals/(?P<recusal_id>[0-9]+)")
    def recusal_withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._edition()
        recusal = (
            Recusal.objects.select_related("member__edition", "member__user")
            .filter(pk=int(self.kwargs["recusal_id"]), member__edition=edition)
            .first()
        )
        if recusal is None or not (is_cnip_staff(self.user) or recusal.member.user_id == self.user.pk):
            raise Http404
        with service_refusals():
            recusal_withdraw(recusal=recusal, withdrawn_by=self.user, request=request)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["delete"], url_path=r"marks/(?P<mark_id>[0-9]+)")
    def mark_withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._edition()
        member = self._member(edition)
        mark = (
            JuryScore.objects.select_related("member__edition")
            .filter(pk=int(self.kwargs["mark_id"]), member=member)
            .first()
        )
        if mark is None:
            raise Http404
        version = self._version_param(request)
        with service_refusals():  # a stale version of the mark: 409
            jury_score_delete(
                score=mark,
                expected_version=version,
                deleted_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- special labels and certificates --

    @action(detail=True, methods=["post"], url_path="special-label")
    def special_label(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        edition = self._staff_edition()
        data = self._given(SpecialLabelSerializer, request)
        entry = RankingEntry.objects.filter(edition=edition, pk=data["entry"]).first()
        if entry is None:
            raise _refused("entry", gettext("Cette ligne n'est pas au classement de l'édition."))
        with service_refusals():
            changed = special_label_set(
                entry=entry,
                label=data["special_label"],
                set_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        return Response(SpecialLabelEntrySerializer(changed).data)

    def _report(self, request: Request, edition: Edition, kind: ReportKind) -> Response:
        """Request the edition's document of `kind` from the worker: 202 with the job and its page."""
        with service_refusals():
            job = report_job_request(
                kind=kind,
                parameters={"edition": edition.year},
                requested_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        url = request.build_absolute_uri(reverse("reports:detail", kwargs={"job_id": job.pk}))
        return Response(ReportJobSerializer({"job": job.pk, "url": url}).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"])
    def certificates(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._report(request, self._staff_edition(), ReportKind.LABEL_CERTIFICATES)

    @action(detail=True, methods=["post"])
    def palmares(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # CNIP staff and the edition's jury; the report's own rule decides again.
        return self._report(request, self._edition(), ReportKind.LABEL_PALMARES)


router_registrations = [("label/editions", EditionViewSet, "labels-edition")]
