"""The daily job that keeps waiting cases' priorities true."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from cases.models import CaseFile, Participation
from cases.tasks import refresh_waiting_case_priorities
from tests.factories import PersonFactory, open_case

pytestmark = pytest.mark.django_db


def test_a_transfer_older_than_12_months_stops_counting_after_the_daily_refresh(services):
    person = PersonFactory()
    first = open_case(lead_service=services["semp"], person=person)
    second = open_case(lead_service=services["saso"], person=person)
    assert second.priority_points == 2
    Participation.objects.filter(case=second).update(started_at=timezone.now() - dt.timedelta(days=400))
    Participation.objects.filter(case=first).update(started_at=timezone.now() - dt.timedelta(days=500))

    refreshed = refresh_waiting_case_priorities.apply().get()  # in-process, with or without a broker

    assert refreshed == 2
    assert CaseFile.objects.get(pk=second.pk).priority_points == 0


def test_the_refresh_is_scheduled_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-waiting-case-priorities"]

    assert entry["task"] == "cases.tasks.refresh_waiting_case_priorities"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
