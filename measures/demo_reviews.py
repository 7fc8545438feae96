"""The demo canton's service agreements, corrective measures and a validated yearly review.

Two service agreements following the outline of the federal guide (seed 004):
Alfaset (the NE-ESO pilot's enterprise and its watchmaking workshops) and the
Espace des Solidarités (sales workshop), each with indicators and target values;
three corrective measures (one done, one escalated to the GP CII because it
changes the agreement, one in progress); and the validated 2025 review of one
mixed measure, its figures frozen from whatever placements the demo holds.

Uses the providers and measures of `measures.demo` and the demo accounts
(`coord.lmmt`); whatever is missing is skipped. Idempotent: running it again
creates nothing that is already there. Everything goes through the services, so
it is audited like real work.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q

from cii_platform.accounts.models import User
from measures.models import (
    AgreementMetric,
    CorrectiveMeasure,
    Measure,
    Placement,
    Provider,
    ServiceAgreement,
    YearlyReview,
)
from measures.services.agreements import AgreementTerms, IndicatorTarget, agreement_create
from measures.services.corrective import (
    corrective_measure_escalate,
    corrective_measure_request,
    corrective_measure_update,
)
from measures.services.reviews import yearly_review_finalise, yearly_review_save

REVIEW_YEAR = 2025
DELEGATE = "coord.lmmt"

AGREEMENTS: tuple[dict[str, object], ...] = (
    {
        "provider": "Alfaset",
        "title": "Convention de prestations 2025–2027 · Alfaset, ateliers horlogers et entreprise sociale NE-ESO",
        "parties": (
            "Mandant : République et Canton de Neuchâtel, par le Service de l'emploi (SEMP) et le Service de "
            "l'action sociale (SASO).\nMandataire : Fondation Alfaset, La Chaux-de-Fonds."
        ),
        "legal_bases": (
            "Loi fédérale sur l'assurance-chômage (LACI), mesures relatives au marché du travail ; loi cantonale "
            "sur l'action sociale (LASoc) ; mandat du groupe de coordination des mesures d'insertion mixtes ; "
            "concept d'entreprise sociale productive NE-ESO."
        ),
        "target_groups": (
            "Demandeur·euse·s d'emploi (LACI, MIP), bénéficiaires de l'aide sociale (dont le public NE-ESO : "
            "productivité de 60 à 90 %, 30 à 65 ans), personnes relevant du SMIG."
        ),
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2027, 12, 31),
        "volume_places": 40,
        "price": Decimal("1100000.00"),
        "data_protection": (
            "Le mandataire ne traite les données des participant·e·s que pour la mesure, est tenu au secret et "
            "ne les transmet qu'au service qui a placé la personne (LPD, CPDT-JUNE)."
        ),
        "measures": ("horlogerie-littoral", "horlogerie-montagnes", "visitage"),
        "indicators": (
            (AgreementMetric.OCCUPANCY_RATE, Decimal("85"), True),
            (AgreementMetric.POSITIVE_EXIT_RATE, Decimal("30"), True),
            (AgreementMetric.PLACEMENTS, Decimal("60"), True),
            (AgreementMetric.COST_PER_POSITIVE_EXIT, Decimal("45000"), False),
        ),
    },
    {
        "provider": "Espace des Solidarités",
        "title": "Convention de prestations 2024–2026 · Espace des Solidarités, atelier vente",
        "parties": (
            "Mandant : République et Canton de Neuchâtel, par le Service de l'action sociale (SASO) et le Service "
            "de l'emploi (SEMP).\nMandataire : association Espace des Solidarités, Neuchâtel."
        ),
        "legal_bases": (
            "Loi cantonale sur l'action sociale (LASoc) ; loi fédérale sur l'assurance-chômage (LACI), mesures "
            "relatives au marché du travail ; mandat du groupe de coordination des mesures d'insertion mixtes."
        ),
        "target_groups": "Bénéficiaires de l'aide sociale et demandeur·euse·s d'emploi éloigné·e·s du premier marché.",
        "starts_on": dt.date(2024, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
        "volume_places": 18,
        "price": Decimal("380000.00"),
        "data_protection": "Secret de fonction ; données limitées à ce que la mesure exige, détruites à sa fin.",
        "measures": ("vente",),
        "indicators": (
            (AgreementMetric.OCCUPANCY_RATE, Decimal("80"), True),
            (AgreementMetric.POSITIVE_EXIT_RATE, Decimal("25"), True),
            (AgreementMetric.AVERAGE_DURATION_DAYS, Decimal("180"), False),
        ),
    },
)

CORRECTIVES: tuple[dict[str, object], ...] = (
    {
        "provider": "Alfaset",
        "measure": "visitage",
        "description": (
            "Admettre les participant·e·s dans les 10 jours ouvrables suivant l'attribution de la place (délai "
            "moyen constaté : 24 jours)."
        ),
        "changes_contract": False,
        "requested_on": dt.date(2025, 9, 15),
        "due_on": dt.date(2025, 11, 30),
        "follow_up": "Entretiens d'admission regroupés chaque mardi ; délai moyen ramené à 8 jours en novembre.",
        "done": True,
    },
    {
        "provider": "Espace des Solidarités",
        "measure": "vente",
        "description": (
            "Porter l'encadrement à un·e maître·sse socioprofessionnel·le pour six participant·e·s, ce qui change "
            "le prix par place de la convention."
        ),
        "changes_contract": True,
        "requested_on": dt.date(2026, 3, 2),
        "due_on": dt.date(2026, 9, 30),
        "follow_up": "",
        "escalate": True,
    },
    {
        "provider": "Evologia",
        "measure": "cuisine-evologia",
        "description": "Transmettre chaque mois la liste des présences, au plus tard le 5 du mois suivant.",
        "changes_contract": False,
        "requested_on": dt.date(2026, 10, 1),
        "due_on": dt.date(2026, 12, 31),
        "follow_up": "Première liste reçue le 4 novembre ; à confirmer sur trois mois.",
    },
)


def _agreements(by: User, created: dict[str, int]) -> None:
    for spec in AGREEMENTS:
        provider = Provider.objects.filter(name=spec["provider"]).first()
        if provider is None or ServiceAgreement.objects.filter(title=spec["title"]).exists():
            continue
        measures = list(Measure.objects.filter(provider=provider, code__in=spec["measures"]))  # type: ignore[misc]
        agreement_create(
            provider=provider,
            terms=AgreementTerms(
                title=str(spec["title"]),
                parties=str(spec["parties"]),
                legal_bases=str(spec["legal_bases"]),
                target_groups=str(spec["target_groups"]),
                starts_on=spec["starts_on"],  # type: ignore[arg-type]
                ends_on=spec["ends_on"],  # type: ignore[arg-type]
                volume_places=spec["volume_places"],  # type: ignore[arg-type]
                price=spec["price"],  # type: ignore[arg-type]
                data_protection=str(spec["data_protection"]),
            ),
            measures=measures,
            indicators=[
                IndicatorTarget(metric=metric, target=target, higher_is_better=higher)
                for metric, target, higher in spec["indicators"]  # type: ignore[attr-defined]
            ],
            created_by=by,
        )
        created["agreements"] += 1


def _correctives(by: User, created: dict[str, int]) -> None:
    for spec in CORRECTIVES:
        provider = Provider.objects.filter(name=spec["provider"]).first()
        if (
            provider is None
            or CorrectiveMeasure.objects.filter(provider=provider, description=spec["description"]).exists()
        ):
            continue
        measure = Measure.objects.filter(provider=provider, code=spec["measure"]).first()
        corrective = corrective_measure_request(
            provider=provider,
            measure=measure,
            description=str(spec["description"]),
            changes_contract=bool(spec["changes_contract"]),
            requested_on=spec["requested_on"],  # type: ignore[arg-type]
            due_on=spec["due_on"],  # type: ignore[arg-type]
            requested_by=by,
        )
        if spec.get("follow_up"):
            corrective = corrective_measure_update(
                corrective=corrective,
                expected_version=corrective.version,
                follow_up=str(spec["follow_up"]),
                status=CorrectiveMeasure.Status.DONE if spec.get("done") else CorrectiveMeasure.Status.IN_PROGRESS,
                updated_by=by,
            )
        if spec.get("escalate"):
            corrective_measure_escalate(corrective=corrective, expected_version=corrective.version, escalated_by=by)
        created["corrective_measures"] += 1


def _review(by: User, created: dict[str, int]) -> None:
    if YearlyReview.objects.filter(year=REVIEW_YEAR).exists():
        return
    year_placements = Q(
        placements__starts_on__lte=dt.date(REVIEW_YEAR, 12, 31),
        placements__planned_end_on__gte=dt.date(REVIEW_YEAR, 1, 1),
    ) & ~Q(placements__status=Placement.Status.CANCELLED)
    # The busiest mixed measure of the year, or Alfaset's first one when the demo holds no placement of that year.
    measure = (
        Measure.objects.filter(is_mixed=True)
        .annotate(placed=Count("placements", filter=year_placements))
        .order_by("-placed", "-provider__name", "name")
        .filter(Q(placed__gt=0) | Q(provider__name="Alfaset"))
        .first()
    )
    if measure is None:
        return
    review = yearly_review_save(
        measure=measure,
        year=REVIEW_YEAR,
        assessment=(
            "Mesure bien intégrée au dispositif : les places ont été occupées toute l'année et les modules "
            "reconnus par la branche facilitent les sorties vers l'emploi. Le délai d'admission, trop long au "
            "premier semestre, a fait l'objet d'une mesure corrective réalisée."
        ),
        prospects=(
            "Maintenir le volume, renforcer le suivi après la sortie (emploi à trois mois) et ouvrir deux places "
            "au public NE-ESO de l'aide sociale."
        ),
        proposed_places=20,
        proposed_budget=(measure.price_per_place_month * 12 * 20).quantize(Decimal("0.01")),
        expected_version=None,
        saved_by=by,
    )
    yearly_review_finalise(review=review, expected_version=review.version, finalised_by=by)
    created["reviews"] += 1


@transaction.atomic
def load_demo_reviews() -> dict[str, int]:
    """Create what is missing of the demo's agreements, corrective measures and 2025 review; return the counts.

    Skips everything when the delegate's account is missing, and each item whose
    provider or measure is missing (they come from `measures.demo`).
    """
    created = {"agreements": 0, "corrective_measures": 0, "reviews": 0}
    delegate = User.objects.filter(username=DELEGATE, is_active=True).first()
    if delegate is None:
        return created
    _agreements(delegate, created)
    _correctives(delegate, created)
    _review(delegate, created)
    return created
