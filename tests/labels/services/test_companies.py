"""Partner companies: created and updated by CNIP staff only, UID checked and formatted, duplicates refused.

Bad input gets a French error and changes nothing; a stale edit is refused; every change is audited.
"""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import PartnerCompany
from labels.services import companies as companies_module
from labels.services.companies import StaleCompany, company_create, company_update, uid_normalise
from tests.labels.factories import PartnerCompanyFactory, valid_uid

pytestmark = pytest.mark.django_db


def _details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "name": "Boulangerie du Lac SA",
        "uid": "",
        "canton": "NE",
        "locality": "Neuchâtel",
        "branch": "Alimentation",
        "contact_name": "Anne Favre",
        "contact_email": "anne.favre@example.ch",
        "contact_phone": "032 700 00 00",
        "active": True,
    }
    return {**details, **overrides}


def _messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict.get(field, []))


def _update_values(company: PartnerCompany, **overrides: Any) -> dict[str, Any]:
    """The company's current details (as the edit form shows them), with `overrides`."""
    current = {
        field: getattr(company, field)
        for field in ("name", "uid", "canton", "locality", "branch", "contact_name", "contact_email", "contact_phone")
    }
    return {**current, "active": company.active, **overrides}


# -- UID ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["CHE-100.155.212", "CHE100155212", "che 100 155 212", "100.155.212"])
def test_a_uid_typed_in_any_usual_way_is_stored_in_its_official_form(cnip_staff, typed):
    company = company_create(**_details(uid=typed), created_by=cnip_staff)

    company.refresh_from_db()
    assert company.uid == "CHE-100.155.212"


def test_a_company_without_uid_is_accepted(cnip_staff):
    company = company_create(**_details(uid="  "), created_by=cnip_staff)

    assert company.uid == ""


def test_a_uid_with_a_wrong_check_digit_is_refused_in_french_and_nothing_is_saved(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        company_create(**_details(uid="che-100.155.213"), created_by=cnip_staff)

    assert _messages(refused.value, "uid") == "Le numéro IDE CHE-100.155.213 n'est pas valide (chiffre de contrôle)."
    assert not PartnerCompany.objects.exists()


@pytest.mark.parametrize("typed", ["CHE-100.155", "ABC-100.155.212", "CHE-1OO.155.212"])
def test_something_that_is_not_a_uid_is_refused_with_the_expected_form(typed):
    with pytest.raises(ValidationError) as refused:
        uid_normalise(typed)

    assert "doit avoir la forme CHE-123.456.789" in " ".join(refused.value.messages)


def test_a_uid_already_used_by_another_company_is_refused_whatever_its_spelling(cnip_staff):
    first = company_create(**_details(uid="CHE-100.155.212"), created_by=cnip_staff)

    with pytest.raises(ValidationError) as refused:
        company_create(**_details(name="Autre SA", uid="CHE100155212"), created_by=cnip_staff)

    assert _messages(refused.value, "uid") == (
        "Le numéro IDE CHE-100.155.212 est déjà celui de l'entreprise « Boulangerie du Lac SA »."
    )
    assert list(PartnerCompany.objects.all()) == [first]


def test_a_uid_saved_concurrently_by_someone_else_is_refused_by_the_database_with_the_same_message(
    cnip_staff, monkeypatch
):
    # Two saves racing past the duplicate check: the database's unique constraint decides, in French.
    PartnerCompanyFactory(uid="CHE-100.155.212")
    checks = companies_module.company_input_errors

    def check_that_misses_the_duplicate(**details: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
        values, _errors = checks(**details)
        return values, {}

    monkeypatch.setattr(companies_module, "company_input_errors", check_that_misses_the_duplicate)

    with pytest.raises(ValidationError) as refused:
        company_create(**_details(uid="CHE-100.155.212"), created_by=cnip_staff)

    assert _messages(refused.value, "uid") == "Le numéro IDE CHE-100.155.212 est déjà celui d'une autre entreprise."
    assert PartnerCompany.objects.count() == 1


# -- Creation -----------------------------------------------------------------------------


def test_cnip_staff_add_a_company_with_its_details_stripped_and_the_creation_is_audited(cnip_staff):
    company = company_create(
        **_details(name="  Boulangerie du Lac SA ", canton="ne", uid=valid_uid(1)), created_by=cnip_staff
    )

    company.refresh_from_db()
    assert (company.name, company.canton, company.version, company.active) == ("Boulangerie du Lac SA", "NE", 1, True)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="labels.partnercompany")
    assert event.object_id == str(company.pk)
    assert event.actor == cnip_staff
    # The contact person's details are personal data: they stay out of the trail.
    assert "anne" not in str(event.detail).lower()


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_oai", "platform_admin"])
def test_anyone_but_cnip_staff_is_refused_and_nothing_is_saved(request, persona):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        company_create(**_details(), created_by=user)

    assert not PartnerCompany.objects.exists()
    assert not AuditEvent.objects.filter(object_type="labels.partnercompany").exists()


def test_a_company_without_name_canton_or_locality_is_refused_field_by_field(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        company_create(**_details(name=" ", canton="", locality=""), created_by=cnip_staff)

    assert _messages(refused.value, "name") == "Indiquez la raison sociale de l'entreprise."
    assert _messages(refused.value, "canton") == "Indiquez le canton de l'entreprise."
    assert _messages(refused.value, "locality") == "Indiquez la localité de l'entreprise."
    assert not PartnerCompany.objects.exists()


def test_an_unknown_canton_is_refused_in_french(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        company_create(**_details(canton="XY"), created_by=cnip_staff)

    assert "Canton « XY » inconnu" in _messages(refused.value, "canton")
    assert not PartnerCompany.objects.exists()


def test_an_invalid_contact_email_is_refused_in_french(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        company_create(**_details(contact_email="anne.favre@"), created_by=cnip_staff)

    assert _messages(refused.value, "contact_email") == "L'adresse électronique « anne.favre@ » n'est pas valable."


def test_the_same_name_in_the_same_locality_is_refused_as_a_duplicate_ignoring_case(cnip_staff):
    company_create(**_details(), created_by=cnip_staff)

    with pytest.raises(ValidationError) as refused:
        company_create(**_details(name="BOULANGERIE DU LAC SA", locality="neuchâtel"), created_by=cnip_staff)

    assert "existe déjà à neuchâtel" in _messages(refused.value, "name")
    assert PartnerCompany.objects.count() == 1


def test_the_same_name_in_another_locality_is_another_company(cnip_staff):
    company_create(**_details(), created_by=cnip_staff)

    company_create(**_details(locality="La Chaux-de-Fonds"), created_by=cnip_staff)

    assert PartnerCompany.objects.count() == 2


# -- Update -------------------------------------------------------------------------------


def test_an_update_replaces_the_details_increments_the_version_and_audits_the_changed_fields(cnip_staff):
    company = PartnerCompanyFactory(name="Garage Central", locality="Fleurier")

    updated = company_update(
        company=company,
        **_update_values(company, branch="Automobile", uid="che 100 155 212"),
        expected_version=company.version,
        changed_by=cnip_staff,
    )

    updated.refresh_from_db()
    assert (updated.branch, updated.uid, updated.version) == ("Automobile", "CHE-100.155.212", 2)
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(company.pk))
    assert event.detail["changed"] == ["branch", "uid"]


def test_an_update_that_changes_nothing_keeps_the_version_and_writes_no_audit(cnip_staff):
    company = PartnerCompanyFactory()

    company_update(company=company, **_update_values(company), expected_version=company.version, changed_by=cnip_staff)

    company.refresh_from_db()
    assert company.version == 1
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE).exists()


def test_a_company_keeps_its_own_uid_on_update(cnip_staff):
    company = PartnerCompanyFactory(uid="CHE-100.155.212")

    company_update(
        company=company,
        **_update_values(company, contact_phone="032 111 11 11"),
        expected_version=1,
        changed_by=cnip_staff,
    )

    company.refresh_from_db()
    assert (company.uid, company.contact_phone) == ("CHE-100.155.212", "032 111 11 11")


def test_an_update_to_another_companys_uid_is_refused_and_nothing_changes(cnip_staff):
    PartnerCompanyFactory(uid="CHE-100.155.212", name="Première SA")
    company = PartnerCompanyFactory(uid=valid_uid(7))

    with pytest.raises(ValidationError) as refused:
        company_update(
            company=company, **_update_values(company, uid="CHE100155212"), expected_version=1, changed_by=cnip_staff
        )

    assert "Première SA" in _messages(refused.value, "uid")
    company.refresh_from_db()
    assert (company.uid, company.version) == (valid_uid(7), 1)


def test_an_update_from_a_stale_version_is_refused_and_the_other_edit_is_kept(cnip_staff):
    company = PartnerCompanyFactory(branch="Hôtellerie")
    company_update(
        company=company, **_update_values(company, branch="Restauration"), expected_version=1, changed_by=cnip_staff
    )

    with pytest.raises(StaleCompany) as refused:
        company_update(
            company=company, **_update_values(company, branch="Tourisme"), expected_version=1, changed_by=cnip_staff
        )

    assert "modifiée par quelqu'un d'autre" in str(refused.value)
    company.refresh_from_db()
    assert (company.branch, company.version) == ("Restauration", 2)


def test_anyone_but_cnip_staff_is_refused_an_update_and_nothing_changes(outsider):
    company = PartnerCompanyFactory(branch="Hôtellerie")

    with pytest.raises(PermissionDenied):
        company_update(
            company=company, **_update_values(company, branch="Tourisme"), expected_version=1, changed_by=outsider
        )

    company.refresh_from_db()
    assert (company.branch, company.version) == ("Hôtellerie", 1)


def test_deactivating_a_company_keeps_it_and_its_details(cnip_staff):
    company = PartnerCompanyFactory(active=True)

    company_update(company=company, **_update_values(company, active=False), expected_version=1, changed_by=cnip_staff)

    company.refresh_from_db()
    assert (company.active, company.version) == (False, 2)
