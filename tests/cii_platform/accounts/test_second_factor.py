"""The second factor (TOTP), required in production settings."""

import html

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


@pytest.fixture
def second_factor_required(settings):
    settings.CII_REQUIRE_SECOND_FACTOR = True
    settings.CII_DEMO_CANTON = False


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_without_second_factor_every_page_sends_to_enrolment(client, orp_counsellor, second_factor_required):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})

    response = client.get("/dossiers/")

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/second-facteur/")
    enrolment = client.get(response["Location"]).content.decode()
    assert "Scannez ce code QR" in enrolment
    assert "data:image/svg+xml;base64," in enrolment


def test_a_valid_code_confirms_the_device_and_opens_the_platform(client, orp_counsellor, second_factor_required):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})
    client.get("/compte/second-facteur/")
    device = TOTPDevice.objects.get(user=orp_counsellor)

    response = client.post("/compte/second-facteur/", {"token": _code(device), "next": "/dossiers/"})

    assert response.status_code == 302
    assert response["Location"] == "/dossiers/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/dossiers/").status_code == 200


def test_a_wrong_code_is_refused_in_french(client, orp_counsellor, second_factor_required):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})
    client.get("/compte/second-facteur/")

    response = client.post("/compte/second-facteur/", {"token": "000000"})

    assert response.status_code == 200
    assert "Ce code n'est pas valable" in html.unescape(response.content.decode())
    assert client.get("/dossiers/").status_code == 302


def test_production_settings_require_the_second_factor():
    import os
    import subprocess
    import sys

    env = {**os.environ, "SECRET_KEY": "x" * 60, "DJANGO_SETTINGS_MODULE": "cii_platform.settings_production"}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CII_REQUIRE_SECOND_FACTOR, settings.CII_DEMO_CANTON)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603

    assert out.stdout.strip() == "True False"
