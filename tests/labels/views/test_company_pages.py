"""The pages of the partner companies: list, detail, create, edit, and the import of a CSV or XLSX file.

CNIP staff only: anyone else (jury members included) gets the 404 of a missing page on GET and POST
alike, and nothing changes. A refused input shows the service's French message and keeps what was typed;
an import shows its per-row report on the same page.
"""

import datetime as dt
import html
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import Canton, PartnerCompany
from labels.services.companies import company_update
from labels.services.company_import import MAX_BYTES
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory, valid_uid

pytestmark = pytest.mark.django_db

LIST = reverse("labels:company_list")
NEW = reverse("labels:company_new")
IMPORT = reverse("labels:company_import")
TEMPLATE = reverse("labels:company_import_template")

STALE_COMPANY = (
    "Cette entreprise a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
)
DENIED = ["outsider", "oai_counsellor", "jury_oai"]


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _bad_check_digit(uid: str) -> str:
    """`uid` with its last (check) digit changed: the format is right, the number is not."""
    return uid[:-1] + str((int(uid[-1]) + 1) % 10)


def _form(company: PartnerCompany | None = None, **changes: Any) -> dict[str, Any]:
    """The company form as its page fills it, with `changes` (strings as typed in the browser)."""
    data: dict[str, Any] = {
        "name": company.name if company else "Boulangerie du Lac SA",
        "uid": company.uid if company else "",
        "canton": company.canton if company else "NE",
        "locality": company.locality if company else "Neuchâtel",
        "branch": company.branch if company else "Alimentation",
        "contact_name": company.contact_name if company else "",
        "contact_email": company.contact_email if company else "",
        "contact_phone": company.contact_phone if company else "",
        "active": "on",
    }
    if company is not None:
        data["version"] = company.version
    data.update(changes)
    return data


def _csv(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("entreprises.csv", "\n".join(lines).encode("utf-8"), content_type="text/csv")


@pytest.fixture
def companies() -> dict[str, PartnerCompany]:
    dubois = PartnerCompanyFactory(
        name="Mécanique Dubois SA", uid=valid_uid(1), canton=Canton.NE, locality="Couvet", branch="Industrie"
    )
    boulangerie = PartnerCompanyFactory(
        name="Boulangerie Roth", canton=Canton.VD, locality="Yverdon-les-Bains", branch="Alimentation"
    )
    garage = PartnerCompanyFactory(
        name="Garage des Fleurs", canton=Canton.NE, locality="Le Locle", branch="Automobile", active=False
    )
    InternshipFactory.create_batch(2, company=dubois)
    InternshipFactory(company=garage)
    return {"dubois": dubois, "boulangerie": boulangerie, "garage": garage}


# -- List ------------------------------------------------------------------------------------------


def test_staff_see_every_company_with_its_number_of_internships(client_for, cnip_staff, companies):
    response = client_for(cnip_staff).get(LIST)

    text = _text(response)
    assert response.status_code == 200
    assert "3 entreprises" in text
    dubois = companies["dubois"]
    assert f'<a href="{reverse("labels:company_detail", args=[dubois.pk])}">Mécanique Dubois SA</a>' in text
    assert dubois.uid in text
    assert '<td class="num">2</td>' in text and '<td class="num">1</td>' in text and '<td class="num">0</td>' in text
    assert f'href="{NEW}"' in text and f'href="{IMPORT}"' in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "dubois"}, {"Mécanique Dubois SA"}),
        ({"search": "yverdon"}, {"Boulangerie Roth"}),
        ({"search": valid_uid(1).replace("CHE-", "").replace(".", "")[:6]}, {"Mécanique Dubois SA"}),
        ({"canton": "NE"}, {"Mécanique Dubois SA", "Garage des Fleurs"}),
        ({"branch": "Alimentation"}, {"Boulangerie Roth"}),
        ({"active": "non"}, {"Garage des Fleurs"}),
        ({"active": "oui", "canton": "NE"}, {"Mécanique Dubois SA"}),
    ],
)
def test_staff_search_and_filter_the_list(client_for, cnip_staff, companies, query, expected):
    text = _text(client_for(cnip_staff).get(LIST, query))

    shown = {company.name for company in companies.values() if f">{company.name}</a>" in text}
    assert shown == expected


def test_the_list_costs_the_same_queries_for_3_and_30_companies(client_for, cnip_staff):
    client = client_for(cnip_staff)
    for company in PartnerCompanyFactory.create_batch(3):
        InternshipFactory(company=company)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for company in PartnerCompanyFactory.create_batch(27):
        InternshipFactory(company=company)
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST)

    assert len(many) == len(few)
    assert "30 entreprises" in _text(page)


# -- Detail ----------------------------------------------------------------------------------------


def test_the_detail_shows_the_company_and_its_internships_newest_first(client_for, cnip_staff, companies):
    dubois = companies["dubois"]
    older = InternshipFactory(company=dubois, intern_pseudonym="Alpha", starts_on=dt.date(2018, 3, 1))
    newer = InternshipFactory(
        company=dubois, intern_pseudonym="Omega", starts_on=dt.date(2024, 9, 2), ends_on=dt.date(2024, 12, 20)
    )

    text = _text(client_for(cnip_staff).get(reverse("labels:company_detail", args=[dubois.pk])))

    assert "<h1>Mécanique Dubois SA</h1>" in text
    assert "02.09.2024" in text and "20.12.2024" in text
    assert text.index("Omega") < text.index("Alpha")
    assert reverse("labels:internship_edit", args=[newer.pk]) in text
    assert reverse("labels:internship_edit", args=[older.pk]) in text
    assert f"{reverse('labels:internship_new')}?entreprise={dubois.pk}" in text
    assert reverse("labels:company_edit", args=[dubois.pk]) in text


def test_an_unknown_company_is_a_404(client_for, cnip_staff):
    assert client_for(cnip_staff).get(reverse("labels:company_detail", args=[999_999])).status_code == 404


# -- Create and edit ---------------------------------------------------------------------------------


def test_staff_create_a_company_and_the_creation_is_audited(client_for, cnip_staff):
    client = client_for(cnip_staff)
    uid = valid_uid(7)

    form = client.get(NEW)
    response = client.post(NEW, _form(uid=uid.replace(".", " ").replace("-", "")), follow=True)

    assert form.status_code == 200
    company = PartnerCompany.objects.get(name="Boulangerie du Lac SA")
    assert company.uid == uid  # stored in its official form
    assert response.redirect_chain == [(reverse("labels:company_detail", args=[company.pk]), 302)]
    assert "L'entreprise a été enregistrée." in _text(response)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(company.pk)).exists()


def test_a_bad_uid_is_refused_in_french_keeping_what_was_typed_and_nothing_is_saved(client_for, cnip_staff):
    wrong = _bad_check_digit(valid_uid(3))

    response = client_for(cnip_staff).post(NEW, _form(uid=wrong, contact_name="Anne Roth"))

    text = _text(response)
    assert response.status_code == 200
    assert f"Le numéro IDE {wrong} n'est pas valide (chiffre de contrôle)." in text
    assert 'value="Boulangerie du Lac SA"' in text and 'value="Anne Roth"' in text
    assert not PartnerCompany.objects.exists()


def test_staff_edit_a_company_and_its_version_goes_up(client_for, cnip_staff, companies):
    client = client_for(cnip_staff)
    dubois = companies["dubois"]
    url = reverse("labels:company_edit", args=[dubois.pk])

    form = _text(client.get(url))
    response = client.post(url, _form(dubois, locality="Fleurier", contact_phone="032 861 00 00"))

    assert 'value="Couvet"' in form and 'name="version" value="1"' in form
    assert response.status_code == 302
    dubois.refresh_from_db()
    assert (dubois.locality, dubois.contact_phone, dubois.version) == ("Fleurier", "032 861 00 00", 2)
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(dubois.pk))
    assert event.detail["changed"] == ["contact_phone", "locality"]


def test_a_stale_edit_shows_the_french_message_keeps_what_was_typed_and_overwrites_nothing(
    client_for, cnip_staff, companies
):
    dubois = companies["dubois"]
    url = reverse("labels:company_edit", args=[dubois.pk])
    typed = _form(dubois, locality="Travers")  # read at version 1
    saved_meanwhile = {**_form(dubois), "active": True, "branch": "Mécanique"}
    del saved_meanwhile["version"]
    company_update(company=dubois, **saved_meanwhile, expected_version=1, changed_by=cnip_staff)

    response = client_for(cnip_staff).post(url, typed)

    text = _text(response)
    assert response.status_code == 200
    assert STALE_COMPANY in text
    assert 'value="Travers"' in text
    dubois.refresh_from_db()
    assert (dubois.locality, dubois.branch, dubois.version) == ("Couvet", "Mécanique", 2)


def test_a_duplicate_uid_on_edit_is_refused_on_its_field(client_for, cnip_staff, companies):
    boulangerie = companies["boulangerie"]

    response = client_for(cnip_staff).post(
        reverse("labels:company_edit", args=[boulangerie.pk]), _form(boulangerie, uid=valid_uid(1))
    )

    assert f"Le numéro IDE {valid_uid(1)} est déjà celui de l'entreprise « Mécanique Dubois SA »." in _text(response)
    boulangerie.refresh_from_db()
    assert (boulangerie.uid, boulangerie.version) == ("", 1)


# -- Import ----------------------------------------------------------------------------------------


def test_an_import_reports_the_bad_row_with_its_number_and_reason_and_imports_the_others(
    client_for, cnip_staff, companies
):
    wrong = _bad_check_digit(valid_uid(5))
    upload = _csv(
        "Raison sociale;IDE;Canton;Localité;Remarque",
        "Imprimerie Centrale;;NE;Neuchâtel;à rappeler",
        f"Menuiserie Perret;{wrong};NE;Cernier;",
        f"Mécanique Dubois SA;{valid_uid(1)};NE;Fleurier;",
        "Fromagerie;;XX;Les Ponts;",
    )

    response = client_for(cnip_staff).post(IMPORT, {"file": upload})

    text = _text(response)
    assert response.status_code == 200
    assert "Lignes lues : 4 ; créées : 1 ; mises à jour : 1 ; rejetées : 2." in text
    assert '<th scope="row" class="num">3</th>' in text
    assert f"IDE : Le numéro IDE {wrong} n'est pas valide (chiffre de contrôle)." in text
    assert '<th scope="row" class="num">5</th>' in text
    assert "canton : Canton « XX » inconnu" in text
    assert "Colonnes ignorées : Remarque" in text
    assert "créée" in text and "mise à jour" in text
    assert set(PartnerCompany.objects.values_list("name", flat=True)) == {
        "Mécanique Dubois SA",
        "Boulangerie Roth",
        "Garage des Fleurs",
        "Imprimerie Centrale",
    }
    assert PartnerCompany.objects.get(name="Mécanique Dubois SA").locality == "Fleurier"


def test_a_file_without_a_required_column_is_refused_whole_and_nothing_is_imported(client_for, cnip_staff):
    upload = _csv("Raison sociale;Localité", "Imprimerie Centrale;Neuchâtel")

    response = client_for(cnip_staff).post(IMPORT, {"file": upload})

    text = _text(response)
    assert response.status_code == 200
    assert "Colonnes obligatoires manquantes : canton" in text
    assert "Aucune entreprise n'a été importée." in text
    assert "Lignes lues" not in text
    assert not PartnerCompany.objects.exists()


def test_a_file_over_5_mo_is_refused_by_the_form_in_french(client_for, cnip_staff):
    upload = SimpleUploadedFile("grand.csv", b"a" * (MAX_BYTES + 1), content_type="text/csv")

    response = client_for(cnip_staff).post(IMPORT, {"file": upload})

    text = _text(response)
    assert "Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers." in text
    assert "Aucune entreprise n'a été importée." not in text  # refused by the form, before any reading
    assert not PartnerCompany.objects.exists()


def test_the_template_file_holds_the_columns_the_import_reads(client_for, cnip_staff):
    client = client_for(cnip_staff)

    response = client.get(TEMPLATE)
    content = response.content.decode("utf-8-sig")
    filled = content.rstrip("\r\n") + "\r\nImprimerie Centrale;;ne;Neuchâtel;Imprimerie;;;;non\r\n"
    imported = _text(client.post(IMPORT, {"file": _csv(filled)}))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="modele-entreprises.csv"' in response["Content-Disposition"]
    assert content.startswith("raison sociale;IDE;canton;localité;")
    assert "créées : 1" in imported and "Colonnes ignorées" not in imported
    company = PartnerCompany.objects.get()
    assert (company.canton, company.branch, company.active) == ("NE", "Imprimerie", False)
    assert f'href="{TEMPLATE}"' in _text(client.get(IMPORT))


# -- Nobody else ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", DENIED)
def test_every_company_page_is_a_404_for_anyone_but_cnip_staff(request, client_for, companies, persona):
    client = client_for(request.getfixturevalue(persona))
    dubois = companies["dubois"]
    detail = reverse("labels:company_detail", args=[dubois.pk])
    edit = reverse("labels:company_edit", args=[dubois.pk])
    before = list(PartnerCompany.objects.order_by("pk").values())

    answers = [
        client.get(LIST).status_code,
        client.get(NEW).status_code,
        client.get(detail).status_code,
        client.get(edit).status_code,
        client.get(IMPORT).status_code,
        client.get(TEMPLATE).status_code,
        client.post(NEW, _form()).status_code,
        client.post(edit, _form(dubois, locality="Môtiers")).status_code,
        client.post(IMPORT, {"file": _csv("Raison sociale;Canton;Localité", "Imprimerie;NE;Neuchâtel")}).status_code,
    ]

    assert answers == [404] * 9
    assert list(PartnerCompany.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(object_type__startswith="labels.").exists()
