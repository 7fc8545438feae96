"""Reads of the internships and of the CNIP training programmes.

Only CNIP staff read them (`labels.roles.is_cnip_staff`); anyone else gets `Http404`, the answer of a missing
page. Interns appear under their pseudonym only. Each list is one query whatever its length.
"""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from cii_platform.accounts.models import User
from labels.models import Internship, PartnerCompany, TrainingProgramme
from labels.selectors.companies import cnip_staff_or_404


def internship_list(
    *,
    user: User | None,
    company: PartnerCompany | None = None,
    year: int | None = None,
    search: str = "",
) -> QuerySet[Internship]:
    """The internships, latest start first, with their company and programme; `Http404` for anyone but CNIP staff.

    `company`: only that company's internships. `year`: only the internships with at least one day in that
    calendar year (started on or before 31 December, ending on or after 1 January). `search` matches,
    ignoring case, part of the intern's pseudonym, the company's name or the programme's name or code.
    """
    cnip_staff_or_404(user)
    internships = Internship.objects.select_related("company", "programme")
    if company is not None:
        internships = internships.filter(company=company)
    if year is not None:
        internships = internships.filter(starts_on__lte=dt.date(year, 12, 31), ends_on__gte=dt.date(year, 1, 1))
    search = search.strip()
    if search:
        internships = internships.filter(
            Q(intern_pseudonym__icontains=search)
            | Q(company__name__icontains=search)
            | Q(programme__name__icontains=search)
            | Q(programme__code__icontains=search)
        )
    return internships.order_by("-starts_on", "id")


def internship_get(*, user: User | None, internship_id: int) -> Internship:
    """The internship `internship_id` with its company and programme; `Http404` if missing or not CNIP staff."""
    cnip_staff_or_404(user)
    internship = Internship.objects.select_related("company", "programme").filter(pk=internship_id).first()
    if internship is None:
        raise Http404
    return internship


def programme_list(*, user: User | None, active: bool | None = None) -> QuerySet[TrainingProgramme]:
    """The CNIP training programmes by name (`active`: True/False to filter, None for all); `Http404` if not staff."""
    cnip_staff_or_404(user)
    programmes = TrainingProgramme.objects.all()
    if active is not None:
        programmes = programmes.filter(active=active)
    return programmes.order_by("name", "code")
