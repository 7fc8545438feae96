"""The audit trail is append-only, in the application and in PostgreSQL."""

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from cii_platform.audit.models import AuditAction, AuditEvent, AuditTrailIsAppendOnly
from cii_platform.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_it_records_who_did_what_to_which_object(orp_counsellor, services):
    event = audit_record(
        action=AuditAction.READ, actor=orp_counsellor, obj=services["oai"], legal_basis="art. 68bis LAI"
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_username, stored.actor_service, stored.action) == ("orp.counsellor", "semp", "read")
    assert (stored.object_type, stored.object_id, stored.object_label) == (
        "partners.partnerservice",
        str(services["oai"].pk),
        "OAI",
    )
    assert stored.legal_basis == "art. 68bis LAI"


def test_the_application_refuses_to_change_an_event(orp_counsellor):
    event = audit_record(action=AuditAction.LOGIN, actor=orp_counsellor)
    event.action = AuditAction.LOGOUT

    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.LOGOUT)
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.LOGIN


def test_the_application_refuses_to_delete_an_event(orp_counsellor):
    event = audit_record(action=AuditAction.LOGIN, actor=orp_counsellor)

    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_deleting_an_account_keeps_its_history(make_account):
    from cii_platform.accounts.models import Role

    user = make_account("leaving.user", "semp", None, (Role.CASEWORKER,))
    event = audit_record(action=AuditAction.LOGIN, actor=user)
    user.delete()

    assert AuditEvent.objects.get(pk=event.pk).actor_username == "leaving.user"


def test_the_audit_trail_is_not_in_the_admin(client_for, platform_admin):
    response = client_for(platform_admin).get("/admin/audit/auditevent/")

    assert response.status_code == 404


@pytest.mark.postgresql
def test_postgresql_refuses_update_and_delete_on_the_audit_table(orp_counsellor):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only; CI runs this test on PostgreSQL")
    event = audit_record(action=AuditAction.LOGIN, actor=orp_counsellor)

    for statement in (
        "UPDATE audit_auditevent SET action = 'logout' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)) as refused:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
        assert "append-only" in str(refused.value)
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.LOGIN
