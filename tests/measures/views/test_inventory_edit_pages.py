"""The pages that create and edit providers and measures of the inventory.

Only coordination-group members see the buttons and reach the forms; other readers (caseworkers, GP CII)
and anyone else get the 404 of a missing page, on GET and POST alike, and nothing is saved. A refused
input shows the service's French message on the form and saves nothing; every change is audited.
"""

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from measures.models import Measure, Provider, Typology
from measures.services.inventory import measure_update, provider_update
from tests.measures.factories import BranchFactory, MeasureFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PROVIDER_NEW = reverse("measures:provider_new")
MEASURE_NEW = reverse("measures:measure_new")


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.fixture
def measure() -> Measure:
    return MeasureFactory(
        code="vente",
        name="Atelier vente",
        provider=ProviderFactory(name="Espace des Solidarités", locality="Neuchâtel"),
        branch=BranchFactory(code="commerce-vente", name="Commerce de détail et vente"),
        typology=Typology.QUALIFICATION,
        price_per_place_month=Decimal("1500.00"),
        active_from=dt.date(2010, 1, 1),
        description="Boutique de seconde main.",
    )


def _measure_post(measure: Measure, **changes: Any) -> dict[str, Any]:
    """The measure form as its page fills it, with `changes` (strings as typed in the browser)."""
    data: dict[str, Any] = {
        "provider": measure.provider_id,
        "name": measure.name,
        "is_mixed": "on" if measure.is_mixed else "",
        "branch": measure.branch.code,
        "typology": measure.typology,
        "price_per_place_month": str(measure.price_per_place_month),
        "description": measure.description,
        "active_from": measure.active_from.strftime("%d.%m.%Y"),
        "active_until": measure.active_until.strftime("%d.%m.%Y") if measure.active_until else "",
        "version": measure.version,
    }
    data.update(changes)
    return data


STALE_PROVIDER = (
    "Ce prestataire a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
)
STALE_MEASURE = (
    "Cette mesure a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
)


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _row(obj: Provider | Measure) -> dict[str, Any]:
    """Every stored column of `obj`, read again from the database."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


def _saved_meanwhile_by_someone_else(measure: Measure, user: Any) -> None:
    """Another member saves the provider and the measure: both go to version 2."""
    provider = measure.provider
    provider_update(
        provider=provider,
        name=provider.name,
        locality=provider.locality,
        contact="Accueil",
        email="",
        phone="",
        active=True,
        expected_version=1,
        changed_by=user,
    )
    measure_update(
        measure=measure,
        name=measure.name,
        provider=measure.provider,
        branch=measure.branch,
        typology=measure.typology,
        price_per_place_month=Decimal("1550.00"),
        active_from=measure.active_from,
        active_until=None,
        is_mixed=measure.is_mixed,
        description=measure.description,
        expected_version=1,
        changed_by=user,
    )


def _audited(action: str, obj: Provider | Measure) -> bool:
    return AuditEvent.objects.filter(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)).exists()


def test_a_member_creates_a_provider_and_the_creation_is_audited(client_for, coordination_member):
    client = client_for(coordination_member)

    form = client.get(PROVIDER_NEW)
    response = client.post(
        PROVIDER_NEW,
        {"name": "  Evologia ", "locality": "Cernier", "email": "info@evologia.ch", "active": "on"},
        follow=True,
    )

    assert form.status_code == 200
    assert "Nouveau prestataire" in form.content.decode()
    provider = Provider.objects.get(name="Evologia")
    assert provider.locality == "Cernier"
    assert provider.active is True
    assert provider.eso_status == "not_assessed"
    assert response.redirect_chain == [(reverse("measures:provider_detail", args=[provider.pk]), 302)]
    assert "Le prestataire a été enregistré." in response.content.decode()
    assert _audited(AuditAction.CREATE, provider)


def test_a_member_edits_a_provider_and_the_change_is_audited(client_for, coordination_member, measure):
    client = client_for(coordination_member)
    provider = measure.provider
    url = reverse("measures:provider_edit", args=[provider.pk])

    form = client.get(url)
    response = client.post(
        url, {"name": "Espace des Solidarités", "locality": "La Chaux-de-Fonds", "phone": "032", "version": 1}
    )

    assert 'value="Neuchâtel"' in form.content.decode()
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.locality, provider.phone, provider.active) == ("La Chaux-de-Fonds", "032", False)
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(provider.pk))
    assert event.detail == {"changed": ["active", "locality", "phone"]}


def test_a_duplicate_provider_name_is_refused_in_french_and_nothing_is_saved(client_for, coordination_member, measure):
    response = client_for(coordination_member).post(PROVIDER_NEW, {"name": "espace des solidarités"})

    assert response.status_code == 200
    assert "Un prestataire porte déjà ce nom." in response.content.decode()
    assert Provider.objects.count() == 1


def test_a_member_creates_a_measure_from_the_provider_page(client_for, coordination_member, measure):
    client = client_for(coordination_member)
    provider = measure.provider

    page = client.get(reverse("measures:provider_detail", args=[provider.pk])).content.decode()
    form = client.get(MEASURE_NEW, {"provider": provider.pk}).content.decode()
    response = client.post(
        MEASURE_NEW,
        {
            "provider": provider.pk,
            "name": "Atelier cuisine",
            "code": "cuisine",
            "branch": "commerce-vente",
            "typology": Typology.STABILISATION,
            "price_per_place_month": "1200.50",
            "description": "Restaurant d'application.",
            "active_from": "01.02.2026",
            "active_until": "",
        },
    )

    assert f'href="{MEASURE_NEW}?provider={provider.pk}"' in page
    assert f'<option value="{provider.pk}" selected>Espace des Solidarités</option>' in form
    assert response.status_code == 302
    assert response["Location"] == reverse("measures:measure_detail", args=["cuisine"])
    created = Measure.objects.get(code="cuisine")
    assert created.provider == provider
    assert created.is_mixed is False  # the box was left unticked
    assert created.price_per_place_month == Decimal("1200.50")
    assert (created.active_from, created.active_until) == (dt.date(2026, 2, 1), None)
    assert _audited(AuditAction.CREATE, created)


def test_a_member_edits_a_measure_and_its_code_never_changes(client_for, coordination_member, measure):
    client = client_for(coordination_member)
    url = reverse("measures:measure_edit", args=[measure.code])
    other = ProviderFactory(name="Alfaset")

    form = client.get(url).content.decode()
    response = client.post(
        url,
        _measure_post(
            measure, provider=other.pk, price_per_place_month="1600", active_until="31.12.2027", code="autre"
        ),
    )

    assert 'value="01.01.2010"' in form
    assert 'name="code"' not in form
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.code == "vente"
    assert measure.provider == other
    assert measure.price_per_place_month == Decimal("1600.00")
    assert measure.active_until == dt.date(2027, 12, 31)
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(measure.pk))
    assert event.detail == {"changed": ["active_until", "price_per_place_month", "provider"]}


def test_a_negative_price_is_refused_in_french_and_nothing_is_saved(client_for, coordination_member, measure):
    client = client_for(coordination_member)

    created = client.post(MEASURE_NEW, _measure_post(measure, code="neuve", price_per_place_month="-5"))
    edited = client.post(
        reverse("measures:measure_edit", args=[measure.code]), _measure_post(measure, price_per_place_month="-5")
    )

    for response in (created, edited):
        assert response.status_code == 200
        assert "Le prix par place et par mois ne peut pas être négatif." in response.content.decode()
    assert list(Measure.objects.values_list("code", "price_per_place_month")) == [("vente", Decimal("1500.00"))]
    assert not AuditEvent.objects.filter(object_type="measures.measure").exists()


def test_an_end_before_the_start_is_refused_in_french_and_nothing_changes(client_for, coordination_member, measure):
    response = client_for(coordination_member).post(
        reverse("measures:measure_edit", args=[measure.code]),
        _measure_post(measure, name="Nouveau nom", active_from="01.06.2026", active_until="31.05.2026"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "La fin de la période d&#x27;activité (31.05.2026) ne peut pas précéder son début (01.06.2026)." in html
    measure.refresh_from_db()
    assert (measure.name, measure.active_from, measure.active_until) == ("Atelier vente", dt.date(2010, 1, 1), None)


def test_a_duplicate_code_is_refused_in_french_and_nothing_is_saved(client_for, coordination_member, measure):
    response = client_for(coordination_member).post(MEASURE_NEW, _measure_post(measure, code="vente", name="Copie"))

    assert response.status_code == 200
    assert "Une mesure porte déjà ce code." in response.content.decode()
    assert Measure.objects.count() == 1


def test_a_member_sees_the_buttons_on_the_inventory_pages(client_for, coordination_member, measure):
    client = client_for(coordination_member)

    assert "Nouvelle mesure" in client.get(reverse("measures:inventory")).content.decode()
    assert "Nouveau prestataire" in client.get(reverse("measures:providers")).content.decode()
    provider_page = client.get(reverse("measures:provider_detail", args=[measure.provider_id])).content.decode()
    assert reverse("measures:provider_edit", args=[measure.provider_id]) in provider_page
    measure_page = client.get(reverse("measures:measure_detail", args=[measure.code])).content.decode()
    assert reverse("measures:measure_edit", args=[measure.code]) in measure_page


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member"])
def test_other_readers_see_no_button(request, client_for, persona, measure):
    client = client_for(request.getfixturevalue(persona))

    pages = [
        client.get(reverse("measures:inventory")),
        client.get(reverse("measures:providers")),
        client.get(reverse("measures:provider_detail", args=[measure.provider_id])),
        client.get(reverse("measures:measure_detail", args=[measure.code])),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for text in ("Nouvelle mesure", "Nouveau prestataire", "Modifier", "/modifier/", "nouvelle-mesure"):
            assert text not in html


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_anyone_but_a_member_gets_the_404_of_a_missing_page_and_nothing_is_saved(request, client_for, persona, measure):
    client = client_for(request.getfixturevalue(persona))
    missing = _without_csrf(client.get("/mesures/inexistant/").content)
    provider_edit = reverse("measures:provider_edit", args=[measure.provider_id])
    measure_edit = reverse("measures:measure_edit", args=[measure.code])
    posts = [
        (PROVIDER_NEW, {"name": "Evologia"}),
        (provider_edit, {"name": "Renommé", "locality": "Le Locle"}),
        (MEASURE_NEW, _measure_post(measure, code="neuve")),
        (measure_edit, _measure_post(measure, name="Renommée", price_per_place_month="1")),
        (measure_edit, _measure_post(measure, price_per_place_month="-1")),  # invalid input: still the 404
    ]

    for url in (PROVIDER_NEW, provider_edit, MEASURE_NEW, measure_edit):
        response = client.get(url)
        assert response.status_code == 404
        assert _without_csrf(response.content) == missing
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 404
        assert _without_csrf(response.content) == missing

    assert list(Provider.objects.values_list("name", "locality")) == [("Espace des Solidarités", "Neuchâtel")]
    assert list(Measure.objects.values_list("code", "name", "price_per_place_month")) == [
        ("vente", "Atelier vente", Decimal("1500.00"))
    ]
    assert not AuditEvent.objects.filter(object_type__in=["measures.provider", "measures.measure"]).exists()


def test_a_missing_provider_or_measure_is_a_404_for_a_member(client_for, coordination_member):
    client = client_for(coordination_member)

    assert client.get(reverse("measures:provider_edit", args=[999])).status_code == 404
    assert client.get(reverse("measures:measure_edit", args=["inexistante"])).status_code == 404


def test_the_edit_forms_carry_the_version_they_show(client_for, coordination_member, measure):
    client = client_for(coordination_member)
    _saved_meanwhile_by_someone_else(measure, coordination_member)

    provider_form = client.get(reverse("measures:provider_edit", args=[measure.provider_id])).content.decode()
    measure_form = client.get(reverse("measures:measure_edit", args=[measure.code])).content.decode()
    new_forms = client.get(PROVIDER_NEW).content.decode() + client.get(MEASURE_NEW).content.decode()

    assert '<input type="hidden" name="version" value="2" id="id_version">' in provider_form
    assert '<input type="hidden" name="version" value="2" id="id_version">' in measure_form
    assert 'name="version"' not in new_forms


def test_a_provider_saved_with_the_version_read_increments_it(client_for, coordination_member, measure):
    url = reverse("measures:provider_edit", args=[measure.provider_id])

    response = client_for(coordination_member).post(
        url, {"name": "Espace des Solidarités", "locality": "Le Locle", "active": "on", "version": 1}
    )

    assert response.status_code == 302
    assert (_row(measure.provider)["locality"], _row(measure.provider)["version"]) == ("Le Locle", 2)


def test_a_stale_provider_form_shows_the_french_message_keeps_the_input_and_changes_nothing(
    client_for, coordination_member, measure
):
    _saved_meanwhile_by_someone_else(measure, coordination_member)
    before = _row(measure.provider)
    url = reverse("measures:provider_edit", args=[measure.provider_id])

    response = client_for(coordination_member).post(
        url,
        {"name": "Espace Solidaire", "locality": "Le Locle", "phone": "032 000 00 00", "active": "on", "version": 1},
    )

    assert response.status_code == 200
    text = _text(response)
    assert STALE_PROVIDER in text
    assert 'value="Espace Solidaire"' in text
    assert 'value="Le Locle"' in text
    assert 'value="032 000 00 00"' in text
    assert _row(measure.provider) == before
    assert (before["name"], before["locality"], before["version"]) == ("Espace des Solidarités", "Neuchâtel", 2)


def test_a_measure_saved_with_the_version_read_increments_it(client_for, coordination_member, measure):
    response = client_for(coordination_member).post(
        reverse("measures:measure_edit", args=[measure.code]), _measure_post(measure, name="Boutique", version=1)
    )

    assert response.status_code == 302
    assert (_row(measure)["name"], _row(measure)["version"]) == ("Boutique", 2)


def test_a_stale_measure_form_shows_the_french_message_keeps_the_input_and_changes_nothing(
    client_for, coordination_member, measure
):
    _saved_meanwhile_by_someone_else(measure, coordination_member)
    before = _row(measure)

    response = client_for(coordination_member).post(
        reverse("measures:measure_edit", args=[measure.code]),
        _measure_post(
            measure,
            name="Boutique solidaire",
            price_per_place_month="1725.50",
            description="Vente et tri de vêtements.",
            active_until="31.12.2027",
            version=1,
        ),
    )

    assert response.status_code == 200
    text = _text(response)
    assert STALE_MEASURE in text
    assert 'value="Boutique solidaire"' in text
    assert 'value="1725.50"' in text
    assert 'value="31.12.2027"' in text
    assert "Vente et tri de vêtements." in text
    assert _row(measure) == before
    assert (before["name"], before["price_per_place_month"], before["version"]) == (
        "Atelier vente",
        Decimal("1550.00"),
        2,
    )


def test_an_edit_form_without_its_version_is_refused_in_french_and_changes_nothing(
    client_for, coordination_member, measure
):
    client = client_for(coordination_member)
    provider_data = {"name": "Renommé", "locality": "Le Locle"}
    measure_data = {key: value for key, value in _measure_post(measure, name="Renommée").items() if key != "version"}

    responses = [
        client.post(reverse("measures:provider_edit", args=[measure.provider_id]), provider_data),
        client.post(reverse("measures:measure_edit", args=[measure.code]), measure_data),
        client.post(reverse("measures:measure_edit", args=[measure.code]), {**measure_data, "version": "abc"}),
    ]

    for response in responses:
        assert response.status_code == 200
        assert "Le formulaire ne dit pas quelle version vous avez modifiée" in _text(response)
    assert (_row(measure.provider)["name"], _row(measure.provider)["version"]) == ("Espace des Solidarités", 1)
    assert (_row(measure)["name"], _row(measure)["version"]) == ("Atelier vente", 1)


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_anyone_but_a_member_gets_the_404_even_with_the_right_version_and_nothing_changes(
    request, client_for, persona, measure
):
    client = client_for(request.getfixturevalue(persona))
    before = (_row(measure.provider), _row(measure))

    provider_response = client.post(
        reverse("measures:provider_edit", args=[measure.provider_id]),
        {"name": "Renommé", "locality": "Le Locle", "version": 1},
    )
    measure_response = client.post(
        reverse("measures:measure_edit", args=[measure.code]), _measure_post(measure, name="Renommée", version=1)
    )

    assert (provider_response.status_code, measure_response.status_code) == (404, 404)
    assert (_row(measure.provider), _row(measure)) == before
