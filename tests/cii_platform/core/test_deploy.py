"""Production settings pass Django's deployment checks; the demo canton loads twice the same."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cii_platform.accounts.models import User
from cii_platform.core.demo import ACCOUNTS, load_demo_canton
from cii_platform.partners.models import Office, PartnerService

ROOT = Path(__file__).resolve().parents[3]


def _environment(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}}
    return {**env, **overrides}


def test_check_deploy_reports_no_issue_under_production_settings():
    env = {
        **_environment(),
        "SECRET_KEY": "k" * 30 + "Zq8-vT2_pL9!mN4@rX7#wB1$yC6%hJ3^",
        "ALLOWED_HOSTS": "cii.example.ch",
        "DJANGO_SETTINGS_MODULE": "cii_platform.settings_production",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_real_secret_key():
    env = _environment(DJANGO_SETTINGS_MODULE="cii_platform.settings_production")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_the_demo_canton_is_idempotent():
    first = load_demo_canton()
    second = load_demo_canton()

    assert first["services"] == 5 and first["accounts"] == len(ACCOUNTS)
    assert first["measures"] > 0 and first["placements"] > 0
    assert set(second.values()) == {0}
    assert PartnerService.objects.count() == 5
    assert Office.objects.filter(code="cnip", kind=Office.Kind.MANDATED_ORGANISATION, service__code="oai").exists()
    assert User.objects.count() == len(ACCOUNTS)
