"""Sending a sector's monthly figures: only that sector's delegate, only the reporting sectors, only once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cii_platform.accounts.models import Role
from cii_platform.audit.models import AuditEvent
from measures.models import MonthlyReport
from measures.services.placements import monthly_report_send
from tests.measures.dashboard_builders import APRIL, prepare_april

pytestmark = pytest.mark.django_db


@pytest.fixture
def april(orp_counsellor, ssr_social_worker, smig_counsellor, coordination_member):  # type: ignore[no-untyped-def]
    return prepare_april(orp=orp_counsellor, ssr=ssr_social_worker, smig=smig_counsellor, member=coordination_member)


@pytest.fixture
def saso_delegate(make_account):  # type: ignore[no-untyped-def]
    return make_account("coord.saso", "saso", "ssr-littoral-ouest", (Role.COORDINATION_GROUP,))


def test_the_delegate_freezes_the_sector_figures_of_the_month_as_sent(april, coordination_member):
    report = monthly_report_send(month=dt.date(2026, 4, 20), sector="laci", by=coordination_member)

    assert (report.month, report.sector, report.sent_by) == (APRIL, "laci", coordination_member)
    assert report.figures["total"] == {"budgeted": 3, "occupied": "1.50", "rate": "50.0", "cost": "2250.00"}
    assert report.figures["rows"][0]["measure_code"] == april.a.code
    assert report.figures["kinds"] == {"professional": {"occupied": "1.50", "cost": "2250.00"}}
    assert AuditEvent.objects.filter(action="create", object_type="measures.monthlyreport").count() == 1


def test_a_second_send_of_the_same_month_is_refused(april, coordination_member):
    monthly_report_send(month=APRIL, sector="laci", by=coordination_member)
    with pytest.raises(ValidationError, match="ont déjà été envoyés le"):
        monthly_report_send(month=APRIL, sector="laci", by=coordination_member)
    assert MonthlyReport.objects.count() == 1


def test_a_delegate_may_not_send_another_sector_month(april, coordination_member, saso_delegate, ssr_social_worker):
    for user, sector in ((coordination_member, "sas"), (saso_delegate, "laci"), (ssr_social_worker, "sas")):
        with pytest.raises(PermissionDenied):
            monthly_report_send(month=APRIL, sector=sector, by=user)
    assert not MonthlyReport.objects.exists()
    assert monthly_report_send(month=APRIL, sector="sas", by=saso_delegate).figures["total"]["budgeted"] == 3


def test_oai_and_sfpo_figures_are_not_sent_as_the_mandate_says(make_account):
    oai_delegate = make_account("coord.oai", "oai", "oai-ne", (Role.COORDINATION_GROUP,))
    with pytest.raises(ValidationError, match="LACI, MIP, SAS et SMIG"):
        monthly_report_send(month=APRIL, sector="oai", by=oai_delegate)
    with pytest.raises(ValidationError):
        monthly_report_send(month=APRIL, sector="nowhere", by=oai_delegate)
    assert not MonthlyReport.objects.exists()


def test_a_month_not_yet_begun_cannot_be_sent(coordination_member):
    next_month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with pytest.raises(ValidationError, match="n'a pas commencé"):
        monthly_report_send(month=next_month, sector="laci", by=coordination_member)
    assert not MonthlyReport.objects.exists()
