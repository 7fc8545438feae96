"""Who speaks for which sector in the coordination group, and who works on places at all.

A coordination-group member speaks for the sectors of their service (`SECTOR_SERVICE`):
the SEMP delegate for LACI and MIP, the SASO delegate for SAS, and so on. Caseworkers
request places for the persons of their cases; the GP CII reads the figures.
"""

from cii_platform.accounts.models import Role, User
from measures.models import SECTOR_SERVICE


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def delegate_sectors(user: User | None) -> frozenset[str]:
    """The sectors whose budgets `user` may edit: those of their service, if they sit in the coordination group."""
    if not _active(user) or user is None or user.service is None or not user.has_role(Role.COORDINATION_GROUP):
        return frozenset()
    return frozenset(sector for sector, code in SECTOR_SERVICE.items() if code == user.service.code)


def is_coordination_member(user: User | None) -> bool:
    """Members of the coordination group run the rounds and see every request (pseudonymised)."""
    return _active(user) and user is not None and user.has_role(Role.COORDINATION_GROUP)


def may_request_places(user: User | None) -> bool:
    """Caseworkers of a partner service request places for the persons of their cases."""
    return _active(user) and user is not None and user.service is not None and user.has_role(Role.CASEWORKER)


def may_read_measures(user: User | None) -> bool:
    """The inventory, budgets and dashboards are for caseworkers, the coordination group and the GP CII."""
    return (
        _active(user)
        and user is not None
        and any(user.has_role(role) for role in (Role.CASEWORKER, Role.COORDINATION_GROUP, Role.GP_CII))
    )
