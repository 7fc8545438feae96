"""The monthly dashboard of the mixed measures: places budgeted, occupied, occupancy rate and cost.

For a month, per measure and per sector:

- places budgeted: the sector's budget places for the measure in the month's year,
  plus the places other sectors lend it, minus those it lends, counting every
  agreed loan whose period overlaps the month;
- places occupied: each placement counts **in proportion to the days it occupies
  its place in the month** (a placement from the 1st to the 15th of a 30-day
  month counts 0.5). A placement occupies its place from its start to its actual
  end, or, while it has none, to its planned end; cancelled placements never count;
- occupancy rate: places occupied / places budgeted, in per cent (none without budget);
- cost: the placement's price per month × the fraction of the month it occupies, summed.

Totals per sector, per kind of place (against the measures' capacity of that kind
in the year) and overall. A sector's figures that its delegate has sent
(`MonthlyReport`) are shown frozen as sent; the others are computed live.
Aggregates only: no person appears on the dashboard. Exports (CSV, XLSX) are audited.
"""

import calendar
import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from measures.models import (
    MONTHLY_REPORT_SECTORS,
    Measure,
    MeasureCapacity,
    MonthlyReport,
    PlaceKind,
    PlaceLoan,
    Placement,
    Sector,
    SectorBudget,
)
from measures.roles import may_read_measures

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
OCCUPANCY_RULE = "prorata_jours"


def parse_month(value: str | None) -> dt.date | None:
    """The first day of the month "2026-11" (as an `<input type="month">` sends it), or None if malformed."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007  # a calendar month, no time of day
    except ValueError:
        return None


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date, int]:
    """The first and last days of `month`'s month and its number of days."""
    days = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=days), days


def _money(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _rate(occupied: Decimal, base: int) -> Decimal | None:
    if base <= 0:
        return None
    return (occupied * 100 / base).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """Places budgeted (or capacity, for kinds), places occupied, cost; the rate follows."""

    budgeted: int
    occupied: Decimal
    cost: Decimal

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.occupied, self.budgeted)

    def as_json(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "budgeted": self.budgeted,
            "occupied": str(self.occupied),
            "rate": None if rate is None else str(rate),
            "cost": str(self.cost),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Figures":
        return cls(budgeted=int(data["budgeted"]), occupied=Decimal(data["occupied"]), cost=Decimal(data["cost"]))

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(self.budgeted + other.budgeted, self.occupied + other.occupied, self.cost + other.cost)


ZERO = Figures(0, Decimal("0.00"), Decimal("0.00"))


@dataclass(frozen=True)
class DashboardRow:
    measure_id: int
    measure_code: str
    measure_name: str
    figures: Figures


@dataclass
class SectorBlock:
    sector: str
    rows: list[DashboardRow]
    total: Figures
    # Occupied places and cost of the sector per kind of place (for the totals per kind).
    kinds: dict[str, tuple[Decimal, Decimal]]
    report: MonthlyReport | None = None
    may_send: bool = False

    @property
    def label(self) -> str:
        return str(Sector(self.sector).label)

    @property
    def frozen(self) -> bool:
        return self.report is not None

    @property
    def reportable(self) -> bool:
        return self.sector in MONTHLY_REPORT_SECTORS


@dataclass(frozen=True)
class KindTotal:
    place_kind: str
    figures: Figures  # `budgeted` is the measures' capacity of that kind in the year

    @property
    def label(self) -> str:
        return str(PlaceKind(self.place_kind).label)


@dataclass
class Dashboard:
    month: dt.date
    sectors: list[SectorBlock]
    kinds: list[KindTotal]
    total: Figures
    rule: str = OCCUPANCY_RULE
    delegate_sectors: frozenset[str] = field(default_factory=frozenset)

    @property
    def any_frozen(self) -> bool:
        return any(block.frozen for block in self.sectors)


# -- Live figures ----------------------------------------------------------------------------------------


def _budgeted(*, first: dt.date, last: dt.date) -> dict[tuple[int, str], int]:
    places: dict[tuple[int, str], int] = defaultdict(int)
    for measure_id, sector, count in SectorBudget.objects.filter(year__year=first.year).values_list(
        "measure_id", "sector", "places"
    ):
        places[(measure_id, sector)] += count
    loans = PlaceLoan.objects.filter(status=PlaceLoan.Status.AGREED, starts_on__lte=last, ends_on__gte=first)
    for measure_id, from_sector, to_sector, count in loans.values_list(
        "measure_id", "from_sector", "to_sector", "places"
    ):
        places[(measure_id, to_sector)] += count
        places[(measure_id, from_sector)] -= count
    return places


def _occupied_in(first: dt.date, last: dt.date) -> Q:
    """Placements occupying their place on at least one day between `first` and `last`."""
    return (
        Q(starts_on__lte=last)
        & ~Q(status=Placement.Status.CANCELLED)
        & (Q(ended_on__isnull=False, ended_on__gte=first) | Q(ended_on__isnull=True, planned_end_on__gte=first))
    )


def _occupation(
    *, first: dt.date, last: dt.date, days: int
) -> tuple[dict[tuple[int, str], tuple[Fraction, Fraction]], dict[tuple[str, str], tuple[Fraction, Fraction]]]:
    """Occupied places and cost per (measure, sector) and per (sector, kind), as exact fractions."""
    by_measure: dict[tuple[int, str], tuple[Fraction, Fraction]] = defaultdict(lambda: (Fraction(0), Fraction(0)))
    by_kind: dict[tuple[str, str], tuple[Fraction, Fraction]] = defaultdict(lambda: (Fraction(0), Fraction(0)))
    rows = Placement.objects.filter(_occupied_in(first, last)).values_list(
        "measure_id", "sector", "place_kind", "starts_on", "ended_on", "planned_end_on", "price_per_month"
    )
    for measure_id, sector, kind, starts_on, ended_on, planned_end_on, price in rows:
        end = ended_on or planned_end_on
        occupied_days = (min(end, last) - max(starts_on, first)).days + 1
        share = Fraction(occupied_days, days)
        cost = Fraction(price) * share
        places, amount = by_measure[(measure_id, sector)]
        by_measure[(measure_id, sector)] = (places + share, amount + cost)
        places, amount = by_kind[(sector, kind)]
        by_kind[(sector, kind)] = (places + share, amount + cost)
    return by_measure, by_kind


def _live_blocks(month: dt.date) -> dict[str, SectorBlock]:
    first, last, days = month_bounds(month)
    budgeted = _budgeted(first=first, last=last)
    occupied, kinds = _occupation(first=first, last=last, days=days)
    measure_ids = {measure_id for measure_id, _sector in (*budgeted, *occupied)}
    measures = {row["id"]: row for row in Measure.objects.filter(pk__in=measure_ids).values("id", "code", "name")}
    blocks: dict[str, SectorBlock] = {}
    for key in sorted(set(budgeted) | set(occupied), key=lambda k: (measures[k[0]]["name"], k[0])):
        measure_id, sector = key
        places, amount = occupied.get(key, (Fraction(0), Fraction(0)))
        figures = Figures(budgeted=budgeted.get(key, 0), occupied=_money(places), cost=_money(amount))
        block = blocks.setdefault(sector, SectorBlock(sector=sector, rows=[], total=ZERO, kinds={}))
        block.rows.append(DashboardRow(measure_id, measures[measure_id]["code"], measures[measure_id]["name"], figures))
    for (sector, kind), (places, amount) in kinds.items():
        block = blocks.setdefault(sector, SectorBlock(sector=sector, rows=[], total=ZERO, kinds={}))
        block.kinds[kind] = (_money(places), _money(amount))
    for sector in MONTHLY_REPORT_SECTORS:
        blocks.setdefault(sector, SectorBlock(sector=sector, rows=[], total=ZERO, kinds={}))
    for block in blocks.values():
        block.total = sum((row.figures for row in block.rows), ZERO)
    return blocks


def _block_json(block: SectorBlock, month: dt.date) -> dict[str, Any]:
    return {
        "month": month.isoformat(),
        "sector": block.sector,
        "rule": OCCUPANCY_RULE,
        "rows": [
            {"measure_id": row.measure_id, "measure_code": row.measure_code, "measure_name": row.measure_name}
            | row.figures.as_json()
            for row in block.rows
        ],
        "kinds": {kind: {"occupied": str(places), "cost": str(cost)} for kind, (places, cost) in block.kinds.items()},
        "total": block.total.as_json(),
    }


def _block_from_report(report: MonthlyReport) -> SectorBlock:
    data = report.figures
    return SectorBlock(
        sector=report.sector,
        rows=[
            DashboardRow(row["measure_id"], row["measure_code"], row["measure_name"], Figures.from_json(row))
            for row in data.get("rows", [])
        ],
        total=Figures.from_json(data["total"]),
        kinds={kind: (Decimal(v["occupied"]), Decimal(v["cost"])) for kind, v in data.get("kinds", {}).items()},
        report=report,
    )


def dashboard_sector_figures(*, month: dt.date, sector: str) -> dict[str, Any]:
    """The live figures of `sector` in `month`, as frozen in a `MonthlyReport` (JSON: decimals as text)."""
    month = month.replace(day=1)
    block = _live_blocks(month).get(sector) or SectorBlock(sector=sector, rows=[], total=ZERO, kinds={})
    return _block_json(block, month)


def dashboard_month(*, month: dt.date) -> Dashboard:
    """The dashboard of `month`: frozen figures for the sectors that sent theirs, live figures otherwise.

    Costs the same few queries whatever the number of measures, sectors and placements.
    """
    month = month.replace(day=1)
    blocks = _live_blocks(month)
    for report in MonthlyReport.objects.filter(month=month).select_related("sent_by"):
        blocks[report.sector] = _block_from_report(report)
    sectors = [blocks[sector] for sector in Sector.values if sector in blocks]
    capacity: dict[str, int] = defaultdict(int)
    for kind, places in MeasureCapacity.objects.filter(year=month.year).values_list("place_kind", "places"):
        capacity[kind] += places
    kinds = []
    for kind in PlaceKind.values:
        occupied = sum((block.kinds.get(kind, (Decimal(0), Decimal(0)))[0] for block in sectors), Decimal("0.00"))
        cost = sum((block.kinds.get(kind, (Decimal(0), Decimal(0)))[1] for block in sectors), Decimal("0.00"))
        if capacity[kind] or occupied:
            kinds.append(KindTotal(kind, Figures(capacity[kind], occupied, cost)))
    total = sum((block.total for block in sectors), ZERO)
    return Dashboard(month=month, sectors=sectors, kinds=kinds, total=total)


def dashboard_for(*, user: User | None, month: dt.date) -> Dashboard:
    """The dashboard of `month` for `user`, with the sectors they may send marked; Http404 without a role.

    Caseworkers, coordination-group members and the GP CII read the dashboard (aggregates only).
    """
    from measures.roles import delegate_sectors

    if not may_read_measures(user):
        raise Http404
    dashboard = dashboard_month(month=month)
    dashboard.delegate_sectors = delegate_sectors(user)
    for block in dashboard.sectors:
        block.may_send = block.reportable and not block.frozen and block.sector in dashboard.delegate_sectors
    return dashboard


# -- Exports -------------------------------------------------------------------------------------------------


def _export_header() -> list[str]:
    return [
        _("Secteur"),
        _("Code de la mesure"),
        _("Mesure"),
        _("Places budgétées"),
        _("Places occupées"),
        _("Taux d'occupation (%)"),
        _("Coût (CHF)"),
        _("Chiffres"),
    ]


def _state(block: SectorBlock) -> str:
    if block.report is None:
        return _("en direct")
    return _("figés, envoyés le %(day)s") % {"day": f"{block.report.sent_at:%d.%m.%Y}"}


def dashboard_rows(dashboard: Dashboard) -> list[list[Any]]:
    """The export's lines: each measure of each sector, each sector's total, the totals per kind and overall."""
    lines: list[list[Any]] = []
    for block in dashboard.sectors:
        for row in block.rows:
            f = row.figures
            lines.append(
                [block.label, row.measure_code, row.measure_name, f.budgeted, f.occupied, f.rate, f.cost, _state(block)]
            )
        t = block.total
        lines.append([block.label, "", _("Total du secteur"), t.budgeted, t.occupied, t.rate, t.cost, _state(block)])
    for kind in dashboard.kinds:
        f = kind.figures
        label = _("Total places « %(kind)s » (capacité)") % {"kind": kind.label}
        lines.append(["", "", label, f.budgeted, f.occupied, f.rate, f.cost, ""])
    t = dashboard.total
    lines.append(["", "", _("Total général"), t.budgeted, t.occupied, t.rate, t.cost, ""])
    return lines


def _csv(dashboard: Dashboard) -> bytes:
    out = io.StringIO()
    # Semicolons and a byte-order mark: what a Swiss spreadsheet opens without asking.
    writer = csv.writer(out, delimiter=";")
    writer.writerow(_export_header())
    for line in dashboard_rows(dashboard):
        writer.writerow(["" if value is None else value for value in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(dashboard: Dashboard) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{dashboard.month:%m.%Y}"
    sheet.append([_("Tableau de bord des mesures mixtes, %(month)s") % {"month": f"{dashboard.month:%m.%Y}"}])
    sheet.append(_export_header())
    for line in dashboard_rows(dashboard):
        sheet.append(line)
    for cells in sheet.iter_rows(min_row=3, min_col=5, max_col=7):
        for cell in cells:
            cell.number_format = "0.00" if cell.column != 6 else "0.0"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def dashboard_export(
    *, user: User | None, month: dt.date, fmt: str, request: HttpRequest | None = None
) -> tuple[bytes, str, str]:
    """The dashboard of `month` as a file (content, content type, file name); the export is audited.

    Http404 for an unknown format or a user who may not read the dashboard.
    """
    if fmt not in EXPORT_FORMATS:
        raise Http404
    dashboard = dashboard_for(user=user, month=month)
    content = _csv(dashboard) if fmt == "csv" else _xlsx(dashboard)
    content_type, extension = EXPORT_FORMATS[fmt]
    audit_record(
        action=AuditAction.EXPORT,
        actor=user,
        object_type="measures.dashboard",
        object_id=f"{dashboard.month:%Y-%m}",
        object_label=_("Tableau de bord %(month)s") % {"month": f"{dashboard.month:%m.%Y}"},
        request=request,
        detail={"format": fmt, "frozen_sectors": [block.sector for block in dashboard.sectors if block.frozen]},
    )
    return content, content_type, f"mesures-{dashboard.month:%Y-%m}.{extension}"
