"""Fixtures of the label's report tests: editions with their ranking written directly, eager Celery, reading PDFs.

The rows are written with the ORM (no service): these tests are about the documents, not about
computing or publishing a ranking. 2020 is published with four labelled companies (three prizes, one
special label) and one company ranked but not labelled; 2019 is published (the palmarès compares
with it); 2021 is a draft with two labelled companies.
"""

import datetime as dt
import io
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from cii_platform.accounts.models import User
from cii_platform.celery import app
from cii_platform.reports.models import ReportJob, ReportKind
from cii_platform.reports.services import report_job_render, report_job_request
from labels.models import (
    Edition,
    EditionFigures,
    EditionStatus,
    JuryMember,
    JurySeat,
    PartnerCompany,
    RankingEntry,
)

PUBLIC_URL = "https://cii.example.ch"
SIGNATORIES = (
    "Jean-Nathanaël Karakash, conseiller d'État\n"
    "Florian Nemeti, directeur de la CNCI\n"
    "Gilles Jeannet, directeur de l'OAI-NE\n"
    "Thierry Nguyen, directeur du CNIP"
)


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    """Run tasks in-process even when REDIS_URL is set (no worker waits for these tests' tasks)."""
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _public_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CII_PUBLIC_URL = PUBLIC_URL


def make_edition(year: int, *, status: str, created_by: User, **fields: Any) -> Edition:
    published = status == EditionStatus.PUBLISHED
    return Edition.objects.create(
        year=year,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        status=status,
        published_at=dt.datetime(year + 1, 3, 10, 9, 0, tzinfo=dt.UTC) if published else None,
        computed_at=dt.datetime(year + 1, 2, 1, 9, 0, tzinfo=dt.UTC),
        created_by=created_by,
        **fields,
    )


def make_entry(
    edition: Edition,
    *,
    rank: int,
    name: str,
    canton: str,
    locality: str,
    labelled: bool = True,
    prize: int | None = None,
    special_label: str = "",
    internship_days: int = 100,
    hired: int = 1,
) -> RankingEntry:
    company = PartnerCompany.objects.filter(name=name).first() or PartnerCompany.objects.create(
        name=name,
        canton=canton,
        locality=locality,
        uid=f"CHE-100.000.{rank:03d}" if edition.year == 2020 else "",
        contact_name="Claire Contact",
        contact_email="contact@example.ch",
    )
    return RankingEntry.objects.create(
        edition=edition,
        company=company,
        rank=rank,
        company_name=name,
        canton=canton,
        locality=locality,
        internship_days=internship_days,
        interns=hired + 1,
        finished=hired + 1,
        hired=hired,
        raw_rate=Decimal(hired) / Decimal(hired + 1),
        corrected_rate=Decimal("0.2"),
        score=Decimal(100 - rank),
        labelled=labelled,
        prize=prize,
        special_label=special_label,
        verification_code=f"v{edition.year}r{rank:03d}Zx3kP0q9vW1bY7",
    )


@pytest.fixture
def edition_2019(cnip_staff: User) -> Edition:
    """Published, with its frozen figures (3020 internship days, 9 hired of 16 finished: 56.25 %)."""
    edition = make_edition(2019, status=EditionStatus.PUBLISHED, created_by=cnip_staff)
    EditionFigures.objects.create(
        edition=edition,
        companies=22,
        labelled=20,
        labelled_by_canton={"NE": 12, "VD": 6, "JU": 2},
        internship_days=3020,
        interns=30,
        finished=16,
        hired=9,
    )
    return edition


@pytest.fixture
def edition_2020(cnip_staff: User, edition_2019: Edition) -> Edition:
    """Published; four labelled companies by rank (prizes 1–3, a special label) and a fifth not labelled."""
    edition = make_edition(
        2020,
        status=EditionStatus.PUBLISHED,
        created_by=cnip_staff,
        ceremony_on=dt.date(2021, 3, 9),
        ceremony_place="Couvet",
        signatories=SIGNATORIES,
    )
    make_entry(edition, rank=1, name="Mécanique Dubois SA", canton="NE", locality="Couvet", prize=1, hired=3)
    make_entry(edition, rank=2, name="Boulangerie du Lac Sàrl", canton="VD", locality="Yverdon-les-Bains", prize=2)
    make_entry(
        edition,
        rank=3,
        name="Atelier l'Étoile",
        canton="NE",
        locality="Fleurier",
        prize=3,
        special_label="Coup de cœur",
    )
    make_entry(edition, rank=4, name="Garage des Alpes SA", canton="FR", locality="Bulle", internship_days=1234)
    make_entry(edition, rank=5, name="Imprimerie Centrale SA", canton="NE", locality="Neuchâtel", labelled=False)
    EditionFigures.objects.create(
        edition=edition,
        companies=5,
        labelled=4,
        labelled_by_canton={"NE": 2, "VD": 1, "FR": 1},
        internship_days=2943,
        interns=30,
        finished=12,
        hired=5,
    )
    return edition


@pytest.fixture
def draft_edition(cnip_staff: User) -> Edition:
    """2021, a draft whose ranking is computed: two labelled companies."""
    edition = make_edition(
        2021, status=EditionStatus.DRAFT, created_by=cnip_staff, ceremony_place="Neuchâtel", signatories=SIGNATORIES
    )
    make_entry(edition, rank=1, name="Menuiserie Perret SA", canton="JU", locality="Delémont", prize=1)
    make_entry(edition, rank=2, name="Horlogerie Robert SA", canton="NE", locality="Le Locle")
    return edition


@pytest.fixture
def jury_2020(edition_2020: Edition, jury_oai: User) -> JuryMember:
    """The OAI-NE's seat in the 2020 jury."""
    return JuryMember.objects.create(edition=edition_2020, seat=JurySeat.OAI_NE, user=jury_oai, title="Directeur")


@pytest.fixture
def rendered_job(django_capture_on_commit_callbacks) -> Callable[..., ReportJob]:  # type: ignore[no-untyped-def]
    """Request a job as `user` (the real service), then render it as the worker does; the job, reloaded."""

    def render(kind: ReportKind, parameters: Mapping[str, Any], user: User) -> ReportJob:
        with django_capture_on_commit_callbacks(execute=False):
            job = report_job_request(kind=kind, parameters=parameters, requested_by=user)
        report_job_render(job_id=job.pk)
        return ReportJob.objects.get(pk=job.pk)

    return render


@pytest.fixture
def pdf_text() -> Callable[[bytes], str]:
    def read(content: bytes) -> str:
        assert content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)

    return read


@pytest.fixture
def job_bytes() -> Callable[[ReportJob], bytes]:
    def read(job: ReportJob) -> bytes:
        with job.result.open("rb") as handle:
            return handle.read()

    return read
