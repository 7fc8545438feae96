"""The canton's partner services and offices, and the demo canton built on them.

The demo canton adds one account per role and service and a few case files.

Idempotent: running it again changes nothing that is already there.
"""

from dataclasses import dataclass

from django.db import transaction

from cii_platform.accounts.models import Role, User
from cii_platform.accounts.services import account_create, account_set_roles, account_set_service
from cii_platform.partners.models import Office, PartnerService
from cii_platform.partners.services import office_ensure, service_ensure

DEMO_PASSWORD = "cii-demo-2026"  # noqa: S105  (published in the README: demo canton only)

SERVICES = [
    ("semp", "Service de l'emploi (SEMP)", "Placement, mesures du marché du travail, ORP", "LACI / LSE"),
    ("oai", "Office de l'assurance-invalidité (OAI-NE)", "Réadaptation et rentes AI", "LAI"),
    ("saso", "Service de l'action sociale (SASO)", "Aide sociale, services sociaux régionaux", "LASoc"),
    ("smig", "Service des migrations (SMIG)", "Requérants d'asile, réfugiés, admis provisoires", "LAsi / LEI"),
    (
        "sfpo",
        "Service des formations postobligatoires et de l'orientation (SFPO)",
        "Formation professionnelle, CM FP",
        "LFPr",
    ),
]

OFFICES = [
    ("semp", "orp-littoral", "ORP Littoral", Office.Kind.OFFICE, "Littoral"),
    ("semp", "orp-montagnes", "ORP Montagnes", Office.Kind.OFFICE, "Montagnes"),
    ("semp", "lmmt", "Office des mesures du marché du travail (LMMT)", Office.Kind.OFFICE, ""),
    ("oai", "oai-ne", "OAI-NE", Office.Kind.OFFICE, ""),
    ("oai", "cnip", "Centre neuchâtelois d'intégration professionnelle (CNIP)", Office.Kind.MANDATED_ORGANISATION, ""),
    ("saso", "odas", "Office d'aide sociale (ODAS)", Office.Kind.OFFICE, ""),
    ("saso", "ssr-littoral-ouest", "SSR Littoral Ouest", Office.Kind.OFFICE, "Littoral"),
    ("saso", "ssr-val-de-travers", "SSR Val-de-Travers", Office.Kind.OFFICE, "Val-de-Travers"),
    ("saso", "ssr-la-chaux-de-fonds", "SSR La Chaux-de-Fonds", Office.Kind.OFFICE, "Montagnes"),
    ("saso", "ssr-ville-neuchatel", "SSR Ville de Neuchâtel", Office.Kind.OFFICE, "Littoral"),
    ("smig", "osas", "Office social de l'asile (OSAS)", Office.Kind.OFFICE, ""),
    ("smig", "cosm", "Service de la cohésion multiculturelle (COSM)", Office.Kind.OFFICE, ""),
    ("sfpo", "ofij", "Office de l'insertion des jeunes (OFIJ)", Office.Kind.OFFICE, ""),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    service: str
    office: str
    roles: tuple[Role, ...]
    job_title: str


ACCOUNTS = [
    DemoAccount("orp.conseiller", "Luca", "Rossier", "semp", "orp-littoral", (Role.CASEWORKER,), "Conseiller ORP"),
    DemoAccount(
        "oai.conseillere", "Nadia", "Perrenoud", "oai", "oai-ne", (Role.CASEWORKER,), "Conseillère en réadaptation"
    ),
    DemoAccount(
        "ssr.assistante", "Sophie", "Jeanneret", "saso", "ssr-littoral-ouest", (Role.CASEWORKER,), "Assistante sociale"
    ),
    DemoAccount("smig.conseiller", "Karim", "Benali", "smig", "osas", (Role.CASEWORKER,), "Conseiller en intégration"),
    DemoAccount("ofij.conseillere", "Julie", "Vuilleumier", "sfpo", "ofij", (Role.CASEWORKER,), "Case manager CM FP"),
    DemoAccount("coord.lmmt", "Pierre", "Matthey", "semp", "lmmt", (Role.COORDINATION_GROUP,), "Délégué LMMT"),
    DemoAccount("coord.odas", "Claire", "Huguenin", "saso", "odas", (Role.COORDINATION_GROUP,), "Déléguée ODAS"),
    DemoAccount("coord.osas", "Marc", "Robert", "smig", "osas", (Role.COORDINATION_GROUP,), "Délégué OSAS"),
    DemoAccount("gp.semp", "Anne", "Girard", "semp", "", (Role.GP_CII,), "Cheffe du SEMP"),
    DemoAccount("gp.oai", "Olivier", "Ducommun", "oai", "oai-ne", (Role.GP_CII,), "Directeur de l'OAI-NE"),
    DemoAccount("gp.saso", "Isabelle", "Favre", "saso", "", (Role.GP_CII,), "Cheffe du SASO"),
    DemoAccount("gp.smig", "Thomas", "Cuche", "smig", "", (Role.GP_CII,), "Chef du SMIG"),
    DemoAccount("gp.sfpo", "Martine", "Borel", "sfpo", "", (Role.GP_CII,), "Cheffe du SFPO"),
    DemoAccount(
        "cnip.collaboratrice", "Elodie", "Sandoz", "oai", "cnip", (Role.CNIP_STAFF,), "Coordinatrice des stages"
    ),
    DemoAccount(
        "jury.oai", "Gilles", "Jacot", "oai", "oai-ne", (Role.LABEL_JURY,), "Représentant de l'OAI-NE au jury du label"
    ),
    DemoAccount("jury.conseil", "Françoise", "Vaucher", "oai", "cnip", (Role.LABEL_JURY,), "Membre du Conseil du CNIP"),
    DemoAccount(
        "jury.cnci",
        "Bernard",
        "Zwahlen",
        "",
        "",
        (Role.LABEL_JURY,),
        "Directeur de la Chambre neuchâteloise du commerce et de l'industrie (CNCI)",
    ),
    DemoAccount(
        "ppd.preposee",
        "Valérie",
        "Monnier",
        "saso",
        "",
        (Role.DATA_PROTECTION_OFFICER,),
        "Préposée à la protection des données",
    ),
    DemoAccount(
        "admin.plateforme", "Yves", "Amez-Droz", "semp", "", (Role.PLATFORM_ADMIN,), "Administrateur de la plateforme"
    ),
]


@transaction.atomic
def load_partner_services(created: dict[str, int] | None = None) -> None:
    """Create or update the canton's partner services and offices (real data, no accounts)."""
    created = created if created is not None else {"services": 0, "offices": 0}
    for code, name, mission, legal_frame in SERVICES:
        created["services"] += not PartnerService.objects.filter(code=code).exists()
        service_ensure(code=code, name=name, mission=mission, legal_frame=legal_frame)
    services = {service.code: service for service in PartnerService.objects.all()}
    for service_code, code, name, kind, region in OFFICES:
        created["offices"] += not Office.objects.filter(code=code).exists()
        office_ensure(service=services[service_code], code=code, name=name, kind=kind, region=region)


@transaction.atomic
def load_demo_canton() -> dict[str, int]:
    """Create or complete the demo canton; return how many rows of each kind were created."""
    from cases.demo import load_demo_cases
    from labels.demo import load_demo_labels
    from measures.demo import load_demo_measures
    from measures.demo_activity import load_demo_activity
    from measures.demo_reviews import load_demo_reviews

    created = {"services": 0, "offices": 0, "accounts": 0, "cases": 0}
    load_partner_services(created)
    services = {service.code: service for service in PartnerService.objects.all()}
    offices = {office.code: office for office in Office.objects.all()}

    for spec in ACCOUNTS:
        service = services[spec.service] if spec.service else None  # the CNCI's director is outside the services
        office = offices[spec.office] if spec.office else None
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            account_create(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@demo.cii-ne.ch",
                service=service,
                office=office,
                roles=spec.roles,
                password=DEMO_PASSWORD,
                job_title=spec.job_title,
            )
            created["accounts"] += 1
            continue
        if (user.service_id, user.office_id) != (service.pk if service else None, office.pk if office else None):
            account_set_service(user=user, service=service, office=office, changed_by=None)
        if user.role_codes != frozenset(spec.roles):
            account_set_roles(user=user, roles=spec.roles, changed_by=None)

    created["cases"] = load_demo_cases()
    created["measures"] = load_demo_measures()["measures"]
    activity = load_demo_activity()
    created["place requests"], created["placements"] = activity["requests"], activity["placements"]
    created["agreements"] = load_demo_reviews()["agreements"]
    labels = load_demo_labels()
    created["label companies"], created["internships"] = labels["companies"], labels["internships"]
    return created
