"""The demo canton: the named cases first, a few hundred realistic ones, the CM FP figures of the documents."""

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from stdnum.ch import ssn

from cases.demo import BULK_AVS_BASE, DEMO_PERSONS, demo_avs
from cases.models import (
    CaseFile,
    CaseFileGroupObjectPermission,
    CaseReferenceCounter,
    CaseStatus,
    FollowUpCheck,
    Participation,
    Person,
    Programme,
    StatusChange,
)
from cases.selectors.indicators import indicators_compute
from cases.services.case_files import LEAD_SERVICE_BASIS
from cases.services.priority import case_priority_refresh
from cii_platform.accounts.models import User
from cii_platform.core.demo import load_demo_canton

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:  # type: ignore[no-untyped-def]
    """The demo canton, loaded once for this module and rolled back after it (each test rolls back its own)."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.monotonic()
        created = load_demo_canton()
        created["seconds"] = int(time.monotonic() - started)
        yield created
        transaction.set_rollback(True)


def test_the_demo_canton_loads_a_few_hundred_cases_quickly(demo):
    assert 600 <= demo["cases"] == CaseFile.objects.count() <= 700
    assert demo["seconds"] < 30


def test_loading_it_again_creates_nothing(demo):
    counts = (CaseFile.objects.count(), Person.objects.count(), StatusChange.objects.count())

    again = load_demo_canton()

    assert again["cases"] == 0
    assert (CaseFile.objects.count(), Person.objects.count(), StatusChange.objects.count()) == counts


def test_the_ten_named_cases_come_first_as_they_were(demo):
    first_ten = list(CaseFile.objects.order_by("id").select_related("person", "lead_service", "programme")[:10])

    assert [(case.person.first_name, case.person.last_name) for case in first_ten] == [
        (first, last) for first, last, *_rest in DEMO_PERSONS
    ]
    assert [case.lead_service.code for case in first_ten] == [spec[6] for spec in DEMO_PERSONS]
    assert all(case.status == CaseStatus.REPORTED for case in first_ten)
    year = timezone.localdate().year
    assert [case.reference for case in first_ten] == [f"CII-{year}-{n:05d}" for n in range(1, 11)]


def test_the_cm_fp_indicators_show_the_figures_of_the_documents(demo):
    gp_member = User.objects.get(username="gp.sfpo")

    report = indicators_compute(
        user=gp_member,
        date_from=dt.date(2009, 1, 1),
        date_to=timezone.localdate(),
        programme=Programme.objects.get(code="cm-fp"),
    )

    table = report.by_service
    figures = {
        key: table.figure(key)
        for key in (
            "signalled",
            "ongoing",
            "ended",
            "solutions",
            "outcome_diploma",
            "outcome_apprenticeship",
            "outcome_job",
            "outcome_adapted_structure",
            "out_of_criteria",
        )
    }
    assert figures == {
        "signalled": "383",
        "ongoing": "127",
        "ended": "256",
        "solutions": "157",
        "outcome_diploma": "28",
        "outcome_apprenticeship": "57",
        "outcome_job": "14",
        "outcome_adapted_structure": "58",
        "out_of_criteria": "99",
    }
    reasons = {row.key: row.cells[0].value for row in table.rows if row.key.startswith("reason_")}
    assert all(reasons[f"reason_{code}"] > 0 for code in ("over_age", "no_multiple_problems", "already_followed"))
    assert all(reasons[f"reason_{code}"] > 0 for code in ("moved_away", "pregnancy"))
    assert sum(reasons.values()) == 99


def test_the_cm_fp_files_are_dated_from_2009_to_2013(demo):
    bulk = CaseFile.objects.filter(programme__code="cm-fp", person__avs_number__startswith="756.93")
    years = {opened.year for opened in bulk.values_list("opened_at", flat=True)}

    assert years == {2009, 2010, 2011, 2012, 2013}
    assert not bulk.filter(closed_at__year__gt=2013).exists()


PRIORITY_FIELDS = (
    "priority_points",
    "priority_key",
    "priority_high_dimensions",
    "priority_transfers",
    "revolving_door",
)


def test_every_bulk_case_has_its_lead_participation_history_grants_and_priority(demo):
    tenth = CaseFile.objects.order_by("id").values_list("id", flat=True)[9]
    bulk = CaseFile.objects.filter(id__gt=tenth)
    leads = CaseFileGroupObjectPermission.objects.filter(
        content_object__in=bulk.values("pk"),
        permission__codename__in=["view_casefile", "change_casefile"],
        legal_basis=LEAD_SERVICE_BASIS,
    )

    assert not bulk.exclude(participations__role=Participation.Role.LEAD, participations__ended_at=None).exists()
    assert leads.count() == 2 * bulk.count()
    assert not leads.exclude(group=F("content_object__lead_service__permission_group")).exists()
    for case in bulk.annotate(steps=Count("status_changes")).order_by("id")[::37]:
        history = list(StatusChange.objects.filter(case=case).order_by("changed_at", "id"))
        assert history[0].to_status == CaseStatus.REPORTED
        assert history[-1].to_status == case.status
        assert case.steps == case.version
        assert history[0].changed_at == case.opened_at
        stored = [getattr(case, field) for field in PRIORITY_FIELDS]
        case_priority_refresh(case=case)
        assert [getattr(case, field) for field in PRIORITY_FIELDS] == stored


def test_bulk_persons_have_valid_and_unique_avs_numbers_or_none(demo):
    numbers = list(Person.objects.exclude(avs_number=None).values_list("avs_number", flat=True))

    assert len(numbers) == len(set(numbers))
    assert all(ssn.is_valid(number) for number in numbers)
    assert Person.objects.filter(avs_number=None).exists()  # asylum seekers without a number yet
    assert demo_avs(BULK_AVS_BASE) in numbers


def test_the_demo_spreads_over_services_programmes_regions_and_statuses(demo):
    assert set(CaseFile.objects.values_list("lead_service__code", flat=True)) == {"semp", "oai", "saso", "smig", "sfpo"}
    assert set(CaseFile.objects.values_list("programme__code", flat=True)) == {"reseau-cii", "cm-fp", "mamac"}
    assert set(CaseFile.objects.exclude(region="").values_list("region", flat=True)) == {
        "littoral",
        "montagnes",
        "val_de_travers",
        "val_de_ruz",
    }
    assert set(CaseFile.objects.values_list("status", flat=True)) == set(CaseStatus.values)


def test_positive_exits_have_their_follow_up_checks_answered_when_long_due(demo):
    checks = FollowUpCheck.objects.all()
    long_due = checks.filter(due_on__lt=timezone.localdate() - dt.timedelta(days=21))

    assert checks.count() >= 3 * 157
    assert not long_due.filter(checked_on=None).exists()
    assert long_due.filter(still_integrated=False).exists()


def test_the_reference_counters_continue_after_the_bulk(demo):
    latest = CaseFile.objects.filter(reference__startswith="CII-2012-").order_by("-reference").first()

    assert latest is not None
    assert CaseReferenceCounter.objects.get(year=2012).last_number == int(latest.reference[-5:])


def test_the_newest_case_of_each_service_is_seen_by_that_service_alone(demo):
    from cases.selectors.case_files import case_list_visible

    caseworkers = {
        code: User.objects.get(username=username)
        for code, username in (
            ("semp", "orp.conseiller"),
            ("oai", "oai.conseillere"),
            ("saso", "ssr.assistante"),
            ("smig", "smig.conseiller"),
            ("sfpo", "ofij.conseillere"),
        )
    }
    for code in caseworkers:
        newest = CaseFile.objects.filter(lead_service__code=code).first()  # as the browser tests pick it
        seen_by = {other for other, user in caseworkers.items() if case_list_visible(user=user).filter(pk=newest.pk)}
        assert seen_by == {code}


def test_some_cases_are_shared_on_the_persons_consent(demo):
    shared = Participation.objects.filter(role=Participation.Role.PARTICIPANT).select_related("consent", "case")

    assert shared.count() >= 10
    for participation in shared:
        assert participation.consent.person_id == participation.case.person_id
        assert set(participation.consent.services.values_list("id", flat=True)) == {
            participation.service_id,
            participation.case.lead_service_id,
        }
