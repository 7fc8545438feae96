"""Internships and CNIP programmes API: CNIP staff list, read, create and PATCH (version read); 404 for others."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cii_platform.accounts.models import User
from labels.models import Internship, TrainingProgramme
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory, TrainingProgrammeFactory

pytestmark = pytest.mark.django_db

URL = "/api/label/internships/"
PROGRAMMES = "/api/label/programmes/"


def _typed(company_id: int, programme_id: int, **changes: object) -> dict[str, object]:
    return {
        "company": company_id,
        "intern_pseudonym": "Stagiaire A",
        "programme": programme_id,
        "starts_on": "2020-02-03",
        "ends_on": "2020-03-27",
        "finished": True,
        "employed_on_last_day": True,
        **changes,
    }


def test_cnip_staff_list_the_internships_filtered_by_company_and_year(client_for, cnip_staff):
    lake = PartnerCompanyFactory(name="Boulangerie du Lac")
    first = InternshipFactory(company=lake, intern_pseudonym="Stagiaire 2020")
    InternshipFactory(company=lake, starts_on=dt.date(2019, 3, 4), ends_on=dt.date(2019, 5, 31))
    InternshipFactory(intern_pseudonym="Ailleurs")
    client = client_for(cnip_staff)

    body = client.get(URL, {"company": lake.pk, "year": 2020}).json()

    assert [row["id"] for row in body["results"]] == [first.pk]
    assert body["results"][0]["company_name"] == "Boulangerie du Lac"
    assert body["results"][0]["intern_pseudonym"] == "Stagiaire 2020"
    assert len(client.get(URL).json()["results"]) == 3
    assert len(client.get(URL, {"company": lake.pk}).json()["results"]) == 2


def test_the_list_costs_the_same_queries_for_3_and_for_30_internships(client_for, cnip_staff):
    client = client_for(cnip_staff)

    def count() -> int:
        client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    InternshipFactory.create_batch(3)
    three = count()
    InternshipFactory.create_batch(27)
    assert count() == three


def test_cnip_staff_read_one_internship(client_for, cnip_staff):
    internship = InternshipFactory(intern_pseudonym="Stagiaire B", coaching_notes="Bonne intégration.")

    body = client_for(cnip_staff).get(f"{URL}{internship.pk}/").json()

    assert body["intern_pseudonym"] == "Stagiaire B"
    assert body["coaching_notes"] == "Bonne intégration."
    assert body["programme"] == internship.programme_id
    assert body["version"] == 1


def test_cnip_staff_record_an_internship(client_for, cnip_staff):
    company, programme = PartnerCompanyFactory(), TrainingProgrammeFactory()

    response = client_for(cnip_staff).post(URL, _typed(company.pk, programme.pk), content_type="application/json")

    assert response.status_code == 201
    internship = Internship.objects.get()
    assert response.json()["id"] == internship.pk
    assert (internship.company, internship.finished, internship.employed_on_last_day) == (company, True, True)
    assert internship.created_by == cnip_staff


def test_an_end_before_the_start_is_refused_in_french_and_nothing_is_saved(client_for, cnip_staff):
    company, programme = PartnerCompanyFactory(), TrainingProgrammeFactory()

    response = client_for(cnip_staff).post(
        URL, _typed(company.pk, programme.pk, ends_on="2020-01-31"), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["ends_on"] == ["La fin du stage (31.01.2020) ne peut pas précéder son début (03.02.2020)."]
    assert not Internship.objects.exists()


def test_an_unknown_company_is_refused_in_french(client_for, cnip_staff):
    programme = TrainingProgrammeFactory()

    response = client_for(cnip_staff).post(URL, _typed(999999, programme.pk), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["company"] == ["Entreprise partenaire inconnue."]


def test_cnip_staff_patch_an_internship_with_the_version_read(client_for, cnip_staff):
    internship = InternshipFactory(ends_on=dt.date(2020, 3, 27))

    response = client_for(cnip_staff).patch(
        f"{URL}{internship.pk}/", {"finished": True, "version": 1}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["version"] == 2
    internship.refresh_from_db()
    assert (internship.finished, internship.ends_on, internship.version) == (True, dt.date(2020, 3, 27), 2)


def test_a_patch_with_a_stale_version_answers_409_and_changes_nothing(client_for, cnip_staff):
    internship = InternshipFactory(version=2)

    response = client_for(cnip_staff).patch(
        f"{URL}{internship.pk}/", {"finished": True, "version": 1}, content_type="application/json"
    )

    assert response.status_code == 409
    assert "modifié par quelqu'un d'autre" in response.json()["detail"]
    internship.refresh_from_db()
    assert (internship.finished, internship.version) == (False, 2)


def test_a_patch_hiring_the_intern_of_an_unfinished_internship_is_refused_in_french(client_for, cnip_staff):
    internship = InternshipFactory()

    response = client_for(cnip_staff).patch(
        f"{URL}{internship.pk}/", {"employed_on_last_day": True, "version": 1}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "que si le stage est terminé" in response.json()["employed_on_last_day"][0]
    internship.refresh_from_db()
    assert (internship.employed_on_last_day, internship.version) == (False, 1)


def test_cnip_staff_list_and_create_programmes(client_for, cnip_staff):
    TrainingProgrammeFactory(code="vente", name="Vente")
    client = client_for(cnip_staff)

    created = client.post(PROGRAMMES, {"code": "Logistique", "name": "Logistique"}, content_type="application/json")

    assert created.status_code == 201
    assert created.json()["code"] == "logistique"
    assert [row["code"] for row in client.get(PROGRAMMES).json()] == ["logistique", "vente"]


def test_a_programme_code_already_taken_is_refused_in_french(client_for, cnip_staff):
    TrainingProgrammeFactory(code="vente", name="Vente")

    response = client_for(cnip_staff).post(
        PROGRAMMES, {"code": "vente", "name": "Autre"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == ["Une formation porte déjà le code « vente »."]
    assert TrainingProgramme.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_oai"])
def test_anyone_but_cnip_staff_gets_404_and_changes_nothing(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], persona: str
) -> None:
    internship = InternshipFactory()
    client = client_for(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}{internship.pk}/").status_code == 404
    typed = _typed(internship.company_id, internship.programme_id)
    assert client.post(URL, typed, content_type="application/json").status_code == 404
    patched = client.patch(f"{URL}{internship.pk}/", {"finished": True, "version": 1}, content_type="application/json")
    assert patched.status_code == 404
    assert client.get(PROGRAMMES).status_code == 404
    assert client.post(PROGRAMMES, {"code": "x", "name": "X"}, content_type="application/json").status_code == 404
    internship.refresh_from_db()
    assert (internship.finished, internship.version) == (False, 1)
    assert Internship.objects.count() == 1
    assert TrainingProgramme.objects.count() == 1
