"""The demo canton's measures: providers, the inventory, places per kind, sectoral budgets and loans.

The mixed measures reproduce the figures of the documents (003, "Optimisation des PSET"): end 2011
142 occupation + 14 socio-professional + 48 professional = 204 places; end 2012 91 + 22 + 86; target
end 2014 0 + 58 + 136 = 194. The current years (2026, 2027) have capacities and budgets per sector
(LACI, MIP, SAS, SMIG and a few OAI and SFPO lines); budget years up to 2025 are closed. Alfaset and
the Espace des Solidarités are recognised NE-ESO; Evologia was assessed and is not (its management
is not independent of the State).

Needs the demo accounts of `cii_platform.core.demo` (the delegates `coord.lmmt`, `coord.odas`,
`coord.osas`). Idempotent: running it again creates nothing that is already there.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from cii_platform.accounts.models import User
from measures.models import (
    Branch,
    BudgetYear,
    EsoCriterion,
    EsoStatus,
    Measure,
    MeasureCapacity,
    PlaceKind,
    PlaceLoan,
    Provider,
    Sector,
    SectorBudget,
    Typology,
)
from measures.reference_data import load_branches
from measures.services.budgets import budget_year_open, place_loan_answer, place_loan_propose, sector_budget_set
from measures.services.inventory import (
    eso_criterion_record,
    measure_capacity_set,
    measure_create,
    provider_create,
    provider_eso_assess,
)

NEUCHATEL = ZoneInfo("Europe/Zurich")
CURRENT_YEARS = (2026, 2027)
CLOSED_UNTIL = 2025
FIRST_BUDGET_YEAR = 2011

# The delegates of the coordination group in the demo canton, by the sectors they speak for.
DELEGATES: dict[str, str] = {
    Sector.LACI: "coord.lmmt",
    Sector.MIP: "coord.lmmt",
    Sector.SAS: "coord.odas",
    Sector.SMIG: "coord.osas",
}
# OAI and SFPO sit in the group on request and have no delegate account in the demo canton: the LMMT
# delegate, who keeps the group's tables, records their lines.
RECORDED_BY_LMMT = (Sector.OAI, Sector.SFPO)

# (name, locality, contact, NE-ESO: None = not assessed, else (assessed on, criteria not met))
PROVIDERS: list[tuple[str, str, str, tuple[dt.date, tuple[str, ...]] | None]] = [
    ("CNIP – Centre neuchâtelois d'intégration professionnelle", "La Chaux-de-Fonds", "Direction du CNIP", None),
    ("Alfaset", "La Chaux-de-Fonds", "Responsable des ateliers", (dt.date(2013, 3, 14), ())),
    ("Espace des Solidarités", "Neuchâtel", "Direction", (dt.date(2016, 12, 1), ())),
    (
        "Evologia",
        "Cernier",
        "Coordination des ateliers",
        (dt.date(2014, 6, 30), (EsoCriterion.INDEPENDENT_GOVERNANCE,)),
    ),
    ("Fondation La Joliette", "Neuchâtel", "Direction des ateliers", None),
    ("Caritas Neuchâtel", "Neuchâtel", "Responsable insertion", None),
    ("Fondation Job Service", "Neuchâtel", "Direction", None),
    ("Association Bâtir Ensemble", "Fontainemelon", "Chef d'atelier", None),
    ("Office social de l'asile (OSAS)", "Couvet", "Coordinateur des TUP", None),
    ("Association SeMo Neuchâtel", "Neuchâtel", "Direction", None),
]

OCC, SOCIO, PROF = PlaceKind.OCCUPATION, PlaceKind.SOCIO_PROFESSIONAL, PlaceKind.PROFESSIONAL


def _places(occupation: int, socio_professional: int, professional: int) -> dict[str, int]:
    return {OCC: occupation, SOCIO: socio_professional, PROF: professional}


# code: (name, provider, branch, typology, price per place-month, mixed, active from, description,
#        places per year (occupation, socio-professional, professional), budget weights per sector)
MeasureSpec = tuple[str, str, str, str, str, bool, dt.date, str, dict[int, tuple[int, int, int]], dict[str, int]]
MEASURES: dict[str, MeasureSpec] = {
    "horlogerie-littoral": (
        "Atelier horlogerie Littoral",
        "CNIP – Centre neuchâtelois d'intégration professionnelle",
        "horlogerie",
        Typology.QUALIFICATION,
        "2400.00",
        True,
        dt.date(2008, 1, 1),
        "Emboîtage, posage et anglage ; modules reconnus par la Convention patronale de l'industrie horlogère.",
        {2011: (0, 0, 12), 2012: (0, 0, 16), 2014: (0, 0, 20), 2026: (0, 0, 20), 2027: (0, 0, 22)},
        {Sector.LACI: 10, Sector.MIP: 3, Sector.SAS: 4, Sector.SMIG: 2, Sector.OAI: 1},
    ),
    "horlogerie-montagnes": (
        "Atelier horlogerie Montagnes",
        "Alfaset",
        "horlogerie",
        Typology.QUALIFICATION,
        "2300.00",
        True,
        dt.date(2008, 1, 1),
        "Second atelier horloger, justifié par la taille du marché de l'emploi horloger dans les Montagnes.",
        {2011: (0, 0, 10), 2012: (0, 0, 14), 2014: (0, 0, 18), 2026: (0, 0, 18), 2027: (0, 0, 18)},
        {Sector.LACI: 9, Sector.MIP: 3, Sector.SAS: 4, Sector.SMIG: 2},
    ),
    "visitage": (
        "Atelier visitage",
        "Alfaset",
        "horlogerie",
        Typology.QUALIFICATION,
        "2100.00",
        True,
        dt.date(2008, 1, 1),
        "Contrôle visuel de composants horlogers (visitage) pour des entreprises de la région.",
        {2011: (20, 0, 4), 2012: (10, 0, 12), 2014: (0, 0, 16), 2026: (0, 0, 16), 2027: (0, 0, 16)},
        {Sector.LACI: 8, Sector.MIP: 2, Sector.SAS: 4, Sector.SMIG: 2},
    ),
    "salle-blanche": (
        "Atelier salle blanche",
        "CNIP – Centre neuchâtelois d'intégration professionnelle",
        "chimie-pharma",
        Typology.QUALIFICATION,
        "2500.00",
        True,
        dt.date(2009, 1, 1),
        "Travail en environnement contrôlé (salle blanche) pour la microtechnique et le médical.",
        {2011: (0, 0, 6), 2012: (0, 0, 10), 2014: (0, 0, 14), 2026: (0, 0, 14), 2027: (0, 0, 16)},
        {Sector.LACI: 7, Sector.MIP: 2, Sector.SAS: 2, Sector.SMIG: 1, Sector.OAI: 2},
    ),
    "vente": (
        "Atelier vente",
        "Espace des Solidarités",
        "commerce-vente",
        Typology.QUALIFICATION,
        "1800.00",
        True,
        dt.date(2008, 1, 1),
        "Boutique de seconde main : accueil de la clientèle, caisse, mise en rayon, gestion de stock.",
        {2011: (18, 0, 4), 2012: (12, 0, 8), 2014: (0, 4, 14), 2026: (0, 4, 14), 2027: (0, 4, 14)},
        {Sector.LACI: 8, Sector.MIP: 2, Sector.SAS: 6, Sector.SMIG: 2},
    ),
    "cuisine-evologia": (
        "Atelier cuisine (avec GastroNeuchâtel)",
        "Evologia",
        "hotellerie-restauration",
        Typology.QUALIFICATION,
        "2200.00",
        True,
        dt.date(2008, 1, 1),
        "Cuisine de collectivité ; modules de compétences reconnus par GastroNeuchâtel.",
        {2011: (24, 0, 6), 2012: (14, 0, 12), 2014: (0, 6, 18), 2026: (0, 6, 18), 2027: (0, 6, 20)},
        {Sector.LACI: 10, Sector.MIP: 3, Sector.SAS: 6, Sector.SMIG: 3, Sector.SFPO: 2},
    ),
    "la-joliette": (
        "Ateliers socioprofessionnels La Joliette",
        "Fondation La Joliette",
        "multibranche",
        Typology.STABILISATION,
        "1900.00",
        True,
        dt.date(2005, 1, 1),
        "Ateliers orientés sur les difficultés de la personne : rythme, confiance, compétences de base.",
        {2011: (0, 14, 0), 2012: (0, 16, 0), 2014: (0, 20, 0), 2026: (0, 20, 0), 2027: (0, 20, 0)},
        {Sector.SAS: 12, Sector.MIP: 4, Sector.SMIG: 4},
    ),
    "recyclage": (
        "Atelier recyclage et seconde main",
        "Caritas Neuchâtel",
        "recyclage-environnement",
        Typology.STABILISATION,
        "1600.00",
        True,
        dt.date(2006, 1, 1),
        "Tri, réparation et revalorisation d'objets ; anciennement programme d'occupation.",
        {2011: (40, 0, 0), 2012: (30, 6, 0), 2014: (0, 16, 6), 2026: (0, 16, 6), 2027: (0, 16, 6)},
        {Sector.LACI: 6, Sector.MIP: 4, Sector.SAS: 8, Sector.SMIG: 4},
    ),
    "batiment": (
        "Atelier bâtiment et rénovation",
        "Association Bâtir Ensemble",
        "batiment-construction",
        Typology.QUALIFICATION,
        "2000.00",
        True,
        dt.date(2007, 1, 1),
        "Second œuvre et rénovation sur chantiers réels, en partenariat avec les entreprises de la branche.",
        {2011: (40, 0, 6), 2012: (25, 0, 14), 2014: (0, 12, 30), 2026: (0, 12, 30), 2027: (0, 12, 30)},
        {Sector.LACI: 20, Sector.MIP: 6, Sector.SAS: 10, Sector.SMIG: 6},
    ),
    "biopharma": (
        "Biopharma – opérateurs en industrie pharmaceutique",
        "CNIP – Centre neuchâtelois d'intégration professionnelle",
        "chimie-pharma",
        Typology.QUALIFICATION,
        "3200.00",
        True,
        dt.date(2016, 1, 1),
        "Formation couplée à un programme d'emploi temporaire et à un stage, à la demande des entreprises "
        "pharmaceutiques (New Deal pour l'emploi).",
        {2026: (0, 0, 12), 2027: (0, 0, 12)},
        {Sector.LACI: 5, Sector.SAS: 4, Sector.SMIG: 3},
    ),
    "agriv": (
        "AGRIV – intégration agricole des personnes réfugiées",
        "Evologia",
        "agriculture-horticulture",
        Typology.STABILISATION,
        "1500.00",
        True,
        dt.date(2017, 1, 1),
        "Intégration de personnes réfugiées et admises provisoirement dans le domaine agricole.",
        {2026: (0, 10, 0), 2027: (0, 10, 0)},
        {Sector.SMIG: 7, Sector.SAS: 3},
    ),
    "stepp": (
        "STEPP",
        "Fondation Job Service",
        "multibranche",
        Typology.ORIENTATION,
        "1700.00",
        True,
        dt.date(2015, 1, 1),
        "Pour les personnes en fin de droit ou sans droit aux indemnités de chômage, selon leur proximité "
        "du marché de l'emploi.",
        {2026: (0, 8, 8), 2027: (0, 8, 8)},
        {Sector.MIP: 10, Sector.SAS: 6},
    ),
    "drive": (
        "DRIVE",
        "Fondation Job Service",
        "multibranche",
        Typology.PLACEMENT,
        "1400.00",
        False,
        dt.date(2015, 1, 1),
        "Mesure du SEMP proche du marché de l'emploi : recherche d'emploi accompagnée.",
        {2026: (0, 0, 15), 2027: (0, 0, 15)},
        {Sector.LACI: 1},
    ),
    "jobpulse": (
        "JOBPULSE",
        "Fondation Job Service",
        "multibranche",
        Typology.PLACEMENT,
        "1200.00",
        False,
        dt.date(2015, 1, 1),
        "Mesure du SEMP : dynamique de recherche d'emploi en groupe.",
        {2026: (0, 0, 20), 2027: (0, 0, 20)},
        {Sector.LACI: 1},
    ),
    "pacte": (
        "PACTE – activation et coaching pour trouver un emploi",
        "Fondation Job Service",
        "multibranche",
        Typology.PLACEMENT,
        "1300.00",
        False,
        dt.date(2016, 1, 1),
        "Placement non rémunéré dans un programme, une institution, une administration ou une entreprise, "
        "couplé à de la formation et à un soutien accru à la recherche d'emploi.",
        {2026: (0, 0, 25), 2027: (0, 0, 25)},
        {Sector.LACI: 1},
    ),
    "tup": (
        "Travaux d'utilité publique (TUP)",
        "Office social de l'asile (OSAS)",
        "nettoyage-entretien",
        Typology.STABILISATION,
        "900.00",
        False,
        dt.date(2010, 1, 1),
        "Travaux d'utilité publique du SMIG, classés en catégorie socioprofessionnelle (débouchés professionnels).",
        {2026: (0, 30, 0), 2027: (0, 30, 0)},
        {Sector.SMIG: 1},
    ),
    "semestre-motivation": (
        "Semestre de motivation",
        "Association SeMo Neuchâtel",
        "multibranche",
        Typology.PREVENTIVE,
        "2600.00",
        False,
        dt.date(2005, 1, 1),
        "Pour les jeunes sans solution de formation ; offre ambulatoire plus légère pour les cas moins difficiles.",
        {2026: (0, 40, 0), 2027: (0, 40, 0)},
        {Sector.LACI: 1},
    ),
}

# (year, measure, lender, borrower, places, from, to, proposed by, answer: True agreed / False refused / None)
LOANS: list[tuple[int, str, str, str, int, dt.date, dt.date, str, bool | None]] = [
    (
        2026,
        "cuisine-evologia",
        Sector.SMIG,
        Sector.SAS,
        2,
        dt.date(2026, 3, 1),
        dt.date(2026, 6, 30),
        "coord.osas",
        True,
    ),
    (2026, "vente", Sector.LACI, Sector.SAS, 1, dt.date(2026, 9, 1), dt.date(2026, 12, 31), "coord.odas", False),
    (2027, "batiment", Sector.LACI, Sector.SMIG, 3, dt.date(2027, 1, 1), dt.date(2027, 6, 30), "coord.osas", None),
]


def split_places(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Share `total` places among the sectors by `weights` (largest remainder; the shares sum to `total`)."""
    weight_sum = sum(weights.values())
    exact = {sector: Decimal(total * weight) / weight_sum for sector, weight in weights.items()}
    shares = {sector: int(value) for sector, value in exact.items()}
    left = total - sum(shares.values())
    for sector in sorted(exact, key=lambda s: (-(exact[s] - shares[s]), list(weights).index(s)))[:left]:
        shares[sector] += 1
    return shares


def _delegate(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise RuntimeError(f"Demo account {username!r} is missing: load the demo canton's accounts first.")
    return user


def _load_providers(by: User, created: dict[str, int]) -> dict[str, Provider]:
    providers = {}
    for name, locality, contact, eso in PROVIDERS:
        provider = Provider.objects.filter(name=name).first()
        if provider is None:
            provider = provider_create(name=name, locality=locality, contact=contact, created_by=by)
            created["providers"] += 1
        if eso is not None and provider.eso_status == EsoStatus.NOT_ASSESSED:
            assessed_on, failing = eso
            for criterion in EsoCriterion:
                met = criterion.value not in failing
                eso_criterion_record(
                    provider=provider,
                    criterion=criterion,
                    met=met,
                    evidence="Vérifié sur place et sur pièces." if met else "Direction assurée par l'État.",
                    checked_on=assessed_on,
                    checked_by=by,
                )
            provider = provider_eso_assess(provider=provider, assessed_by=by, assessed_on=assessed_on).provider
        providers[name] = provider
    return providers


def _load_measures(by: User, providers: dict[str, Provider], created: dict[str, int]) -> dict[str, Measure]:
    branches = {branch.code: branch for branch in Branch.objects.all()}
    measures = {}
    for code, (name, provider, branch, typology, price, mixed, active_from, description, _y, _w) in MEASURES.items():
        measure = Measure.objects.filter(code=code).first()
        if measure is None:
            measure = measure_create(
                code=code,
                name=name,
                provider=providers[provider],
                branch=branches[branch],
                typology=typology,
                price_per_place_month=Decimal(price),
                active_from=active_from,
                is_mixed=mixed,
                description=description,
                created_by=by,
            )
            created["measures"] += 1
        measures[code] = measure
    return measures


def _load_capacities(by: User, measures: dict[str, Measure], created: dict[str, int]) -> None:
    existing = set(MeasureCapacity.objects.values_list("measure__code", "year", "place_kind"))
    for code, spec in MEASURES.items():
        for year, counts in spec[8].items():
            for kind, places in _places(*counts).items():
                # A kind with no place in any year of the measure is left out; the 0 of a transformed kind stays.
                if (code, year, kind) in existing or not any(_places(*other)[kind] for other in spec[8].values()):
                    continue
                measure_capacity_set(measure=measures[code], year=year, place_kind=kind, places=places, set_by=by)
                created["capacities"] += 1


def _close_past_years(created: dict[str, int]) -> None:
    for year in range(FIRST_BUDGET_YEAR, CLOSED_UNTIL + 1):
        closed_at = dt.datetime(year + 1, 1, 31, 17, 0, tzinfo=NEUCHATEL)
        budget_year, was_created = BudgetYear.objects.get_or_create(year=year, defaults={"closed_at": closed_at})
        created["budget_years"] += was_created
        if budget_year.closed_at is None:
            budget_year.closed_at = closed_at
            budget_year.save(update_fields=["closed_at"])


def _load_budgets(measures: dict[str, Measure], created: dict[str, int]) -> None:
    lmmt = _delegate("coord.lmmt")
    for year in CURRENT_YEARS:
        if not BudgetYear.objects.filter(year=year).exists():
            budget_year_open(year=year, opened_by=lmmt)
            created["budget_years"] += 1
    existing = set(SectorBudget.objects.values_list("year__year", "measure__code", "sector"))
    for code, spec in MEASURES.items():
        measure, weights = measures[code], spec[9]
        for year in CURRENT_YEARS:
            total = sum(spec[8].get(year, (0, 0, 0)))
            for sector, places in split_places(total, weights).items():
                if (year, code, sector) in existing or places == 0:
                    continue
                amount = (measure.price_per_place_month * places * 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if sector in RECORDED_BY_LMMT:
                    budget = SectorBudget(
                        year=BudgetYear.objects.get(year=year),
                        measure=measure,
                        sector=sector,
                        places=places,
                        amount=amount,
                        updated_by=lmmt,
                    )
                    budget.full_clean()
                    budget.save()
                else:
                    sector_budget_set(
                        year=year,
                        measure=measure,
                        sector=sector,
                        places=places,
                        amount=amount,
                        expected_version=0,
                        set_by=_delegate(DELEGATES[sector]),
                    )
                created["budgets"] += 1


def _load_loans(measures: dict[str, Measure], created: dict[str, int]) -> None:
    for year, code, lender, borrower, places, starts_on, ends_on, proposer, answer in LOANS:
        if PlaceLoan.objects.filter(
            year__year=year, measure__code=code, from_sector=lender, to_sector=borrower, starts_on=starts_on
        ).exists():
            continue
        loan = place_loan_propose(
            year=year,
            measure=measures[code],
            from_sector=lender,
            to_sector=borrower,
            places=places,
            starts_on=starts_on,
            ends_on=ends_on,
            proposed_by=_delegate(proposer),
        )
        if answer is not None:
            other = lender if DELEGATES[borrower] == proposer else borrower
            place_loan_answer(loan=loan, agree=answer, answered_by=_delegate(DELEGATES[other]))
        created["loans"] += 1


@transaction.atomic
def load_demo_measures() -> dict[str, int]:
    """Create or complete the demo canton's measures; return how many rows of each kind were created."""
    created = {
        "branches": 0,
        "providers": 0,
        "measures": 0,
        "capacities": 0,
        "budget_years": 0,
        "budgets": 0,
        "loans": 0,
    }
    created["branches"] = load_branches()
    lmmt = _delegate("coord.lmmt")
    providers = _load_providers(lmmt, created)
    measures = _load_measures(lmmt, providers, created)
    # Places first: a closed year's places no longer change.
    _load_capacities(lmmt, measures, created)
    _close_past_years(created)
    _load_budgets(measures, created)
    _load_loans(measures, created)
    return created
