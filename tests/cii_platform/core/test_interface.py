"""The interface: French, Swiss formats, navigation by role, security headers, self-hosted assets."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_dates_and_amounts_use_swiss_formats():
    with translation.override("fr-ch"):
        rendered = Template('{% load cii_formats %}{{ day|date:"SHORT_DATE_FORMAT" }} {{ amount|chf }}').render(
            Context({"day": dt.date(2026, 11, 22), "amount": Decimal("10000")})
        )

    assert rendered == "22.11.2026 CHF 10'000.00"


def test_home_page_shows_the_navigation_of_a_caseworker(client_for, orp_counsellor):
    html = client_for(orp_counsellor).get("/").content.decode()

    assert 'href="#contenu"' in html
    assert "Dossiers CII" in html
    assert "Journal d'audit" not in html.replace("&#x27;", "'")
    assert "Administration" not in html


def test_home_page_shows_the_navigation_of_a_data_protection_officer(client_for, data_protection_officer):
    html = client_for(data_protection_officer).get("/").content.decode().replace("&#x27;", "'")

    assert "Journal d'audit" in html
    assert "Dossiers CII" not in html


@pytest.mark.parametrize("persona", ["cnip_staff", "jury_cnci"])
def test_cnip_staff_and_jury_members_find_the_label_in_the_navigation(client_for, persona, request):
    html = client_for(request.getfixturevalue(persona)).get("/").content.decode()

    assert '<a href="/label/"' in html and "Label Intégration" in html


def test_caseworkers_do_not_see_the_label_in_the_navigation(client_for, orp_counsellor):
    assert '<a href="/label/"' not in client_for(orp_counsellor).get("/").content.decode()


def test_pages_carry_a_strict_content_security_policy_and_deny_framing(client):
    response = client.get("/compte/connexion/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_pages_load_no_asset_from_another_host(client_for, orp_counsellor):
    html = client_for(orp_counsellor).get("/").content.decode()

    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    assert "<script>" not in html


def test_large_counts_read_with_apostrophes_and_ids_never_do():
    rendered = Template("{% load cii_formats %}{{ count|swiss_number }} ?apres={{ cursor }}").render(
        Context({"count": 1000000, "cursor": 12345})
    )

    assert rendered == "1'000'000 ?apres=12345"
