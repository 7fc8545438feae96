"""Builders of the edition, jury and publication tests: internships with outcomes, editions, a seated jury.

Companies and internships are written directly (factories, no service); editions, seats, marks and
approvals go through the services, as the tests that use them are about the workflow.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from cii_platform.accounts.models import User
from labels.models import (
    Canton,
    Criterion,
    CriterionKind,
    Edition,
    Internship,
    JuryMember,
    JurySeat,
    Normalisation,
    PartnerCompany,
)
from labels.services.editions import (
    edition_compute_ranking,
    edition_create,
    edition_submit_to_jury,
)
from labels.services.jury import jury_approve, jury_member_set
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory


def company(name: str, canton: str = Canton.NE, locality: str = "Neuchâtel") -> PartnerCompany:
    return PartnerCompanyFactory(name=name, canton=canton, locality=locality)


def internship(
    company: PartnerCompany,
    starts_on: dt.date,
    ends_on: dt.date,
    *,
    finished: bool = False,
    hired: bool = False,
) -> Internship:
    return InternshipFactory(
        company=company, starts_on=starts_on, ends_on=ends_on, finished=finished, employed_on_last_day=hired
    )


def outcomes(company: PartnerCompany, *, finished: int, hired: int, year: int = 2020, unfinished: int = 0) -> None:
    """`finished` internships of 20 weekdays in `year` (the first `hired` of them ended in a job), and unfinished ones.

    Each internship runs four weeks from a Monday: 20 internship days each.
    """
    monday = dt.date(year, 1, 6) if year == 2020 else _first_monday(year)
    for number in range(finished + unfinished):
        starts_on = monday + dt.timedelta(weeks=4 * (number % 10))
        internship(
            company,
            starts_on,
            starts_on + dt.timedelta(days=25),
            finished=number < finished,
            hired=number < hired,
        )


def _first_monday(year: int) -> dt.date:
    day = dt.date(year, 1, 1)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def edition(staff: User, year: int = 2020, *, threshold: str = "0", prizes: int = 3, **settings: object) -> Edition:
    """A draft edition of `year` with the default criteria (through the service)."""
    return edition_create(year=year, created_by=staff, threshold=Decimal(threshold), prizes=prizes, **settings)  # type: ignore[arg-type]


def only_criteria(edition: Edition, *criteria: tuple[str, str, str, str, int]) -> list[Criterion]:
    """Replace the edition's criteria by (name, kind, metric, normalisation, weight) rows (directly, no service)."""
    Criterion.objects.filter(edition=edition).delete()
    rows = []
    for position, (name, kind, metric, normalisation, weight) in enumerate(criteria, start=1):
        rows.append(
            Criterion.objects.create(
                edition=edition,
                position=position,
                name=name,
                kind=kind,
                metric=metric if kind == CriterionKind.QUANTITATIVE else "",
                normalisation=normalisation,
                weight=Decimal(weight),
                max_score=10,
            )
        )
    return rows


DAYS_ONLY = ("Jours de stage", CriterionKind.QUANTITATIVE, "internship_days", Normalisation.SHARE_OF_MAX, 3)
MARK_ONLY = ("Engagement", CriterionKind.QUALITATIVE, "", Normalisation.SCALE, 1)


def fresh(edition: Edition) -> Edition:
    edition.refresh_from_db()
    return edition


def seat(edition: Edition, staff: User, seats: dict[str, User]) -> dict[str, JuryMember]:
    """Seat each account at its seat (through the service), in the order given."""
    members = {}
    for seat_code, user in seats.items():
        members[seat_code] = jury_member_set(
            edition=edition, seat=seat_code, user=user, expected_version=fresh(edition).version, set_by=staff
        )
    return members


def full_jury(edition: Edition, staff: User, oai: User, council: User, cnci: User) -> dict[str, JuryMember]:
    return seat(edition, staff, {JurySeat.OAI_NE: oai, JurySeat.CNIP_COUNCIL: council, JurySeat.CNCI: cnci})


def with_the_jury(edition: Edition, staff: User) -> Edition:
    """Compute the ranking and hand it to the jury (the seats must be filled)."""
    edition_compute_ranking(edition=edition, computed_by=staff)
    return edition_submit_to_jury(edition=fresh(edition), submitted_by=staff)


def approve(members: Sequence[JuryMember]) -> None:
    for member in members:
        jury_approve(member=member, approved_by=member.user, comment="Classement conforme.")
