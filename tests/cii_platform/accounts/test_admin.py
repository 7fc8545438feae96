"""Platform administrators manage accounts in the admin; roles follow the account services."""

import pytest

from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_an_administrator_creates_a_caseworker_who_joins_the_service_group(
    client_for, platform_admin, services, offices
):
    response = client_for(platform_admin).post(
        "/admin/accounts/user/add/",
        {
            "username": "new.caseworker",
            "first_name": "Léa",
            "last_name": "Matthey",
            "email": "lea@example.ch",
            "job_title": "Conseillère ORP",
            "service": services["semp"].pk,
            "office": offices["orp-littoral"].pk,
            "roles": [Role.CASEWORKER],
            "usable_password": "true",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new.caseworker")
    assert user.role_codes == {Role.CASEWORKER}
    assert list(user.groups.all()) == [services["semp"].permission_group]
    assert user.check_password("un-mot-de-passe-solide-2026")
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(user.pk), actor=platform_admin).exists()


def test_an_office_of_another_service_is_refused(client_for, platform_admin, services, offices):
    response = client_for(platform_admin).post(
        "/admin/accounts/user/add/",
        {
            "username": "wrong.office",
            "service": services["oai"].pk,
            "office": offices["orp-littoral"].pk,
            "usable_password": "false",
        },
    )

    assert response.status_code == 200
    assert "Cet office n&#x27;appartient pas au service choisi." in response.content.decode()
    assert not User.objects.filter(username="wrong.office").exists()


def test_removing_the_caseworker_role_closes_the_service_group(client_for, platform_admin, orp_counsellor, services):
    response = client_for(platform_admin).post(
        f"/admin/accounts/user/{orp_counsellor.pk}/change/",
        {
            "username": orp_counsellor.username,
            "first_name": orp_counsellor.first_name,
            "last_name": orp_counsellor.last_name,
            "email": orp_counsellor.email,
            "service": services["semp"].pk,
            "office": orp_counsellor.office_id,
            "roles": [Role.GP_CII],
            "is_active": "on",
            "date_joined_0": "01.01.2026",
            "date_joined_1": "08:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    orp_counsellor.refresh_from_db()
    assert not orp_counsellor.groups.exists()


def test_a_caseworker_cannot_reach_account_management(client_for, orp_counsellor):
    assert client_for(orp_counsellor).get("/admin/accounts/user/", follow=True).status_code == 404
