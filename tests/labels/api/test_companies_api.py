"""Partner companies API: CNIP staff list, read, create, PATCH (with the version read) and import; 404 for others."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cii_platform.accounts.models import User
from labels.models import Canton, PartnerCompany
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory, valid_uid

pytestmark = pytest.mark.django_db

URL = "/api/label/companies/"


def _details(**changes: object) -> dict[str, object]:
    return {"name": "Boulangerie du Lac", "canton": "ne", "locality": "Neuchâtel", **changes}


def test_cnip_staff_list_the_companies_with_their_internship_count(client_for, cnip_staff):
    lake = PartnerCompanyFactory(name="Boulangerie du Lac")
    PartnerCompanyFactory(name="Garage des Alpes")
    InternshipFactory(company=lake)

    body = client_for(cnip_staff).get(URL).json()

    assert body["next"] is None
    rows = {row["name"]: row for row in body["results"]}
    assert set(rows) == {"Boulangerie du Lac", "Garage des Alpes"}
    assert rows["Boulangerie du Lac"]["internship_count"] == 1
    assert rows["Garage des Alpes"]["internship_count"] == 0


def test_the_list_filters_by_search_canton_active_and_branch(client_for, cnip_staff):
    PartnerCompanyFactory(name="Boulangerie du Lac", canton=Canton.NE, branch="Alimentation")
    PartnerCompanyFactory(name="Boulangerie de Lausanne", canton=Canton.VD, locality="Lausanne")
    PartnerCompanyFactory(name="Garage fermé", canton=Canton.NE, active=False)
    client = client_for(cnip_staff)

    def names(**params: str) -> set[str]:
        return {row["name"] for row in client.get(URL, params).json()["results"]}

    assert names(search="boulangerie") == {"Boulangerie du Lac", "Boulangerie de Lausanne"}
    assert names(canton="vd") == {"Boulangerie de Lausanne"}
    assert names(active="false") == {"Garage fermé"}
    assert names(branch="alimentation") == {"Boulangerie du Lac"}


def test_the_list_pages_by_50_with_a_next_link(client_for, cnip_staff):
    PartnerCompanyFactory.create_batch(51)

    body = client_for(cnip_staff).get(URL).json()

    assert len(body["results"]) == 50
    assert "apres=" in body["next"]


def test_the_list_costs_the_same_queries_for_3_and_for_30_companies(client_for, cnip_staff):
    client = client_for(cnip_staff)

    def count() -> int:
        client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    for _ in range(3):
        InternshipFactory()
    three = count()
    for _ in range(27):
        InternshipFactory()
    assert count() == three


def test_cnip_staff_read_one_company(client_for, cnip_staff):
    company = PartnerCompanyFactory(name="Boulangerie du Lac", uid=valid_uid(1))

    body = client_for(cnip_staff).get(f"{URL}{company.pk}/").json()

    assert body["name"] == "Boulangerie du Lac"
    assert body["uid"] == valid_uid(1)
    assert body["version"] == 1


def test_cnip_staff_create_a_company_with_its_uid_formatted(client_for, cnip_staff):
    digits = valid_uid(7).replace("CHE-", "").replace(".", "")

    response = client_for(cnip_staff).post(URL, _details(uid=f"che {digits}"), content_type="application/json")

    assert response.status_code == 201
    assert response.json()["uid"] == valid_uid(7)
    assert response.json()["canton"] == "NE"
    assert PartnerCompany.objects.get().name == "Boulangerie du Lac"


def test_a_wrong_check_digit_is_refused_in_french_and_nothing_is_saved(client_for, cnip_staff):
    good = valid_uid(3)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)

    response = client_for(cnip_staff).post(URL, _details(uid=wrong), content_type="application/json")

    assert response.status_code == 400
    assert "chiffre de contrôle" in response.json()["uid"][0]
    assert not PartnerCompany.objects.exists()


def test_an_unknown_canton_is_refused_in_french(client_for, cnip_staff):
    response = client_for(cnip_staff).post(URL, _details(canton="XX"), content_type="application/json")

    assert response.status_code == 400
    assert "Canton « XX » inconnu" in response.json()["canton"][0]


def test_cnip_staff_patch_a_company_with_the_version_read(client_for, cnip_staff):
    company = PartnerCompanyFactory(name="Boulangerie du Lac", locality="Neuchâtel")

    response = client_for(cnip_staff).patch(
        f"{URL}{company.pk}/", {"locality": "Peseux", "version": 1}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["locality"] == "Peseux"
    assert response.json()["version"] == 2
    company.refresh_from_db()
    assert (company.name, company.locality, company.version) == ("Boulangerie du Lac", "Peseux", 2)


def test_a_patch_with_a_stale_version_answers_409_and_changes_nothing(client_for, cnip_staff):
    company = PartnerCompanyFactory(locality="Neuchâtel", version=3)

    response = client_for(cnip_staff).patch(
        f"{URL}{company.pk}/", {"locality": "Peseux", "version": 2}, content_type="application/json"
    )

    assert response.status_code == 409
    assert "modifiée par quelqu'un d'autre" in response.json()["detail"]
    company.refresh_from_db()
    assert (company.locality, company.version) == ("Neuchâtel", 3)


def test_a_patch_without_version_is_refused_in_french(client_for, cnip_staff):
    company = PartnerCompanyFactory(locality="Neuchâtel")

    response = client_for(cnip_staff).patch(
        f"{URL}{company.pk}/", {"locality": "Peseux"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["version"] == ["Ce champ est obligatoire."]
    company.refresh_from_db()
    assert company.locality == "Neuchâtel"


def _csv(text: str, name: str = "entreprises.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_import_reports_a_bad_row_and_imports_the_others(client_for, cnip_staff):
    content = (
        "Raison sociale;IDE;Canton;Localité;Remarque\n"
        f"Boulangerie du Lac;{valid_uid(1)};NE;Neuchâtel;x\n"
        "Garage faux;CHE-123.456.789;NE;Peseux;\n"
        "Menuiserie Dubois;;VD;Yverdon;\n"
    )

    response = client_for(cnip_staff).post(f"{URL}import/", {"file": _csv(content)})

    assert response.status_code == 200
    report = response.json()
    assert (report["rows_read"], report["created"], report["updated"]) == (3, 2, 0)
    assert [(row["row"], row["company_name"], row["outcome"]) for row in report["imported"]] == [
        (2, "Boulangerie du Lac", "créée"),
        (4, "Menuiserie Dubois", "créée"),
    ]
    assert [row["row"] for row in report["rejected"]] == [3]
    assert report["rejected"][0]["reasons"][0].startswith("IDE : ")
    assert "uid" in report["rejected"][0]["errors_by_field"]
    assert report["ignored_columns"] == ["Remarque"]
    assert set(PartnerCompany.objects.values_list("name", flat=True)) == {"Boulangerie du Lac", "Menuiserie Dubois"}


def test_a_file_without_a_required_column_is_refused_whole_in_french(client_for, cnip_staff):
    content = "Raison sociale;Canton\nBoulangerie du Lac;NE\n"

    response = client_for(cnip_staff).post(f"{URL}import/", {"file": _csv(content)})

    assert response.status_code == 400
    message = response.json()["non_field_errors"][0]
    assert "Aucune entreprise n'a été importée." in message
    assert not PartnerCompany.objects.exists()


def test_an_import_without_file_is_refused_in_french(client_for, cnip_staff):
    response = client_for(cnip_staff).post(f"{URL}import/", {})

    assert response.status_code == 400
    assert response.json()["file"] == ["Choisissez le fichier à importer."]


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_oai"])
def test_anyone_but_cnip_staff_gets_404_and_changes_nothing(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], persona: str
) -> None:
    company = PartnerCompanyFactory(name="Boulangerie du Lac", locality="Neuchâtel")
    client = client_for(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}{company.pk}/").status_code == 404
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.post(URL, _details(name="Autre"), content_type="application/json").status_code == 404
    patched = client.patch(f"{URL}{company.pk}/", {"locality": "Peseux", "version": 1}, content_type="application/json")
    assert patched.status_code == 404
    imported = client.post(f"{URL}import/", {"file": _csv("Raison sociale;Canton;Localité\nX;NE;Y\n")})
    assert imported.status_code == 404
    company.refresh_from_db()
    assert (company.locality, company.version) == ("Neuchâtel", 1)
    assert PartnerCompany.objects.count() == 1


def test_a_missing_company_is_a_404_for_cnip_staff_too(client_for, cnip_staff):
    assert client_for(cnip_staff).get(f"{URL}999999/").status_code == 404
