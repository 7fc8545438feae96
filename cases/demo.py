"""Demo case files: fictitious persons with valid AVS numbers, signalled by each service's caseworker."""

import datetime as dt

from stdnum import ean

from cases.models import CaseFile, GridDimension, GridVersion, LegalBasis, Person, Programme, Region
from cases.reference_data import load_reference_data
from cases.services import case_open, person_create
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
