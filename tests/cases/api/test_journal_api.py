"""Journal API: the entries the journal page shows, no more; writing as on the journal page."""

import pytest

from cases.models import JournalEntry
from cases.services.journal import journal_entry_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

MISSING = "CII-2026-99999"


def _url(case, entry_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    reference = case if isinstance(case, str) else case.reference
    return f"/api/cases/{reference}/journal/" + (f"{entry_id}/" if entry_id is not None else "")


def test_the_lead_service_reads_the_journal_newest_first_and_the_read_is_audited(
    client_for, orp_counsellor, shared_case
):
    first = journal_entry_create(
        case=shared_case, author=orp_counsellor, text="Premier entretien.", visibility="network"
    )
    second = journal_entry_create(case=shared_case, author=orp_counsellor, text="Note ORP.", visibility="service")

    response = client_for(orp_counsellor).get(_url(shared_case))

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert body["results"][1] == {
        "id": first.pk,
        "written_at": body["results"][1]["written_at"],
        "author": str(orp_counsellor),
        "service": "semp",
        "visibility": "network",
        "text": "Premier entretien.",
    }
    assert body["next"] is None
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_id=str(shared_case.pk), actor=orp_counsellor
    ).exists()


def test_an_entry_kept_for_another_service_is_absent_from_the_list_and_answers_404_on_its_detail(
    client_for, orp_counsellor, oai_counsellor, shared_case
):
    network = journal_entry_create(case=shared_case, author=orp_counsellor, text="Pour le réseau", visibility="network")
    private = journal_entry_create(
        case=shared_case, author=orp_counsellor, text="Note interne ORP", visibility="service"
    )
    client = client_for(oai_counsellor)

    listed = client.get(_url(shared_case))
    hidden = client.get(_url(shared_case, private.pk))
    missing = client.get(_url(shared_case, private.pk + 999))

    assert [row["id"] for row in listed.json()["results"]] == [network.pk]
    assert "Note interne ORP" not in listed.content.decode()
    assert client.get(_url(shared_case, network.pk)).json()["text"] == "Pour le réseau"
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_id=str(private.pk)).exists()


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "platform_admin", "gp_cii_member"])
def test_a_user_whose_service_the_consent_does_not_cover_gets_404_like_a_missing_case(
    request, client_for, orp_counsellor, shared_case, persona
):
    entry = journal_entry_create(case=shared_case, author=orp_counsellor, text="Réseau", visibility="network")
    client = client_for(request.getfixturevalue(persona))

    for url in (_url(shared_case), _url(shared_case, entry.pk)):
        forbidden, missing = client.get(url), client.get(url.replace(shared_case.reference, MISSING))
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json() == missing.json()
    assert client.post(_url(shared_case), {"text": "x", "visibility": "network"}).status_code == 404
    assert JournalEntry.objects.count() == 1


def test_the_invited_service_gets_404_as_soon_as_the_consent_is_revoked(
    client_for, oai_counsellor, orp_counsellor, shared_case, revoke_consent
):
    entry = journal_entry_create(case=shared_case, author=orp_counsellor, text="Réseau", visibility="network")
    client = client_for(oai_counsellor)
    assert client.get(_url(shared_case)).status_code == 200

    revoke_consent(shared_case)

    assert client.get(_url(shared_case)).status_code == 404
    assert client.get(_url(shared_case, entry.pk)).status_code == 404


def test_a_caseworker_of_a_participating_service_writes_an_entry_for_its_service(
    client_for, oai_counsellor, shared_case, post_json
):
    response = post_json(
        client_for(oai_counsellor), _url(shared_case), {"text": "Bilan médical demandé.", "visibility": "service"}
    )

    assert response.status_code == 201
    entry = JournalEntry.objects.get()
    assert response.json()["id"] == entry.pk
    assert (entry.service.code, entry.visibility, entry.text) == ("oai", "service", "Bilan médical demandé.")
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(entry.pk)).exists()


def test_an_empty_entry_answers_400_with_the_french_messages_and_saves_nothing(
    client_for, orp_counsellor, shared_case, post_json
):
    response = post_json(client_for(orp_counsellor), _url(shared_case), {"text": "  ", "visibility": "tous"})

    assert response.status_code == 400
    assert response.json() == {
        "text": ["Écrivez le texte de l'entrée."],
        "visibility": ["Choisissez qui pourra lire : le réseau ou votre service seulement."],
    }
    assert not JournalEntry.objects.exists()


def test_a_member_who_may_only_read_gets_404_on_writing_like_on_the_page(
    client_for, coordination_member, shared_case, post_json
):
    client = client_for(coordination_member)

    assert client.get(_url(shared_case)).status_code == 200
    response = post_json(client, _url(shared_case), {"text": "Note", "visibility": "network"})

    assert response.status_code == 404
    assert not JournalEntry.objects.exists()


def test_the_list_costs_the_same_queries_for_2_and_for_20_entries_and_pages_by_keyset(
    client_for, orp_counsellor, services, count_queries
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(orp_counsellor)

    def write(n: int) -> None:
        for index in range(n):
            journal_entry_create(case=case, author=orp_counsellor, text=f"Entrée {index}", visibility="network")

    write(2)
    with_2 = count_queries(client, _url(case))
    write(18)
    with_20 = count_queries(client, _url(case))
    assert with_2 == with_20

    write(40)
    first = client.get(_url(case)).json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 50
    assert len(second["results"]) == 10
    assert second["next"] is None


def test_anonymous_callers_are_refused(client, shared_case):
    assert client.get(_url(shared_case)).status_code == 403
