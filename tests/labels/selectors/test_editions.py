"""Who sees which edition (404 for the others), the ranking's rows and sensitivity, the jury's progress."""

from decimal import Decimal

import pytest
from django.http import Http404

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import Criterion, CriterionKind, RankingEntry
from labels.selectors.editions import (
    edition_get,
    edition_list,
    jury_member_for,
    jury_progress,
    ranking_rows,
    ranking_sensitivity,
)
from labels.services.editions import edition_compute_ranking
from labels.services.jury import jury_approve, jury_score_set, recusal_record
from tests.labels.edition_builders import (
    DAYS_ONLY,
    MARK_ONLY,
    company,
    edition,
    fresh,
    full_jury,
    only_criteria,
    outcomes,
    seat,
    with_the_jury,
)

pytestmark = pytest.mark.django_db


# --- the access gate --------------------------------------------------------------------------------


def test_cnip_staff_see_every_edition_and_a_jury_member_only_those_they_sit_in(cnip_staff, jury_oai, jury_cnci):
    edition_2019, edition_2020 = edition(cnip_staff, 2019), edition(cnip_staff, 2020)
    seat(edition_2019, cnip_staff, {"oai_ne": jury_oai})
    seat(edition_2020, cnip_staff, {"oai_ne": jury_cnci})

    assert [e.year for e in edition_list(user=cnip_staff)] == [2020, 2019]
    assert [e.year for e in edition_list(user=jury_oai)] == [2019]
    assert edition_get(user=jury_oai, year=2019) == edition_2019
    assert edition_get(user=cnip_staff, year=2020) == edition_2020
    assert jury_member_for(edition=edition_2019, user=jury_oai).seat == "oai_ne"
    assert jury_member_for(edition=edition_2020, user=jury_oai) is None


def test_a_jury_member_of_another_edition_gets_404_and_the_refusal_is_audited(cnip_staff, jury_oai):
    edition_2019 = edition(cnip_staff, 2019)
    edition(cnip_staff, 2020)
    seat(edition_2019, cnip_staff, {"oai_ne": jury_oai})

    with pytest.raises(Http404):
        edition_get(user=jury_oai, year=2020)

    event = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED, object_type="labels.edition")
    assert (event.actor, event.object_id) == (jury_oai, "2020")


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "data_protection_officer"])
def test_anyone_else_sees_no_edition_and_gets_404(persona, request, cnip_staff):
    edition(cnip_staff, 2020)
    user = request.getfixturevalue(persona)

    assert list(edition_list(user=user)) == []
    with pytest.raises(Http404):
        edition_get(user=user, year=2020)


def test_a_missing_edition_is_a_404_like_a_forbidden_one(cnip_staff):
    with pytest.raises(Http404):
        edition_get(user=cnip_staff, year=2031)


def test_a_member_who_lost_the_jury_role_no_longer_sees_their_edition(cnip_staff, jury_oai):
    current = edition(cnip_staff, 2020)
    seat(current, cnip_staff, {"oai_ne": jury_oai})
    jury_oai.roles.all().delete()
    jury_oai._role_codes = None  # the role cache of the request

    with pytest.raises(Http404):
        edition_get(user=jury_oai, year=2020)


# --- the ranking ------------------------------------------------------------------------------------


def test_ranking_rows_give_each_company_its_points_per_criterion_and_say_who_was_not_marked(
    cnip_staff, jury_oai, jury_cnip_council, jury_cnci
):
    marked, unmarked = company("Notée SA"), company("Pas notée SA")
    outcomes(marked, finished=2, hired=1)
    outcomes(unmarked, finished=4, hired=2)
    current = edition(cnip_staff, 2020)
    days, mark = only_criteria(current, DAYS_ONLY, MARK_ONLY)
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    for member, score in [(members["oai_ne"], "8"), (members["cnci"], "6")]:
        jury_score_set(member=member, criterion=mark, company=marked, score=Decimal(score), scored_by=member.user)
    edition_compute_ranking(edition=fresh(current), computed_by=cnip_staff)

    rows = ranking_rows(edition=current)

    assert [row.entry.company_name for row in rows] == ["Pas notée SA", "Notée SA"]
    first, second = rows
    assert first.points_by_name == {"Jours de stage": 3.0, "Engagement": 0.0}
    assert first.unmarked == ("Engagement",) and first.marks_count == 0
    assert second.points_by_name == {"Jours de stage": 1.5, "Engagement": pytest.approx(0.7)}
    assert second.unmarked == () and second.marks_count == 2
    assert [cell.criterion for cell in second.cells] == [days, mark]
    assert second.cells[1].value == 7.0 and second.cells[1].marks == 2


def test_ranking_rows_of_a_draft_are_empty(cnip_staff):
    assert ranking_rows(edition=edition(cnip_staff, 2020)) == []
    assert ranking_sensitivity(edition=edition(cnip_staff, 2021)) is None


def test_the_sensitivity_rebuilt_from_the_entries_matches_the_ranks_stored_at_computation(cnip_staff):
    for number, (finished, hired) in enumerate([(10, 8), (6, 3), (2, 2), (8, 1), (4, 4)]):
        outcomes(company(f"Entreprise {number}"), finished=finished, hired=hired, unfinished=number % 2)
    current = edition(cnip_staff, 2020, threshold="4", prizes=2)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)

    result = ranking_sensitivity(edition=current)

    assert result is not None
    stored = {entry.company_id: (entry.rank_low, entry.rank_high) for entry in RankingEntry.objects.all()}
    assert dict(result.analysis.rank_range) == stored
    weighted = Criterion.objects.filter(edition=current, weight__gt=0).count()
    assert len(result.analysis.checks) == weighted
    assert all(check.summary.startswith("« ") for check in result.analysis.checks)
    assert result.tie_rule.startswith("À score égal")


# --- the jury's progress ----------------------------------------------------------------------------


def test_the_jury_s_progress_shows_who_marked_what_who_is_recused_and_who_approved(
    cnip_staff, jury_oai, jury_cnip_council, jury_cnci
):
    first, second = company("Alpha"), company("Beta")
    outcomes(first, finished=1, hired=1)
    outcomes(second, finished=1, hired=0)
    current = edition(cnip_staff, 2020)
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    qualitative = list(Criterion.objects.filter(edition=current, kind=CriterionKind.QUALITATIVE).order_by("position"))
    oai = members["oai_ne"]
    for criterion in qualitative:
        jury_score_set(member=oai, criterion=criterion, company=first, score=Decimal("7"), scored_by=oai.user)
    recusal_record(member=members["cnci"], company=second, reason="Administrateur", recorded_by=jury_cnci)
    current = with_the_jury(fresh(current), cnip_staff)
    jury_approve(member=oai, approved_by=oai.user)

    progress = jury_progress(edition=current)

    by_seat = {seat.seat: seat for seat in progress.seats}
    assert [seat.seat for seat in progress.seats] == ["oai_ne", "cnip_council", "cnci"]
    assert progress.companies_to_mark == 2 and len(progress.qualitative_criteria) == 3
    assert by_seat["oai_ne"].marks_given == 3 and by_seat["oai_ne"].marks_expected == 6
    assert by_seat["oai_ne"].marks_by_criterion == {criterion.pk: 1 for criterion in qualitative}
    assert by_seat["cnci"].marks_expected == 3 and [r.company for r in by_seat["cnci"].recusals] == [second]
    assert by_seat["oai_ne"].approves_current is True
    assert by_seat["cnip_council"].approves_current is False and by_seat["cnip_council"].approval is None
    assert progress.approvals == 1 and progress.complete is False
