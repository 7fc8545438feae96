"""Who works on the label: CNIP staff manage it; the jury members of an edition read and approve its ranking.

Jury membership is per edition (`JuryMember`); the `LABEL_JURY` role only opens the label's pages to the
account. Nobody else reaches the label's data (the public verification page shows one fact per certificate).
"""

from cii_platform.accounts.models import Role, User


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_cnip_staff(user: User | None) -> bool:
    """CNIP staff manage the companies, the internships and the editions."""
    return _active(user) and user is not None and user.has_role(Role.CNIP_STAFF)


def is_label_jury(user: User | None) -> bool:
    """Accounts that may sit in an edition's jury (which editions: `JuryMember`)."""
    return _active(user) and user is not None and user.has_role(Role.LABEL_JURY)


def may_use_labels(user: User | None) -> bool:
    """Whether the label's pages are offered to `user` at all."""
    return is_cnip_staff(user) or is_label_jury(user)
