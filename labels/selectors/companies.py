"""Reads of the partner companies: the searchable list and one company.

Only CNIP staff read the companies (`labels.roles.is_cnip_staff`). Anyone else gets `Http404`, the answer
of a missing page: forbidden and missing look the same, and a view or API needs no translation of it.
Each list is one query whatever its length, with `internship_count` annotated on every company.
"""

import re

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Replace, Upper
from django.http import Http404

from cii_platform.accounts.models import User
from labels.models import PartnerCompany
from labels.roles import is_cnip_staff

# A search that is a UID or part of one: optional CHE prefix, then digits with spaces, dots or dashes.
_UID_SEARCH = re.compile(r"^\s*(?:che)?[\s.\-]*(\d[\d\s.\-]*)$", re.IGNORECASE)
# Fewer digits than this are not taken for part of a UID (a search "12" would match most companies).
_UID_SEARCH_MIN_DIGITS = 3


def cnip_staff_or_404(user: User | None) -> User:
    """`user` if they are CNIP staff; otherwise the 404 of a missing page."""
    if user is None or not is_cnip_staff(user):
        raise Http404
    return user


def _uid_digits(search: str) -> str:
    """The digits of `search` when it looks like (part of) a UID, else ""."""
    match = _UID_SEARCH.match(search)
    if match is None:
        return ""
    digits = re.sub(r"\D", "", match.group(1))
    return digits if len(digits) >= _UID_SEARCH_MIN_DIGITS else ""


def company_list(
    *,
    user: User | None,
    search: str = "",
    canton: str = "",
    active: bool | None = None,
    branch: str = "",
) -> QuerySet[PartnerCompany]:
    """The partner companies CNIP staff manage, filtered as asked, ordered by name; `Http404` for anyone else.

    `search` matches (ignoring case) part of the name or the locality; a search made of at least three digits
    (with or without CHE, spaces, dots or dashes: "123456", "123.456.788", "CHE123456788") also matches part
    of the UID's digits. `canton`: an abbreviation (any case). `active`: True or False to keep only active or inactive
    companies, None for all. `branch`: the branch, ignoring case. Every company carries `internship_count`
    (all its internships, any year).
    """
    cnip_staff_or_404(user)
    companies = PartnerCompany.objects.annotate(internship_count=Count("internships"))
    search = search.strip()
    if search:
        matches = Q(name__icontains=search) | Q(locality__icontains=search)
        digits = _uid_digits(search)
        if digits:
            companies = companies.annotate(
                uid_digits=Replace(Replace(Replace(Upper("uid"), Value("CHE"), Value("")), Value("-")), Value("."))
            )
            matches |= Q(uid_digits__contains=digits)
        companies = companies.filter(matches)
    if canton.strip():
        companies = companies.filter(canton=canton.strip().upper())
    if active is not None:
        companies = companies.filter(active=active)
    if branch.strip():
        companies = companies.filter(branch__iexact=branch.strip())
    return companies.order_by("name", "id")


def company_get(*, user: User | None, company_id: int) -> PartnerCompany:
    """The company `company_id` with its `internship_count`; `Http404` if missing or if `user` is not CNIP staff."""
    cnip_staff_or_404(user)
    company = PartnerCompany.objects.annotate(internship_count=Count("internships")).filter(pk=company_id).first()
    if company is None:
        raise Http404
    return company


def company_branches(*, user: User | None) -> list[str]:
    """The branches in use, sorted, for the list's filter; `Http404` if `user` is not CNIP staff."""
    cnip_staff_or_404(user)
    branches = PartnerCompany.objects.exclude(branch="").values_list("branch", flat=True).distinct()
    return sorted(set(branches), key=str.casefold)
