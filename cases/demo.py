"""The demo canton's case files: ten named cases, then a few hundred realistic ones in bulk.

The ten named cases come first (browser tests rely on them): fictitious persons
with valid AVS numbers, signalled today by each service's caseworker through
`case_open`.

Then the bulk: about 630 case files from 2008 to today across the five services,
the three programmes, the four regions and every status, with French and Swiss
names (and the canton's migrant communities), valid AVS numbers (none for some
asylum seekers), hand-offs of the lead, network meetings, consents with a second
service, and the follow-up checks of positive exits. The CM FP programme
reproduces the figures of the programme documents: 383 files since 2009 (with
the two named CM FP cases), 127 ongoing, 256 ended = 157 solutions (28 CFC/AFP,
57 apprenticeships, 14 jobs, 58 adapted structures) + 99 out of criteria.

The bulk is written with `bulk_create` (a few dozen queries in all, well under a
minute on SQLite), with what `case_open` and the workflow would have written: the
lead participation, the status changes, the lead service's view and change grants
on `LEAD_SERVICE_BASIS`, and the triage priority. Dates set by `auto_now_add`
(signalement, participation, status change …) are put back to their historical
values by `bulk_update`. Deterministic (fixed seed); dates of the Réseau CII
cases count back from the day of loading, so that recent cases stay recent.

Idempotent: the named cases are skipped one by one when present, the bulk as a
whole when its first person is there.
"""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from stdnum import ean

from cases.models import (
    POSITIVE_OUTCOMES,
    CaseFile,
    CaseFileGroupObjectPermission,
    CaseReferenceCounter,
    CaseStatus,
    Consent,
    DataCategory,
    FollowUpCheck,
    GridDimension,
    GridVersion,
    LegalBasis,
    Meeting,
    Outcome,
    OutOfCriteriaReason,
    Participation,
    Person,
    Programme,
    Region,
    StatusChange,
)
from cases.reference_data import load_reference_data
from cases.selectors.revolving_door import SYSTEMS, RevolvingDoor, Stay, revolving_door_from_stays
from cases.services import case_open, person_create
from cases.services.case_files import LEAD_SERVICE_BASIS
from cases.services.follow_up import FOLLOW_UP_MONTHS, add_months
from cases.services.participations import consent_access_ends_at
from cases.services.priority import benefit_points, priority_key
from cii_platform.accounts.models import Role, User
from cii_platform.partners.models import PartnerService

# (first name, last name, birth date, sex, commune, region, lead service, programme, AC, AI, AS)
DEMO_PERSONS = [
    ("Marie", "Perret", dt.date(1978, 3, 14), "f", "Neuchâtel", Region.LITTORAL, "semp", "reseau-cii", 1, 0, 1),
    (
        "Jean-Daniel",
        "Jacot",
        dt.date(1969, 11, 2),
        "m",
        "La Chaux-de-Fonds",
        Region.MONTAGNES,
        "semp",
        "reseau-cii",
        1,
        1,
        0,
    ),
    ("Sandra", "Monnier", dt.date(1985, 6, 21), "f", "Boudry", Region.LITTORAL, "semp", "reseau-cii", 1, 0, 0),
    ("Patrick", "Vuille", dt.date(1974, 9, 9), "m", "Le Locle", Region.MONTAGNES, "oai", "reseau-cii", 0, 1, 1),
    (
        "Chantal",
        "Guye",
        dt.date(1981, 1, 30),
        "f",
        "Val-de-Travers",
        Region.VAL_DE_TRAVERS,
        "oai",
        "reseau-cii",
        0,
        1,
        0,
    ),
    ("Ahmed", "Benali", dt.date(1990, 4, 17), "m", "Neuchâtel", Region.LITTORAL, "saso", "reseau-cii", 0, 0, 1),
    ("Nathalie", "Robert", dt.date(1976, 12, 5), "f", "Cortaillod", Region.LITTORAL, "saso", "reseau-cii", 1, 0, 1),
    ("Kevin", "Matthey", dt.date(2003, 8, 11), "m", "Fleurier", Region.VAL_DE_TRAVERS, "saso", "cm-fp", 0, 0, 1),
    ("Tesfay", "Gebremariam", dt.date(1995, 2, 3), "m", "Neuchâtel", Region.LITTORAL, "smig", "reseau-cii", 0, 0, 1),
    ("Lea", "Huguenin", dt.date(2005, 5, 27), "f", "Cernier", Region.VAL_DE_RUZ, "sfpo", "cm-fp", 0, 0, 0),
]


def demo_avs(serial: int) -> str:
    digits = f"7569{serial:08d}"
    digits += ean.calc_check_digit(digits)
    return f"{digits[:3]}.{digits[3:7]}.{digits[7:11]}.{digits[11:]}"


def load_demo_cases() -> int:
    """Signal the demo cases that are not there yet; return how many were created."""
    created = _load_named_cases()
    created += _load_bulk_cases()
    return created


def _load_named_cases() -> int:
    """The ten named cases, through the services, each skipped when already there."""
    load_reference_data(Programme, LegalBasis, GridVersion, GridDimension)
    created = 0
    programmes = {programme.code: programme for programme in Programme.objects.all()}
    for serial, (first, last, born, sex, commune, region, service_code, programme_code, ac, ai, social) in enumerate(
        DEMO_PERSONS, start=1
    ):
        avs = demo_avs(20_000_000 + serial * 7919)
        if CaseFile.objects.filter(person__avs_number=avs).exists():
            continue
        service = PartnerService.objects.get(code=service_code)
        caseworker = User.objects.filter(service=service, roles__role=Role.CASEWORKER).order_by("id").first()
        person = Person.objects.filter(avs_number=avs).first() or person_create(
            first_name=first,
            last_name=last,
            birth_date=born,
            avs_number=avs,
            sex=sex,
            commune=commune,
            created_by=caseworker,
        )
        case_open(
            person=person,
            programme=programmes[programme_code],
            lead_service=service,
            opened_by=caseworker,
            region=region,
            signal_reason="Situation à coordonner entre plusieurs services (cas de démonstration).",
            receives_unemployment=bool(ac),
            receives_disability=bool(ai),
            receives_social_assistance=bool(social),
        )
        created += 1
    return created


# -- The bulk ------------------------------------------------------------------------

NEUCHATEL = ZoneInfo("Europe/Zurich")
BULK_SEED = 2009
BULK_AVS_BASE = 30_000_000  # bulk persons get demo_avs(BULK_AVS_BASE + n); the named ones stay below
CM_FP_UNTIL = dt.date(2013, 12, 20)  # the CM FP figures are those of the programme documents (2009–2013)

# CM FP, as in the documents: 383 files = 127 ongoing + 157 solutions + 99 out of criteria.
# The two named CM FP cases are ongoing, so the bulk adds 125 ongoing ones.
CM_FP_SOLUTIONS = {
    Outcome.DIPLOMA: 28,
    Outcome.APPRENTICESHIP: 57,
    Outcome.JOB: 14,
    Outcome.ADAPTED_STRUCTURE: 58,
}
CM_FP_OUT_OF_CRITERIA = {
    OutOfCriteriaReason.OVER_AGE: 24,
    OutOfCriteriaReason.NO_MULTIPLE_PROBLEMS: 31,
    OutOfCriteriaReason.ALREADY_FOLLOWED: 19,
    OutOfCriteriaReason.MOVED_AWAY: 12,
    OutOfCriteriaReason.PREGNANCY: 8,
    OutOfCriteriaReason.OTHER: 5,
}
CM_FP_ONGOING = {
    CaseStatus.REPORTED: 6,
    CaseStatus.ASSESSMENT: 14,
    CaseStatus.ACTION_PLAN: 60,
    CaseStatus.FOLLOW_UP: 45,
}
RESEAU_CASES = {"semp": 62, "oai": 50, "saso": 66, "smig": 44}
MAMAC_CASES = {"semp": 7, "oai": 6, "saso": 5}

# Outcome weights of the Réseau CII and MAMAC cases, per lead service.
OUTCOME_WEIGHTS = {
    "semp": {
        Outcome.JOB: 30,
        Outcome.SOCIAL_ENTERPRISE: 10,
        Outcome.LEFT_SOCIAL_ASSISTANCE: 5,
        Outcome.DISABILITY: 10,
        Outcome.ADAPTED_STRUCTURE: 5,
        Outcome.MOVED_AWAY: 8,
        Outcome.DROPPED_OUT: 12,
        Outcome.APPRENTICESHIP: 3,
        Outcome.OTHER: 5,
    },
    "oai": {
        Outcome.DISABILITY: 35,
        Outcome.JOB: 20,
        Outcome.ADAPTED_STRUCTURE: 20,
        Outcome.SOCIAL_ENTERPRISE: 10,
        Outcome.DROPPED_OUT: 8,
        Outcome.MOVED_AWAY: 4,
        Outcome.OTHER: 3,
    },
    "saso": {
        Outcome.LEFT_SOCIAL_ASSISTANCE: 25,
        Outcome.JOB: 15,
        Outcome.DISABILITY: 20,
        Outcome.SOCIAL_ENTERPRISE: 12,
        Outcome.ADAPTED_STRUCTURE: 8,
        Outcome.DROPPED_OUT: 12,
        Outcome.MOVED_AWAY: 5,
        Outcome.APPRENTICESHIP: 3,
    },
    "smig": {
        Outcome.JOB: 20,
        Outcome.APPRENTICESHIP: 10,
        Outcome.LEFT_SOCIAL_ASSISTANCE: 15,
        Outcome.SOCIAL_ENTERPRISE: 10,
        Outcome.DROPPED_OUT: 10,
        Outcome.MOVED_AWAY: 15,
        Outcome.DIPLOMA: 3,
        Outcome.OTHER: 5,
    },
}
RESEAU_REASONS = {
    OutOfCriteriaReason.NO_MULTIPLE_PROBLEMS: 50,
    OutOfCriteriaReason.ALREADY_FOLLOWED: 25,
    OutOfCriteriaReason.MOVED_AWAY: 12,
    OutOfCriteriaReason.OTHER: 13,
}
# Hand-offs of the lead: the "effet tourniquet" between the three systems.
HANDOFF_ROUTES = {
    "semp": [["saso", "semp"], ["oai", "semp"], ["saso", "oai", "semp"]],
    "oai": [["saso", "oai"], ["semp", "oai"], ["semp", "saso", "oai"]],
    "saso": [["semp", "saso"], ["oai", "saso"], ["semp", "oai", "saso"]],
    "smig": [["saso", "smig"]],
}
SHARING_PARTNERS = {"semp": ["oai", "saso"], "oai": ["saso", "semp"], "saso": ["oai", "semp"], "smig": ["saso", "semp"]}

COMMUNES = {
    Region.LITTORAL: [
        "Neuchâtel",
        "Boudry",
        "Cortaillod",
        "Milvignes",
        "Peseux",
        "La Tène",
        "Saint-Blaise",
        "Hauterive",
        "Le Landeron",
        "Bevaix",
        "Cornaux",
    ],
    Region.MONTAGNES: ["La Chaux-de-Fonds", "Le Locle", "Les Brenets", "La Sagne", "Les Ponts-de-Martel"],
    Region.VAL_DE_TRAVERS: ["Val-de-Travers", "La Côte-aux-Fées", "Les Verrières"],
    Region.VAL_DE_RUZ: ["Val-de-Ruz"],
}
STREETS = {
    Region.LITTORAL: ["rue des Parcs", "rue de la Côte", "avenue du Premier-Mars", "rue des Fahys", "rue du Seyon"],
    Region.MONTAGNES: ["rue du Doubs", "avenue Léopold-Robert", "rue de la Serre", "rue du Temple", "rue Numa-Droz"],
    Region.VAL_DE_TRAVERS: ["Grand-Rue", "rue de l'Industrie", "avenue de la Gare"],
    Region.VAL_DE_RUZ: ["rue de l'Epervier", "Grand'Rue", "chemin des Vergers"],
}

# (language, women's first names, men's first names, last names) by origin.
ORIGINS = {
    "romand": (
        "français",
        [
            "Marie",
            "Sophie",
            "Julie",
            "Laura",
            "Chloé",
            "Camille",
            "Léa",
            "Manon",
            "Sandrine",
            "Nathalie",
            "Isabelle",
            "Céline",
            "Valérie",
            "Aline",
            "Mélanie",
            "Océane",
            "Jessica",
            "Sarah",
        ],
        [
            "Jean",
            "Pierre",
            "Nicolas",
            "Julien",
            "Kevin",
            "Loïc",
            "Yann",
            "Thierry",
            "Christophe",
            "Steve",
            "Jonathan",
            "Cédric",
            "Damien",
            "Romain",
            "Florian",
            "Mathieu",
            "Patrick",
            "Sébastien",
        ],
        [
            "Aubert",
            "Barbezat",
            "Béguin",
            "Berthoud",
            "Bonjour",
            "Borel",
            "Calame",
            "Challandes",
            "Châtelain",
            "Clottu",
            "Cosandier",
            "Courvoisier",
            "Cuche",
            "Desaules",
            "Droz",
            "Dubied",
            "Dubois",
            "Ducommun",
            "Evard",
            "Favre",
            "Gaberel",
            "Girard",
            "Grandjean",
            "Guyot",
            "Humbert-Droz",
            "Jaquet",
            "Jeanneret",
            "L'Eplattenier",
            "Leuba",
            "Maire",
            "Matthey",
            "Montandon",
            "Nicolet",
            "Pellaton",
            "Perregaux",
            "Perrenoud",
            "Perrin",
            "Racine",
            "Rosselet",
            "Sandoz",
            "Schneider",
            "Soguel",
            "Steiner",
            "Tissot",
            "Vaucher",
            "Vuilleumier",
            "Wenger",
            "Zaugg",
        ],
    ),
    "portugais": (
        "portugais",
        ["Ana", "Sofia", "Inês", "Mariana", "Carla", "Patrícia", "Daniela"],
        ["João", "Tiago", "Rui", "Miguel", "Pedro", "Diogo", "Bruno"],
        ["Da Silva", "Ferreira", "Pereira", "Rodrigues", "Santos", "Fernandes", "Gomes", "Lopes", "Martins"],
    ),
    "italien": (
        "italien",
        ["Giulia", "Francesca", "Elena", "Chiara", "Sara"],
        ["Luca", "Marco", "Alessandro", "Davide", "Matteo"],
        ["Rossi", "Bianchi", "Russo", "Esposito", "Romano", "Colombo", "Ricci"],
    ),
    "albanais": (
        "albanais",
        ["Arta", "Blerina", "Drita", "Fjolla", "Vjosa"],
        ["Arben", "Besart", "Driton", "Fatmir", "Valon", "Ilir"],
        ["Gashi", "Krasniqi", "Berisha", "Morina", "Hoxha", "Shala"],
    ),
    "turc": (
        "turc",
        ["Aylin", "Elif", "Zeynep", "Derya"],
        ["Emre", "Murat", "Kerem", "Serkan"],
        ["Yilmaz", "Kaya", "Demir", "Şahin", "Çelik"],
    ),
    "tigrinya": (
        "tigrinya",
        ["Helen", "Selam", "Senait", "Mebrat", "Yordanos"],
        ["Tesfay", "Yonas", "Dawit", "Filmon", "Samuel", "Berhane"],
        ["Haile", "Gebremedhin", "Tesfamariam", "Abraha", "Kidane", "Weldu", "Tekle"],
    ),
    "dari": (
        "dari",
        ["Mariam", "Zahra", "Fatima", "Laila"],
        ["Ahmad", "Mohammad", "Ali", "Reza", "Hamid", "Jawad"],
        ["Ahmadi", "Hosseini", "Rahimi", "Mohammadi", "Sultani", "Karimi"],
    ),
    "arabe": (
        "arabe",
        ["Amira", "Nour", "Rania", "Yasmine", "Salma"],
        ["Omar", "Karim", "Youssef", "Mehdi", "Hassan", "Samir"],
        ["Benali", "Mansouri", "Ben Salah", "Khalil", "Al-Hassan", "Haddad", "Bouzid"],
    ),
    "espagnol": (
        "espagnol",
        ["Lucía", "Carmen", "María", "Paula"],
        ["Javier", "Carlos", "Alejandro", "Sergio"],
        ["García", "Fernández", "Martínez", "López", "Sánchez"],
    ),
}
# Where the persons come from, by lead service (weights); the CM FP youth are mostly local.
ORIGIN_WEIGHTS = {
    "default": {"romand": 62, "portugais": 12, "italien": 8, "albanais": 7, "turc": 4, "arabe": 4, "espagnol": 3},
    "smig": {"tigrinya": 35, "dari": 30, "arabe": 20, "albanais": 10, "turc": 5},
}

SIGNAL_REASONS = {
    "cm-fp": [
        "Rupture d'apprentissage, sans solution depuis la fin de la scolarité obligatoire.",
        "Jeune sans formation après la scolarité obligatoire, difficultés familiales et premières dettes.",
        "Abandon du semestre de motivation ; soutien de l'aide sociale depuis six mois.",
        "Échecs répétés dans la recherche d'une place d'apprentissage, difficultés scolaires et de santé.",
        "Sortie de l'école de culture générale sans certificat, situation familiale difficile.",
    ],
    "semp": [
        "Fin de droit aux indemnités de chômage dans trois mois ; problèmes de santé signalés par la personne.",
        "Chômage de longue durée, plusieurs mesures du marché du travail sans effet, dettes importantes.",
        "Atteinte à la santé qui limite les postes possibles ; une demande AI est à examiner.",
        "Assuré en fin de droit qui devra s'adresser à l'aide sociale, sans formation achevée.",
    ],
    "oai": [
        "Demande AI en cours ; réadaptation à coordonner avec l'aide sociale.",
        "Capacité de travail partielle selon avis médical, l'ancien employeur ne peut pas reprendre la personne.",
        "Mesures de réinsertion AI terminées, pas de solution sur le marché du travail ; chômage en vue.",
        "Rente refusée, la personne dépend de l'aide sociale et reste atteinte dans sa santé.",
    ],
    "saso": [
        "Bénéficiaire de l'aide sociale avec une atteinte à la santé : examen d'une demande AI.",
        "Jeune adulte à l'aide sociale sans formation achevée, motivé pour une mesure.",
        "Aide sociale depuis deux ans après une fin de droit au chômage, isolement et dettes.",
        "Famille monoparentale à l'aide sociale, reprise d'une activité à temps partiel à organiser.",
    ],
    "smig": [
        "Admise provisoire, français débutant, recherche d'un programme d'occupation.",
        "Réfugié reconnu, formation non reconnue en Suisse, aide sociale.",
        "Permis F depuis quatre ans, souhaite une formation ; problèmes de santé à clarifier.",
        "Réfugiée, cours de français terminés, projet professionnel dans les soins.",
    ],
}
MEETING_PLACES = {
    "semp": ["ORP Littoral, Neuchâtel", "ORP Montagnes, La Chaux-de-Fonds"],
    "oai": ["OAI-NE, La Chaux-de-Fonds"],
    "saso": ["SSR Littoral Ouest, Boudry", "SSR Val-de-Travers, Fleurier", "SSR de La Chaux-de-Fonds"],
    "smig": ["OSAS, Neuchâtel"],
    "sfpo": ["OFIJ, Neuchâtel", "OFIJ, La Chaux-de-Fonds"],
}
MEETING_DECISIONS = [
    "Évaluation commune sur la grille ; bilan médical demandé au médecin traitant ; prochaine séance "
    "dans six semaines.",
    "Plan d'action validé : stage d'observation de trois semaines, désendettement avec Caritas.",
    "Le service pilote reste l'ORP jusqu'à la fin de droit ; l'aide sociale prépare la suite.",
    "Orientation vers une mesure d'insertion mixte (place socioprofessionnelle) ; suivi mensuel.",
    "Recherche d'une place d'apprentissage AFP avec coaching ; soutien pour le logement.",
]
PURPOSES = [
    "Coordonner l'évaluation de la situation et le plan d'action entre les services.",
    "Clarifier la capacité de travail et choisir ensemble une mesure d'insertion adaptée.",
]
CONSENT_CATEGORIES = [DataCategory.IDENTITY, DataCategory.SITUATION, DataCategory.BENEFITS, DataCategory.TRAINING]


@dataclass
class _PersonPlan:
    first_name: str
    last_name: str
    birth_date: dt.date
    sex: str
    language: str
    commune: str
    address: str
    phone: str
    has_avs: bool


@dataclass
class _CasePlan:
    """One bulk case as it will be written, with its history."""

    programme: str
    leads: list[tuple[str, dt.datetime]]  # (service, since): the first signalled it, the last leads now
    region: str
    opened: dt.datetime
    person: _PersonPlan
    steps: list[tuple[str, dt.datetime]]  # the workflow after "signalé", in order
    signal_reason: str
    benefits: tuple[bool, bool, bool]  # AC, AI, AS
    outcome: str = ""
    outcome_date: dt.date | None = None
    reason: str = ""
    meetings: list[dt.date] = field(default_factory=list)
    partner: str = ""  # a second service taking part on the person's consent
    consent_signed: dt.date | None = None
    answers: dict[int, tuple[dt.date, bool] | None] = field(default_factory=dict)  # follow-up: months → answer

    @property
    def service(self) -> str:
        return self.leads[-1][0]

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else CaseStatus.REPORTED

    @property
    def ended_at(self) -> dt.datetime | None:
        return self.steps[-1][1] if self.status in (CaseStatus.CLOSED, CaseStatus.OUT_OF_CRITERIA) else None


class _Planner:
    """Draws the bulk cases from a seeded generator (the same canton at every load)."""

    def __init__(self, today: dt.date) -> None:
        self.rng = random.Random(BULK_SEED)  # noqa: S311  (fictitious demo data, not security)
        self.today = today
        self.now = timezone.now()

    # Drawing helpers.
    def weighted(self, weights: dict[str, int] | dict[Outcome, int] | dict[OutOfCriteriaReason, int]) -> str:
        choices = list(weights)
        return str(self.rng.choices(choices, weights=[weights[c] for c in choices])[0])  # type: ignore[index]

    def moment(self, day: dt.date) -> dt.datetime:
        """A working-hours moment of `day` in Neuchâtel."""
        return dt.datetime.combine(
            day, dt.time(self.rng.randint(8, 16), self.rng.choice((0, 10, 15, 20, 30, 40, 45, 50))), tzinfo=NEUCHATEL
        )

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def region(self) -> str:
        return self.weighted(
            {Region.LITTORAL: 45, Region.MONTAGNES: 33, Region.VAL_DE_TRAVERS: 11, Region.VAL_DE_RUZ: 11}
        )

    def person(self, *, service: str, region: str, opened: dt.date, age: tuple[int, int]) -> _PersonPlan:
        origin = self.weighted(ORIGIN_WEIGHTS["smig" if service == "smig" else "default"])
        language, women, men, last_names = ORIGINS[origin]
        sex = "f" if self.rng.random() < 0.46 else "m"
        years = self.rng.randint(*age)
        born = opened - dt.timedelta(days=365 * years + self.rng.randint(0, 364))
        commune = self.rng.choice(COMMUNES[Region(region)])
        return _PersonPlan(
            first_name=self.rng.choice(women if sex == "f" else men),
            last_name=self.rng.choice(last_names),
            birth_date=born,
            sex=sex,
            language=language,
            commune=commune,
            address=f"{self.rng.choice(STREETS[Region(region)])} {self.rng.randint(1, 120)}",
            phone=f"07{self.rng.choice('6789')} {self.rng.randint(100, 999)} {self.rng.randint(10, 99)} "
            f"{self.rng.randint(10, 99)}"
            if self.rng.random() < 0.7
            else "",
            # Asylum seekers (permit N) often have no AVS number yet.
            has_avs=not (service == "smig" and self.rng.random() < 0.3),
        )

    def workflow(self, *, status: str, opened: dt.datetime, end: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """The steps after "signalé" that lead to `status`, spread between `opened` and `end`."""
        if status == CaseStatus.REPORTED:
            return []
        if status == CaseStatus.OUT_OF_CRITERIA:
            path = [CaseStatus.OUT_OF_CRITERIA] if self.rng.random() < 0.6 else [CaseStatus.ASSESSMENT, status]
        else:
            order = [CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN, CaseStatus.FOLLOW_UP]
            if status == CaseStatus.CLOSED:
                path = [*order[: 3 if self.rng.random() < 0.6 else 2], CaseStatus.CLOSED]
            else:
                path = order[: order.index(CaseStatus(status)) + 1]
        span = max((end - opened).total_seconds(), 3600.0 * len(path))
        # The first steps come early (an evaluation starts within weeks), the last one at `end`.
        fractions = sorted(self.rng.uniform(0.02, 0.35) for _ in path[:-1])
        times = [opened + dt.timedelta(seconds=span * f) for f in fractions]
        last = (
            end
            if status in (CaseStatus.CLOSED, CaseStatus.OUT_OF_CRITERIA)
            else opened + dt.timedelta(seconds=span * self.rng.uniform(0.4, 0.9))
        )
        return list(zip(path, [*times, last], strict=True))

    def meetings(self, plan: _CasePlan, end: dt.date, *, chance: float) -> list[dt.date]:
        """Network meetings after the evaluation started, for most accepted cases."""
        started = next((when.date() for status, when in plan.steps if status == CaseStatus.ASSESSMENT), None)
        if started is None or self.rng.random() > chance:
            return []
        first = min(started + dt.timedelta(days=self.rng.randint(3, 45)), end)
        meetings = [first]
        if self.rng.random() < 0.4 and (end - first).days > 30:
            meetings.append(self.day_between(first + dt.timedelta(days=21), end))
        return meetings

    def answers(self, plan: _CasePlan) -> dict[int, tuple[dt.date, bool] | None]:
        """The follow-up checks of a positive exit: answered when due more than three weeks ago."""
        answers: dict[int, tuple[dt.date, bool] | None] = {}
        if plan.outcome_date is None:
            return answers
        still = True
        for months, keeps in zip(FOLLOW_UP_MONTHS, (0.88, 0.9, 0.92), strict=True):
            due = add_months(plan.outcome_date, months)
            if (self.today - due).days <= 21:
                answers[months] = None
                continue
            still = still and self.rng.random() < keeps
            answers[months] = (due + dt.timedelta(days=self.rng.randint(0, 20)), still)
        return answers

    def benefits(self, service: str) -> tuple[bool, bool, bool]:
        r = self.rng.random
        if service == "semp":
            return True, r() < 0.3, r() < 0.6
        if service == "oai":
            return r() < 0.25, True, r() < 0.5
        if service == "saso":
            return r() < 0.35, r() < 0.4, True
        if service == "smig":
            return r() < 0.1, False, r() < 0.9
        return False, r() < 0.05, r() < 0.35  # CM FP youth: some families at the social assistance

    # The programmes.
    def cm_fp(self) -> list[_CasePlan]:
        plans = []
        kinds: list[tuple[str, str]] = [
            *((CaseStatus.CLOSED, outcome) for outcome, n in CM_FP_SOLUTIONS.items() for _ in range(n)),
            *((CaseStatus.OUT_OF_CRITERIA, reason) for reason, n in CM_FP_OUT_OF_CRITERIA.items() for _ in range(n)),
            *((status, "") for status, n in CM_FP_ONGOING.items() for _ in range(n)),
        ]
        for status, detail in kinds:
            if status == CaseStatus.CLOSED:
                # A CFC or an AFP takes two to four years; other solutions come sooner.
                if detail == Outcome.DIPLOMA:
                    opened_day = self.day_between(dt.date(2009, 1, 5), dt.date(2010, 12, 15))
                    days = self.rng.randint(700, 1400)
                else:
                    opened_day = self.day_between(dt.date(2009, 1, 5), dt.date(2012, 12, 15))
                    days = self.rng.randint(60, 600)
                end_day = min(
                    opened_day + dt.timedelta(days=days), CM_FP_UNTIL - dt.timedelta(days=self.rng.randint(0, 60))
                )
            elif status == CaseStatus.OUT_OF_CRITERIA:
                opened_day = self.day_between(dt.date(2009, 1, 5), dt.date(2013, 10, 31))
                end_day = opened_day + dt.timedelta(days=self.rng.randint(10, 80))
            else:
                opened_day = self.day_between(dt.date(2011, 1, 10), dt.date(2013, 12, 13))
                end_day = min(opened_day + dt.timedelta(days=self.rng.randint(60, 500)), CM_FP_UNTIL)
            opened = self.moment(opened_day)
            end = max(self.moment(end_day), opened + dt.timedelta(days=7))
            region = self.region()
            over_age = status == CaseStatus.OUT_OF_CRITERIA and detail == OutOfCriteriaReason.OVER_AGE
            leads = [("sfpo", opened)]
            if self.rng.random() < 0.05:  # signalled by a social service or an ORP, then handed to the OFIJ
                leads = [
                    (self.rng.choice(("saso", "semp")), opened),
                    ("sfpo", opened + dt.timedelta(days=self.rng.randint(10, 40))),
                ]
            plan = _CasePlan(
                programme="cm-fp",
                leads=leads,
                region=region,
                opened=opened,
                person=self.person(
                    service="sfpo", region=region, opened=opened_day, age=(30, 33) if over_age else (16, 27)
                ),
                steps=self.workflow(status=status, opened=opened, end=end),
                signal_reason=self.rng.choice(SIGNAL_REASONS["cm-fp"]),
                benefits=self.benefits("sfpo"),
            )
            if leads[-1][1] >= (plan.ended_at or end):  # a hand-off only happens while the case is open
                plan.leads = leads[-1:]
                plan.leads[0] = ("sfpo", opened)
            self.finish(plan, status=status, detail=detail, meeting_chance=0.6)
            plans.append(plan)
        return plans

    def reseau(self, programme: str, counts: dict[str, int], first: dt.date, last: dt.date) -> list[_CasePlan]:
        plans = []
        span = (last - first).days
        for service, count in counts.items():
            for _ in range(count):
                # More recent cases than old ones: the network grows, and old cases are closed.
                opened_day = last - dt.timedelta(days=int(self.rng.betavariate(1.0, 1.7) * span))
                opened = self.moment(opened_day)
                age = (self.today - opened_day).days
                status, detail = self.reseau_status(service, age) if programme != "mamac" else self.ended(service)
                if status in (CaseStatus.CLOSED, CaseStatus.OUT_OF_CRITERIA):
                    days = self.rng.randint(120, 900) if status == CaseStatus.CLOSED else self.rng.randint(14, 90)
                    end_day = min(opened_day + dt.timedelta(days=days), self.today - dt.timedelta(days=1))
                else:
                    end_day = self.today
                end = min(max(self.moment(end_day), opened + dt.timedelta(hours=2)), self.now)
                region = Region.LITTORAL if service == "smig" and self.rng.random() < 0.6 else self.region()
                leads = [(service, opened)]
                if self.rng.random() < 0.14 and (end - opened).days > 60:
                    route = self.rng.choice(HANDOFF_ROUTES[service])
                    moments = sorted(
                        opened + dt.timedelta(days=self.rng.randint(20, (end - opened).days - 10)) for _ in route[1:]
                    )
                    leads = [(route[0], opened), *zip(route[1:], moments, strict=True)]
                plan = _CasePlan(
                    programme=programme,
                    leads=leads,
                    region=region,
                    opened=opened,
                    person=self.person(service=service, region=region, opened=opened_day, age=(20, 61)),
                    steps=self.workflow(status=status, opened=opened, end=end),
                    signal_reason=self.rng.choice(SIGNAL_REASONS[leads[0][0]]),
                    benefits=self.benefits(service),
                )
                self.finish(plan, status=status, detail=detail, meeting_chance=0.75)
                if (
                    programme == "reseau-cii"
                    and plan.status in (CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN, CaseStatus.FOLLOW_UP)
                    and age < 900
                    and self.rng.random() < 0.6
                ):
                    plan.partner = self.rng.choice(SHARING_PARTNERS[service])
                    plan.consent_signed = min(
                        plan.steps[0][1].date() + dt.timedelta(days=self.rng.randint(0, 10)), self.today
                    )
                plans.append(plan)
        return plans

    def reseau_status(self, service: str, age: int) -> tuple[str, str]:
        if age < 60:
            status = self.weighted({CaseStatus.REPORTED: 40, CaseStatus.ASSESSMENT: 45, CaseStatus.ACTION_PLAN: 15})
        elif age < 365:
            status = self.weighted(
                {
                    CaseStatus.ASSESSMENT: 10,
                    CaseStatus.ACTION_PLAN: 40,
                    CaseStatus.FOLLOW_UP: 25,
                    CaseStatus.CLOSED: 15,
                    CaseStatus.OUT_OF_CRITERIA: 10,
                }
            )
        else:
            status = self.weighted(
                {
                    CaseStatus.ACTION_PLAN: 6,
                    CaseStatus.FOLLOW_UP: 6,
                    CaseStatus.CLOSED: 70,
                    CaseStatus.OUT_OF_CRITERIA: 18,
                }
            )
        if status == CaseStatus.CLOSED:
            return status, self.weighted(OUTCOME_WEIGHTS[service])
        if status == CaseStatus.OUT_OF_CRITERIA:
            return status, self.weighted(RESEAU_REASONS)
        return status, ""

    def ended(self, service: str) -> tuple[str, str]:
        if self.rng.random() < 0.8:
            return CaseStatus.CLOSED, self.weighted(OUTCOME_WEIGHTS[service])
        return CaseStatus.OUT_OF_CRITERIA, self.weighted(RESEAU_REASONS)

    def finish(self, plan: _CasePlan, *, status: str, detail: str, meeting_chance: float) -> None:
        """The outcome or reason, the meetings and the follow-up answers of `plan`."""
        ended = plan.ended_at
        if status == CaseStatus.CLOSED:
            plan.outcome = detail
            plan.outcome_date = (ended or self.now).astimezone(NEUCHATEL).date() - dt.timedelta(
                days=self.rng.randint(0, 10)
            )
            if plan.outcome in POSITIVE_OUTCOMES:
                plan.answers = self.answers(plan)
        elif status == CaseStatus.OUT_OF_CRITERIA:
            plan.reason = detail
        plan.meetings = self.meetings(plan, (ended or self.now).astimezone(NEUCHATEL).date(), chance=meeting_chance)


def bulk_plans(today: dt.date) -> list[_CasePlan]:
    """Every bulk case, oldest signalement first (references follow the order of signalement)."""
    planner = _Planner(today)
    plans = [
        *planner.cm_fp(),
        *planner.reseau("reseau-cii", RESEAU_CASES, dt.date(2013, 6, 3), today - dt.timedelta(days=1)),
        *planner.reseau("mamac", MAMAC_CASES, dt.date(2008, 3, 3), dt.date(2010, 6, 30)),
    ]
    plans.sort(key=lambda plan: plan.opened)
    # The newest case of each lead service is not shared: it stays a plain example of another
    # service's case, which a caseworker of any other service cannot open.
    newest: dict[str, _CasePlan] = {}
    for plan in plans:
        newest[plan.service] = plan
    for plan in newest.values():
        plan.partner, plan.consent_signed = "", None
    return plans


def _revolving_door(plan: _CasePlan, now: dt.datetime) -> RevolvingDoor:
    """The person's revolving-door index as `case_priority_refresh` reads it (one case per bulk person)."""
    stays = [
        Stay(
            system=code,
            case_id=0,
            started_on=timezone.localtime(since).date(),
            ended_on=timezone.localtime(plan.leads[position + 1][1]).date() if position + 1 < len(plan.leads) else None,
        )
        for position, (code, since) in enumerate(plan.leads)
        if code in SYSTEMS
    ]
    return revolving_door_from_stays(stays=stays, today=timezone.localtime(now).date())


@transaction.atomic
def _load_bulk_cases() -> int:
    """Write the bulk cases unless they are there already; return how many were created."""
    first_avs = demo_avs(BULK_AVS_BASE)
    if Person.objects.filter(avs_number=first_avs).exists():
        return 0
    services = {service.code: service for service in PartnerService.objects.all()}
    if not {"semp", "oai", "saso", "smig", "sfpo"} <= services.keys():
        return 0  # the partner services come first (cii_platform.core.demo.load_partner_services)
    caseworkers: dict[str, User | None] = {
        code: User.objects.filter(service=service, roles__role=Role.CASEWORKER).order_by("id").first()
        for code, service in services.items()
    }
    programmes = {programme.code: programme for programme in Programme.objects.all()}
    now = timezone.now()
    plans = bulk_plans(timezone.localdate())

    persons = [
        Person(
            first_name=plan.person.first_name,
            last_name=plan.person.last_name,
            birth_date=plan.person.birth_date,
            sex=plan.person.sex,
            language=plan.person.language,
            commune=plan.person.commune,
            address=plan.person.address,
            phone=plan.person.phone,
            avs_number=demo_avs(BULK_AVS_BASE + index) if plan.person.has_avs or index == 0 else None,
            created_by=caseworkers[plan.leads[0][0]],
        )
        for index, plan in enumerate(plans)
    ]
    Person.objects.bulk_create(persons)
    for person, plan in zip(persons, plans, strict=True):
        person.created_at = plan.opened
    Person.objects.bulk_update(persons, ["created_at"], batch_size=100)

    cases = [
        _case(plan, person, reference, services, programmes, caseworkers, now)
        for plan, person, reference in zip(plans, persons, _references(plans), strict=True)
    ]
    CaseFile.objects.bulk_create(cases)
    for case, plan in zip(cases, plans, strict=True):
        case.opened_at, case.updated_at = plan.opened, plan.steps[-1][1] if plan.steps else plan.opened
    CaseFile.objects.bulk_update(cases, ["opened_at", "updated_at"], batch_size=100)

    _write_history(plans, cases, services, caseworkers)
    return len(cases)


def _references(plans: list[_CasePlan]) -> list[str]:
    """CII-<year of signalement>-<number>, numbered after what the year's counter handed out already."""
    by_year: dict[int, int] = defaultdict(int)
    references = []
    counters = {counter.year: counter for counter in CaseReferenceCounter.objects.select_for_update()}
    for plan in plans:
        year = plan.opened.astimezone(NEUCHATEL).year
        if year not in counters:
            counters[year] = CaseReferenceCounter.objects.create(year=year, last_number=0)
        by_year[year] += 1
        references.append(f"CII-{year}-{counters[year].last_number + by_year[year]:05d}")
    for year, used in by_year.items():
        counters[year].last_number += used
    CaseReferenceCounter.objects.bulk_update([counters[year] for year in by_year], ["last_number"])
    return references


def _case(
    plan: _CasePlan,
    person: Person,
    reference: str,
    services: dict[str, PartnerService],
    programmes: dict[str, Programme],
    caseworkers: dict[str, User | None],
    now: dt.datetime,
) -> CaseFile:
    ac, ai, social = plan.benefits
    case = CaseFile(
        reference=reference,
        person=person,
        programme=programmes[plan.programme],
        lead_service=services[plan.service],
        case_manager=caseworkers[plan.service],
        region=plan.region,
        status=plan.status,
        receives_unemployment=ac,
        receives_disability=ai,
        receives_social_assistance=social,
        signal_reason=plan.signal_reason,
        out_of_criteria_reason=plan.reason,
        outcome=plan.outcome,
        outcome_date=plan.outcome_date,
        opened_by=caseworkers[plan.leads[0][0]],
        closed_at=plan.ended_at,
        version=1 + len(plan.steps),
    )
    # The triage priority as case_priority_refresh computes it (no assessment in the bulk).
    door = _revolving_door(plan, now)
    case.priority_transfers, case.revolving_door = door.hops_last_12_months, door.flagged
    case.priority_points = benefit_points(case) + 2 * door.hops_last_12_months
    case.priority_key = priority_key(case.priority_points, plan.opened)
    return case


def _write_history(
    plans: list[_CasePlan],
    cases: list[CaseFile],
    services: dict[str, PartnerService],
    caseworkers: dict[str, User | None],
) -> None:
    """Participations, status changes, grants, meetings, consents and follow-up checks of the bulk cases."""
    view = Permission.objects.get(content_type__app_label="cases", codename="view_casefile")
    change = Permission.objects.get(content_type__app_label="cases", codename="change_casefile")
    consent_basis = LegalBasis.objects.filter(is_consent=True, active=True).order_by("id").first()
    rng = random.Random(BULK_SEED + 1)  # noqa: S311  (fictitious demo data, not security)

    participations: list[tuple[Participation, dt.datetime]] = []
    changes: list[tuple[StatusChange, dt.datetime]] = []
    grants: list[tuple[CaseFileGroupObjectPermission, dt.datetime]] = []
    meetings: list[tuple[Meeting, dt.datetime, str]] = []
    checks: list[FollowUpCheck] = []
    consents: list[tuple[Consent, _CasePlan, CaseFile]] = []
    for plan, case in zip(plans, cases, strict=True):
        for position, (code, since) in enumerate(plan.leads):
            until = plan.leads[position + 1][1] if position + 1 < len(plan.leads) else None
            participations.append(
                (
                    Participation(
                        case=case,
                        service=services[code],
                        role=Participation.Role.LEAD,
                        caseworker=caseworkers[code],
                        ended_at=until,
                    ),
                    since,
                )
            )
        previous = ""
        for status, when in [(CaseStatus.REPORTED.value, plan.opened), *plan.steps]:
            owner = caseworkers[_lead_at(plan, when)]
            changes.append((StatusChange(case=case, from_status=previous, to_status=status, changed_by=owner), when))
            previous = status
        lead_since = plan.leads[-1][1]
        for permission in (view, change):
            grants.append(
                (
                    CaseFileGroupObjectPermission(
                        group_id=services[plan.service].permission_group_id,
                        permission=permission,
                        content_object=case,
                        legal_basis=LEAD_SERVICE_BASIS,
                    ),
                    lead_since,
                )
            )
        recorder = caseworkers[plan.service]
        if recorder is not None:
            for held_on in plan.meetings:
                place = rng.choice(MEETING_PLACES[_lead_at(plan, _noon(held_on))])
                meeting = Meeting(
                    case=case,
                    held_on=held_on,
                    place=place,
                    decisions=rng.choice(MEETING_DECISIONS),
                    other_participants=rng.choice(("", "La personne", "La personne et son médecin traitant")),
                    recorded_by=recorder,
                )
                meetings.append((meeting, _noon(held_on), _lead_at(plan, _noon(held_on))))
            if plan.partner and plan.consent_signed and consent_basis is not None:
                consents.append(
                    (
                        Consent(
                            person=case.person,
                            data_categories=[str(category) for category in CONSENT_CATEGORIES],
                            purpose=rng.choice(PURPOSES),
                            signed_on=plan.consent_signed,
                            valid_until=plan.consent_signed + dt.timedelta(days=730),
                            recorded_by=recorder,
                        ),
                        plan,
                        case,
                    )
                )
        for months, answer in plan.answers.items() if plan.outcome_date else ():
            checks.append(
                FollowUpCheck(
                    case=case,
                    months_after=months,
                    due_on=add_months(plan.outcome_date, months),
                    checked_on=answer[0] if answer else None,
                    still_integrated=answer[1] if answer else None,
                    checked_by=caseworkers[plan.service] if answer else None,
                    note="" if answer is None or answer[1] else "Ne travaille plus ; proposé de reprendre contact.",
                )
            )

    _bulk_with_dates(Participation, participations, "started_at")
    _bulk_with_dates(StatusChange, changes, "changed_at")
    _bulk_with_dates(CaseFileGroupObjectPermission, grants, "granted_at")
    _bulk_with_dates(Meeting, [(meeting, when) for meeting, when, _code in meetings], "recorded_at")
    Meeting.services.through.objects.bulk_create(
        Meeting.services.through(meeting_id=meeting.pk, partnerservice_id=services[code].pk)
        for meeting, _when, code in meetings
    )
    FollowUpCheck.objects.bulk_create(checks)
    if consents and consent_basis is not None:
        _write_consents(consents, consent_basis, services, caseworkers, view)


def _write_consents(
    consents: list[tuple[Consent, _CasePlan, CaseFile]],
    basis: LegalBasis,
    services: dict[str, PartnerService],
    caseworkers: dict[str, User | None],
    view: Permission,
) -> None:
    """The person's consent, the second service's participation on it, and its view grant until the consent ends."""
    _bulk_with_dates(
        Consent, [(consent, _noon(consent.signed_on)) for consent, _plan, _case in consents], "recorded_at"
    )
    Consent.services.through.objects.bulk_create(
        Consent.services.through(consent_id=consent.pk, partnerservice_id=services[code].pk)
        for consent, plan, _case in consents
        for code in (plan.service, plan.partner)
    )
    participations = []
    grants = []
    for consent, plan, case in consents:
        since = _noon(consent.signed_on)
        participations.append(
            (
                Participation(
                    case=case,
                    service=services[plan.partner],
                    role=Participation.Role.PARTICIPANT,
                    caseworker=caseworkers[plan.partner],
                    legal_basis=basis,
                    consent=consent,
                ),
                since,
            )
        )
        grants.append(
            (
                CaseFileGroupObjectPermission(
                    group_id=services[plan.partner].permission_group_id,
                    permission=view,
                    content_object=case,
                    legal_basis=basis.label,
                    expires_at=consent_access_ends_at(consent.valid_until),
                ),
                since,
            )
        )
    _bulk_with_dates(Participation, participations, "started_at")
    _bulk_with_dates(CaseFileGroupObjectPermission, grants, "granted_at")


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=NEUCHATEL)


def _lead_at(plan: _CasePlan, when: dt.datetime) -> str:
    """The service leading `plan` at `when`."""
    current = plan.leads[0][0]
    for code, since in plan.leads:
        if since <= when:
            current = code
    return current


def _bulk_with_dates(model: type, rows: list, date_field: str) -> None:  # type: ignore[type-arg]
    """Create `rows` (object, date) in bulk, then put back the dates `auto_now_add` replaced with now."""
    objects = [obj for obj, _when in rows]
    model.objects.bulk_create(objects, batch_size=500)
    for obj, when in rows:
        setattr(obj, date_field, when)
    model.objects.bulk_update(objects, [date_field], batch_size=100)
