"""Importing partner companies from CSV or XLSX: each row on its own, a report of what was rejected and why.

A bad row never aborts the others and leaves nothing behind; a file that cannot be imported at all is refused
with a French message and imports nothing.
"""

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import PartnerCompany
from labels.services import companies as companies_module
from labels.services import company_import as company_import_module
from labels.services.company_import import company_import
from tests.labels.factories import PartnerCompanyFactory, valid_uid

pytestmark = pytest.mark.django_db

FOUR_ROWS = (
    "raison sociale,IDE,canton,localité,branche,contact,courriel,téléphone,active\n"
    "Boulangerie du Lac SA,CHE-100.155.212,NE,Neuchâtel,Alimentation,Anne Favre,anne@example.ch,032 700 00 00,oui\n"
    "Garage Central Sàrl,,VD,Yverdon-les-Bains,Automobile,,,,\n"
    "Menuiserie Bad,CHE-100.155.213,ZZ,Bienne,Bois,,pas-une-adresse,,peut-être\n"
    "Imprimerie Moderne,,FR,Bulle,Arts graphiques,,,,non\n"
)


def _csv(text: str, *, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_csv_of_four_rows_with_a_bad_third_row_imports_the_three_others_and_reports_the_third(cnip_staff):
    report = company_import(file_name="entreprises.csv", content=_csv(FOUR_ROWS), imported_by=cnip_staff)

    assert (report.rows_read, report.created, report.updated) == (4, 3, 0)
    assert sorted(PartnerCompany.objects.values_list("name", flat=True)) == [
        "Boulangerie du Lac SA",
        "Garage Central Sàrl",
        "Imprimerie Moderne",
    ]
    [rejected] = report.rejected
    # The header is row 1: the third company is on row 4 of the spreadsheet.
    assert rejected.row == 4
    assert rejected.errors["uid"] == ["Le numéro IDE CHE-100.155.213 n'est pas valide (chiffre de contrôle)."]
    assert "Canton « ZZ » inconnu" in rejected.errors["canton"][0]
    assert rejected.errors["contact_email"] == ["L'adresse électronique « pas-une-adresse » n'est pas valable."]
    assert rejected.errors["active"] == ["Valeur « peut-être » non reconnue : indiquez oui ou non."]
    assert "IDE : Le numéro IDE CHE-100.155.213 n'est pas valide (chiffre de contrôle)." in rejected.reasons
    # The bad row left nothing: no company, no audit event of its own.
    assert not PartnerCompany.objects.filter(name="Menuiserie Bad").exists()
    assert not AuditEvent.objects.filter(object_label="Menuiserie Bad").exists()


def test_the_imported_rows_carry_their_values_and_the_report_lists_them(cnip_staff):
    report = company_import(file_name="entreprises.csv", content=_csv(FOUR_ROWS), imported_by=cnip_staff)

    bakery = PartnerCompany.objects.get(name="Boulangerie du Lac SA")
    assert (bakery.uid, bakery.canton, bakery.locality, bakery.contact_email, bakery.active) == (
        "CHE-100.155.212",
        "NE",
        "Neuchâtel",
        "anne@example.ch",
        True,
    )
    assert PartnerCompany.objects.get(name="Imprimerie Moderne").active is False
    assert PartnerCompany.objects.get(name="Garage Central Sàrl").active is True  # empty cell: active
    assert [(row.row, row.company_name, row.outcome) for row in report.imported] == [
        (2, "Boulangerie du Lac SA", "créée"),
        (3, "Garage Central Sàrl", "créée"),
        (5, "Imprimerie Moderne", "créée"),
    ]


def test_a_row_refused_by_the_models_own_checks_leaves_nothing_and_the_others_go_on(cnip_staff):
    # A name longer than the column: refused by the model's validation (full_clean), inside the row's savepoint.
    content = _csv(f"nom;canton;localité\n{'A' * 201};NE;Le Locle\nAtelier Bleu;NE;Le Locle\n")

    report = company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    assert [row.row for row in report.rejected] == [2]
    assert "200 caractères" in report.rejected[0].errors["name"][0]
    assert list(PartnerCompany.objects.values_list("name", flat=True)) == ["Atelier Bleu"]


def test_a_row_that_fails_after_its_company_was_saved_is_rolled_back_whole(cnip_staff, monkeypatch):
    # The third row's company is saved, then its audit event fails: the row's savepoint undoes the company.
    real_audit_record = companies_module.audit_record

    def audit_failing_on_row_4(**kwargs):  # type: ignore[no-untyped-def]
        if (kwargs.get("detail") or {}).get("row") == 4:
            raise ValidationError("panne simulée")
        return real_audit_record(**kwargs)

    monkeypatch.setattr(companies_module, "audit_record", audit_failing_on_row_4)
    content = _csv("nom;canton;localité\nAtelier A;NE;Boudry\nAtelier B;NE;Boudry\nAtelier C;NE;Boudry\n")

    report = company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    assert [(row.row, row.errors) for row in report.rejected] == [(4, {"__all__": ["panne simulée"]})]
    assert sorted(PartnerCompany.objects.values_list("name", flat=True)) == ["Atelier A", "Atelier B"]


def test_the_import_is_audited_once_with_its_counts_besides_each_company(cnip_staff):
    company_import(file_name="entreprises.csv", content=_csv(FOUR_ROWS), imported_by=cnip_staff)

    event = AuditEvent.objects.get(object_type="labels.companyimport")
    assert event.action == AuditAction.CREATE
    assert event.object_label == "entreprises.csv"
    assert {key: event.detail[key] for key in ("rows_read", "created", "updated", "rejected", "rejected_rows")} == {
        "rows_read": 4,
        "created": 3,
        "updated": 0,
        "rejected": 1,
        "rejected_rows": [4],
    }
    per_company = AuditEvent.objects.filter(object_type="labels.partnercompany", action=AuditAction.CREATE)
    assert per_company.count() == 3
    assert {event.detail["row"] for event in per_company} == {2, 3, 5}


def test_a_semicolon_csv_with_a_byte_order_mark_and_english_headers_in_any_case_is_read(cnip_staff):
    content = _csv(
        "NAME;Uid;CANTON;Locality;contact_email\n"
        "Fromagerie des Ponts;CHE100155212;ne;Les Ponts-de-Martel;info@fromagerie.ch\n",
        bom=True,
    )

    report = company_import(file_name="export.CSV", content=content, imported_by=cnip_staff)

    assert (report.created, report.rejected) == (1, [])
    company = PartnerCompany.objects.get()
    assert (company.name, company.uid, company.canton, company.contact_email) == (
        "Fromagerie des Ponts",
        "CHE-100.155.212",
        "NE",
        "info@fromagerie.ch",
    )


def test_headers_are_matched_without_accents_and_a_canton_may_be_written_out(cnip_staff):
    content = _csv("Raison sociale;N° IDE;Canton;LOCALITE;Tél.;Actif\nScierie du Jura;;Jura;Delémont;032 422 00 00;x\n")

    report = company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    assert report.rejected == []
    company = PartnerCompany.objects.get()
    assert (company.canton, company.locality, company.contact_phone) == ("JU", "Delémont", "032 422 00 00")


def test_an_xlsx_file_is_imported_from_its_first_sheet(cnip_staff):
    content = _xlsx(
        [
            ["Raison sociale", "IDE", "Canton", "Localité", "Téléphone", "Active"],
            ["Clinique des Alpes", "CHE-100.155.212", "VS", "Sion", 274001122, True],
            ["Sans canton", None, None, "Sion", None, None],
            [None, None, None, None, None, None],
            ["Hôtel du Port", None, "GE", "Genève", "022 300 00 00", False],
        ]
    )

    report = company_import(file_name="entreprises.xlsx", content=content, imported_by=cnip_staff)

    assert (report.rows_read, report.created) == (3, 2)
    assert [(row.row, list(row.errors)) for row in report.rejected] == [(3, ["canton"])]
    clinic = PartnerCompany.objects.get(name="Clinique des Alpes")
    assert (clinic.uid, clinic.canton, clinic.contact_phone, clinic.active) == (
        "CHE-100.155.212",
        "VS",
        "274001122",
        True,
    )
    hotel = PartnerCompany.objects.get(name="Hôtel du Port")
    assert hotel.active is False
    # The empty spreadsheet row 4 is skipped, and the numbering follows the sheet.
    assert [row.row for row in report.imported] == [2, 5]


def test_a_row_whose_uid_is_known_updates_that_company_and_keeps_what_its_empty_cells_leave_out(cnip_staff):
    company = PartnerCompanyFactory(
        name="Boulangerie du Lac",
        uid="CHE-100.155.212",
        locality="Neuchâtel",
        branch="Alimentation",
        contact_name="Anne Favre",
    )
    content = _csv(
        "raison sociale,IDE,canton,localité,branche,contact\nBoulangerie du Lac SA,che100155212,NE,Neuchâtel,,\n"
    )

    report = company_import(file_name="maj.csv", content=content, imported_by=cnip_staff)

    assert (report.created, report.updated) == (0, 1)
    assert report.imported[0].outcome == "mise à jour"
    company.refresh_from_db()
    assert (company.name, company.branch, company.contact_name, company.version) == (
        "Boulangerie du Lac SA",
        "Alimentation",
        "Anne Favre",
        2,
    )
    assert PartnerCompany.objects.count() == 1
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(company.pk))
    assert event.detail["changed"] == ["name"]


def test_a_row_without_uid_that_repeats_a_known_company_is_rejected_as_a_duplicate(cnip_staff):
    PartnerCompanyFactory(name="Garage Central", locality="Fleurier")
    content = _csv("nom;canton;localité\ngarage central;NE;Fleurier\n")

    report = company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    assert report.created == 0
    assert "existe déjà à Fleurier" in report.rejected[0].errors["name"][0]
    assert PartnerCompany.objects.count() == 1


def test_a_missing_required_column_refuses_the_whole_file_and_imports_nothing(cnip_staff):
    content = _csv("raison sociale;IDE;canton\nBoulangerie du Lac SA;;NE\n")

    with pytest.raises(ValidationError) as refused:
        company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    message = " ".join(refused.value.messages)
    assert "Colonnes obligatoires manquantes : localité" in message
    assert "Aucune entreprise n'a été importée." in message
    assert not PartnerCompany.objects.exists()
    assert not AuditEvent.objects.filter(object_type__startswith="labels.").exists()


def test_a_column_named_twice_refuses_the_file(cnip_staff):
    content = _csv("nom;raison sociale;canton;localité\nA;B;NE;Boudry\n")

    with pytest.raises(ValidationError) as refused:
        company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    assert "La colonne « raison sociale » figure deux fois" in " ".join(refused.value.messages)
    assert not PartnerCompany.objects.exists()


@pytest.mark.parametrize(
    ("file_name", "content", "expected"),
    [
        ("e.xlsx", b"PK\x03\x04 not really a workbook", "n'a pas pu être lu"),
        ("e.csv", b"\x81\x8d\x8f\x90\x9d", "n'a pas pu être lu"),
        ("e.pdf", b"%PDF-1.7", "n'est pas reconnu"),
        ("e.csv", b"   \n", "Le fichier est vide."),
        ("e.csv", "nom;canton;localité\n".encode(), "aucune entreprise sous la ligne des titres"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_in_french(cnip_staff, file_name, content, expected):
    with pytest.raises(ValidationError) as refused:
        company_import(file_name=file_name, content=content, imported_by=cnip_staff)

    assert expected in " ".join(refused.value.messages)
    assert not PartnerCompany.objects.exists()


def test_a_file_over_five_megabytes_is_refused(cnip_staff):
    content = _csv("nom;canton;localité\n") + b"x" * (5 * 1024 * 1024)

    with pytest.raises(ValidationError) as refused:
        company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    assert "dépasse 5 Mo" in " ".join(refused.value.messages)


def test_a_file_over_the_row_limit_is_refused_before_anything_is_imported(cnip_staff, monkeypatch):
    monkeypatch.setattr(company_import_module, "MAX_ROWS", 3)
    rows = "".join(f"Entreprise {n};NE;Cernier\n" for n in range(4))

    with pytest.raises(ValidationError) as refused:
        company_import(file_name="e.csv", content=_csv("nom;canton;localité\n" + rows), imported_by=cnip_staff)

    assert "plus de 3 lignes d'entreprises" in " ".join(refused.value.messages)
    assert not PartnerCompany.objects.exists()


def test_a_file_of_five_thousand_and_one_companies_is_refused_with_the_limit_in_french(cnip_staff):
    rows = "".join(f"Entreprise {n};NE;Cernier\n" for n in range(5_001))

    with pytest.raises(ValidationError) as refused:
        company_import(file_name="e.csv", content=_csv("nom;canton;localité\n" + rows), imported_by=cnip_staff)

    assert "Le fichier compte plus de 5'000 lignes d'entreprises" in " ".join(refused.value.messages)
    assert not PartnerCompany.objects.exists()


def test_a_file_exactly_at_the_row_limit_is_imported(cnip_staff, monkeypatch):
    monkeypatch.setattr(company_import_module, "MAX_ROWS", 3)
    rows = "".join(f"Entreprise {n};NE;Cernier\n" for n in range(3))

    report = company_import(file_name="e.csv", content=_csv("nom;canton;localité\n" + rows), imported_by=cnip_staff)

    assert report.created == 3


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_cnci"])
def test_anyone_but_cnip_staff_is_refused_and_nothing_is_imported(request, persona):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        company_import(file_name="entreprises.csv", content=_csv(FOUR_ROWS), imported_by=user)

    assert not PartnerCompany.objects.exists()
    assert not AuditEvent.objects.filter(object_type__startswith="labels.").exists()


def test_two_rows_with_the_same_new_uid_create_the_company_then_update_it(cnip_staff):
    uid = valid_uid(3)
    content = _csv(
        "nom;IDE;canton;localité;branche\n"
        f"Atelier Vert;{uid};NE;Cernier;Horticulture\n"
        f"Atelier Vert;{uid};NE;Cernier;Paysagisme\n"
    )

    report = company_import(file_name="e.csv", content=content, imported_by=cnip_staff)

    assert [row.outcome for row in report.imported] == ["créée", "mise à jour"]
    assert PartnerCompany.objects.get().branch == "Paysagisme"
