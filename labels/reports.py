"""The certificates of the Label Intégration and an edition's palmarès, as PDF on the platform's reports pipeline.

`register_reports` is called once from `labels.apps.LabelsConfig.ready()`: the platform never
imports this app, it only knows the two definitions registered here.

* **Certificates** (CNIP staff only): one A4 landscape certificate per labelled company of an
  edition (or of one company), each rendered on its own as PDF/A-3b so that it can be archived.
  The job stores the file to print (the certificates merged, one page each) and a ZIP of the
  single certificates; a job for one company stores that certificate alone. Each certificate
  carries a QR code leading to the public verification page of its ranking entry
  (`labels:verify`, absolute URL from `settings.CII_PUBLIC_URL`). The certificates of an edition
  not yet published are marked "PROJET – non publié".
* **Palmarès** (CNIP staff, and the jury members of the edition): the prizes, the labelled
  companies by canton with their figures, and the headline figures next to the previous edition's.

Both read the ranking entries' frozen fields (name, canton, locality, figures) as they were
computed (and frozen at publication), never the live company.
"""

import io
import zipfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cii_platform.accounts.models import User
from cii_platform.reports import pdf
from cii_platform.reports.models import ReportJob, ReportKind
from cii_platform.reports.registry import (
    ProgressCallback,
    RenderedReport,
    ReportDefinition,
    ReportUnavailable,
    register,
)
from labels.models import Canton, Edition, JuryMember, RankingEntry
from labels.roles import is_cnip_staff, is_label_jury
from labels.selectors.figures import EditionFiguresComparison, edition_figures

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

PDF_VARIANT = "pdf/a-3b"
"""Certificates and palmarès are archived: PDF/A-3b (fonts embedded, colour profile, XMP metadata)."""

CERTIFICATE_TEMPLATE = "labels/pdf/certificate.html"
PALMARES_TEMPLATE = "labels/pdf/palmares.html"
CERTIFICATE_PARAMETERS = frozenset({"edition", "company", "company_name"})
PALMARES_PARAMETERS = frozenset({"edition"})
SLUG_LENGTH = 60
"""File names stay short enough for every archive tool; the rank keeps them unique."""

MEDIUM_NAME = 34
LONG_NAME = 64
"""Company names longer than these (characters) are set smaller, so that the certificate stays one page."""


@dataclass(frozen=True)
class Signatory:
    """One signatory of the certificates, from a line "Name, function" of `Edition.signatories`."""

    name: str
    function: str


@dataclass(frozen=True)
class PlacedSignatory:
    """A signatory with its place on the certificate (mm from the left of the text area, and width)."""

    name: str
    function: str
    left: str
    width: str


def signatories_of(text: str) -> list[Signatory]:
    """The signatories of `text`, one per non-empty line "Name, function" (the function is optional)."""
    rows = []
    for line in text.splitlines():
        name, _comma, function = line.strip().partition(",")
        if name.strip():
            rows.append(Signatory(name=name.strip(), function=function.strip()))
    return rows


SIGNATURES_FROM = Decimal("-10")
SIGNATURES_WIDTH = Decimal("202")
SIGNATURES_GAP = Decimal("8")
"""The signatures share one row left of the QR code (mm from the left of the text area), 8 mm apart."""


def signatories_placed(signatories: list[Signatory]) -> list[PlacedSignatory]:
    """`signatories` side by side in equal columns along the bottom of the certificate."""
    if not signatories:
        return []
    column = SIGNATURES_WIDTH / len(signatories)
    return [
        PlacedSignatory(
            name=signatory.name,
            function=signatory.function,
            left=f"{SIGNATURES_FROM + index * column + SIGNATURES_GAP / 2:.1f}",
            width=f"{column - SIGNATURES_GAP:.1f}",
        )
        for index, signatory in enumerate(signatories)
    ]


CANTON_PHRASES: dict[str, "StrOrPromise"] = {
    "AG": gettext_lazy("canton d'Argovie"),
    "AI": gettext_lazy("canton d'Appenzell Rhodes-Intérieures"),
    "AR": gettext_lazy("canton d'Appenzell Rhodes-Extérieures"),
    "GR": gettext_lazy("canton des Grisons"),
    "JU": gettext_lazy("canton du Jura"),
    "OW": gettext_lazy("canton d'Obwald"),
    "TI": gettext_lazy("canton du Tessin"),
    "UR": gettext_lazy("canton d'Uri"),
    "VS": gettext_lazy("canton du Valais"),
}
"""The cantons whose name does not follow "canton de …" in French."""


def canton_phrase(code: str) -> str:
    """'canton de Neuchâtel', 'canton du Jura', 'canton d'Argovie' … for a canton code."""
    if code in CANTON_PHRASES:
        return str(CANTON_PHRASES[code])
    return _("canton de %(name)s") % {"name": dict(Canton.choices).get(code, code)}


def prize_label(prize: int | None) -> str:
    """'Prix d'excellence – 1er rang', '… – 2e rang'; '' without a prize."""
    if not prize:
        return ""
    if prize == 1:
        return _("Prix d'excellence – 1er rang")
    return _("Prix d'excellence – %(rank)se rang") % {"rank": prize}


def verification_url(code: str) -> str:
    """The absolute URL of the public verification page of the certificate with `code` (its QR code)."""
    return settings.CII_PUBLIC_URL.rstrip("/") + reverse("labels:verify", kwargs={"code": code})


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as a PNG data URI, one pixel a module (with a quiet zone of two modules).

    The certificate prints it 26 mm wide with `image-rendering: pixelated` (sharp modules, and
    `/Interpolate false`, which PDF/A requires). PNG rather than SVG: WeasyPrint draws an SVG
    path of hundreds of segments for each certificate, which costs more than the image.
    """
    return str(segno.make(url, error="m").png_data_uri(scale=1, border=2, dark="#000", light="#fff"))


def _slug(name: str) -> str:
    # "l'entreprise" gives "l-entreprise", not "lentreprise".
    return slugify(name.replace("'", " ").replace("’", " "))[:SLUG_LENGTH].strip("-") or "entreprise"


def certificate_filename(*, year: int, rank: int, company_name: str, width: int = 2) -> str:
    """'label-2020-01-nom-de-l-entreprise.pdf' (the rank zero-padded to `width`, the name slugified)."""
    return f"label-{year}-{rank:0{width}d}-{_slug(company_name)}.pdf"


def _positive_int(parameters: Mapping[str, Any], key: str) -> int | None:
    value = str(parameters.get(key) or "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _unknown(parameters: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(parameters) - allowed
    if unknown:
        raise ValidationError(_("Paramètres inconnus : %(names)s.") % {"names": ", ".join(sorted(unknown))})


def _ranked_edition(parameters: Mapping[str, Any]) -> Edition:
    """The edition of `parameters["edition"]` (a year), which must have a computed ranking."""
    year = _positive_int(parameters, "edition")
    edition = Edition.objects.filter(year=year).first() if year is not None else None
    if edition is None:
        raise ValidationError({"edition": _("Édition inconnue.")}, code="unknown_edition")
    if not RankingEntry.objects.filter(edition=edition).exists():
        raise ValidationError(
            {"edition": _("Le classement de l'édition %(year)s n'est pas encore calculé.") % {"year": edition.year}},
            code="no_ranking",
        )
    return edition


# Certificates ---------------------------------------------------------------------------------


def certificates_may_see(user: User) -> bool:
    """Only CNIP staff print the certificates (of every edition)."""
    return is_cnip_staff(user)


def certificates_clean_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """`edition` (a year) and optionally `company` (an id) → the stored `edition`, `company`, `company_name`.

    The edition must exist, have a ranking and labelled companies; the company, if given, must be
    labelled in it (its name as ranked is stored for the pages). Raises ValidationError otherwise.
    """
    _unknown(parameters, CERTIFICATE_PARAMETERS)
    edition = _ranked_edition(parameters)
    labelled = RankingEntry.objects.filter(edition=edition, labelled=True)
    if not labelled.exists():
        raise ValidationError(
            {"edition": _("Aucune entreprise n'est labellisée dans l'édition %(year)s.") % {"year": edition.year}},
            code="none_labelled",
        )
    cleaned = {"edition": str(edition.year)}
    if parameters.get("company") not in (None, ""):
        company_id = _positive_int(parameters, "company")
        row = labelled.filter(company_id=company_id).values("company_name").first() if company_id else None
        if row is None:
            raise ValidationError(
                {
                    "company": _("Cette entreprise n'est pas labellisée dans l'édition %(year)s.")
                    % {"year": edition.year}
                },
                code="not_labelled",
            )
        cleaned |= {"company": str(company_id), "company_name": row["company_name"]}
    return cleaned


def certificates_summary(job: ReportJob) -> list[tuple[str, str]]:
    """The edition and the company (or all labelled companies), in French."""
    return [
        (_("Édition"), job.parameters["edition"]),
        (_("Entreprise"), job.parameters.get("company_name") or _("toutes les entreprises labellisées")),
    ]


def certificates_filename(job: ReportJob) -> str:
    """'label-2020-certificats.pdf' for an edition, 'label-2020-nom-de-l-entreprise.pdf' for one company."""
    year = job.parameters["edition"]
    if job.parameters.get("company"):
        return f"label-{year}-{_slug(job.parameters.get('company_name', ''))}.pdf"
    return f"label-{year}-certificats.pdf"


def certificates_build_context(job: ReportJob) -> dict[str, Any]:
    """The edition, its labelled entries by rank (or the job's company's), and the signatories.

    Raises `ReportUnavailable` when the edition no longer exists or the company is no longer
    labelled in it (the ranking was computed again since the request).
    """
    year = _positive_int(job.parameters, "edition")
    edition = Edition.objects.filter(year=year).first() if year is not None else None
    if edition is None:
        raise ReportUnavailable(_("Les certificats n'ont pas été produits : cette édition n'existe plus."))
    entries = RankingEntry.objects.filter(edition=edition, labelled=True).order_by("rank")
    company_id = _positive_int(job.parameters, "company")
    if company_id is not None:
        entries = entries.filter(company_id=company_id)
    rows = list(entries)
    if not rows:
        raise ReportUnavailable(
            _(
                "Les certificats n'ont pas été produits : aucune entreprise n'est plus labellisée dans cette "
                "édition selon ses critères (le classement a été recalculé depuis la demande)."
            )
        )
    return {
        "job": job,
        "edition": edition,
        "entries": rows,
        "signatories": signatories_placed(signatories_of(edition.signatories)),
        "is_published": edition.is_published,
        "single": company_id is not None,
        "generated_at": timezone.now(),
    }


def ceremony_line(edition: Edition) -> str:
    """'Remis à Couvet, le 09.03.2021' (or the place or the date alone); '' when neither is known yet."""
    day = date_format(edition.ceremony_on, "d.m.Y") if edition.ceremony_on else ""
    if edition.ceremony_place and day:
        return _("Remis à %(place)s, le %(date)s") % {"place": edition.ceremony_place, "date": day}
    if day:
        return _("Remis le %(date)s") % {"date": day}
    if edition.ceremony_place:
        return _("Remis à %(place)s") % {"place": edition.ceremony_place}
    return ""


def certificate_context(
    *, edition: Edition, entry: RankingEntry, signatories: list[PlacedSignatory], is_published: bool
) -> dict[str, Any]:
    """The context of `templates/labels/pdf/certificate.html` for one ranking entry."""
    url = verification_url(entry.verification_code)
    length = len(entry.company_name)
    distinctions = [prize_label(entry.prize)] if entry.prize else []
    if entry.special_label:
        distinctions.append(_("Label spécial « %(label)s »") % {"label": entry.special_label})
    return {
        "edition": edition,
        "entry": entry,
        "place": _("%(locality)s · %(canton)s") % {"locality": entry.locality, "canton": canton_phrase(entry.canton)},
        "distinctions": distinctions,
        "ceremony": ceremony_line(edition),
        "signatories": signatories,
        "verification_url": url,
        "qr_data_uri": qr_data_uri(url),
        "is_published": is_published,
        "name_size": "long" if length > LONG_NAME else "medium" if length > MEDIUM_NAME else "",
    }


def certificate_pdf(
    *,
    edition: Edition,
    entry: RankingEntry,
    signatories: list[PlacedSignatory],
    is_published: bool,
    font_config: Any = None,
) -> bytes:
    """One certificate as PDF/A-3b (one A4 landscape page); `font_config` is shared within a batch."""
    html = render_to_string(
        CERTIFICATE_TEMPLATE,
        certificate_context(edition=edition, entry=entry, signatories=signatories, is_published=is_published),
    )
    return pdf.pdf_from_html(html=html, variant=PDF_VARIANT, font_config=font_config)


def _zip(documents: list[tuple[str, bytes]]) -> bytes:
    stamp = timezone.localtime().timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in documents:
            # PDF streams are compressed already: storing them costs no space and no time.
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def certificates_render(job: ReportJob, context: dict[str, Any], progress: ProgressCallback) -> RenderedReport:
    """Each certificate rendered on its own (PDF/A), `progress` after each; merged to print, and zipped.

    A job for one company gives that certificate alone (PDF/A, no archive).
    """
    edition: Edition = context["edition"]
    entries: list[RankingEntry] = context["entries"]
    width = max(2, len(str(max(entry.rank for entry in entries))))
    documents: list[tuple[str, bytes]] = []
    font_config = pdf.font_configuration()
    shown = -1
    for done, entry in enumerate(entries, start=1):
        content = certificate_pdf(
            edition=edition,
            entry=entry,
            signatories=context["signatories"],
            is_published=context["is_published"],
            font_config=font_config,
        )
        name = certificate_filename(year=edition.year, rank=entry.rank, company_name=entry.company_name, width=width)
        documents.append((name, content))
        percent = done * 100 // len(entries)
        if percent != shown:  # one write per percent, not per certificate
            progress(percent)
            shown = percent
    if context["single"]:
        return RenderedReport(content=documents[0][1])
    return RenderedReport(
        content=pdf.pdf_merge(content for _name, content in documents),
        archive=_zip(documents),
        archive_filename=f"label-{edition.year}-certificats.zip",
    )


# Palmarès -------------------------------------------------------------------------------------


def palmares_may_see(user: User) -> bool:
    """CNIP staff and the label's jury accounts (which edition: `palmares_may_see_job`)."""
    return is_cnip_staff(user) or is_label_jury(user)


def palmares_may_see_job(user: User, parameters: Mapping[str, Any]) -> bool:
    """CNIP staff see every edition's palmarès; a jury member the palmarès of the editions of their seats."""
    if is_cnip_staff(user):
        return True
    year = _positive_int(parameters, "edition")
    return year is not None and JuryMember.objects.filter(user=user, edition__year=year).exists()


def palmares_visible_jobs(user: User) -> Q:
    """`palmares_may_see_job` for lists, as one EXISTS sub-query on the jury seats of `user`."""
    if is_cnip_staff(user):
        return Q()
    seats = JuryMember.objects.filter(user=user).annotate(year_text=Cast("edition__year", CharField()))
    edition = KeyTextTransform("edition", OuterRef("parameters"))
    return Q(Exists(seats.filter(year_text=edition)))


def palmares_clean_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """`edition` (a year with a computed ranking) → the stored `edition`; ValidationError otherwise."""
    _unknown(parameters, PALMARES_PARAMETERS)
    return {"edition": str(_ranked_edition(parameters).year)}


def palmares_summary(job: ReportJob) -> list[tuple[str, str]]:
    """The edition, in French."""
    return [(_("Édition"), job.parameters["edition"])]


def palmares_filename(job: ReportJob) -> str:
    """'label-2020-palmares.pdf'."""
    return f"label-{job.parameters['edition']}-palmares.pdf"


@dataclass(frozen=True)
class FigureRow:
    """One line of the palmarès' headline figures: this edition's value next to the previous edition's."""

    label: str
    current: int | Decimal | None
    previous: int | Decimal | None
    percent: bool = False
    indent: bool = False


def figure_rows(comparison: EditionFiguresComparison) -> list[FigureRow]:
    """The headline figures of the palmarès, each with the previous edition's (None when there is none).

    The labelled companies per canton list this edition's cantons (most first), then the cantons
    that only the previous edition had.
    """
    current, previous = comparison.current, comparison.previous

    def row(label: str, field: str) -> FigureRow:
        return FigureRow(label, getattr(current, field), getattr(previous, field) if previous else None)

    cantons = {count.canton: count for count in current.labelled_by_canton}
    before = {count.canton: count for count in previous.labelled_by_canton} if previous else {}
    order = [count.canton for count in current.labelled_by_canton] + sorted(set(before) - set(cantons))
    rows = [row(_("Entreprises labellisées"), "labelled")]
    for code in order:
        rows.append(
            FigureRow(
                _("dont %(canton)s") % {"canton": canton_phrase(code)},
                cantons[code].count if code in cantons else 0,
                (before[code].count if code in before else 0) if previous else None,
                indent=True,
            )
        )
    rows += [
        row(_("Jours de stage"), "internship_days"),
        row(_("Stagiaires accueillis"), "interns"),
        row(_("Stages terminés dans la période"), "finished"),
        row(_("Stagiaires engagés au dernier jour"), "hired"),
    ]
    rows.append(
        FigureRow(
            _("Taux de réinsertion (engagés ÷ stages terminés)"),
            current.reinsertion_percent,
            previous.reinsertion_percent if previous else None,
            percent=True,
        )
    )
    return rows


@dataclass(frozen=True)
class CantonGroup:
    """The labelled companies of one canton, by name (`phrase`: 'canton de Neuchâtel')."""

    code: str
    phrase: str
    entries: list[RankingEntry]

    @property
    def internship_days(self) -> int:
        return sum(entry.internship_days for entry in self.entries)

    @property
    def hired(self) -> int:
        return sum(entry.hired for entry in self.entries)


def palmares_build_context(job: ReportJob) -> dict[str, Any]:
    """The edition, its prize winners (by prize), its labelled companies by canton, and the headline figures.

    Cantons come most labelled companies first (then by code), companies by name within a canton.
    The figures are those of `labels.selectors.figures.edition_figures` (frozen once published).
    Raises `ReportUnavailable` when the edition no longer exists.
    """
    year = _positive_int(job.parameters, "edition")
    edition = Edition.objects.filter(year=year).first() if year is not None else None
    if edition is None:
        raise ReportUnavailable(_("Le palmarès n'a pas été produit : cette édition n'existe plus."))
    labelled = list(RankingEntry.objects.filter(edition=edition, labelled=True).order_by("rank"))
    prizes = sorted((entry for entry in labelled if entry.prize), key=lambda entry: (entry.prize, entry.rank))
    by_canton: dict[str, list[RankingEntry]] = defaultdict(list)
    for entry in labelled:
        by_canton[entry.canton].append(entry)
    groups = [
        CantonGroup(
            code=code,
            phrase=canton_phrase(code),
            entries=sorted(rows, key=lambda entry: (entry.company_name.casefold(), entry.rank)),
        )
        for code, rows in sorted(by_canton.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    comparison = edition_figures(edition=edition)
    return {
        "job": job,
        "edition": edition,
        "is_published": edition.is_published,
        "prizes": [(prize_label(entry.prize), entry) for entry in prizes],
        "special": [entry for entry in labelled if entry.special_label],
        "cantons": groups,
        "labelled_count": len(labelled),
        "figures": comparison,
        "figure_rows": figure_rows(comparison),
        "generated_at": timezone.now(),
    }


def register_reports() -> None:
    """Register the certificates and the palmarès of the label."""
    register(
        ReportDefinition(
            kind=ReportKind.LABEL_CERTIFICATES,
            template_name=CERTIFICATE_TEMPLATE,
            clean_parameters=certificates_clean_parameters,
            build_context=certificates_build_context,
            may_see=certificates_may_see,
            filename=certificates_filename,
            summary=certificates_summary,
            pdf_variant=PDF_VARIANT,
            render=certificates_render,
        )
    )
    register(
        ReportDefinition(
            kind=ReportKind.LABEL_PALMARES,
            template_name=PALMARES_TEMPLATE,
            clean_parameters=palmares_clean_parameters,
            build_context=palmares_build_context,
            may_see=palmares_may_see,
            may_see_job=palmares_may_see_job,
            visible_jobs=palmares_visible_jobs,
            filename=palmares_filename,
            summary=palmares_summary,
            pdf_variant=PDF_VARIANT,
        )
    )
