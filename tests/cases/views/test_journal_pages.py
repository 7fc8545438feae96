"""Journal and attachment pages: each user reads only what the rules allow; everything else answers 404."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Attachment, JournalEntry
from cases.services.journal import attachment_create, journal_entry_create
from cii_platform.access import Capability, access_revoke
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.attachments import docx, pdf
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

MISSING = "CII-2026-99999"


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def _shared_case(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    return case


def test_a_caseworker_writes_an_entry_and_finds_it_in_the_journal(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(orp_counsellor)

    form = client.get(reverse("cases:journal_new", args=[case.reference]))
    response = client.post(
        reverse("cases:journal_new", args=[case.reference]), {"text": "Entretien du jour.", "visibility": "network"}
    )

    assert form.status_code == 200
    assert 'value="service" id="id_visibility_1" required checked' in form.content.decode()  # private by default
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:journal_list", args=[case.reference])
    page = client.get(response["Location"]).content.decode()
    assert "Entretien du jour." in page
    assert JournalEntry.objects.get().service == services["semp"]


def test_an_empty_entry_gets_a_french_message_and_nothing_is_saved(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:journal_new", args=[case.reference]), {"text": "", "visibility": "network"}
    )

    assert response.status_code == 200
    assert "Écrivez le texte de l&#x27;entrée." in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_an_entry_kept_for_a_service_is_never_shown_to_another_participating_service(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = _shared_case(orp_counsellor, services)
    journal_entry_create(case=case, author=orp_counsellor, text="Pour tout le réseau", visibility="network")
    journal_entry_create(case=case, author=orp_counsellor, text="Note interne ORP", visibility="service")

    seen_by_oai = client_for(oai_counsellor).get(reverse("cases:journal_list", args=[case.reference])).content.decode()
    seen_by_orp = client_for(orp_counsellor).get(reverse("cases:journal_list", args=[case.reference])).content.decode()

    assert "Pour tout le réseau" in seen_by_oai
    assert "Note interne ORP" not in seen_by_oai
    assert "Note interne ORP" in seen_by_orp


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "platform_admin", "gp_cii_member"])
def test_every_journal_page_of_a_case_the_user_does_not_see_answers_404_like_a_missing_case(
    request, client_for, orp_counsellor, services, persona
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    journal_entry_create(case=case, author=orp_counsellor, text="Secret du dossier", visibility="network")
    attachment = attachment_create(
        case=case, uploaded_by=orp_counsellor, title="Pièce", document=pdf(), visibility="network"
    )
    client = client_for(request.getfixturevalue(persona))

    for name, extra in [
        ("cases:journal_list", []),
        ("cases:journal_new", []),
        ("cases:attachment_list", []),
        ("cases:attachment_new", []),
        ("cases:attachment_download", [attachment.pk]),
    ]:
        forbidden = client.get(reverse(name, args=[case.reference, *extra]))
        missing = client.get(reverse(name, args=[MISSING, *extra]))
        assert forbidden.status_code == missing.status_code == 404, name
        assert _without_csrf(forbidden.content) == _without_csrf(missing.content), name
    posted = client.post(reverse("cases:journal_new", args=[case.reference]), {"text": "x", "visibility": "network"})
    assert posted.status_code == 404
    assert JournalEntry.objects.count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.READ, object_type="cases.attachment").exists()


def test_a_coordination_member_reads_the_journal_of_the_service_but_does_not_write(
    client_for, orp_counsellor, coordination_member, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(coordination_member)

    assert client.get(reverse("cases:journal_list", args=[case.reference])).status_code == 200
    assert client.get(reverse("cases:journal_new", args=[case.reference])).status_code == 404
    assert client.get(reverse("cases:attachment_new", args=[case.reference])).status_code == 404


def test_an_attachment_is_uploaded_then_downloaded_under_a_neutral_name_and_each_download_is_audited(
    client_for, orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(orp_counsellor)

    response = client.post(
        reverse("cases:attachment_new", args=[case.reference]),
        {"title": "Bilan de compétences", "document": docx("Perret bilan.docx"), "visibility": "network"},
    )
    attachment = Attachment.objects.get()
    listing = client.get(reverse("cases:attachment_list", args=[case.reference])).content.decode()
    download = client.get(reverse("cases:attachment_download", args=[case.reference, attachment.pk]))

    assert response.status_code == 302
    assert "Bilan de compétences" in listing and "Word" in listing
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK\x03\x04")
    assert download["Content-Type"] == attachment.content_type
    assert f'filename="piece-{case.reference}-{attachment.pk}.docx"' in download["Content-Disposition"]
    assert "attachment" in download["Content-Disposition"]
    assert "no-cache" in download["Cache-Control"] or "no-store" in download["Cache-Control"]
    read = AuditEvent.objects.get(action=AuditAction.READ, object_type="cases.attachment")
    assert (read.actor, read.person_id, read.detail["download"]) == (orp_counsellor, str(case.person_id), True)


def test_a_bad_file_gets_a_french_message_and_nothing_is_stored(client_for, orp_counsellor, services):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:attachment_new", args=[case.reference]),
        {"title": "Programme", "document": SimpleUploadedFile("cv.pdf", b"MZ program"), "visibility": "network"},
    )

    assert response.status_code == 200
    assert "doit être un document PDF, JPEG, PNG, Word (DOCX) ou Excel (XLSX)" in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_attachment_kept_for_another_service_or_of_another_case_cannot_be_downloaded(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = _shared_case(orp_counsellor, services)
    other_case = _shared_case(orp_counsellor, services)
    internal = attachment_create(
        case=case, uploaded_by=orp_counsellor, title="Rapport interne ORP", document=pdf(), visibility="service"
    )
    network = attachment_create(
        case=case, uploaded_by=orp_counsellor, title="Rapport pour le réseau", document=pdf(), visibility="network"
    )
    client = client_for(oai_counsellor)

    kept = client.get(reverse("cases:attachment_download", args=[case.reference, internal.pk]))
    wrong_case = client.get(reverse("cases:attachment_download", args=[other_case.reference, network.pk]))
    nowhere = client.get(reverse("cases:attachment_download", args=[case.reference, 999_999]))
    allowed = client.get(reverse("cases:attachment_download", args=[case.reference, network.pk]))
    listing = client.get(reverse("cases:attachment_list", args=[case.reference])).content.decode()

    assert kept.status_code == wrong_case.status_code == nowhere.status_code == 404
    assert _without_csrf(kept.content) == _without_csrf(nowhere.content)
    assert allowed.status_code == 200
    assert "Rapport pour le réseau" in listing and "Rapport interne ORP" not in listing
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, object_type="cases.attachment", object_id=str(internal.pk)
    ).exists()


def test_a_service_whose_access_ends_loses_its_downloads_at_once(client_for, orp_counsellor, oai_counsellor, services):
    case = _shared_case(orp_counsellor, services)
    attachment = attachment_create(
        case=case, uploaded_by=oai_counsellor, title="AI", document=pdf(), visibility="service"
    )
    client = client_for(oai_counsellor)
    url = reverse("cases:attachment_download", args=[case.reference, attachment.pk])
    assert client.get(url).status_code == 200

    access_revoke(service=services["oai"], obj=case, capability=Capability.VIEW, revoked_by=orp_counsellor)

    assert client.get(url).status_code == 404
    assert client.get(reverse("cases:journal_list", args=[case.reference])).status_code == 404


def test_the_journal_pages_ask_anonymous_visitors_to_log_in(client, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    for name in ("cases:journal_list", "cases:journal_new", "cases:attachment_list", "cases:attachment_new"):
        response = client.get(reverse(name, args=[case.reference]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_journal_pages_cost_the_same_queries_for_10_and_for_60_rows(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(orp_counsellor)

    def add(count: int) -> None:
        for number in range(count):
            journal_entry_create(case=case, author=orp_counsellor, text=f"entrée {number}", visibility="network")
            attachment_create(
                case=case, uploaded_by=orp_counsellor, title=f"pièce {number}", document=pdf(), visibility="service"
            )

    def queries() -> tuple[int, int]:
        counts = []
        for name in ("cases:journal_list", "cases:attachment_list"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse(name, args=[case.reference])).status_code == 200
            counts.append(len(captured))
        return counts[0], counts[1]

    add(10)
    with_10 = queries()
    add(50)
    with_60 = queries()

    assert with_10 == with_60


def test_the_journal_pages_without_counting_everything(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    entries = [
        journal_entry_create(case=case, author=orp_counsellor, text=f"entrée n° {n:02d}", visibility="network")
        for n in range(55)
    ]
    client = client_for(orp_counsellor)

    first = client.get(reverse("cases:journal_list", args=[case.reference])).content.decode()
    second = client.get(reverse("cases:journal_list", args=[case.reference]), {"apres": entries[5].pk}).content.decode()

    assert "entrée n° 54" in first and "entrée n° 00" not in first
    assert f"?apres={entries[5].pk}" in first
    assert "entrée n° 00" in second and "entrée n° 54" not in second
