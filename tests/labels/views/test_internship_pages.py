"""The pages of the internships: the list (filters, keyset pages, days in the chosen year), create and edit.

CNIP staff only: anyone else (jury members included) gets the 404 of a missing page on GET and POST
alike, and nothing changes. A refused input shows the service's French message and keeps what was typed.
"""

import datetime as dt
import html
from typing import Any

import pytest
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import Internship, PartnerCompany, TrainingProgramme
from labels.services.internships import internship_update
from labels.views.internships import PAGE_SIZE
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory, TrainingProgrammeFactory

pytestmark = pytest.mark.django_db

LIST = reverse("labels:internship_list")
NEW = reverse("labels:internship_new")

STALE_INTERNSHIP = (
    "Ce stage a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
)
DENIED = ["outsider", "oai_counsellor", "jury_oai"]


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def company() -> PartnerCompany:
    return PartnerCompanyFactory(name="Mécanique Dubois SA", locality="Couvet")


@pytest.fixture
def programme() -> TrainingProgramme:
    return TrainingProgrammeFactory(code="logistique", name="Logistique")


def _form(
    company: PartnerCompany, programme: TrainingProgramme, internship: Internship | None = None, **changes: Any
) -> dict[str, Any]:
    """The internship form as its page fills it, with `changes` (strings as typed in the browser)."""
    data: dict[str, Any] = {
        "company": company.pk,
        "intern_pseudonym": "Renard bleu",
        "programme": programme.pk,
        "starts_on": "06.01.2020",
        "ends_on": "27.03.2020",
        "coaching_notes": "",
    }
    if internship is not None:
        data["version"] = internship.version
    data.update(changes)
    return data


# -- List ------------------------------------------------------------------------------------------


def test_staff_filter_the_list_by_year_company_and_pseudonym(client_for, cnip_staff, company):
    other = PartnerCompanyFactory(name="Boulangerie Roth")
    InternshipFactory(company=company, intern_pseudonym="Hibou", starts_on=dt.date(2020, 1, 6))
    InternshipFactory(
        company=company, intern_pseudonym="Castor", starts_on=dt.date(2022, 5, 2), ends_on=dt.date(2022, 6, 30)
    )
    InternshipFactory(company=other, intern_pseudonym="Héron", starts_on=dt.date(2020, 2, 3))
    client = client_for(cnip_staff)

    def shown(query: dict[str, Any]) -> set[str]:
        text = _text(client.get(LIST, query))
        return {name for name in ("Hibou", "Castor", "Héron") if f'<th scope="row">{name}</th>' in text}

    assert shown({}) == {"Hibou", "Castor", "Héron"}
    assert shown({"year": 2020}) == {"Hibou", "Héron"}
    assert shown({"company": company.pk}) == {"Hibou", "Castor"}
    assert shown({"search": "hér"}) == {"Héron"}
    assert shown({"year": 2020, "company": company.pk}) == {"Hibou"}


def test_with_a_year_each_internship_shows_its_weekdays_in_that_year(client_for, cnip_staff, company):
    # 16.12.2019 (Monday) to 10.01.2020 (Friday): 12 weekdays in 2019, 8 in 2020 (1.1 is a Wednesday).
    InternshipFactory(company=company, starts_on=dt.date(2019, 12, 16), ends_on=dt.date(2020, 1, 10))
    client = client_for(cnip_staff)

    in_2020 = _text(client.get(LIST, {"year": 2020}))
    in_2019 = _text(client.get(LIST, {"year": 2019}))
    without_year = _text(client.get(LIST))

    assert "Jours de stage en 2020" in in_2020 and '<td class="num">8</td>' in in_2020
    assert "Jours de stage en 2019" in in_2019 and '<td class="num">12</td>' in in_2019
    assert "Jours de stage" not in without_year
    assert "16.12.2019" in without_year and "10.01.2020" in without_year


def test_the_list_is_paged_and_the_next_page_keeps_the_filters(client_for, cnip_staff, company):
    InternshipFactory.create_batch(PAGE_SIZE + 3, company=company)
    InternshipFactory(intern_pseudonym="Autre entreprise")
    client = client_for(cnip_staff)

    first = client.get(LIST, {"company": company.pk})
    next_after = first.context["page"].next_after
    second = client.get(LIST, {"company": company.pk, "apres": next_after})

    assert len(first.context["rows"]) == PAGE_SIZE
    assert f"?company={company.pk}&amp;apres={next_after}" in first.content.decode()
    assert len(second.context["rows"]) == 3
    assert second.context["page"].next_after is None
    assert "Autre entreprise" not in _text(first) + _text(second)


# -- Create ----------------------------------------------------------------------------------------


def test_staff_record_an_internship_from_the_company_page(client_for, cnip_staff, company, programme):
    PartnerCompanyFactory(name="Ancienne Fabrique", active=False)
    client = client_for(cnip_staff)

    form = _text(client.get(NEW, {"entreprise": company.pk}))
    response = client.post(NEW, _form(company, programme, finished="on", employed_on_last_day="on"))

    assert f'<option value="{company.pk}" selected>Mécanique Dubois SA (Couvet)</option>' in form
    assert "Ancienne Fabrique" not in form  # an inactive company gets no new internship
    assert response.status_code == 302
    assert response["Location"] == reverse("labels:company_detail", args=[company.pk])
    internship = Internship.objects.get()
    assert (internship.intern_pseudonym, internship.programme, internship.created_by) == (
        "Renard bleu",
        programme,
        cnip_staff,
    )
    assert (internship.starts_on, internship.ends_on) == (dt.date(2020, 1, 6), dt.date(2020, 3, 27))
    assert internship.finished and internship.employed_on_last_day
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(internship.pk)).exists()


def test_a_refused_internship_shows_the_french_message_keeps_what_was_typed_and_saves_nothing(
    client_for, cnip_staff, company, programme
):
    response = client_for(cnip_staff).post(
        NEW, _form(company, programme, starts_on="10.03.2020", ends_on="01.03.2020", coaching_notes="Suivi serré")
    )

    text = _text(response)
    assert response.status_code == 200
    assert "La fin du stage (01.03.2020) ne peut pas précéder son début (10.03.2020)." in text
    assert 'value="Renard bleu"' in text and "Suivi serré" in text
    assert not Internship.objects.exists()


def test_a_date_in_another_format_is_refused_in_french(client_for, cnip_staff, company, programme):
    response = client_for(cnip_staff).post(NEW, _form(company, programme, starts_on="2020-01-06"))

    assert "Saisissez une date au format jj.mm.aaaa, par exemple 31.01.2026." in _text(response)
    assert not Internship.objects.exists()


# -- Edit ------------------------------------------------------------------------------------------


def test_staff_edit_an_internship_and_its_version_goes_up(client_for, cnip_staff, company, programme):
    internship = InternshipFactory(company=company, programme=programme, intern_pseudonym="Renard bleu")
    url = reverse("labels:internship_edit", args=[internship.pk])
    client = client_for(cnip_staff)

    form = _text(client.get(url))
    response = client.post(url, _form(company, programme, internship, ends_on="31.03.2020", finished="on"))

    assert 'value="27.03.2020"' in form and 'name="version" value="1"' in form
    assert response.status_code == 302
    internship.refresh_from_db()
    assert (internship.ends_on, internship.finished, internship.version) == (dt.date(2020, 3, 31), True, 2)


def test_an_internship_of_a_company_become_inactive_stays_editable(client_for, cnip_staff, programme):
    closed = PartnerCompanyFactory(name="Ancienne Fabrique", locality="Fleurier", active=False)
    internship = InternshipFactory(company=closed, programme=programme, intern_pseudonym="Renard bleu")
    url = reverse("labels:internship_edit", args=[internship.pk])
    client = client_for(cnip_staff)

    form = _text(client.get(url))
    response = client.post(url, _form(closed, programme, internship, coaching_notes="Bilan fait"))

    assert f'<option value="{closed.pk}" selected>Ancienne Fabrique (Fleurier) — inactive</option>' in form
    assert response.status_code == 302
    internship.refresh_from_db()
    assert internship.coaching_notes == "Bilan fait"


def test_a_stale_edit_shows_the_french_message_keeps_what_was_typed_and_overwrites_nothing(
    client_for, cnip_staff, company, programme
):
    internship = InternshipFactory(company=company, programme=programme, intern_pseudonym="Renard bleu")
    url = reverse("labels:internship_edit", args=[internship.pk])
    typed = _form(company, programme, internship, coaching_notes="Ma note")  # read at version 1
    internship_update(
        internship=internship,
        company=company,
        intern_pseudonym="Renard bleu",
        programme=programme,
        starts_on=internship.starts_on,
        ends_on=internship.ends_on,
        finished=False,
        employed_on_last_day=False,
        coaching_notes="Note de la collègue",
        expected_version=1,
        changed_by=cnip_staff,
    )

    response = client_for(cnip_staff).post(url, typed)

    text = _text(response)
    assert response.status_code == 200
    assert STALE_INTERNSHIP in text
    assert "Ma note" in text
    internship.refresh_from_db()
    assert (internship.coaching_notes, internship.version) == ("Note de la collègue", 2)


# -- Nobody else ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", DENIED)
def test_every_internship_page_is_a_404_for_anyone_but_cnip_staff(request, client_for, company, programme, persona):
    client = client_for(request.getfixturevalue(persona))
    internship = InternshipFactory(company=company, programme=programme)
    edit = reverse("labels:internship_edit", args=[internship.pk])
    before = list(Internship.objects.order_by("pk").values())

    answers = [
        client.get(LIST).status_code,
        client.get(NEW, {"entreprise": company.pk}).status_code,
        client.get(edit).status_code,
        client.post(NEW, _form(company, programme)).status_code,
        client.post(edit, _form(company, programme, internship, coaching_notes="Intrusion")).status_code,
    ]

    assert answers == [404] * 5
    assert list(Internship.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(object_type__startswith="labels.").exists()
