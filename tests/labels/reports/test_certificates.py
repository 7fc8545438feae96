"""The certificates of the Label Intégration: rendered by the worker, one PDF/A each, merged to print and zipped."""

import io
import zipfile
from typing import Any

import pytest
import segno
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.registry import report_definition
from cii_platform.reports.services import report_job_request
from labels.models import PartnerCompany, RankingEntry
from labels.reports import certificates_render, signatories_of, signatories_placed
from tests.labels.reports.conftest import PUBLIC_URL

pytestmark = pytest.mark.django_db

LABELLED_2020 = ["Mécanique Dubois SA", "Boulangerie du Lac Sàrl", "Atelier l'Étoile", "Garage des Alpes SA"]


def _company(name: str) -> str:
    return str(PartnerCompany.objects.get(name=name).pk)


def _flat(text: str) -> str:
    """The text without line breaks and spaces (a long URL wraps in the PDF)."""
    return "".join(text.split())


def _is_pdf_a(reader: PdfReader) -> bool:
    root: Any = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data()
    return b'pdfaid:part="3"' in metadata and "/OutputIntents" in root


def _fonts_embedded(reader: PdfReader) -> bool:
    descriptors = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptors.append(descendant.get_object()["/FontDescriptor"].get_object())
    return bool(descriptors) and all("/FontFile2" in d or "/FontFile3" in d for d in descriptors)


def test_a_certificate_reads_back_the_company_its_label_year_prize_and_ceremony(
    edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text
):
    job = rendered_job(
        ReportKind.LABEL_CERTIFICATES, {"edition": 2020, "company": _company("Mécanique Dubois SA")}, cnip_staff
    )

    assert job.status == ReportStatus.DONE
    content = job_bytes(job)
    text = pdf_text(content)
    assert "Mécanique Dubois SA" in text
    assert "Label Intégration 2020" in text
    assert "Couvet · canton de Neuchâtel" in text
    assert "Prix d'excellence – 1er rang" in text
    assert "Remis à Couvet, le 09.03.2021" in text
    assert "Jean-Nathanaël Karakash" in text and "directeur de la CNCI" in text
    assert "Centre neuchâtelois".upper() in text.upper()
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert not job.archive
    assert job.result.name.endswith(".pdf") and "label-2020-mecanique-dubois-sa" in job.result.name


def test_a_certificate_shows_its_special_label_and_a_later_prize(
    edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text
):
    job = rendered_job(
        ReportKind.LABEL_CERTIFICATES, {"edition": "2020", "company": _company("Atelier l'Étoile")}, cnip_staff
    )

    text = pdf_text(job_bytes(job))
    assert "Atelier l'Étoile" in text
    assert "Prix d'excellence – 3e rang" in text
    assert "Label spécial « Coup de cœur »" in text


def test_a_certificate_names_the_company_as_ranked_not_as_renamed_since(
    edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text
):
    company = PartnerCompany.objects.get(name="Garage des Alpes SA")
    PartnerCompany.objects.filter(pk=company.pk).update(name="Garage Alpin Holding SA", locality="Romont")

    job = rendered_job(ReportKind.LABEL_CERTIFICATES, {"edition": 2020, "company": str(company.pk)}, cnip_staff)

    text = pdf_text(job_bytes(job))
    assert "Garage des Alpes SA" in text and "Bulle" in text
    assert "Garage Alpin" not in text and "Romont" not in text


def test_printing_an_edition_gives_one_page_per_labelled_company_in_rank_order_and_a_zip_of_single_certificates(
    edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text
):
    job = rendered_job(ReportKind.LABEL_CERTIFICATES, {"edition": 2020}, cnip_staff)

    assert job.status == ReportStatus.DONE
    reader = PdfReader(io.BytesIO(job_bytes(job)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 4
    assert [next(name for name in LABELLED_2020 if name in page) for page in pages] == LABELLED_2020
    assert not any("Imprimerie Centrale SA" in page for page in pages)
    assert job.result.name.split("/")[-1].startswith("label-2020-certificats")
    assert job.archive.name.split("/")[-1].startswith("label-2020-certificats") and job.archive.name.endswith(".zip")
    with job.archive.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert archive.namelist() == [
            "label-2020-01-mecanique-dubois-sa.pdf",
            "label-2020-02-boulangerie-du-lac-sarl.pdf",
            "label-2020-03-atelier-l-etoile.pdf",
            "label-2020-04-garage-des-alpes-sa.pdf",
        ]
        singles = [archive.read(name) for name in archive.namelist()]
    for name, single in zip(LABELLED_2020, singles, strict=True):
        single_reader = PdfReader(io.BytesIO(single))
        assert len(single_reader.pages) == 1
        assert name in pdf_text(single)
        assert _is_pdf_a(single_reader)


def test_a_certificate_is_pdf_a_with_its_fonts_embedded(edition_2020, cnip_staff, rendered_job, job_bytes):
    job = rendered_job(
        ReportKind.LABEL_CERTIFICATES, {"edition": 2020, "company": _company("Boulangerie du Lac Sàrl")}, cnip_staff
    )

    reader = PdfReader(io.BytesIO(job_bytes(job)))
    assert _is_pdf_a(reader)
    assert _fonts_embedded(reader)
    assert reader.metadata is not None and reader.metadata.title == "Label Intégration 2020 · Boulangerie du Lac Sàrl"


def test_the_qr_code_encodes_the_public_verification_url_printed_under_it(
    edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text
):
    entry = RankingEntry.objects.get(edition=edition_2020, rank=1)
    url = f"{PUBLIC_URL}/label/verifier/{entry.verification_code}/"
    job = rendered_job(ReportKind.LABEL_CERTIFICATES, {"edition": 2020, "company": str(entry.company_id)}, cnip_staff)

    content = job_bytes(job)
    assert _flat(url) in _flat(pdf_text(content))
    # No QR decoder here: the image must be, module for module, the QR code of that URL.
    images = PdfReader(io.BytesIO(content)).pages[0].images
    assert len(images) == 1
    picture = images[0].image.convert("L")
    expected = [list(row) for row in segno.make(url, error="m").matrix_iter(scale=1, border=2)]
    assert picture.size == (len(expected[0]), len(expected))
    assert [[picture.getpixel((x, y)) < 128 for x in range(picture.width)] for y in range(picture.height)] == [
        [bool(module) for module in row] for row in expected
    ]


def test_a_draft_editions_certificates_carry_the_watermark_and_a_published_ones_do_not(
    edition_2020, draft_edition, cnip_staff, rendered_job, job_bytes, pdf_text
):
    draft = rendered_job(ReportKind.LABEL_CERTIFICATES, {"edition": 2021}, cnip_staff)
    published = rendered_job(
        ReportKind.LABEL_CERTIFICATES, {"edition": 2020, "company": _company("Mécanique Dubois SA")}, cnip_staff
    )

    draft_pages = [page.extract_text() for page in PdfReader(io.BytesIO(job_bytes(draft))).pages]
    assert len(draft_pages) == 2
    assert all("PROJET – non publié" in page for page in draft_pages)
    assert "PROJET" not in pdf_text(job_bytes(published))


def test_a_very_long_company_name_still_fits_on_one_page(edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text):
    long_name = (
        "Fondation neuchâteloise pour la réinsertion professionnelle et sociale des personnes en situation "
        "de handicap, ateliers de Couvet, de Fleurier et du Val-de-Travers (site principal et annexes)"
    )
    entry = RankingEntry.objects.get(edition=edition_2020, rank=4)
    RankingEntry.objects.filter(pk=entry.pk).update(company_name=long_name)

    job = rendered_job(ReportKind.LABEL_CERTIFICATES, {"edition": 2020, "company": str(entry.company_id)}, cnip_staff)

    content = job_bytes(job)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert _flat(long_name) in _flat(pdf_text(content))


def test_rendering_reports_its_progress_after_each_certificate(edition_2020, cnip_staff):
    definition = report_definition(ReportKind.LABEL_CERTIFICATES)
    job = ReportJob(kind=ReportKind.LABEL_CERTIFICATES, parameters={"edition": "2020"}, requested_by=cnip_staff)
    seen: list[int] = []

    rendered = certificates_render(job, definition.build_context(job), seen.append)

    assert seen == [25, 50, 75, 100]
    assert rendered.archive is not None and rendered.archive_filename == "label-2020-certificats.zip"


@pytest.mark.parametrize("persona", ["orp_counsellor", "oai_counsellor", "outsider", "jury_oai", "gp_cii_member"])
def test_only_cnip_staff_may_print_certificates(edition_2020, jury_2020, persona, request):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        report_job_request(kind=ReportKind.LABEL_CERTIFICATES, parameters={"edition": 2020}, requested_by=user)

    assert not ReportJob.objects.exists()


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"edition": 1999}, "edition"),
        ({"edition": "abc"}, "edition"),
        ({}, "edition"),
        ({"edition": 2019}, "edition"),  # published, but no ranking entries
        ({"edition": 2020, "company": "999999"}, "company"),
        ({"edition": 2020, "company": "x"}, "company"),
    ],
)
def test_it_refuses_an_unknown_edition_or_an_edition_without_ranking_or_a_company_not_in_it(
    edition_2020, cnip_staff, parameters, field
):
    with pytest.raises(ValidationError) as refused:
        report_job_request(kind=ReportKind.LABEL_CERTIFICATES, parameters=parameters, requested_by=cnip_staff)

    assert field in refused.value.message_dict
    assert not ReportJob.objects.exists()


def test_it_refuses_a_company_ranked_but_not_labelled(edition_2020, cnip_staff):
    with pytest.raises(ValidationError) as refused:
        report_job_request(
            kind=ReportKind.LABEL_CERTIFICATES,
            parameters={"edition": 2020, "company": _company("Imprimerie Centrale SA")},
            requested_by=cnip_staff,
        )

    assert refused.value.message_dict["company"] == ["Cette entreprise n'est pas labellisée dans l'édition 2020."]


def test_it_refuses_unknown_parameters(edition_2020, cnip_staff):
    with pytest.raises(ValidationError, match="Paramètres inconnus : colour"):
        report_job_request(
            kind=ReportKind.LABEL_CERTIFICATES, parameters={"edition": 2020, "colour": "red"}, requested_by=cnip_staff
        )


def test_a_company_no_longer_labelled_when_the_worker_renders_fails_the_job_with_an_explanation(
    edition_2020, cnip_staff, django_capture_on_commit_callbacks
):
    from cii_platform.reports.services import report_job_render

    company = _company("Garage des Alpes SA")
    with django_capture_on_commit_callbacks(execute=False):
        job = report_job_request(
            kind=ReportKind.LABEL_CERTIFICATES,
            parameters={"edition": 2020, "company": company},
            requested_by=cnip_staff,
        )
    RankingEntry.objects.filter(edition=edition_2020, company_id=company).update(labelled=False)

    report_job_render(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert "aucune entreprise n'est plus labellisée" in job.error
    assert not job.result


def test_the_job_is_described_by_its_edition_and_company(edition_2020, cnip_staff, django_capture_on_commit_callbacks):
    definition = report_definition(ReportKind.LABEL_CERTIFICATES)
    with django_capture_on_commit_callbacks(execute=False):
        single = report_job_request(
            kind=ReportKind.LABEL_CERTIFICATES,
            parameters={"edition": 2020, "company": _company("Atelier l'Étoile")},
            requested_by=cnip_staff,
        )
        whole = report_job_request(
            kind=ReportKind.LABEL_CERTIFICATES, parameters={"edition": 2020}, requested_by=cnip_staff
        )

    assert definition.summary(single) == [("Édition", "2020"), ("Entreprise", "Atelier l'Étoile")]
    assert definition.summary(whole) == [("Édition", "2020"), ("Entreprise", "toutes les entreprises labellisées")]


def test_signatories_are_read_one_per_line_and_share_the_bottom_of_the_certificate():
    signatories = signatories_of("Anne Martin, présidente\n\n  Paul Roth  \nLéa Favre, directrice, CNIP\n")

    assert [(s.name, s.function) for s in signatories] == [
        ("Anne Martin", "présidente"),
        ("Paul Roth", ""),
        ("Léa Favre", "directrice, CNIP"),
    ]
    placed = signatories_placed(signatories)
    assert [(p.left, p.width) for p in placed] == [("-6.0", "59.3"), ("61.3", "59.3"), ("128.7", "59.3")]
    assert signatories_placed([]) == []
