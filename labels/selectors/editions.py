"""Reading the editions of the label: who sees which edition, its ranking, its sensitivity and the jury's progress.

The access gate: CNIP staff see every edition; an account with the jury role sees the editions in
whose jury it sits (`JuryMember`), and only those; anyone else sees none. `edition_get` answers a
missing edition and a forbidden one alike with Http404 (the refusal is audited). The other readers
take an edition reached through `edition_get` (or `edition_list`).

A published edition is read from what was frozen at publication (its `RankingEntry` rows and the
criteria, which no longer change); nothing here computes it again.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from labels.models import (
    Criterion,
    CriterionKind,
    Edition,
    JuryApproval,
    JuryMember,
    JuryScore,
    JurySeat,
    PartnerCompany,
    RankingEntry,
    Recusal,
)
from labels.ranking import (
    TIE_RULE,
    Contender,
    CriterionInput,
    Sensitivity,
    sensitivity,
    wilson_lower_bound,
)
from labels.roles import is_cnip_staff, is_label_jury
from labels.selectors.figures import company_figures


def edition_list(*, user: User | None) -> QuerySet[Edition]:
    """The editions `user` may see, newest first: all for CNIP staff, those whose jury they sit in, else none."""
    if is_cnip_staff(user):
        return Edition.objects.order_by("-year")
    if user is not None and is_label_jury(user):
        return Edition.objects.filter(jury__user=user).distinct().order_by("-year")
    return Edition.objects.none()


def edition_get(*, user: User | None, year: int, request: HttpRequest | None = None) -> Edition:
    """The edition of `year` if `user` may see it (see `edition_list`); Http404 otherwise (audited)."""
    edition = edition_list(user=user).filter(year=year).first()
    if edition is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            object_type="labels.edition",
            object_id=str(year),
            request=request,
        )
        raise Http404
    return edition


def jury_member_for(*, edition: Edition, user: User | None) -> JuryMember | None:
    """The seat `user` holds in `edition`'s jury, None when they hold none (or lost the jury role)."""
    if user is None or not is_label_jury(user):
        return None
    return JuryMember.objects.filter(edition=edition, user=user).first()


def edition_criteria(*, edition: Edition) -> list[Criterion]:
    """The edition's criteria in their order."""
    return list(Criterion.objects.filter(edition=edition).order_by("position", "id"))


# --- the ranking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionCell:
    """A company's result on one criterion as computed (see `labels.services.editions` for `points`).

    `marks` is the number of jury marks averaged for a qualitative criterion (None for a
    quantitative one); `no_marks`: nobody marked the company, it got 0 on this criterion.
    """

    criterion: Criterion
    value: float
    normalised: float
    points: float
    marks: int | None

    @property
    def no_marks(self) -> bool:
        return self.marks == 0


@dataclass(frozen=True)
class RankingRowView:
    """A ranking entry (rank, company, frozen figures, score, label, prize, tie note, ±20 % ranks) and its cells."""

    entry: RankingEntry
    cells: tuple[CriterionCell, ...]

    @property
    def points_by_name(self) -> dict[str, float]:
        """Criterion name → points, in the criteria's order."""
        return {cell.criterion.name: cell.points for cell in self.cells}

    @property
    def marks_count(self) -> int:
        """The jury marks the company's qualitative values were averaged from (all criteria together)."""
        return sum(cell.marks or 0 for cell in self.cells)

    @property
    def unmarked(self) -> tuple[str, ...]:
        """Names of the qualitative criteria on which nobody marked the company (it got 0 on them)."""
        return tuple(cell.criterion.name for cell in self.cells if cell.no_marks)


def _cells(entry: RankingEntry, criteria: list[Criterion]) -> tuple[CriterionCell, ...]:
    cells = []
    for criterion in criteria:
        stored = entry.points.get(str(criterion.pk))
        if stored is None:  # a criterion added after the computation (the ranking was voided meanwhile)
            continue
        cells.append(
            CriterionCell(
                criterion=criterion,
                value=float(stored.get("value", 0.0)),
                normalised=float(stored.get("normalised", 0.0)),
                points=float(stored.get("points", 0.0)),
                marks=stored.get("marks"),
            )
        )
    return tuple(cells)


def ranking_rows(*, edition: Edition) -> list[RankingRowView]:
    """The edition's ranking, best first: each entry with its company and its cells per criterion (two queries).

    Empty while no ranking is computed (a draft). For a published edition these are the frozen rows.
    """
    criteria = edition_criteria(edition=edition)
    entries = RankingEntry.objects.filter(edition=edition).select_related("company").order_by("rank")
    return [RankingRowView(entry=entry, cells=_cells(entry, criteria)) for entry in entries]


@dataclass(frozen=True)
class RankingSensitivity:
    """How the ranking moves when each weight moves by ±20 % (see `labels.ranking.sensitivity`), and the tie rule."""

    analysis: Sensitivity
    tie_rule: str = TIE_RULE


def ranking_sensitivity(*, edition: Edition) -> RankingSensitivity | None:
    """The ±20 % weight analysis of the edition's computed ranking, rebuilt from its entries; None without ranking.

    The entries hold each company's normalised shares and tie keys, so the analysis of a published
    ranking is the one it was published with. Its `rank_range` equals the entries' `rank_low` / `rank_high`.
    """
    criteria = edition_criteria(edition=edition)
    entries = list(RankingEntry.objects.filter(edition=edition).order_by("rank"))
    if not entries:
        return None
    contenders = [
        Contender(
            company_id=entry.company_id,
            name=entry.company_name,
            interns=entry.interns,
            internship_days=entry.internship_days,
            hired=entry.hired,
            corrected_rate=wilson_lower_bound(entry.hired, entry.finished),
            normalised={
                int(criterion_id): float(stored.get("normalised", 0.0)) for criterion_id, stored in entry.points.items()
            },
        )
        for entry in entries
    ]
    inputs = [
        CriterionInput(
            id=criterion.pk,
            name=criterion.name,
            kind=criterion.kind,
            metric=criterion.metric,
            weight=float(criterion.weight),
            normalisation=criterion.normalisation,
            max_score=float(criterion.max_score),
        )
        for criterion in criteria
    ]
    return RankingSensitivity(
        analysis=sensitivity(contenders, inputs, threshold=float(edition.threshold), prizes=edition.prizes)
    )


# --- the jury -----------------------------------------------------------------------------------


def marking_candidates(*, edition: Edition) -> list[PartnerCompany]:
    """The companies the jury marks: those that hosted an intern in the reference period (by name).

    For a published edition: the companies of its frozen ranking that hosted an intern.
    """
    if edition.is_published:
        ids = list(RankingEntry.objects.filter(edition=edition, interns__gt=0).values_list("company_id", flat=True))
    else:
        ids = list(company_figures(period_start=edition.period_start, period_end=edition.period_end))
    return list(PartnerCompany.objects.filter(pk__in=ids).order_by("name", "id"))


@dataclass(frozen=True)
class SeatProgress:
    """One seat of the jury: who sits, their recusals, how far they marked, whether they approved this ranking.

    `approves_current`: they approved the current computation. `marks_by_criterion`: criterion id →
    companies marked (not counting companies they are recused for); `marks_expected`: qualitative
    criteria × companies to mark minus recusals.
    """

    seat: str
    seat_label: str
    member: JuryMember | None
    approval: JuryApproval | None
    approves_current: bool
    recusals: tuple[Recusal, ...]
    marks_by_criterion: dict[int, int]
    marks_expected: int

    @property
    def marks_given(self) -> int:
        return sum(self.marks_by_criterion.values())


@dataclass(frozen=True)
class JuryProgress:
    """The three seats in order, the qualitative criteria and how many companies there are to mark."""

    seats: tuple[SeatProgress, ...]
    qualitative_criteria: tuple[Criterion, ...]
    companies_to_mark: int

    @property
    def approvals(self) -> int:
        """How many members approved the current computation."""
        return sum(1 for seat in self.seats if seat.approves_current)

    @property
    def complete(self) -> bool:
        """All three seats filled and approving the current computation (publication possible, if with the jury)."""
        return all(seat.member is not None and seat.approves_current for seat in self.seats)


def jury_progress(*, edition: Edition) -> JuryProgress:
    """Who sits in `edition`'s jury, who marked what, who approved the current ranking (bounded number of queries)."""
    members = {member.seat: member for member in JuryMember.objects.filter(edition=edition).select_related("user")}
    approvals = {approval.member_id: approval for approval in JuryApproval.objects.filter(member__edition=edition)}
    recusals: dict[int, list[Recusal]] = defaultdict(list)
    for recusal in Recusal.objects.filter(member__edition=edition).select_related("company").order_by("company__name"):
        recusals[recusal.member_id].append(recusal)
    qualitative = tuple(
        Criterion.objects.filter(edition=edition, kind=CriterionKind.QUALITATIVE).order_by("position", "id")
    )
    candidates = {company.pk for company in marking_candidates(edition=edition)}
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    marks = JuryScore.objects.filter(member__edition=edition, criterion__in=qualitative).values_list(
        "member_id", "criterion_id", "company_id"
    )
    for member_id, criterion_id, company_id in marks:
        recused_ids = {recusal.company_id for recusal in recusals.get(member_id, [])}
        if company_id in candidates and company_id not in recused_ids:
            counts[member_id][criterion_id] += 1
    seats = []
    for seat, label in JurySeat.choices:
        member = members.get(seat)
        approval = approvals.get(member.pk) if member is not None else None
        own_recusals = tuple(recusals.get(member.pk, [])) if member is not None else ()
        recused_candidates = sum(1 for recusal in own_recusals if recusal.company_id in candidates)
        seats.append(
            SeatProgress(
                seat=seat,
                seat_label=str(label),
                member=member,
                approval=approval,
                approves_current=(
                    approval is not None
                    and edition.computed_at is not None
                    and approval.ranking_computed_at == edition.computed_at
                ),
                recusals=own_recusals,
                marks_by_criterion=dict(counts.get(member.pk, {})) if member is not None else {},
                marks_expected=len(qualitative) * (len(candidates) - recused_candidates) if member is not None else 0,
            )
        )
    return JuryProgress(seats=tuple(seats), qualitative_criteria=qualitative, companies_to_mark=len(candidates))


def member_marks(*, member: JuryMember) -> dict[tuple[int, int], JuryScore]:
    """The member's marks by (criterion id, company id), for their marking sheet (with each mark's version)."""
    return {(score.criterion_id, score.company_id): score for score in JuryScore.objects.filter(member=member)}


def jury_accounts() -> QuerySet[User]:
    """The active accounts holding the label's jury role, by name: those CNIP staff may seat in a jury."""
    return (
        User.objects.filter(is_active=True, roles__role=Role.LABEL_JURY)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
