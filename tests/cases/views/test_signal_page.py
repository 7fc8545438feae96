"""The signalement form: any caseworker signals a case led by their service; others get 404."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import CaseFile, Person
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import PersonFactory, open_case, programme

pytestmark = pytest.mark.django_db


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "last_name": "Matthey",
        "first_name": "Samuel",
        "birth_date": "14.02.1979",
        "avs_number": "756.9217.0769.85",
        "sex": "m",
        "language": "français",
        "commune": "Fleurier",
        "phone": "032 000 00 00",
        "email": "",
        "address": "Rue du Temple 1",
        "programme": str(programme().pk),
        "region": "val_de_travers",
        "receives_unemployment": "on",
        "receives_social_assistance": "on",
        "signal_reason": "Fin de droit AC, dettes, santé fragile.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_caseworker_sees_the_form_with_french_labels(client_for, ssr_social_worker):
    response = client_for(ssr_social_worker).get(reverse("cases:signal"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Signaler une situation au Réseau CII" in page
    assert 'for="id_avs_number"' in page
    assert "Service de l&#x27;action sociale" in page
    assert "confirm_over_age" not in page  # only once the age calls for it


def test_signalling_a_new_person_opens_a_case_led_by_the_users_service(client_for, ssr_social_worker, services):
    response = client_for(ssr_social_worker).post(reverse("cases:signal"), _form())

    case = CaseFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.reference])
    assert case.lead_service == services["saso"]
    assert case.opened_by == ssr_social_worker
    assert case.region == "val_de_travers"
    assert case.receives_unemployment and case.receives_social_assistance and not case.receives_disability
    assert case.person.avs_number == "756.9217.0769.85"
    assert case.person.commune == "Fleurier"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="cases.person").exists()


def test_a_person_without_avs_number_can_be_signalled(client_for, smig_counsellor, services):
    response = client_for(smig_counsellor).post(reverse("cases:signal"), _form(avs_number=""))

    assert response.status_code == 302
    assert Person.objects.get().avs_number is None


def test_an_invalid_avs_number_gets_a_french_message_and_nothing_is_saved(client_for, ssr_social_worker, services):
    response = client_for(ssr_social_worker).post(reverse("cases:signal"), _form(avs_number="756.9217.0769.84"))

    assert response.status_code == 200
    assert "Ce numéro AVS n&#x27;est pas valable" in response.content.decode()
    assert not Person.objects.exists()
    assert not CaseFile.objects.exists()


def test_missing_identity_is_asked_for_in_french(client_for, ssr_social_worker, services):
    response = client_for(ssr_social_worker).post(
        reverse("cases:signal"), _form(last_name="", birth_date="1979-02-31", signal_reason="")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire pour signaler une nouvelle personne." in page
    assert "jj.mm.aaaa" in page
    assert "Indiquez le motif du signalement." in page
    assert not Person.objects.exists()


def test_likely_duplicates_of_the_service_are_shown_first_and_can_be_picked(client_for, ssr_social_worker, services):
    known = open_case(
        lead_service=services["saso"],
        person=PersonFactory(
            first_name="Samuel", last_name="Matthey", birth_date=dt.date(1979, 2, 14), commune="Môtiers"
        ),
    ).person
    client = client_for(ssr_social_worker)

    shown = client.post(reverse("cases:signal"), _form(avs_number=""))

    page = shown.content.decode()
    assert shown.status_code == 200
    assert "Personnes semblables déjà enregistrées" in page
    assert f'name="existing_person" id="doublon-{known.pk}" value="{known.pk}"' in page
    assert "Môtiers" in page
    assert known.avs_masked in page
    assert known.avs_number not in page
    assert CaseFile.objects.count() == 1

    picked = client.post(reverse("cases:signal"), _form(avs_number="", existing_person=str(known.pk)))

    assert picked.status_code == 302
    assert CaseFile.objects.filter(person=known).count() == 2
    assert Person.objects.count() == 1


def test_a_duplicate_hidden_from_the_service_is_only_said_to_exist(client_for, ssr_social_worker, services):
    hidden = open_case(
        lead_service=services["oai"],
        person=PersonFactory(
            first_name="Samuel",
            last_name="Matthey",
            birth_date=dt.date(1979, 2, 14),
            commune="Cressier",
            phone="079 111",
        ),
    ).person
    client = client_for(ssr_social_worker)

    shown = client.post(reverse("cases:signal"), _form(avs_number=""))

    page = shown.content.decode()
    assert "dans un dossier auquel votre service n'a pas accès" in page
    assert "Cressier" not in page
    assert "079 111" not in page
    assert 'name="existing_person"' not in page
    assert hidden.avs_masked not in page
    assert Person.objects.count() == 1

    confirmed = client.post(reverse("cases:signal"), _form(avs_number="", confirm_new_person="on"))

    assert confirmed.status_code == 302
    assert Person.objects.count() == 2


def test_a_person_already_followed_is_found_by_avs_number(client_for, ssr_social_worker, services):
    known = open_case(lead_service=services["saso"]).person

    response = client_for(ssr_social_worker).post(
        reverse("cases:signal"), _form(existing_avs=known.avs_number.replace(".", ""), last_name="", first_name="")
    )

    assert response.status_code == 302
    assert CaseFile.objects.filter(person=known).count() == 2


def test_the_avs_lookup_answers_alike_for_an_unknown_number_and_a_hidden_person(
    client_for, ssr_social_worker, services
):
    hidden = open_case(lead_service=services["oai"], person=PersonFactory(last_name="Vuilleumier")).person
    client = client_for(ssr_social_worker)

    for number in (hidden.avs_number, "756.9217.0769.85"):
        response = client.post(reverse("cases:signal"), _form(existing_avs=number))
        page = response.content.decode()
        assert "Aucune personne avec ce numéro AVS ne figure dans les dossiers de votre service." in page
        assert hidden.last_name not in page
    assert CaseFile.objects.count() == 1


def test_a_person_picked_from_their_page_is_preselected(client_for, ssr_social_worker, services):
    known = open_case(lead_service=services["saso"]).person

    response = client_for(ssr_social_worker).get(reverse("cases:signal"), {"personne": known.pk})

    page = response.content.decode()
    assert known.last_name in page
    assert f'name="existing_person" value="{known.pk}"' in page


def test_a_preselected_person_is_signalled_without_retyping_the_identity(client_for, ssr_social_worker, services):
    known = open_case(lead_service=services["saso"]).person
    case_fields = ("programme", "region", "receives_disability", "signal_reason")
    data = {key: value for key, value in _form(receives_disability="on").items() if key in case_fields}

    response = client_for(ssr_social_worker).post(reverse("cases:signal"), {**data, "existing_person": known.pk})

    assert response.status_code == 302
    case = CaseFile.objects.filter(person=known).latest("id")
    assert case.receives_disability
    assert Person.objects.count() == 1


def test_a_hidden_person_cannot_be_preselected_nor_posted(client_for, ssr_social_worker, services):
    hidden = open_case(lead_service=services["oai"], person=PersonFactory(last_name="Vuilleumier")).person
    client = client_for(ssr_social_worker)

    shown = client.get(reverse("cases:signal"), {"personne": hidden.pk})
    posted = client.post(reverse("cases:signal"), _form(existing_person=str(hidden.pk)))

    assert hidden.last_name not in shown.content.decode()
    assert posted.status_code == 200
    assert "Cette personne ne figure dans aucun dossier de votre service." in posted.content.decode()
    assert CaseFile.objects.count() == 1


def test_cm_fp_warns_above_30_saves_nothing_and_signals_once_confirmed(client_for, ssr_social_worker, services):
    client = client_for(ssr_social_worker)
    data = _form(programme=str(programme("cm-fp").pk), birth_date="01.01.1980")

    warned = client.post(reverse("cases:signal"), data)

    page = warned.content.decode()
    assert warned.status_code == 200
    assert "30 ans au plus" in page
    assert 'name="confirm_over_age"' in page
    assert not Person.objects.exists()

    confirmed = client.post(reverse("cases:signal"), {**data, "confirm_over_age": "on"})

    assert confirmed.status_code == 302
    assert CaseFile.objects.get().programme.code == "cm-fp"


@pytest.mark.parametrize(
    "persona",
    ["coordination_member", "gp_cii_member", "platform_admin", "outsider", "cnip_staff", "data_protection_officer"],
)
def test_accounts_that_are_not_caseworkers_get_404_and_nothing_is_saved(request, client_for, persona, services):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("cases:signal")).status_code == 404
    assert client.post(reverse("cases:signal"), _form()).status_code == 404
    assert not Person.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_type="cases.signal").exists()


def test_anonymous_visitors_are_asked_to_log_in(client, services):
    response = client.get(reverse("cases:signal"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
