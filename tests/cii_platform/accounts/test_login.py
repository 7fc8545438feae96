"""Logging in and out, lockout, session lifetime."""

import datetime as dt
import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from cii_platform.accounts.middleware import SESSION_LOGIN_STAMP, SESSION_RENEWED_STAMP
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


def test_the_login_page_is_in_french_and_says_the_demo_runs_without_second_factor(client):
    response = client.get(LOGIN)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr-CH">' in html
    assert "Connexion" in html and "Identifiant" in html and "Mot de passe" in html
    assert "sans second facteur" in html


def test_a_caseworker_logs_in_reaches_their_home_page_and_the_login_is_audited(client, orp_counsellor):
    response = client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert "Bonjour Orp" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=orp_counsellor).exists()


def test_passwords_are_hashed_with_argon2(settings, make_account):
    from cii_platform import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the tests' fast hasher is set aside

    account = make_account("argon.user", "semp", None, ())

    assert account.password.startswith("argon2")
    assert account.check_password(PASSWORD)


def test_login_starts_a_new_session(client, orp_counsellor):
    client.get(LOGIN)
    session = client.session
    session["before"] = "x"
    session.save()
    before = session.session_key

    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})

    assert client.session.session_key != before


def test_a_wrong_password_gets_a_french_message_and_is_audited(client, orp_counsellor):
    response = client.post(LOGIN, {"username": "orp.counsellor", "password": "wrong"})

    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.actor_username == "orp.counsellor"
    assert "wrong" not in str(failed.detail)


def test_five_failed_logins_lock_the_username_from_that_address(client, orp_counsellor):
    for _ in range(5):
        client.post(LOGIN, {"username": "orp.counsellor", "password": "wrong"})

    locked = client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})

    assert locked.status_code == 429
    assert "bloquée" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT, actor_username="orp.counsellor").exists()


def test_the_lockout_is_per_username_and_address(client, orp_counsellor, oai_counsellor):
    for _ in range(5):
        client.post(LOGIN, {"username": "orp.counsellor", "password": "wrong"})

    other_user = client.post(LOGIN, {"username": "oai.counsellor", "password": PASSWORD})
    other_address = client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")

    assert other_user.status_code == 302
    assert other_address.status_code == 302


def test_logout_ends_the_session_on_the_server(client, orp_counsellor):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()

    response = client.post("/compte/deconnexion/")

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=orp_counsellor).exists()


def _renewed_seconds_ago(client, seconds: float) -> None:
    session = client.session
    session[SESSION_RENEWED_STAMP] = time.time() - seconds
    session.save()


def test_a_request_a_minute_after_the_last_renewal_pushes_the_expiry_30_minutes_ahead(client, orp_counsellor):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})
    key = client.session.session_key
    _renewed_seconds_ago(client, 61)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))

    client.get("/")

    expiry = Session.objects.get(session_key=key).expire_date
    assert dt.timedelta(minutes=29) < expiry - timezone.now() <= dt.timedelta(minutes=30)


def test_requests_within_a_minute_of_the_last_renewal_write_no_session(client, orp_counsellor):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})  # the first renewal
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=20))

    client.get("/")

    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry - timezone.now() <= dt.timedelta(minutes=20)


def test_a_session_idle_for_30_minutes_is_over(client, orp_counsellor):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_every_session_ends_10_hours_after_login(client, orp_counsellor):
    client.post(LOGIN, {"username": "orp.counsellor", "password": PASSWORD})
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_LOGIN_STAMP] = time.time() - 10 * 3600 - 1
    session.save()

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get("/").status_code == 302


def test_the_admin_is_for_platform_administrators_only(client_for, platform_admin, orp_counsellor):
    assert client_for(platform_admin).get("/admin/").status_code == 200
    assert client_for(platform_admin).get("/admin/accounts/user/").status_code == 200
    assert client_for(orp_counsellor).get("/admin/", follow=True).status_code == 404


def test_the_admin_sends_anonymous_visitors_to_the_platform_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_the_admin_does_not_offer_case_files(client_for, platform_admin):
    assert client_for(platform_admin).get("/admin/cases/casefile/").status_code == 404
