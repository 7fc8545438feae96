"""The navigation offered to each role."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cii_platform.accounts.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


_ITEMS = [
    # (label, url name, roles that see it; empty = everyone)
    (_("Accueil"), "core:home", ()),
    (_("File de triage"), "cases:queue", (Role.CASEWORKER,)),
    (_("Dossiers CII"), "cases:list", (Role.CASEWORKER, Role.COORDINATION_GROUP)),
    (_("Transferts à traiter"), "cases:referrals_pending", (Role.CASEWORKER,)),
    (_("Suivis après la sortie"), "cases:follow_up_due", (Role.CASEWORKER,)),
    (_("Indicateurs"), "cases:indicators", (Role.CASEWORKER, Role.COORDINATION_GROUP, Role.GP_CII)),
    (_("Mesures d'insertion"), "measures:home", (Role.CASEWORKER, Role.COORDINATION_GROUP, Role.GP_CII)),
    (_("Label Intégration"), "labels:home", (Role.CNIP_STAFF, Role.LABEL_JURY)),
    (_("Journal d'audit"), "audit:search", (Role.DATA_PROTECTION_OFFICER,)),
    (_("Mes rapports"), "reports:list", ()),
    (_("Administration"), "admin:index", (Role.PLATFORM_ADMIN,)),
]


def navigation_for(user: User, path: str) -> list[NavItem]:
    items = []
    for label, url_name, roles in _ITEMS:
        if roles and not any(user.has_role(role) for role in roles):
            continue
        url = reverse(url_name)
        current = path == url if url in {"/", "/dossiers/"} else path.startswith(url)
        items.append(NavItem(label=str(label), url=url, current=current))
    return items
