"""Person API: only persons with a visible case file; AVS masked in lists; 404 for the rest."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cases.api.persons import router_registrations
from cii_platform.access import Capability, access_grant
from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.urls import urlpatterns as platform_urlpatterns
from tests.factories import PersonFactory, open_case

pytestmark = pytest.mark.django_db

# The platform's router registers `router_registrations` (cases/api/persons.py);
# this URL configuration does the same, so that the tests do not depend on it.
_router = DefaultRouter()
for prefix, viewset, basename in router_registrations:
    _router.register(prefix, viewset, basename=basename)
urlpatterns = [path("api/", include(_router.urls)), *platform_urlpatterns]


@pytest.fixture(autouse=True)
def _person_api_urls(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = __name__


def test_the_list_holds_only_visible_persons_with_a_masked_avs_number(client_for, orp_counsellor, services):
    own = open_case(lead_service=services["semp"], person=PersonFactory(last_name="Perrenoud")).person
    hidden = open_case(lead_service=services["oai"], person=PersonFactory(last_name="Vuilleumier")).person

    response = client_for(orp_counsellor).get("/api/persons/")

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [own.pk]
    assert body["results"][0]["avs_masked"] == own.avs_masked
    assert own.avs_number not in response.content.decode()
    assert hidden.last_name not in response.content.decode()
    assert "count" not in body


def test_the_detail_shows_the_full_avs_number_and_visible_case_files_and_audits_the_read(
    client_for, orp_counsellor, services
):
    person = PersonFactory(phone="032 000 11 22")
    own = open_case(lead_service=services["semp"], person=person)
    open_case(lead_service=services["saso"], person=person)

    response = client_for(orp_counsellor).get(f"/api/persons/{person.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["avs_number"] == person.avs_number
    assert body["phone"] == "032 000 11 22"
    assert body["case_files"] == [
        {
            "reference": own.reference,
            "programme": "reseau-cii",
            "status": "reported",
            "lead_service": "semp",
            "opened_at": body["case_files"][0]["opened_at"],
        }
    ]
    read = AuditEvent.objects.get(action=AuditAction.READ, object_type="cases.person")
    assert (read.person_id, read.actor) == (str(person.pk), orp_counsellor)


def test_a_person_of_another_service_answers_404_like_a_missing_one(client_for, oai_counsellor, services):
    case = open_case(lead_service=services["semp"])
    client = client_for(oai_counsellor)

    forbidden = client.get(f"/api/persons/{case.person_id}/")
    missing = client.get(f"/api/persons/{case.person_id + 999}/")

    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_type="cases.person").exists()
    assert client.get("/api/persons/").json()["results"] == []


def test_a_shared_case_opens_the_person_to_the_other_service(client_for, oai_counsellor, services):
    case = open_case(lead_service=services["semp"])
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    response = client_for(oai_counsellor).get(f"/api/persons/{case.person_id}/")

    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["case_files"]] == [case.reference]


def test_the_api_is_read_only(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"])
    client = client_for(orp_counsellor)

    assert client.post("/api/persons/", {"last_name": "X"}).status_code == 405
    assert client.delete(f"/api/persons/{case.person_id}/").status_code == 405


def test_the_search_finds_by_avs_number_or_name_within_what_is_visible(client_for, orp_counsellor, services):
    mine = open_case(lead_service=services["semp"], person=PersonFactory(last_name="Rossi")).person
    open_case(lead_service=services["oai"], person=PersonFactory(last_name="Rossi"))
    client = client_for(orp_counsellor)

    by_name = client.get("/api/persons/", {"recherche": "rossi"}).json()["results"]
    by_avs = client.get("/api/persons/", {"recherche": mine.avs_number}).json()["results"]

    assert [row["id"] for row in by_name] == [mine.pk]
    assert [row["id"] for row in by_avs] == [mine.pk]


def test_the_api_refuses_anonymous_callers(client, services):
    assert client.get("/api/persons/").status_code == 403


def test_the_list_pages_without_counting_and_costs_the_same_queries_for_10_and_60_persons(
    client_for, orp_counsellor, services
):
    client = client_for(orp_counsellor)

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/persons/").status_code == 200
        return len(queries)

    persons = [open_case(lead_service=services["semp"]).person for _ in range(10)]
    with_10 = list_queries()
    persons += [open_case(lead_service=services["semp"]).person for _ in range(50)]
    with_60 = list_queries()
    assert with_10 == with_60

    first = client.get("/api/persons/").json()
    assert len(first["results"]) == 50
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [person.pk for person in reversed(persons[:10])]
    assert second["next"] is None


def test_the_openapi_schema_describes_the_person_api(client_for, orp_counsellor):
    response = client_for(orp_counsellor).get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/persons/" in response.content
    assert b"recherche" in response.content
