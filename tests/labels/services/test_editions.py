"""Editions of the label: creation with the default criteria, settings and criteria under versions, the ranking."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import (
    Criterion,
    CriterionKind,
    CriterionMetric,
    Edition,
    EditionStatus,
    JuryApproval,
    JuryScore,
    Normalisation,
    RankingEntry,
)
from labels.services.editions import (
    CriterionTerms,
    StaleEdition,
    average_marks,
    criterion_delete,
    criterion_set,
    edition_compute_ranking,
    edition_create,
    edition_reopen,
    edition_submit_to_jury,
    edition_update,
    special_label_set,
)
from labels.services.jury import recusal_record
from tests.labels.edition_builders import (
    DAYS_ONLY,
    MARK_ONLY,
    approve,
    company,
    edition,
    fresh,
    full_jury,
    only_criteria,
    outcomes,
    with_the_jury,
)

pytestmark = pytest.mark.django_db


def _settings(current: Edition, **changes: object) -> dict[str, object]:
    settings: dict[str, object] = {
        "period_start": current.period_start,
        "period_end": current.period_end,
        "threshold": current.threshold,
        "prizes": current.prizes,
        "ceremony_on": current.ceremony_on,
        "ceremony_place": current.ceremony_place,
        "signatories": current.signatories,
    }
    return {**settings, **changes}


# --- creation ---------------------------------------------------------------------------------------


def test_a_new_edition_covers_the_calendar_year_with_the_default_criteria_and_is_audited(cnip_staff):
    created = edition_create(
        year=2020,
        created_by=cnip_staff,
        threshold=Decimal("4.5"),
        ceremony_on=dt.date(2021, 3, 9),
        ceremony_place="Couvet",
        signatories="J.-N. Karakash, conseiller d'État\nT. Nguyen, directeur du CNIP",
    )

    assert (created.period_start, created.period_end) == (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert created.status == EditionStatus.DRAFT
    assert created.prizes == 3
    criteria = [
        (c.name, c.kind, c.metric, c.weight, c.normalisation, c.max_score)
        for c in Criterion.objects.filter(edition=created).order_by("position")
    ]
    assert criteria == [
        ("Jours de stage", "quantitative", "internship_days", Decimal("3.00"), "share_of_max", 10),
        ("Stagiaires engagés", "quantitative", "hired", Decimal("2.00"), "share_of_max", 10),
        ("Taux de réinsertion corrigé", "quantitative", "reinsertion_rate", Decimal("3.00"), "scale", 10),
        ("Engagement de l'entreprise", "qualitative", "", Decimal("1.00"), "scale", 10),
        ("Qualité de l'encadrement", "qualitative", "", Decimal("1.00"), "scale", 10),
        ("Ouverture à des profils divers", "qualitative", "", Decimal("1.00"), "scale", 10),
    ]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="labels.edition")
    assert event.detail["year"] == 2020 and event.detail["criteria"] == 6


def test_a_second_edition_of_the_same_year_and_a_period_ending_before_it_starts_are_refused(cnip_staff):
    edition(cnip_staff, 2020)

    with pytest.raises(ValidationError) as duplicate:
        edition(cnip_staff, 2020)
    with pytest.raises(ValidationError) as backwards:
        edition_create(
            year=2021,
            created_by=cnip_staff,
            threshold=Decimal("1"),
            period_start=dt.date(2021, 12, 31),
            period_end=dt.date(2021, 1, 1),
        )

    assert duplicate.value.message_dict["year"] == ["L'édition 2020 existe déjà."]
    assert backwards.value.message_dict["period_end"] == [
        "La fin de la période de référence ne peut pas précéder son début."
    ]
    assert list(Edition.objects.values_list("year", flat=True)) == [2020]


@pytest.mark.parametrize("persona", ["jury_oai", "outsider", "oai_counsellor"])
def test_only_cnip_staff_open_an_edition(persona, request):
    with pytest.raises(PermissionDenied):
        edition_create(year=2020, created_by=request.getfixturevalue(persona), threshold=Decimal("1"))
    assert not Edition.objects.exists()


# --- settings and versions --------------------------------------------------------------------------


def test_a_stale_settings_edit_is_refused_and_changes_nothing(cnip_staff):
    current = edition(cnip_staff, 2020, threshold="4")
    edition_update(
        edition=current,
        expected_version=current.version,
        updated_by=cnip_staff,
        **_settings(current, ceremony_place="Couvet"),  # type: ignore[arg-type]
    )

    with pytest.raises(StaleEdition, match="L'édition 2020 a été modifiée"):
        edition_update(
            edition=current,
            expected_version=current.version,  # read before the first save
            updated_by=cnip_staff,
            **_settings(current, threshold=Decimal("9")),  # type: ignore[arg-type]
        )

    assert fresh(current).threshold == Decimal("4.00")
    assert fresh(current).ceremony_place == "Couvet"


def test_changing_the_threshold_voids_a_computed_ranking_but_the_ceremony_does_not(cnip_staff):
    outcomes(company("A"), finished=1, hired=1)
    current = edition(cnip_staff, 2020)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)
    current = fresh(current)

    edition_update(
        edition=current,
        expected_version=current.version,
        updated_by=cnip_staff,
        **_settings(current, ceremony_place="Couvet"),  # type: ignore[arg-type]
    )
    assert fresh(current).status == EditionStatus.COMPUTED
    assert RankingEntry.objects.filter(edition=current).count() == 1

    current = fresh(current)
    edition_update(
        edition=current,
        expected_version=current.version,
        updated_by=cnip_staff,
        **_settings(current, threshold=Decimal("2")),  # type: ignore[arg-type]
    )
    current = fresh(current)
    assert current.status == EditionStatus.DRAFT
    assert current.computed_at is None
    assert not RankingEntry.objects.filter(edition=current).exists()
    assert AuditEvent.objects.filter(object_type="labels.edition", detail__ranking_voided=True).count() == 1


# --- criteria ---------------------------------------------------------------------------------------


def test_a_criterion_is_added_changed_and_removed_and_each_change_moves_the_edition_s_version(cnip_staff):
    current = edition(cnip_staff, 2020)
    initial_version = current.version
    terms = CriterionTerms(
        name="Stagiaires accueillis",
        kind=CriterionKind.QUANTITATIVE,
        metric=CriterionMetric.INTERNS,
        weight=Decimal("1.5"),
        normalisation=Normalisation.RANK,
    )

    added = criterion_set(edition=current, terms=terms, expected_version=current.version, changed_by=cnip_staff)
    assert (added.position, added.weight) == (7, Decimal("1.50"))
    with pytest.raises(StaleEdition):
        criterion_set(edition=current, terms=terms, expected_version=current.version, changed_by=cnip_staff)

    changed = criterion_set(
        edition=current,
        criterion=added,
        terms=CriterionTerms(**{**terms.__dict__, "weight": Decimal("2")}),
        expected_version=fresh(current).version,
        changed_by=cnip_staff,
    )
    assert changed.pk == added.pk and fresh(added).weight == Decimal("2.00")
    criterion_delete(criterion=added, expected_version=fresh(current).version, deleted_by=cnip_staff)
    assert not Criterion.objects.filter(pk=added.pk).exists()
    assert fresh(current).version == initial_version + 3


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        (
            CriterionTerms(
                name="Engagés",
                kind=CriterionKind.QUANTITATIVE,
                metric=CriterionMetric.HIRED,
                weight=Decimal("1"),
                normalisation=Normalisation.SCALE,
            ),
            "normalisation",
            "L'échelle ne vaut que pour les notes du jury et le taux de réinsertion",
        ),
        (
            CriterionTerms(
                name="jours de stage",
                kind=CriterionKind.QUANTITATIVE,
                metric=CriterionMetric.INTERNSHIP_DAYS,
                weight=Decimal("1"),
                normalisation=Normalisation.MIN_MAX,
            ),
            "name",
            "Un critère de cette édition porte déjà le nom « jours de stage ».",
        ),
        (
            CriterionTerms(
                name="Négatif", kind=CriterionKind.QUALITATIVE, weight=Decimal("-1"), normalisation=Normalisation.SCALE
            ),
            "weight",
            "Le poids est un nombre positif ou nul.",
        ),
        (
            CriterionTerms(
                name="Sans mesure", kind=CriterionKind.QUANTITATIVE, weight=Decimal("1"), normalisation="share_of_max"
            ),
            "metric",
            "Choisissez ce que mesure un critère quantitatif.",
        ),
    ],
)
def test_an_impossible_criterion_is_refused_in_french_and_nothing_changes(cnip_staff, terms, field, message):
    current = edition(cnip_staff, 2020)

    with pytest.raises(ValidationError) as refused:
        criterion_set(edition=current, terms=terms, expected_version=current.version, changed_by=cnip_staff)

    assert message in refused.value.message_dict[field][0]
    assert Criterion.objects.filter(edition=current).count() == 6
    assert fresh(current).version == current.version


def test_criteria_do_not_change_while_the_ranking_is_with_the_jury_until_it_is_reopened(
    cnip_staff, jury_oai, jury_cnip_council, jury_cnci
):
    outcomes(company("A"), finished=1, hired=1)
    current = edition(cnip_staff, 2020)
    full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    current = with_the_jury(fresh(current), cnip_staff)
    days = Criterion.objects.get(edition=current, metric=CriterionMetric.INTERNSHIP_DAYS)

    with pytest.raises(ValidationError, match="est soumis au jury"):
        criterion_delete(criterion=days, expected_version=current.version, deleted_by=cnip_staff)

    edition_reopen(edition=current, expected_version=current.version, reopened_by=cnip_staff)
    assert fresh(current).status == EditionStatus.DRAFT
    criterion_delete(criterion=days, expected_version=fresh(current).version, deleted_by=cnip_staff)
    assert not Criterion.objects.filter(pk=days.pk).exists()


def test_a_criterion_change_voids_a_computed_ranking(cnip_staff):
    outcomes(company("A"), finished=1, hired=1)
    current = edition(cnip_staff, 2020)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)
    current = fresh(current)
    days = Criterion.objects.get(edition=current, metric=CriterionMetric.INTERNSHIP_DAYS)

    criterion_set(
        edition=current,
        criterion=days,
        terms=CriterionTerms(
            name=days.name, kind=days.kind, metric=days.metric, weight=Decimal("4"), normalisation=days.normalisation
        ),
        expected_version=current.version,
        changed_by=cnip_staff,
    )

    assert fresh(current).status == EditionStatus.DRAFT
    assert not RankingEntry.objects.filter(edition=current).exists()


# --- computing the ranking --------------------------------------------------------------------------


def test_computing_writes_one_entry_per_company_with_its_figures_points_and_a_verification_code(cnip_staff):
    steady, lucky = company("Huit sur dix", "VD", "Yverdon"), company("Un sur un")
    outcomes(steady, finished=10, hired=8)
    outcomes(lucky, finished=1, hired=1)
    current = edition(cnip_staff, 2020, threshold="1")

    edition_compute_ranking(edition=current, computed_by=cnip_staff)

    current = fresh(current)
    assert current.status == EditionStatus.COMPUTED and current.computed_at is not None
    entries = list(RankingEntry.objects.filter(edition=current).order_by("rank"))
    assert [entry.company_name for entry in entries] == ["Huit sur dix", "Un sur un"]
    first = entries[0]
    assert (first.canton, first.locality, first.internship_days, first.interns, first.finished, first.hired) == (
        "VD",
        "Yverdon",
        200,
        10,
        10,
        8,
    )
    assert first.raw_rate == Decimal("0.800000")
    assert first.corrected_rate == Decimal("0.490162")
    assert entries[1].raw_rate == Decimal("1.000000") and entries[1].corrected_rate == Decimal("0.206549")
    assert first.labelled is True and first.prize == 1 and entries[1].prize == 2
    criteria = {c.name: c for c in Criterion.objects.filter(edition=current)}
    days = first.points[str(criteria["Jours de stage"].pk)]
    assert days == {"value": 200.0, "normalised": 1.0, "points": 3.0, "marks": None}
    commitment = first.points[str(criteria["Engagement de l'entreprise"].pk)]
    assert commitment["marks"] == 0 and commitment["points"] == 0.0  # nobody marked it: 0, and the row says so
    # 3 (days) + 2 (hires) + 3 × 0.4902 (corrected rate)
    assert first.score == Decimal("6.4705")
    assert all(len(entry.verification_code) == 22 for entry in entries)
    assert (first.rank_low, first.rank_high) == (1, 1)


def test_a_new_computation_replaces_the_entries_with_fresh_codes_and_deletes_the_approvals(
    cnip_staff, jury_oai, jury_cnip_council, jury_cnci
):
    outcomes(company("A"), finished=2, hired=1)
    current = edition(cnip_staff, 2020)
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    current = with_the_jury(fresh(current), cnip_staff)
    approve(list(members.values()))
    codes = set(RankingEntry.objects.values_list("verification_code", flat=True))
    first_computation = fresh(current).computed_at

    edition_compute_ranking(edition=current, computed_by=cnip_staff)

    current = fresh(current)
    assert current.status == EditionStatus.COMPUTED
    assert current.computed_at != first_computation
    assert RankingEntry.objects.filter(edition=current).count() == 1
    assert codes.isdisjoint(RankingEntry.objects.values_list("verification_code", flat=True))
    assert not JuryApproval.objects.exists()
    event = AuditEvent.objects.filter(object_type="labels.edition", detail__approvals_deleted=3)
    assert event.count() == 1


def test_a_ranking_with_no_weighted_criterion_is_refused(cnip_staff):
    current = edition(cnip_staff, 2020)
    Criterion.objects.filter(edition=current).update(weight=0)

    with pytest.raises(ValidationError, match="Aucun critère n'a de poids"):
        edition_compute_ranking(edition=current, computed_by=cnip_staff)
    assert fresh(current).status == EditionStatus.DRAFT


def test_the_mark_of_a_recused_member_does_not_count_in_the_average(cnip_staff, jury_oai, jury_cnip_council, jury_cnci):
    linked = company("Liée SA")
    outcomes(linked, finished=1, hired=1)
    current = edition(cnip_staff, 2020)
    (mark,) = only_criteria(current, MARK_ONLY)
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    recusal_record(member=members["oai_ne"], company=linked, reason="Ancien employeur", recorded_by=jury_oai)
    # Marks written directly: even a mark slipped in after the recusal is left out.
    for seat_code, score in [("oai_ne", "10"), ("cnip_council", "6"), ("cnci", "4")]:
        JuryScore.objects.create(member=members[seat_code], criterion=mark, company=linked, score=Decimal(score))

    assert average_marks(current) == {(mark.pk, linked.pk): (5.0, 2)}
    edition_compute_ranking(edition=current, computed_by=cnip_staff)
    entry = RankingEntry.objects.get(edition=current)
    assert entry.points[str(mark.pk)] == {"value": 5.0, "normalised": 0.5, "points": 0.5, "marks": 2}


@pytest.mark.parametrize("persona", ["jury_oai", "outsider"])
def test_only_cnip_staff_compute_submit_and_reopen(persona, request, cnip_staff):
    outcomes(company("A"), finished=1, hired=1)
    current = edition(cnip_staff, 2020)
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        edition_compute_ranking(edition=current, computed_by=user)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)
    with pytest.raises(PermissionDenied):
        edition_submit_to_jury(edition=current, submitted_by=user)
    with pytest.raises(PermissionDenied):
        edition_reopen(edition=current, expected_version=fresh(current).version, reopened_by=user)
    assert fresh(current).status == EditionStatus.COMPUTED


def test_a_ranking_goes_to_the_jury_only_once_computed_and_with_all_three_seats_filled(
    cnip_staff, jury_oai, jury_cnip_council
):
    outcomes(company("A"), finished=1, hired=1)
    current = edition(cnip_staff, 2020)

    with pytest.raises(ValidationError, match="Seul un classement calculé"):
        edition_submit_to_jury(edition=current, submitted_by=cnip_staff)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)
    with pytest.raises(ValidationError, match="siège\\(s\\) à pourvoir : représentant·e de l'OAI-NE"):
        edition_submit_to_jury(edition=current, submitted_by=cnip_staff)

    assert fresh(current).status == EditionStatus.COMPUTED


# --- special labels ---------------------------------------------------------------------------------


def test_a_special_label_goes_to_a_labelled_company_and_survives_a_new_computation(cnip_staff):
    outcomes(company("Grande"), finished=4, hired=3)
    internship_only = company("Petite")
    outcomes(internship_only, finished=0, hired=0, unfinished=1)
    current = edition(cnip_staff, 2020, threshold="3")
    only_criteria(current, DAYS_ONLY)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)
    big = RankingEntry.objects.get(company_name="Grande")
    small = RankingEntry.objects.get(company_name="Petite")  # 20 of 80 days: 0.75 points, not labelled

    special_label_set(entry=big, label="Coup de cœur", set_by=cnip_staff)
    with pytest.raises(ValidationError) as refused:
        special_label_set(entry=small, label="Coup de cœur", set_by=cnip_staff)

    assert refused.value.message_dict["special_label"] == ["Un label spécial ne va qu'à une entreprise labellisée."]
    assert fresh(current).status == EditionStatus.COMPUTED  # a special label voids nothing
    edition_compute_ranking(edition=current, computed_by=cnip_staff)
    assert RankingEntry.objects.get(company_name="Grande").special_label == "Coup de cœur"
    assert RankingEntry.objects.get(company_name="Petite").special_label == ""
