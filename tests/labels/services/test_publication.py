"""Publication: only with the three approvals of the current computation; a published edition never changes."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import (
    Criterion,
    CriterionKind,
    Edition,
    EditionFigures,
    EditionStatus,
    Internship,
    JuryApproval,
    RankingEntry,
)
from labels.selectors.editions import ranking_rows
from labels.selectors.figures import edition_figures
from labels.services.editions import (
    CriterionTerms,
    EditionFrozen,
    criterion_delete,
    criterion_set,
    edition_compute_ranking,
    edition_publish,
    edition_reopen,
    edition_submit_to_jury,
    edition_update,
    special_label_set,
)
from labels.services.jury import (
    jury_approval_withdraw,
    jury_approve,
    jury_member_remove,
    jury_member_set,
    jury_score_set,
    recusal_record,
)
from tests.labels.edition_builders import (
    approve,
    company,
    edition,
    fresh,
    full_jury,
    internship,
    outcomes,
    with_the_jury,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_jury(cnip_staff, jury_oai, jury_cnip_council, jury_cnci):  # type: ignore[no-untyped-def]
    """The 2020 edition computed and with its full jury; two companies (NE and VD), both labelled."""
    lake, hills = company("Lac SA", "NE"), company("Collines Sàrl", "VD", "Lausanne")
    outcomes(lake, finished=7, hired=3, unfinished=2)
    outcomes(hills, finished=5, hired=2)
    current = edition(cnip_staff, 2020, threshold="1")
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    current = with_the_jury(fresh(current), cnip_staff)
    return {"edition": current, "members": members, "companies": (lake, hills)}


@pytest.mark.parametrize("approvals", [0, 1, 2])
def test_publication_is_refused_without_the_three_approvals(with_jury, cnip_staff, approvals):
    members = list(with_jury["members"].values())
    approve(members[:approvals])

    with pytest.raises(ValidationError) as refused:
        edition_publish(edition=with_jury["edition"], published_by=cnip_staff)

    assert "il manque l'approbation du classement actuel par" in refused.value.messages[0]
    for member in members[approvals:]:
        assert member.get_seat_display() in refused.value.messages[0]
    current = fresh(with_jury["edition"])
    assert current.status == EditionStatus.JURY and current.published_at is None
    assert not EditionFigures.objects.exists()


def test_publication_is_refused_when_a_recomputation_voided_the_approvals(with_jury, cnip_staff):
    approve(list(with_jury["members"].values()))
    edition_compute_ranking(edition=with_jury["edition"], computed_by=cnip_staff)
    edition_submit_to_jury(edition=with_jury["edition"], submitted_by=cnip_staff)

    with pytest.raises(ValidationError, match="il manque l'approbation"):
        edition_publish(edition=with_jury["edition"], published_by=cnip_staff)

    assert not JuryApproval.objects.exists()
    assert fresh(with_jury["edition"]).status == EditionStatus.JURY


def test_an_approval_of_an_earlier_computation_does_not_count(with_jury, cnip_staff):
    approve(list(with_jury["members"].values()))
    earlier = fresh(with_jury["edition"]).computed_at - dt.timedelta(hours=1)
    JuryApproval.objects.filter(member=with_jury["members"]["cnci"]).update(ranking_computed_at=earlier)

    with pytest.raises(ValidationError) as refused:
        edition_publish(edition=with_jury["edition"], published_by=cnip_staff)

    assert "directeur·rice de la CNCI" in refused.value.messages[0]
    assert "OAI-NE" not in refused.value.messages[0]


def test_a_ranking_not_handed_to_the_jury_is_not_published(cnip_staff):
    outcomes(company("A"), finished=1, hired=1)
    current = edition(cnip_staff, 2020)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)

    with pytest.raises(ValidationError, match="qu'une fois son classement soumis au jury"):
        edition_publish(edition=current, published_by=cnip_staff)
    assert fresh(current).status == EditionStatus.COMPUTED


def test_only_cnip_staff_publish(with_jury, jury_oai):
    approve(list(with_jury["members"].values()))

    with pytest.raises(PermissionDenied):
        edition_publish(edition=with_jury["edition"], published_by=jury_oai)
    assert fresh(with_jury["edition"]).status == EditionStatus.JURY


def test_with_three_approvals_the_edition_is_published_with_its_figures_frozen(with_jury, cnip_staff):
    approve(list(with_jury["members"].values()))

    published = edition_publish(edition=with_jury["edition"], published_by=cnip_staff)

    assert published.status == EditionStatus.PUBLISHED and published.published_at is not None
    frozen = EditionFigures.objects.get(edition=published)
    assert (frozen.companies, frozen.labelled, frozen.labelled_by_canton) == (2, 2, {"NE": 1, "VD": 1})
    assert (frozen.internship_days, frozen.interns, frozen.finished, frozen.hired) == (14 * 20, 14, 12, 5)
    event = AuditEvent.objects.get(object_type="labels.edition", detail__status="published")
    assert event.action == AuditAction.CHANGE and event.actor == cnip_staff
    figures = edition_figures(edition=published).current
    assert figures.frozen is True and figures.reinsertion_percent == Decimal("41.67")


@pytest.fixture
def published(with_jury, cnip_staff):  # type: ignore[no-untyped-def]
    approve(list(with_jury["members"].values()))
    edition_publish(edition=with_jury["edition"], published_by=cnip_staff)
    return {**with_jury, "edition": fresh(with_jury["edition"])}


def _writes(published: dict[str, Any], staff: Any, make_account: Callable[..., Any]) -> dict[str, Callable[[], Any]]:
    current, members = published["edition"], published["members"]
    lake = published["companies"][0]
    qualitative = Criterion.objects.filter(edition=current, kind=CriterionKind.QUALITATIVE).first()
    entry = RankingEntry.objects.filter(edition=current).first()
    member = members["oai_ne"]
    return {
        "settings": lambda: edition_update(
            edition=current,
            expected_version=current.version,
            updated_by=staff,
            period_start=current.period_start,
            period_end=current.period_end,
            threshold=Decimal("9"),
            prizes=3,
        ),
        "criterion": lambda: criterion_set(
            edition=current,
            terms=CriterionTerms(name="Nouveau", kind="qualitative", weight=Decimal("1"), normalisation="scale"),
            expected_version=current.version,
            changed_by=staff,
        ),
        "criterion_delete": lambda: criterion_delete(
            criterion=qualitative, expected_version=current.version, deleted_by=staff
        ),
        "compute": lambda: edition_compute_ranking(edition=current, computed_by=staff),
        "reopen": lambda: edition_reopen(edition=current, expected_version=current.version, reopened_by=staff),
        "seat": lambda: jury_member_set(
            edition=current,
            seat="oai_ne",
            user=member.user,
            title="Autre",
            expected_version=current.version,
            set_by=staff,
        ),
        "seat_remove": lambda: jury_member_remove(member=member, expected_version=current.version, removed_by=staff),
        "recusal": lambda: recusal_record(member=member, company=lake, reason="Lien", recorded_by=member.user),
        "mark": lambda: jury_score_set(
            member=member, criterion=qualitative, company=lake, score=Decimal("9"), scored_by=member.user
        ),
        "approve": lambda: jury_approve(member=member, approved_by=member.user),
        "withdraw": lambda: jury_approval_withdraw(member=member, withdrawn_by=member.user),
        "special_label": lambda: special_label_set(entry=entry, label="Coup de cœur", set_by=staff),
        "publish": lambda: edition_publish(edition=current, published_by=staff),
    }


WRITES = [
    "settings",
    "criterion",
    "criterion_delete",
    "compute",
    "reopen",
    "seat",
    "seat_remove",
    "recusal",
    "mark",
    "approve",
    "withdraw",
    "special_label",
    "publish",
]


@pytest.mark.parametrize("write", WRITES)
def test_every_write_on_a_published_edition_is_refused(published, cnip_staff, make_account, write):
    before = ranking_rows(edition=published["edition"])
    version = published["edition"].version

    with pytest.raises(EditionFrozen) as refused:
        _writes(published, cnip_staff, make_account)[write]()

    assert refused.value.messages == ["L'édition 2020 est publiée : elle ne change plus."]
    assert fresh(published["edition"]).version == version
    assert ranking_rows(edition=published["edition"]) == before
    assert JuryApproval.objects.count() == 3


def _frozen_rows(current: Edition) -> list[tuple[dict[str, Any], Any]]:
    """Every stored field of each ranking row, and its cells per criterion."""
    fields = [field.attname for field in RankingEntry._meta.concrete_fields]
    return [({name: getattr(row.entry, name) for name in fields}, row.cells) for row in ranking_rows(edition=current)]


def test_a_published_edition_does_not_change_when_its_internships_change_later(published, cnip_staff):
    current: Edition = published["edition"]
    lake, hills = published["companies"]
    rows_before = _frozen_rows(current)
    figures_before = edition_figures(edition=current)

    # An internship edited (now hired) and another added, both inside the published period.
    edited = Internship.objects.filter(company=hills, finished=True, employed_on_last_day=False).first()
    edited.employed_on_last_day = True
    edited.ends_on = dt.date(2020, 12, 30)
    edited.save()
    internship(lake, dt.date(2020, 10, 5), dt.date(2020, 12, 18), finished=True, hired=True)
    hills.name = "Collines Holding SA"
    hills.save()

    assert _frozen_rows(current) == rows_before
    assert edition_figures(edition=current) == figures_before
    assert figures_before.current.hired == 5
    # The live figures did move: only the frozen ones stay.
    later = edition(cnip_staff, 2021, period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 12, 31))
    assert edition_figures(edition=later).current.hired == 7
