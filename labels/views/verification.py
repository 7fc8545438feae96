"""The public verification page of a certificate (the target of its QR code).

No login: anyone holding a certificate can check it. The page says one thing only: that the
company (its name as ranked) holds the Label Intégration of that year, with its prize or special
label, in a published edition. A code of an edition not yet published (or of an entry that is not
labelled) only gets "not valid", with nothing about the company or the year; an unknown code a plain
404. The page must not be indexed (meta robots and the X-Robots-Tag header).
"""

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from labels.models import EditionStatus, RankingEntry
from labels.reports import prize_label

NO_INDEX = "noindex, nofollow, noarchive"


@dataclass(frozen=True)
class CertificateVerification:
    """What the verification page may say about a certificate: `valid` and, only if so, the label it attests."""

    valid: bool
    company_name: str = ""
    year: int | None = None
    prize_label: str = ""
    special_label: str = ""
    published_on: dt.date | None = None


def certificate_verification(*, code: str) -> CertificateVerification | None:
    """The verification of the certificate with `code`; None for an unknown code (one query).

    Valid only when the entry is labelled in a published edition; otherwise nothing is returned
    about the company or the edition.
    """
    entry = (
        RankingEntry.objects.filter(verification_code=code)
        .select_related("edition")
        .only(
            "company_name",
            "labelled",
            "prize",
            "special_label",
            "edition__year",
            "edition__status",
            "edition__published_at",
        )
        .first()
    )
    if entry is None:
        return None
    edition = entry.edition
    if edition.status != EditionStatus.PUBLISHED or not entry.labelled:
        return CertificateVerification(valid=False)
    return CertificateVerification(
        valid=True,
        company_name=entry.company_name,
        year=edition.year,
        prize_label=prize_label(entry.prize),
        special_label=entry.special_label,
        published_on=timezone.localdate(edition.published_at) if edition.published_at else None,
    )


@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The verification page of the certificate with `code` (anonymous; 404 for an unknown code)."""
    verification = certificate_verification(code=code)
    if verification is None:
        raise Http404
    response = render(request, "labels/verify.html", {"verification": verification})
    response["X-Robots-Tag"] = NO_INDEX
    return response


urlpatterns = [path("verifier/<str:code>/", verify, name="verify")]
