"""The palmarès of an edition: prizes first, the labelled companies by canton, the figures next to last year's."""

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.selectors import report_job_list_for
from cii_platform.reports.services import report_job_request
from labels.models import JuryMember, JurySeat

pytestmark = pytest.mark.django_db


def test_the_palmares_lists_the_prize_winners_first_then_the_labelled_companies_by_canton(
    edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text
):
    job = rendered_job(ReportKind.LABEL_PALMARES, {"edition": 2020}, cnip_staff)

    assert job.status == ReportStatus.DONE
    text = pdf_text(job_bytes(job))
    assert "Palmarès du Label Intégration 2020" in text
    assert "09.03.2021, Couvet" in text
    prizes = [text.index(name) for name in ("Mécanique Dubois SA", "Boulangerie du Lac Sàrl", "Atelier l'Étoile")]
    by_canton = text.index("Entreprises labellisées par canton")
    assert prizes == sorted(prizes) and prizes[-1] < by_canton
    assert text.index("Prix d'excellence – 1er rang") < prizes[0]
    assert "Garage des Alpes SA" not in text[:by_canton]
    # Neuchâtel (two labelled) before Vaud and Fribourg (one each, by canton code).
    cantons = [
        text.index(caption) for caption in ("Canton de Neuchâtel (2)", "Canton de Fribourg (1)", "Canton de Vaud (1)")
    ]
    assert cantons == sorted(cantons) and cantons[0] > by_canton
    assert "Garage des Alpes SA" in text[by_canton:] and "1'234" in text
    assert "Imprimerie Centrale SA" not in text
    assert "PROJET" not in text


def test_the_palmares_shows_the_headline_figures_next_to_the_previous_editions(
    edition_2020, cnip_staff, rendered_job, job_bytes, pdf_text
):
    job = rendered_job(ReportKind.LABEL_PALMARES, {"edition": 2020}, cnip_staff)

    figures = pdf_text(job_bytes(job)).split("Chiffres de l'édition")[1]
    assert "Chiffres 2020, à côté de ceux de 2019" in figures
    assert "Jours de stage 2'943 3'020" in figures
    assert "41.67 % 56.25 %" in figures
    assert "Entreprises labellisées 4 20" in figures
    assert "dont canton du Jura 0 2" in figures


def test_the_palmares_is_pdf_a(edition_2020, cnip_staff, rendered_job, job_bytes):
    job = rendered_job(ReportKind.LABEL_PALMARES, {"edition": 2020}, cnip_staff)

    root: Any = PdfReader(io.BytesIO(job_bytes(job))).trailer["/Root"]
    assert b'pdfaid:part="3"' in root["/Metadata"].get_object().get_data()
    assert "/OutputIntents" in root


def test_a_draft_editions_palmares_says_it_is_not_published(
    draft_edition, cnip_staff, rendered_job, job_bytes, pdf_text
):
    job = rendered_job(ReportKind.LABEL_PALMARES, {"edition": 2021}, cnip_staff)

    text = pdf_text(job_bytes(job))
    assert "PROJET – non publié" in text
    assert "Menuiserie Perret SA" in text and "pas d'édition l'année précédente" in text


def test_a_jury_member_gets_the_palmares_of_their_edition_and_sees_only_those_jobs(
    edition_2020,
    draft_edition,
    jury_2020,
    jury_oai,
    rendered_job,
    job_bytes,
    pdf_text,
    django_capture_on_commit_callbacks,
):
    job = rendered_job(ReportKind.LABEL_PALMARES, {"edition": 2020}, jury_oai)

    assert job.status == ReportStatus.DONE
    assert "Mécanique Dubois SA" in pdf_text(job_bytes(job))
    with pytest.raises(PermissionDenied):
        report_job_request(kind=ReportKind.LABEL_PALMARES, parameters={"edition": 2021}, requested_by=jury_oai)
    # A seat in 2021 given, then taken back: the job of 2021 leaves the list with the seat.
    seat = JuryMember.objects.create(edition=draft_edition, seat=JurySeat.OAI_NE, user=jury_oai)
    with django_capture_on_commit_callbacks(execute=False):
        later = report_job_request(kind=ReportKind.LABEL_PALMARES, parameters={"edition": 2021}, requested_by=jury_oai)
    assert list(report_job_list_for(user=jury_oai)) == [later, job]
    seat.delete()
    assert list(report_job_list_for(user=jury_oai)) == [job]


def test_a_jury_member_of_another_edition_is_refused(edition_2020, draft_edition, jury_cnci):
    JuryMember.objects.create(edition=draft_edition, seat=JurySeat.CNCI, user=jury_cnci)

    with pytest.raises(PermissionDenied):
        report_job_request(kind=ReportKind.LABEL_PALMARES, parameters={"edition": 2020}, requested_by=jury_cnci)


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "coordination_member", "data_protection_officer"])
def test_nobody_else_may_request_the_palmares(edition_2020, persona, request):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        report_job_request(kind=ReportKind.LABEL_PALMARES, parameters={"edition": 2020}, requested_by=user)

    assert not ReportJob.objects.exists()


def test_it_refuses_an_edition_without_ranking(edition_2019, cnip_staff):
    with pytest.raises(ValidationError) as refused:
        report_job_request(kind=ReportKind.LABEL_PALMARES, parameters={"edition": 2019}, requested_by=cnip_staff)

    assert refused.value.message_dict["edition"] == ["Le classement de l'édition 2019 n'est pas encore calculé."]
