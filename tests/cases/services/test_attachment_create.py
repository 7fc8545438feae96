"""Attaching documents: PDF, JPEG, PNG, DOCX or XLSX up to 10 MB, content checked, neutral names."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Visibility
from cases.services.journal import ATTACHMENT_MAX_BYTES, attachment_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.attachments import docx, jpeg, office_bytes, pdf, png, xlsx
from tests.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("upload", "extension", "content_type"),
    [
        (pdf, ".pdf", "application/pdf"),
        (jpeg, ".jpg", "image/jpeg"),
        (png, ".png", "image/png"),
        (docx, ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx, ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_each_accepted_kind_is_stored_under_a_neutral_name_with_its_content_type(
    orp_counsellor, services, upload, extension, content_type
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    document = upload()

    attachment = attachment_create(
        case=case, uploaded_by=orp_counsellor, title="Pièce", document=document, visibility=Visibility.NETWORK
    )

    name = attachment.file.name.rsplit("/", 1)[-1]
    assert name.startswith("piece-") and name.endswith(extension)
    assert "Perret" not in attachment.file.name
    assert (attachment.content_type, attachment.size, attachment.service) == (
        content_type,
        document.size,
        services["semp"],
    )


def test_the_upload_is_audited_with_the_person_and_no_file_name(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    attachment = attachment_create(
        case=case, uploaded_by=orp_counsellor, title="Rapport", document=pdf(), visibility="service"
    )

    event = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="cases.attachment", object_id=str(attachment.pk)
    )
    assert event.person_id == str(case.person_id)
    assert event.detail["visibility"] == "service"
    assert "Perret" not in str(event.detail)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00 a program"), "doit être un document PDF"),
        (SimpleUploadedFile("rapport.exe", b"%PDF-1.4 but an exe name"), "doit être un document PDF"),
        (SimpleUploadedFile("photo.png", b"%PDF-1.4 a pdf named png"), "doit être un document PDF"),
        (SimpleUploadedFile("lettre.docx", b"PK\x03\x04 not really a zip"), "doit être un document PDF"),
        (SimpleUploadedFile("tableur.xlsx", office_bytes("word/document.xml")), "doit être un document PDF"),
        (docx("macro.docx", macro=True), "doit être un document PDF"),
        (SimpleUploadedFile("vide.pdf", b""), "Le fichier est vide."),
    ],
)
def test_it_sniffs_the_content_and_refuses_what_is_not_what_the_name_says(orp_counsellor, services, document, message):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        attachment_create(case=case, uploaded_by=orp_counsellor, title="Pièce", document=document, visibility="network")

    assert message in error.value.message_dict["document"][0]
    assert not Attachment.objects.exists()


def test_it_refuses_a_file_over_10_mb(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    big = SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * ATTACHMENT_MAX_BYTES)

    with pytest.raises(ValidationError) as error:
        attachment_create(case=case, uploaded_by=orp_counsellor, title="Gros", document=big, visibility="network")

    assert error.value.message_dict["document"] == ["Le fichier ne doit pas dépasser 10 Mo."]
    assert not Attachment.objects.exists()


def test_it_needs_a_title_and_a_caseworker_of_a_service_that_sees_the_case(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as untitled:
        attachment_create(case=case, uploaded_by=orp_counsellor, title=" ", document=pdf(), visibility="network")
    with pytest.raises(PermissionDenied):
        attachment_create(case=case, uploaded_by=oai_counsellor, title="AI", document=pdf(), visibility="network")

    assert untitled.value.message_dict["title"] == ["Donnez un titre à la pièce."]
    assert not Attachment.objects.exists()
