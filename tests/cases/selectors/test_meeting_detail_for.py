"""The meeting page: its commitments and the joint assessment of the services present."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Assessment
from cases.selectors.meetings import meeting_detail_for, meeting_get_for_case
from cases.services.action_plans import task_create
from cases.services.meetings import meeting_record
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    return meeting_record(
        case=case,
        held_on=timezone.localdate() - dt.timedelta(days=1),
        services=[services["semp"], services["oai"]],
        participants=[orp_counsellor, oai_counsellor],
        decisions="Évaluation conjointe.",
        recorded_by=orp_counsellor,
    )


def _assessment(case, service, author, days_ago: int) -> Assessment:
    from cases.models import GridVersion

    return Assessment.objects.create(
        case=case,
        version=GridVersion.objects.get(is_current=True),
        service=service,
        author=author,
        assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


def test_it_shows_each_service_present_with_its_latest_assessment_and_who_may_record_now(
    meeting, orp_counsellor, oai_counsellor, services
):
    case = meeting.case
    _assessment(case, services["semp"], orp_counsellor, days_ago=20)
    after = _assessment(case, services["semp"], orp_counsellor, days_ago=0)

    detail = meeting_detail_for(user=oai_counsellor, case=case, meeting=meeting_get_for_case(case=case, pk=meeting.pk))

    rows = {row["service"].code: row for row in detail["joint"]}
    assert (rows["semp"]["latest_id"], rows["semp"]["since_meeting"], rows["semp"]["can_record"]) == (
        after.pk,
        True,
        False,
    )
    assert (rows["oai"]["latest_id"], rows["oai"]["since_meeting"], rows["oai"]["can_record"]) == (None, False, True)


def test_it_lists_the_commitments_taken_in_the_meeting_only(meeting, orp_counsellor, services):
    case = meeting.case
    due = timezone.localdate() + dt.timedelta(days=10)
    commitment = task_create(
        case=case,
        title="Rapport",
        assigned_service=services["oai"],
        due_on=due,
        meeting=meeting,
        created_by=orp_counsellor,
    )
    task_create(
        case=case, title="Hors séance", assigned_service=services["semp"], due_on=due, created_by=orp_counsellor
    )

    detail = meeting_detail_for(user=orp_counsellor, case=case, meeting=meeting)

    assert [task.pk for task in detail["commitments"]] == [commitment.pk]
    assert detail["commitments"][0].can_settle is True


def test_its_queries_do_not_grow_with_the_commitments(meeting, orp_counsellor, oai_counsellor, services):
    case = meeting.case
    due = timezone.localdate() + dt.timedelta(days=10)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            loaded = meeting_get_for_case(case=case, pk=meeting.pk)
            detail = meeting_detail_for(user=oai_counsellor, case=case, meeting=loaded)
            for task in detail["commitments"]:
                str(task.assigned_service), str(task.assigned_to)
            list(loaded.participant_list)
        return len(captured)

    def add(count: int) -> None:
        for _ in range(count):
            task_create(
                case=case,
                title="Engagement",
                assigned_service=services["oai"],
                assigned_to=oai_counsellor,
                due_on=due,
                meeting=meeting,
                created_by=orp_counsellor,
            )

    add(2)
    queries()  # the user's roles and groups are read once, then cached on the account
    few = queries()
    add(30)

    assert queries() == few
