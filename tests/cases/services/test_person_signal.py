"""Signalling a person: a case led by the caseworker's service; duplicates and age checked first."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import CaseFile, CaseStatus, Person
from cases.selectors.persons import person_case_files_visible, person_is_visible
from cases.services.persons import (
    LikelyDuplicatesFound,
    OverProgrammeAge,
    PersonDetails,
    age_on,
    person_signal,
)
from tests.factories import PersonFactory, open_case, programme, valid_avs

pytestmark = pytest.mark.django_db


def _details(**overrides) -> PersonDetails:  # type: ignore[no-untyped-def]
    values = {
        "first_name": "Nadia",
        "last_name": "Benali",
        "birth_date": dt.date(1980, 6, 1),
        "avs_number": "756.9217.0769.85",
        "commune": "Le Locle",
    }
    return PersonDetails(**{**values, **overrides})


def _years_ago(years: int, *, days: int = 0) -> dt.date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - dt.timedelta(days=days)


def test_it_opens_a_case_led_by_the_caseworkers_service_for_a_new_person(orp_counsellor, services):
    case = person_signal(
        signalled_by=orp_counsellor,
        programme=programme(),
        details=_details(),
        region="montagnes",
        signal_reason="Fin de droit AC, demande d'aide sociale en cours.",
        receives_unemployment=True,
        receives_social_assistance=True,
    )

    assert case.lead_service == services["semp"]
    assert case.case_manager == orp_counsellor
    assert case.status == CaseStatus.REPORTED
    assert case.person.avs_number == "756.9217.0769.85"
    assert case.person.created_by == orp_counsellor
    assert (case.receives_unemployment, case.receives_disability, case.receives_social_assistance) == (
        True,
        False,
        True,
    )
    assert person_is_visible(user=orp_counsellor, person=case.person)


def test_an_invalid_avs_number_saves_neither_person_nor_case(orp_counsellor, services):
    with pytest.raises(ValidationError) as refused:
        person_signal(signalled_by=orp_counsellor, programme=programme(), details=_details(avs_number="756.1234"))

    assert "n'est pas valable" in refused.value.message_dict["avs_number"][0]
    assert not Person.objects.exists()
    assert not CaseFile.objects.exists()


def test_it_shows_the_likely_duplicates_the_user_may_see_and_saves_nothing(orp_counsellor, services):
    known = open_case(
        lead_service=services["semp"],
        person=PersonFactory(first_name="Nadia", last_name="Benali", birth_date=dt.date(1980, 6, 1)),
    ).person

    with pytest.raises(LikelyDuplicatesFound) as found:
        person_signal(
            signalled_by=orp_counsellor, programme=programme(), details=_details(first_name="NADIA", avs_number="")
        )

    assert found.value.duplicates.visible == [known]
    assert found.value.duplicates.others_known is False
    assert Person.objects.count() == 1
    assert CaseFile.objects.count() == 1


def test_a_duplicate_in_another_services_case_is_only_said_to_exist(orp_counsellor, services):
    open_case(
        lead_service=services["oai"],
        person=PersonFactory(first_name="Nadia", last_name="Benali", birth_date=dt.date(1980, 6, 1)),
    )

    with pytest.raises(LikelyDuplicatesFound) as found:
        person_signal(signalled_by=orp_counsellor, programme=programme(), details=_details(avs_number=""))

    assert found.value.duplicates.visible == []
    assert found.value.duplicates.others_known is True


def test_confirming_another_person_records_a_new_one_despite_the_duplicate(orp_counsellor, services):
    existing = PersonFactory(first_name="Nadia", last_name="Benali", birth_date=dt.date(1980, 6, 1))

    case = person_signal(
        signalled_by=orp_counsellor,
        programme=programme(),
        details=_details(avs_number=""),
        new_person_confirmed=True,
    )

    assert case.person != existing
    assert Person.objects.count() == 2


def test_a_known_avs_number_with_the_same_identity_joins_the_existing_record_without_opening_its_cases(
    orp_counsellor, services
):
    other = open_case(
        lead_service=services["oai"],
        person=PersonFactory(
            first_name="Nadia", last_name="Benali", birth_date=dt.date(1980, 6, 1), avs_number="756.9217.0769.85"
        ),
    )

    case = person_signal(
        signalled_by=orp_counsellor,
        programme=programme(),
        details=_details(last_name="benali", avs_number="7569217076985"),
    )

    assert case.person == other.person
    assert Person.objects.count() == 1
    assert list(person_case_files_visible(user=orp_counsellor, person=case.person)) == [case]


def test_a_known_avs_number_with_another_identity_is_refused(orp_counsellor, services):
    open_case(lead_service=services["oai"], person=PersonFactory(avs_number="756.9217.0769.85", first_name="Luca"))

    with pytest.raises(ValidationError) as refused:
        person_signal(signalled_by=orp_counsellor, programme=programme(), details=_details())

    assert "autre identité" in refused.value.message_dict["avs_number"][0]
    assert CaseFile.objects.count() == 1


def test_it_opens_a_new_case_for_a_person_the_user_already_sees(orp_counsellor, services):
    first = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    case = person_signal(signalled_by=orp_counsellor, programme=programme(), person=first.person)

    assert case.person == first.person
    assert case.pk != first.pk


def test_it_refuses_a_person_the_user_may_not_see(orp_counsellor, services):
    hidden = open_case(lead_service=services["oai"]).person

    with pytest.raises(ValidationError):
        person_signal(signalled_by=orp_counsellor, programme=programme(), person=hidden)

    assert CaseFile.objects.count() == 1


def test_cm_fp_asks_for_a_confirmation_above_30_and_saves_nothing_without_it(orp_counsellor, services):
    with pytest.raises(OverProgrammeAge) as warned:
        person_signal(
            signalled_by=orp_counsellor,
            programme=programme("cm-fp"),
            details=_details(birth_date=_years_ago(31), avs_number=valid_avs(7)),
        )

    assert "30 ans au plus" in warned.value.message
    assert warned.value.age == 31
    assert not Person.objects.exists()
    assert not CaseFile.objects.exists()


def test_cm_fp_signals_a_person_above_30_once_confirmed(orp_counsellor, services):
    case = person_signal(
        signalled_by=orp_counsellor,
        programme=programme("cm-fp"),
        details=_details(birth_date=_years_ago(34)),
        over_age_confirmed=True,
    )

    assert case.programme.code == "cm-fp"
    assert case.status == CaseStatus.REPORTED


def test_cm_fp_takes_a_person_of_30_years_without_confirmation(orp_counsellor, services):
    case = person_signal(
        signalled_by=orp_counsellor, programme=programme("cm-fp"), details=_details(birth_date=_years_ago(30, days=200))
    )

    assert case.programme.code == "cm-fp"


def test_the_age_counts_completed_years():
    assert age_on(dt.date(1990, 5, 10), dt.date(2020, 5, 9)) == 29
    assert age_on(dt.date(1990, 5, 10), dt.date(2020, 5, 10)) == 30


@pytest.mark.parametrize("persona", ["coordination_member", "gp_cii_member", "platform_admin", "outsider"])
def test_only_a_caseworker_may_signal(request, persona, services):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        person_signal(signalled_by=user, programme=programme(), details=_details())

    assert not Person.objects.exists()


def test_an_inactive_programme_takes_no_signalement(orp_counsellor, services):
    closed = programme("mamac")
    closed.active = False
    closed.save(update_fields=["active"])

    with pytest.raises(ValidationError) as refused:
        person_signal(signalled_by=orp_counsellor, programme=closed, details=_details())

    assert "programme" in refused.value.message_dict
    assert not Person.objects.exists()
