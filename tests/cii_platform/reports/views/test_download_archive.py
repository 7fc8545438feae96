"""The ZIP of a job's single documents: for whoever may see the job, audited as a print; 404 otherwise."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.services import report_job_render


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("un.pdf", b"%PDF-1.7 un")
    return buffer.getvalue()


@pytest.fixture
def done_extract(queued_extract):  # type: ignore[no-untyped-def]
    report_job_render(job_id=queued_extract.pk)
    queued_extract.refresh_from_db()
    return queued_extract


@pytest.fixture
def done_with_archive(done_extract):  # type: ignore[no-untyped-def]
    done_extract.archive.save("documents.zip", ContentFile(_zip()), save=True)
    return done_extract


def test_it_hands_the_zip_to_the_requester_and_audits_it_as_a_print(
    client_for, data_protection_officer, done_with_archive
):
    response = client_for(data_protection_officer).get(reverse("reports:download_archive", args=[done_with_archive.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert ".zip" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert archive.namelist() == ["un.pdf"]
    assert AuditEvent.objects.filter(action=AuditAction.PRINT, actor=data_protection_officer).exists()


def test_the_status_and_the_page_offer_the_zip_only_when_there_is_one(
    client_for, data_protection_officer, done_extract
):
    client = client_for(data_protection_officer)
    assert client.get(reverse("reports:status", args=[done_extract.pk])).json()["archive_url"] is None
    assert client.get(reverse("reports:download_archive", args=[done_extract.pk])).status_code == 404

    done_extract.archive.save("documents.zip", ContentFile(_zip()), save=True)

    url = reverse("reports:download_archive", args=[done_extract.pk])
    assert client.get(reverse("reports:status", args=[done_extract.pk])).json()["archive_url"] == url
    assert url in client.get(reverse("reports:detail", args=[done_extract.pk])).content.decode()


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "other_data_protection_officer"])
def test_it_answers_404_to_anyone_else(client_for, done_with_archive, persona, request):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(reverse("reports:download_archive", args=[done_with_archive.pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PRINT).exists()
