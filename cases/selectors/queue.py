"""The triage queue: new and waiting case files the user's service takes part in, by priority."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import CaseFile, CaseStatus
from cases.selectors.action_plans import overdue_tasks_filter
from cases.services.persons import avs_normalise
from cases.services.priority import DAYS_PER_POINT, benefit_points
from cii_platform.access import access_filter_visible
from cii_platform.accounts.models import User

WAITING_STATUSES = (CaseStatus.REPORTED, CaseStatus.ASSESSMENT)
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueQuery:
    """Filters of the queue; empty values filter nothing."""

    status: str = ""
    programme: str = ""
    region: str = ""
    service: str = ""
    search: str = ""
    overdue_only: bool = False


@dataclass
class QueueRow:
    case: CaseFile
    priority: int
    reasons: list[tuple[str, int]] = field(default_factory=list)
    revolving_door: bool = False


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None


def parse_queue_cursor(cursor: str | None) -> tuple[int, int] | None:
    """`"<priority_key>_<id>"` as two integers, or None (first page, or a malformed cursor)."""
    if not cursor:
        return None
    key, _sep, pk = cursor.rpartition("_")
    try:
        return int(key), int(pk)
    except ValueError:
        return None


def _search(queryset: QuerySet[CaseFile], text: str) -> QuerySet[CaseFile]:
    text = text.strip()
    if not text:
        return queryset
    if text.upper().startswith("CII-"):
        return queryset.filter(reference__iexact=text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 13 and digits.startswith("756"):
        try:
            return queryset.filter(person__avs_number=avs_normalise(text))
        except Exception:  # an invalid AVS number simply finds nothing
            return queryset.none()
    terms = text.split()
    for term in terms:
        queryset = queryset.filter(Q(person__last_name__icontains=term) | Q(person__first_name__icontains=term))
    return queryset


def triage_queue_visible(*, user: User | None, query: QueueQuery) -> QuerySet[CaseFile]:
    """The waiting case files `user` may see, filtered and searched, highest priority first."""
    cases = CaseFile.objects.select_related("person", "programme", "lead_service")
    status = query.status if query.status in WAITING_STATUSES else ""
    cases = cases.filter(status=status) if status else cases.filter(status__in=WAITING_STATUSES)
    if query.programme:
        cases = cases.filter(programme__code=query.programme)
    if query.region:
        cases = cases.filter(region=query.region)
    if query.service:
        cases = cases.filter(lead_service__code=query.service)
    if query.overdue_only:
        cases = cases.filter(overdue_tasks_filter())
    cases = _search(cases, query.search)
    return access_filter_visible(user=user, queryset=cases).order_by("-priority_key", "-id")


def triage_queue_page(*, user: User | None, query: QueueQuery, cursor: str | None, size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue after `cursor`, each row with its priority and the reasons for it.

    One query whatever the number of cases: the reasons are read from the row,
    where `cases.services.priority.case_priority_refresh` keeps them with the
    points (transfers and the flag being the person's revolving-door index, as on
    the person's page).
    """
    cases = triage_queue_visible(user=user, query=query)
    position = parse_queue_cursor(cursor)
    if position is not None:
        key, pk = position
        cases = cases.filter(Q(priority_key__lt=key) | Q(priority_key=key, id__lt=pk))
    page = list(cases[: size + 1])
    next_cursor = f"{page[size - 1].priority_key}_{page[size - 1].pk}" if len(page) > size else None
    page = page[:size]
    today = timezone.localdate()
    rows = []
    for case in page:
        reasons: list[tuple[str, int]] = []
        systems = [
            label
            for flag, label in (
                (case.receives_unemployment, "AC"),
                (case.receives_disability, "AI"),
                (case.receives_social_assistance, "AS"),
            )
            if flag
        ]
        if points := benefit_points(case):
            reasons.append(
                (
                    _("prestations de %(n)d systèmes (%(list)s)") % {"n": len(systems), "list": ", ".join(systems)},
                    points,
                )
            )
        if count := case.priority_high_dimensions:
            reasons.append(
                (ngettext("%(n)d dimension cotée 3", "%(n)d dimensions cotées 3", count) % {"n": count}, count)
            )
        if moves := case.priority_transfers:
            reasons.append(
                (ngettext("%(n)d transfert en 12 mois", "%(n)d transferts en 12 mois", moves) % {"n": moves}, 2 * moves)
            )
        waited = (today - timezone.localtime(case.opened_at).date()).days
        if waited // DAYS_PER_POINT:
            reasons.append((_("en attente depuis %(days)d jours") % {"days": waited}, waited // DAYS_PER_POINT))
        rows.append(
            QueueRow(
                case=case,
                priority=sum(points for _label, points in reasons),
                reasons=reasons,
                revolving_door=case.revolving_door,
            )
        )
    return QueuePage(rows=rows, next_cursor=next_cursor)
