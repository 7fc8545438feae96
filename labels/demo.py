"""The demo canton's Label Intégration: partner companies, internships of 2019–2021, two editions.

Reproduces the figures of the documents (000, "Label Intégration CNIP-OAI 2020"):

* 2020: 24 companies hosted interns (13 NE, 7 VD, 2 BE, 2 FR), 2943 internship days, 24 interns
  finished their internship in the year and 10 of them held a job on its last day: 41.67 %;
* 2019: 3020 internship days, 16 interns finished, 9 employed on the last day: 56.25 %.

The 2019 edition is published (computed, approved by its three jury members); the 2020 edition is
a draft whose jury has marked the companies, so that CNIP staff can compute its ranking, submit it,
and the jury can approve it (the journey of issue 5). Internship days are weekdays (see
`labels.selectors.figures`); the generator places internships across the turn of the years and
then sets the length of one internship per year so that the totals are exact.

Needs the demo accounts (`cnip.collaboratrice`, `jury.oai`, `jury.conseil`, `jury.cnci`).
Idempotent: run again, it creates nothing that is already there.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import transaction
from stdnum.ch import uid

from cii_platform.accounts.models import User
from labels.models import Edition, Internship, JurySeat, PartnerCompany, TrainingProgramme
from labels.selectors.figures import edition_figures
from labels.services.companies import company_create
from labels.services.editions import edition_compute_ranking, edition_create, edition_publish, edition_submit_to_jury
from labels.services.internships import internship_create, programme_create
from labels.services.jury import jury_approve, jury_member_set, jury_score_set, recusal_record

STAFF = "cnip.collaboratrice"
JURY = {JurySeat.OAI_NE: "jury.oai", JurySeat.CNIP_COUNCIL: "jury.conseil", JurySeat.CNCI: "jury.cnci"}
JURY_TITLES = {
    JurySeat.OAI_NE: "Représentant de l'OAI-NE",
    JurySeat.CNIP_COUNCIL: "Membre du Conseil du CNIP",
    JurySeat.CNCI: "Directeur de la CNCI",
}
SIGNATORIES = "Jean Dupasquier, directeur du CNIP\nGilles Jacot, représentant de l'OAI-NE"

PROGRAMMES = [
    ("polymecanique", "Polymécanique"),
    ("horlogerie", "Opérateur·trice en horlogerie"),
    ("logistique", "Logistique"),
    ("commerce", "Employé·e de commerce"),
    ("intendance", "Cuisine et intendance"),
    ("informatique", "Informatique"),
]

# The 24 companies of 2020 (13 NE, 7 VD, 2 BE, 2 FR), then those of 2019 only, then partners without interns.
COMPANIES_2020 = [
    ("Précimeca SA", "NE", "Couvet", "Mécanique de précision"),
    ("Horlogerie du Vallon Sàrl", "NE", "Fleurier", "Horlogerie"),
    ("Décolletage Jeanrenaud SA", "NE", "Val-de-Travers", "Mécanique de précision"),
    ("Boîtes de montres Perret SA", "NE", "La Chaux-de-Fonds", "Horlogerie"),
    ("Transports Matthey & Fils SA", "NE", "Cortaillod", "Logistique"),
    ("Fiduciaire des Trois-Lacs Sàrl", "NE", "Neuchâtel", "Services"),
    ("Restaurant du Port", "NE", "Neuchâtel", "Hôtellerie-restauration"),
    ("Cadrans Vuille SA", "NE", "Le Locle", "Horlogerie"),
    ("Garage de la Béroche SA", "NE", "Saint-Aubin-Sauges", "Automobile"),
    ("Informatique Littoral Sàrl", "NE", "Marin-Epagnier", "Informatique"),
    ("Menuiserie Guye", "NE", "Môtiers", "Construction"),
    ("Home médicalisé Les Sorbiers", "NE", "Boudry", "Santé"),
    ("Coopérative agricole du Val-de-Ruz", "NE", "Cernier", "Agriculture"),
    ("Microtechnique Léman SA", "VD", "Yverdon-les-Bains", "Microtechnique"),
    ("Logistique Broye SA", "VD", "Payerne", "Logistique"),
    ("Hôtel du Lac Sàrl", "VD", "Grandson", "Hôtellerie-restauration"),
    ("Bureau technique Pittet SA", "VD", "Lausanne", "Ingénierie"),
    ("Imprimerie Jaquier SA", "VD", "Orbe", "Arts graphiques"),
    ("Mécanique Vallée de Joux SA", "VD", "Le Sentier", "Horlogerie"),
    ("Commerce de détail Rochat", "VD", "Sainte-Croix", "Commerce"),
    ("Usinage Jura bernois SA", "BE", "Saint-Imier", "Mécanique de précision"),
    ("Menuiserie Tramelan Sàrl", "BE", "Tramelan", "Construction"),
    ("Électricité Sarinoise SA", "FR", "Fribourg", "Électricité"),
    ("Fromagerie de la Gruyère SA", "FR", "Bulle", "Alimentation"),
]
COMPANIES_2019_ONLY = [
    ("Atelier de polissage Sandoz", "NE", "La Chaux-de-Fonds", "Horlogerie"),
    ("Boulangerie Montandon", "NE", "Peseux", "Alimentation"),
    ("Bureau Richard & Associés", "VD", "Yverdon-les-Bains", "Services"),
    ("Horlogerie Tissot-Dubois Sàrl", "JU", "Porrentruy", "Horlogerie"),
]
COMPANIES_WITHOUT_INTERNS = [
    ("Chauffage Pellaton SA", "NE", "Colombier", "Construction"),
    ("Pharmacie du Marché", "NE", "Neuchâtel", "Santé"),
    ("Transports publics du Vallon", "NE", "Fleurier", "Transports"),
    ("Ébauches Romandes SA", "VD", "Vallorbe", "Horlogerie"),
    ("Serrurerie Morat", "FR", "Morat", "Construction"),
    ("Librairie du Valais central", "VS", "Sion", "Commerce"),
]


@dataclass(frozen=True)
class _Plan:
    company: int
    """Index in COMPANIES_2020 + COMPANIES_2019_ONLY."""
    starts_on: dt.date
    weekdays: int
    """Length in weekdays (the end is the last of them)."""
    finished: bool
    hired: bool


def _end(starts_on: dt.date, weekdays: int) -> dt.date:
    first = np.busday_offset(np.datetime64(starts_on), 0, roll="forward")
    return dt.date.fromisoformat(str(np.busday_offset(first, weekdays - 1, roll="forward")))


def _days_in(year: int, starts_on: dt.date, ends_on: dt.date) -> int:
    start, end = max(starts_on, dt.date(year, 1, 1)), min(ends_on, dt.date(year, 12, 31))
    if end < start:
        return 0
    return int(np.busday_count(np.datetime64(start), np.datetime64(end + dt.timedelta(days=1))))


ADJUSTER_2019 = 15
"""Index in `_plans()` of the 2019 internship whose length makes 2019's total exact."""
ADJUSTER_2020 = 39
"""Index in `_plans()` of the 2020 internship whose length makes 2020's total exact."""


def _plans() -> list[_Plan]:
    """Internships of 2019–2021 (lengths before `_adjust`).

    2019: 16 internships finished in the year (companies 24–27 and 0–11; the first 9 hired) and 3 that
    start in July and end in 2020 (companies 12, 13, 15; finished there, the first hired). 2020: one
    internship in each of the 21 other companies of 2020, finished in the year (9 hired), so that 24
    finished in 2020 with 10 hired, and 3 that start in September and run into 2021 (unfinished).
    """
    plans: list[_Plan] = []
    for index, company in enumerate([24, 25, 26, 27, *range(0, 12)]):
        start = dt.date(2019, 1 + index % 3, 7 + index % 4)
        plans.append(_Plan(company, start, 160 + (index % 5 - 2) * 10, finished=True, hired=index < 9))
    for company in (12, 13, 15):
        plans.append(_Plan(company, dt.date(2019, 7, 1), 180, finished=True, hired=company == 12))
    others = [company for company in range(24) if company not in (12, 13, 15)]
    for index, company in enumerate(others):
        start = dt.date(2020, 1 + index % 5, 6 + index % 4)
        plans.append(_Plan(company, start, 120, finished=True, hired=index < 9))
    for company in (0, 14, 20):
        plans.append(_Plan(company, dt.date(2020, 9, 14), 120, finished=False, hired=False))
    return plans


def _adjust(plans: list[_Plan], year: int, target: int, adjuster: int) -> list[_Plan]:
    """Set the length of `plans[adjuster]` (inside `year`) so that the year's internship days are `target`."""
    others = sum(
        _days_in(year, plan.starts_on, _end(plan.starts_on, plan.weekdays))
        for index, plan in enumerate(plans)
        if index != adjuster
    )
    missing = target - others
    plan = plans[adjuster]
    if missing < 1 or _end(plan.starts_on, missing).year != year:
        raise RuntimeError(f"the demo's {year} internships cannot reach {target} days")
    plans[adjuster] = _Plan(plan.company, plan.starts_on, missing, plan.finished, plan.hired)
    return plans


def _uid(serial: int) -> str:
    number = 10_000_000 + 7 * serial
    check = uid.calc_check_digit(f"{number:08d}")
    while len(check) > 1:
        number += 1
        check = uid.calc_check_digit(f"{number:08d}")
    return uid.format(f"CHE{number:08d}{check}")


@transaction.atomic
def load_demo_labels() -> dict[str, int]:
    """Create the label's demo data once; return how many companies and internships were created."""
    staff = User.objects.filter(username=STAFF).first()
    if staff is None or Edition.objects.exists() or PartnerCompany.objects.exists():
        return {"companies": 0, "internships": 0}
    for code, name in PROGRAMMES:
        programme_create(code=code, name=name, created_by=staff)
    programmes = list(TrainingProgramme.objects.order_by("code"))
    companies = []
    for serial, (name, canton, locality, branch) in enumerate(
        [*COMPANIES_2020, *COMPANIES_2019_ONLY, *COMPANIES_WITHOUT_INTERNS], start=1
    ):
        companies.append(
            company_create(
                name=name,
                uid=_uid(serial) if serial % 5 else "",
                canton=canton,
                locality=locality,
                branch=branch,
                contact_name="Responsable RH",
                contact_email="",
                contact_phone="",
                active=serial != len(COMPANIES_2020) + len(COMPANIES_2019_ONLY) + 3,
                created_by=staff,
            )
        )
    plans = _adjust(_plans(), 2019, 3020, adjuster=ADJUSTER_2019)
    plans = _adjust(plans, 2020, 2943, adjuster=ADJUSTER_2020)
    for number, plan in enumerate(plans, start=1):
        ends_on = _end(plan.starts_on, plan.weekdays)
        internship_create(
            company=companies[plan.company],
            intern_pseudonym=f"Stagiaire {plan.starts_on.year}-{number:03d}",
            programme=programmes[number % len(programmes)],
            starts_on=plan.starts_on,
            ends_on=ends_on,
            finished=plan.finished,
            employed_on_last_day=plan.hired,
            coaching_notes="",
            created_by=staff,
        )
    jury = {seat: User.objects.get(username=username) for seat, username in JURY.items()}
    _edition(2019, staff, jury, threshold=Decimal("2.00"), publish=True)
    _edition(2020, staff, jury, threshold=Decimal("0.00"), publish=False)
    figures_2020 = edition_figures(edition=Edition.objects.get(year=2020))
    check = (figures_2020.current.internship_days, figures_2020.current.finished, figures_2020.current.hired)
    if check != (2943, 24, 10):
        raise RuntimeError(f"the demo's 2020 figures are {check}, not those of the documents")
    return {"companies": len(companies), "internships": Internship.objects.count()}


def _edition(year: int, staff: User, jury: dict[str, User], *, threshold: Decimal, publish: bool) -> Edition:
    """An edition with its jury seated and its companies marked; published (2019) or left as a draft (2020)."""
    edition = edition_create(
        year=year,
        created_by=staff,
        threshold=threshold,
        ceremony_on=dt.date(year + 1, 3, 9),
        ceremony_place="CNIP, Couvet",
        signatories=SIGNATORIES,
    )
    members = {}
    for seat, user in jury.items():
        edition.refresh_from_db()
        members[seat] = jury_member_set(
            edition=edition,
            seat=seat,
            user=user,
            title=JURY_TITLES[seat],
            expected_version=edition.version,
            set_by=staff,
        )
    hosts = list(
        PartnerCompany.objects.filter(
            internships__starts_on__lte=dt.date(year, 12, 31), internships__ends_on__gte=dt.date(year, 1, 1)
        )
        .distinct()
        .order_by("id")
    )
    # The CNCI's director sits on the board of one company: recused, he does not mark it.
    recused = hosts[3]
    recusal_record(
        member=members[JurySeat.CNCI],
        company=recused,
        reason="Membre du conseil d'administration de l'entreprise",
        recorded_by=jury[JurySeat.CNCI],
    )
    rng = random.Random(year)  # noqa: S311  (demo marks, reproducible; not a secret)
    qualitative = list(edition.criteria.filter(kind="qualitative").order_by("position"))
    for seat, member in members.items():
        for company in hosts:
            if seat == JurySeat.CNCI and company == recused:
                continue
            for criterion in qualitative:
                jury_score_set(
                    member=member,
                    criterion=criterion,
                    company=company,
                    score=Decimal(rng.randint(4, 10)),
                    scored_by=jury[seat],
                )
    if not publish:
        return edition
    edition_compute_ranking(edition=edition, computed_by=staff)
    edition_submit_to_jury(edition=edition, submitted_by=staff)
    for seat, member in members.items():
        jury_approve(member=member, approved_by=jury[seat], comment="Classement conforme aux critères.")
    return edition_publish(edition=edition, published_by=staff)
