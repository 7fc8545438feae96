"""Consent API: shown to the lead service only, as on the sharing pages; recorded as on the consent page."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Consent
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

MISSING = "CII-2026-99999"


def _url(case, consent_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    return f"/api/cases/{case.reference}/consents/" + (f"{consent_id}/" if consent_id is not None else "")


def _consent(case) -> Consent:  # type: ignore[no-untyped-def]
    return Consent.objects.get(person_id=case.person_id)


def _valid_input(**changes: object) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "services": ["saso"],
        "data_categories": ["identity", "benefits"],
        "purpose": "Coordonner l'aide sociale et la recherche d'emploi.",
        "signed_on": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=180)).isoformat(),
        **changes,
    }


def test_the_lead_service_lists_the_consents_and_reads_one_with_the_read_audited(
    client_for, orp_counsellor, shared_case
):
    consent = _consent(shared_case)
    client = client_for(orp_counsellor)

    listed = client.get(_url(shared_case))
    detail = client.get(_url(shared_case, consent.pk))

    assert listed.status_code == detail.status_code == 200
    row = listed.json()["results"][0]
    assert (row["id"], row["state"], row["services"]) == (consent.pk, "valid", ["oai", "semp"])
    assert row["category_labels"] == [
        "identité et coordonnées",
        "prestations perçues (AC, AI, aide sociale)",
        "santé et capacité de travail",
    ]
    assert detail.json()["purpose"] == consent.purpose
    read = AuditEvent.objects.get(action=AuditAction.READ, object_type="cases.consent")
    assert (read.actor, read.person_id) == (orp_counsellor, str(shared_case.person_id))


def test_the_invited_service_the_consent_covers_sees_no_consent_as_on_the_sharing_page(
    client_for, oai_counsellor, shared_case
):
    client = client_for(oai_counsellor)

    listed = client.get(_url(shared_case))
    detail = client.get(_url(shared_case, _consent(shared_case).pk))
    missing = client.get(_url(shared_case, _consent(shared_case).pk + 999))

    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert detail.status_code == missing.status_code == 404
    assert detail.json() == missing.json()


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "platform_admin"])
def test_a_service_the_consent_does_not_cover_gets_404_like_a_missing_case(
    request, client_for, shared_case, persona, post_json
):
    consent = _consent(shared_case)
    client = client_for(request.getfixturevalue(persona))

    for url in (_url(shared_case), _url(shared_case, consent.pk)):
        forbidden, missing = client.get(url), client.get(url.replace(shared_case.reference, MISSING))
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json() == missing.json()
    assert post_json(client, _url(shared_case), _valid_input()).status_code == 404
    assert Consent.objects.count() == 1


def test_after_the_revocation_the_invited_service_gets_404_at_once_and_the_lead_sees_it_revoked(
    client_for, orp_counsellor, oai_counsellor, shared_case, revoke_consent
):
    assert client_for(oai_counsellor).get(_url(shared_case)).status_code == 200

    revoke_consent(shared_case)

    assert client_for(oai_counsellor).get(_url(shared_case)).status_code == 404
    assert client_for(orp_counsellor).get(_url(shared_case)).json()["results"][0]["state"] == "revoked"


def test_the_lead_records_a_consent_that_always_names_it(client_for, orp_counsellor, shared_case, post_json):
    response = post_json(client_for(orp_counsellor), _url(shared_case), _valid_input())

    assert response.status_code == 201, response.content
    consent = Consent.objects.get(pk=response.json()["id"])
    assert sorted(consent.services.values_list("code", flat=True)) == ["saso", "semp"]
    assert (response.json()["state"], response.json()["has_document"]) == ("valid", False)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(consent.pk)).exists()


def test_an_invalid_consent_answers_400_with_the_french_messages_and_nothing_is_saved(
    client_for, orp_counsellor, shared_case, post_json
):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = post_json(
        client_for(orp_counsellor),
        _url(shared_case),
        _valid_input(services=["semp"], data_categories=[], purpose=" ", signed_on=tomorrow),
    )

    assert response.status_code == 400
    assert response.json() == {
        "services": [
            "Indiquez au moins un service, autre que le service pilote, avec lequel les informations seront échangées."
        ],
        "data_categories": ["Indiquez au moins une catégorie de données que les services pourront échanger."],
        "purpose": ["Indiquez le but de l'échange d'informations."],
        "signed_on": ["La date de signature ne peut pas être dans le futur."],
    }
    assert Consent.objects.count() == 1


def test_a_participating_service_that_may_only_read_gets_404_on_recording_like_on_the_page(
    client_for, oai_counsellor, shared_case, post_json
):
    response = post_json(client_for(oai_counsellor), _url(shared_case), _valid_input())

    assert response.status_code == 404
    assert Consent.objects.count() == 1


def test_the_list_costs_the_same_queries_for_2_and_for_20_consents(client_for, orp_counsellor, services, count_queries):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(orp_counsellor)
    for _ in range(2):
        record_consent(case, orp_counsellor, [services["oai"]])
    with_2 = count_queries(client, _url(case))
    for index in range(18):
        record_consent(case, orp_counsellor, [services["oai"], services["saso"]] if index % 2 else [services["smig"]])
    with_20 = count_queries(client, _url(case))

    assert with_2 == with_20
