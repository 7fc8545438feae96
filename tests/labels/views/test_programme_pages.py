"""The CNIP training programmes page: staff list and add programmes; anyone else gets 404."""

import pytest
from django.urls import reverse

from labels.models import TrainingProgramme
from tests.labels.factories import TrainingProgrammeFactory

pytestmark = pytest.mark.django_db

URL = "labels:programme_list"


def test_staff_see_the_programmes_and_add_one(client_for, cnip_staff):
    TrainingProgrammeFactory(code="logistique", name="Logistique")
    client = client_for(cnip_staff)

    page = client.get(reverse(URL)).content.decode()
    response = client.post(reverse(URL), {"code": "horlogerie", "name": "Opérateur en horlogerie"}, follow=True)

    assert "Logistique" in page
    assert TrainingProgramme.objects.filter(code="horlogerie", name="Opérateur en horlogerie").exists()
    assert "La formation « Opérateur en horlogerie » est enregistrée." in response.content.decode()


def test_a_code_already_taken_is_refused_in_french_and_the_typed_name_is_kept(client_for, cnip_staff):
    TrainingProgrammeFactory(code="logistique", name="Logistique")

    response = client_for(cnip_staff).post(reverse(URL), {"code": "logistique", "name": "Autre logistique"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Autre logistique" in html
    assert "Une formation porte déjà le code « logistique »." in html
    assert TrainingProgramme.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_oai"])
def test_anyone_but_cnip_staff_gets_404_and_adds_nothing(client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse(URL)).status_code == 404
    assert client.post(reverse(URL), {"code": "x", "name": "X"}).status_code == 404
    assert not TrainingProgramme.objects.exists()
