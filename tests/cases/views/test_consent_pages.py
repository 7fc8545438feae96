"""Sharing pages: a second service sees nothing until a consent covers it and it is invited.

Only a caseworker of the lead service records or revokes consents and invites
services; anyone else gets the 404 of a missing case and changes nothing.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseFileGroupObjectPermission, Consent, Participation
from cases.services.participations import consent_access_ends_at
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, law, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _sees(client, case) -> bool:
    """Whether the client's service reaches `case` through the page, the list and the API alike."""
    page = client.get(reverse("cases:detail", args=[case.reference])).status_code
    listed = case.reference in client.get(reverse("cases:list")).content.decode()
    api_rows = [row["reference"] for row in client.get("/api/cases/").json()["results"]]
    api_detail = client.get(f"/api/cases/{case.reference}/").status_code
    seen = (page == 200, listed, case.reference in api_rows, api_detail == 200)
    assert seen in {(True, True, True, True), (False, False, False, False)}, seen
    if not seen[0]:
        assert page == api_detail == 404
    return seen[0]


def _consent_post(partner_services, **overrides):
    today = timezone.localdate()
    data = {
        "services": [partner_services["oai"].pk],
        "data_categories": ["identity", "benefits", "health"],
        "purpose": "Évaluer ensemble la capacité de travail et une mesure d'insertion.",
        "signed_on": today.strftime("%d.%m.%Y"),
        "valid_until": (today + dt.timedelta(days=365)).strftime("%d.%m.%Y"),
    }
    data.update(overrides)
    return data


def test_a_second_service_sees_nothing_until_a_consent_covers_it_and_it_is_invited(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    lead, oai = client_for(orp_counsellor), client_for(oai_counsellor)
    assert not _sees(oai, case)

    recorded = lead.post(reverse("cases:consent_new", args=[case.reference]), _consent_post(services))
    consent = Consent.objects.get(person=case.person)
    assert recorded.status_code == 302
    assert recorded["Location"] == reverse("cases:consent_detail", args=[case.reference, consent.pk])
    assert not _sees(oai, case)  # a consent alone shares nothing

    invited = lead.post(
        reverse("cases:participation_invite", args=[case.reference]),
        {"service": services["oai"].pk, "basis": f"consent-{consent.pk}"},
    )

    assert invited.status_code == 302
    assert _sees(oai, case)
    read = AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(case.pk), actor=oai_counsellor).first()
    assert read is not None and read.legal_basis == "Consentement exprès de la personne"


def test_revoking_the_consent_closes_the_case_to_the_invited_service_at_once_and_keeps_the_history(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    lead, oai = client_for(orp_counsellor), client_for(oai_counsellor)
    assert _sees(oai, case)

    confirm = lead.get(reverse("cases:consent_revoke", args=[case.reference, consent.pk]))
    assert "Office de l&#x27;assurance-invalidité" in confirm.content.decode()  # who will lose access
    revoked = lead.post(
        reverse("cases:consent_revoke", args=[case.reference, consent.pk]), {"note": "Retrait par téléphone"}
    )

    assert revoked.status_code == 302
    assert not _sees(oai, case)
    history = lead.get(reverse("cases:sharing", args=[case.reference])).content.decode()
    assert "révoqué le" in history
    assert "Participations terminées (historique)" in history
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="cases.consent", object_id=str(consent.pk), actor=orp_counsellor
    ).exists()


def test_a_consent_past_its_end_gives_no_access(client_for, orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    consent = record_consent(case, orp_counsellor, [services["oai"]], signed_on=today - dt.timedelta(days=90))
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    oai = client_for(oai_counsellor)
    assert _sees(oai, case)

    # Time passes: the consent ended yesterday, and so did the grant resting on it (nobody cleans it up).
    yesterday = today - dt.timedelta(days=1)
    Consent.objects.filter(pk=consent.pk).update(valid_until=yesterday)
    CaseFileGroupObjectPermission.objects.filter(content_object=case, group=services["oai"].permission_group).update(
        expires_at=consent_access_ends_at(yesterday)
    )

    assert not _sees(oai, case)


def test_an_expired_consent_cannot_be_used_to_invite(client_for, orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    expired = record_consent(
        case,
        orp_counsellor,
        [services["oai"]],
        signed_on=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
    )
    lead = client_for(orp_counsellor)

    form = lead.get(reverse("cases:participation_invite", args=[case.reference])).content.decode()
    response = lead.post(
        reverse("cases:participation_invite", args=[case.reference]),
        {"service": services["oai"].pk, "basis": f"consent-{expired.pk}"},
    )

    assert f"consent-{expired.pk}" not in form  # only consents in force are offered
    assert response.status_code == 200
    assert not Participation.objects.filter(case=case, service=services["oai"]).exists()
    assert not _sees(client_for(oai_counsellor), case)


def test_an_invitation_without_a_basis_is_refused_with_a_french_message_and_changes_nothing(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    grants_before = CaseFileGroupObjectPermission.objects.count()

    response = client_for(orp_counsellor).post(
        reverse("cases:participation_invite", args=[case.reference]), {"service": services["oai"].pk, "basis": ""}
    )

    assert response.status_code == 200
    assert "Un service ne peut être invité que sur une base légale" in response.content.decode()
    assert not Participation.objects.filter(case=case, service=services["oai"]).exists()
    assert CaseFileGroupObjectPermission.objects.count() == grants_before
    assert not _sees(client_for(oai_counsellor), case)


def test_an_invitation_on_an_article_of_law_asks_for_and_records_that_the_person_was_informed(
    client_for, orp_counsellor, ssr_social_worker, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    lead = client_for(orp_counsellor)

    lead.post(
        reverse("cases:participation_invite", args=[case.reference]),
        {"service": services["saso"].pk, "basis": f"law-{law('laci-85f').code}"},
    )
    participation = Participation.objects.get(case=case, service=services["saso"])
    before = lead.get(reverse("cases:sharing", args=[case.reference])).content.decode()
    informed = lead.post(
        reverse("cases:participation_person_informed", args=[case.reference, participation.pk]), follow=True
    )

    assert _sees(client_for(ssr_social_worker), case)
    assert "pas encore informée" in before
    assert "L&#x27;information de la personne est enregistrée." in informed.content.decode()
    participation.refresh_from_db()
    assert participation.person_informed_at is not None
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_id=str(participation.pk), detail__person_informed=True
    ).exists()


def test_the_consent_form_states_everything_in_plain_french_and_its_reading_is_audited(
    client_for, orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    consent = record_consent(
        case,
        orp_counsellor,
        [services["oai"], services["saso"]],
        categories=["health", "finances"],
        valid_until=today + dt.timedelta(days=200),
        purpose="Préparer une séance de réseau.",
    )

    page = client_for(orp_counsellor).get(reverse("cases:consent_detail", args=[case.reference, consent.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    for expected in (
        case.person.full_name,
        "Service de l&#x27;emploi",
        "Office de l&#x27;assurance-invalidité",
        "Service de l&#x27;action sociale",
        "santé et capacité de travail",
        "dettes et situation financière",
        "Préparer une séance de réseau.",
        today.strftime("%d.%m.%Y"),
        (today + dt.timedelta(days=200)).strftime("%d.%m.%Y"),
        "retirer ce consentement à tout moment",
        "Signature de la personne",
    ):
        assert expected in html, expected
    assert case.person.avs_number not in html  # masked on anything that may be printed
    assert case.person.avs_masked in html
    assert "<script>" not in html and "style=" not in html
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="cases.consent", object_id=str(consent.pk), person_id=str(case.person_id)
    ).exists()


def test_recording_a_consent_with_bad_input_shows_french_messages_and_saves_nothing(
    client_for, orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    lead = client_for(orp_counsellor)

    backwards = lead.post(
        reverse("cases:consent_new", args=[case.reference]),
        _consent_post(services, valid_until=(today - dt.timedelta(days=3)).strftime("%d.%m.%Y")),
    )
    nothing = lead.post(
        reverse("cases:consent_new", args=[case.reference]),
        _consent_post(services, services=[], data_categories=[], purpose=""),
    )
    bad_file = lead.post(
        reverse("cases:consent_new", args=[case.reference]),
        {**_consent_post(services), "document": SimpleUploadedFile("scan.pdf", b"<html>not a pdf</html>")},
    )

    assert "ne peut pas précéder la date de signature" in backwards.content.decode()
    assert "Indiquez au moins une catégorie de données" in nothing.content.decode()
    assert "Indiquez le but de l&#x27;échange" in nothing.content.decode()
    assert "doit être un fichier PDF, JPEG ou PNG" in bad_file.content.decode()
    assert not Consent.objects.exists()


def test_the_signed_document_is_served_to_the_lead_service_only_and_each_download_is_audited(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    lead = client_for(orp_counsellor)
    lead.post(
        reverse("cases:consent_new", args=[case.reference]),
        {**_consent_post(services), "document": SimpleUploadedFile("Perret.pdf", b"%PDF-1.4 signed")},
    )
    consent = Consent.objects.get()
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    url = reverse("cases:consent_document", args=[case.reference, consent.pk])

    download = lead.get(url)
    denied = client_for(oai_counsellor).get(url)

    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert download["Content-Type"] == "application/pdf"
    assert f"consentement-{case.reference}-C{consent.pk}.pdf" in download["Content-Disposition"]
    assert denied.status_code == 404
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.READ, object_id=str(consent.pk), detail__document=True, actor=orp_counsellor
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    "persona", ["oai_counsellor", "ssr_social_worker", "coordination_member", "platform_admin", "outsider"]
)
def test_nobody_but_a_caseworker_of_the_lead_service_reaches_the_sharing_pages(
    request, client_for, orp_counsellor, oai_counsellor, services, persona
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)  # even an invited service may not share
    client = client_for(request.getfixturevalue(persona))
    participation = Participation.objects.get(case=case, service=services["oai"])
    missing = "CII-2026-99999"

    pages = [
        ("cases:consent_new", []),
        ("cases:consent_detail", [consent.pk]),
        ("cases:consent_document", [consent.pk]),
        ("cases:consent_revoke", [consent.pk]),
        ("cases:participation_invite", []),
    ]
    for name, extra in pages:
        assert client.get(reverse(name, args=[case.reference, *extra])).status_code == 404, name
        assert client.get(reverse(name, args=[missing, *extra])).status_code == 404, name
    posts = [
        ("cases:consent_new", [], _consent_post(services)),
        ("cases:consent_revoke", [consent.pk], {"note": "x"}),
        ("cases:participation_invite", [], {"service": services["saso"].pk, "basis": "law-laci-85f"}),
        ("cases:participation_end", [participation.pk], {}),
        ("cases:participation_person_informed", [participation.pk], {}),
    ]
    for name, extra, data in posts:
        assert client.post(reverse(name, args=[case.reference, *extra]), data).status_code == 404, name

    assert Consent.objects.count() == 1
    assert Consent.objects.get().revoked_at is None
    assert list(Participation.objects.filter(case=case).values_list("service__code", "ended_at")) == [
        ("semp", None),
        ("oai", None),
    ]


def test_the_sharing_page_shows_a_participating_service_who_takes_part_but_not_the_consents(
    client_for, orp_counsellor, oai_counsellor, smig_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]], purpose="But très confidentiel")
    invite_on_consent(case, services["oai"], orp_counsellor, consent)

    page = client_for(oai_counsellor).get(reverse("cases:sharing", args=[case.reference]))
    stranger = client_for(smig_counsellor).get(reverse("cases:sharing", args=[case.reference]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Consentement exprès de la personne" in html
    assert "Consentements de la personne" not in html
    assert "Inviter un service" not in html
    assert stranger.status_code == 404


def test_the_sharing_pages_ask_anonymous_visitors_to_log_in(client, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client.get(reverse("cases:participation_invite", args=[case.reference]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_sharing_page_costs_the_same_queries_for_3_and_for_30_consents(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(orp_counsellor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:sharing", args=[case.reference])).status_code == 200
        return len(queries)

    for _ in range(3):
        record_consent(case, orp_counsellor, [services["oai"]])
    with_3 = page_queries()
    for _ in range(27):
        record_consent(case, orp_counsellor, [services["oai"], services["saso"]])
    with_30 = page_queries()

    assert with_3 == with_30
