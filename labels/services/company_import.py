"""Importing partner companies from a CSV or XLSX file, row by row, with a report of what was rejected and why.

The file's first row names the columns; the others are companies. Headers are matched without regard to
case, accents, spaces or punctuation, in French or by the field's English name:

=================  ============================================================
field              accepted headers
=================  ============================================================
name (required)    raison sociale, nom, entreprise, name
uid                IDE, n° IDE, numéro IDE, UID
canton (required)  canton (an abbreviation such as NE, or the canton's French name)
locality (req.)    localité, lieu, locality
branch             branche, branch
contact_name       contact, personne de contact, contact_name
contact_email      courriel, e-mail, email, contact_email
contact_phone      téléphone, tél., phone, contact_phone
active             active, actif, active (oui/non, 1/0, vrai/faux, x …; empty: oui)
=================  ============================================================

Other columns are ignored (the report lists them).

Each row is imported or rejected on its own: a row goes through `company_create` or `company_update` inside
its own savepoint, so a bad row never aborts the others and a rejected row leaves nothing behind. A row
whose UID is that of an existing company updates it ("mise à jour"); there, an empty cell keeps the
company's current value (an import never erases). Any other row creates a company. The file as a whole is
refused (`ValidationError`, nothing imported) when it cannot be read, lacks a required column, names a
column twice, holds no company, exceeds `MAX_BYTES` or holds more than `MAX_ROWS` companies.

The import is audited once (file name and counts) besides the creation or update of each company.
"""

import csv
import functools
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from labels.models import Canton, PartnerCompany
from labels.services.companies import (
    COMPANY_FIELDS,
    company_create,
    company_input_errors,
    company_update,
    require_cnip_staff,
    uid_normalise,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
# Only so many columns are read from a spreadsheet (a company has nine fields; extra ones are ignored).
MAX_COLUMNS = 40
# Spreadsheets often carry formatted but empty rows; past this many rows the file is refused as too long
# rather than scanned further.
MAX_SCANNED_ROWS = 50_000

REQUIRED_FIELDS: tuple[str, ...] = ("name", "canton", "locality")

# Column headers, normalised by `_normalise` (lower case, no accents, words separated by one space).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("raison sociale", "nom", "nom de l entreprise", "entreprise", "name"),
    "uid": ("ide", "uid", "n ide", "no ide", "numero ide", "n uid", "numero uid"),
    "canton": ("canton",),
    "locality": ("localite", "lieu", "locality"),
    "branch": ("branche", "branch"),
    "contact_name": ("contact", "personne de contact", "nom du contact", "contact name"),
    "contact_email": ("courriel", "e mail", "email", "adresse electronique", "contact email"),
    "contact_phone": ("telephone", "tel", "phone", "contact phone"),
    "active": ("active", "actif", "actif ve"),
}

# The French name of each field, as the report shows it (and the header a template file would use).
FIELD_LABELS: dict[str, Any] = {
    "name": gettext_lazy("raison sociale"),
    "uid": gettext_lazy("IDE"),
    "canton": gettext_lazy("canton"),
    "locality": gettext_lazy("localité"),
    "branch": gettext_lazy("branche"),
    "contact_name": gettext_lazy("contact"),
    "contact_email": gettext_lazy("courriel"),
    "contact_phone": gettext_lazy("téléphone"),
    "active": gettext_lazy("active"),
}

_TRUE = frozenset({"oui", "o", "1", "vrai", "x", "yes", "y", "true", "active", "actif", "ja"})
_FALSE = frozenset({"non", "n", "0", "faux", "no", "false", "inactive", "inactif", "nein"})


def _normalise(text: str) -> str:
    """Lower case, accents removed, every run of spaces or punctuation made one space."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = "".join(char if char.isalnum() else " " for char in plain)
    return " ".join(words.split())


_FIELD_BY_HEADER: dict[str, str] = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_FIELD_BY_HEADER.update({_normalise(name): name for name in COMPANY_FIELDS})


@functools.cache
def _canton_by_name() -> dict[str, str]:
    # Built on first use: the canton names are lazy translations, not to be evaluated at import time.
    return {_normalise(str(label)): str(code) for code, label in Canton.choices}


@dataclass(frozen=True)
class ImportedRow:
    """A row that created or updated a company."""

    row: int
    company_id: int
    company_name: str
    updated: bool

    @property
    def outcome(self) -> str:
        """ "créée" or "mise à jour", as the report shows it."""
        return _("mise à jour") if self.updated else _("créée")


@dataclass(frozen=True)
class RejectedRow:
    """A row that changed nothing, with its French reasons keyed by field ("__all__": the row as a whole)."""

    row: int
    errors: dict[str, list[str]]

    @property
    def reasons(self) -> list[str]:
        """The reasons as sentences, each prefixed by its column's French name (« IDE : … »)."""
        lines: list[str] = []
        for name, messages in self.errors.items():
            label = FIELD_LABELS.get(name)
            lines.extend(f"{label} : {message}" if label else message for message in messages)
        return lines


@dataclass
class ImportReport:
    """What an import did. Row numbers are those of the spreadsheet: the header row is 1.

    `rows_read` counts the non-empty rows under the header; each is either in `imported` (created or
    updated) or in `rejected`.
    """

    file_name: str
    rows_read: int = 0
    imported: list[ImportedRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for row in self.imported if not row.updated)

    @property
    def updated(self) -> int:
        return sum(1 for row in self.imported if row.updated)

    @property
    def summary(self) -> str:
        """One French sentence with the counts."""
        return _(
            "Lignes lues : %(read)d ; créées : %(created)d ; mises à jour : %(updated)d ; rejetées : %(rejected)d."
        ) % {
            "read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "rejected": len(self.rejected),
        }


def _refuse(message: str) -> ValidationError:
    return ValidationError(message + " " + _("Aucune entreprise n'a été importée."), code="import_refused")


def _unreadable() -> ValidationError:
    return _refuse(_("Le fichier n'a pas pu être lu : importez un fichier CSV (UTF-8) ou Excel (.xlsx)."))


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "'")


def _too_many_rows() -> ValidationError:
    return _refuse(
        _("Le fichier compte plus de %(max)s lignes d'entreprises : découpez-le en plusieurs fichiers.")
        % {"max": _thousands(MAX_ROWS)}
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\x00", "").strip()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    """The CSV's records; UTF-8 (with or without BOM), else Windows-1252 as Excel writes it; `;` or `,`."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as error:
            raise _unreadable() from error
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            # NUL characters are dropped: PostgreSQL refuses them in text.
            yield [cell.replace("\x00", "").strip() for cell in record]
    except csv.Error as error:
        raise _unreadable() from error


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    """The rows of the workbook's first sheet, as text."""
    import openpyxl  # imported here: only imports of spreadsheets need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged or foreign file
        raise _unreadable() from error
    try:
        if not workbook.worksheets:
            raise _unreadable()
        sheet = workbook.worksheets[0]
        try:
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                yield [_cell_text(value) for value in values]
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
            raise _unreadable() from error
    finally:
        workbook.close()


def _read_table(*, file_name: str, content: bytes) -> list[tuple[int, list[str]]]:
    """The file's rows with their spreadsheet numbers (header = 1), empty rows left out; checks the limits."""
    if len(content) > MAX_BYTES:
        raise _refuse(
            _("Le fichier dépasse %(max)s Mo : découpez-le en plusieurs fichiers.")
            % {"max": MAX_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise _refuse(_("Le fichier est vide."))
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension == "xlsx":
        rows = _xlsx_rows(content)
    elif extension in {"csv", "txt"}:
        rows = _csv_rows(content)
    else:
        raise _refuse(
            _("Le format du fichier « %(name)s » n'est pas reconnu : importez un fichier CSV ou Excel (.xlsx).")
            % {"name": file_name}
        )
    table: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(rows, start=1):
        if number > MAX_SCANNED_ROWS:
            raise _too_many_rows()
        if any(cells):
            table.append((number, cells))
            if len(table) > MAX_ROWS + 1:  # the header and MAX_ROWS companies
                raise _too_many_rows()
    return table


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """The column index of each field found in `header`, and the headers ignored."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        if not title:
            continue
        name = _FIELD_BY_HEADER.get(_normalise(title))
        if name is None:
            ignored.append(title)
            continue
        if name in columns:
            raise _refuse(
                _("La colonne « %(column)s » figure deux fois dans le fichier.") % {"column": FIELD_LABELS[name]}
            )
        columns[name] = index
    missing = [str(FIELD_LABELS[name]) for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise _refuse(
            _("Colonnes obligatoires manquantes : %(columns)s (la première ligne doit nommer les colonnes).")
            % {"columns": ", ".join(missing)}
        )
    return columns, ignored


def _parse_active(text: str) -> bool | None:
    """True/False for a recognised yes/no, None for anything else."""
    word = _normalise(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


def _canton(text: str) -> str:
    """The canton's abbreviation for an abbreviation or a French name; anything else as given."""
    return _canton_by_name().get(_normalise(text), text.strip().upper())


def _row_cells(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {name: (cells[index] if index < len(cells) else "") for name, index in columns.items()}


def _import_row(
    *, number: int, cells: dict[str, str], imported_by: User, request: HttpRequest | None, file_name: str
) -> ImportedRow:
    """Create or update the company of one row, or raise `ValidationError` with the row's errors by field."""
    existing: PartnerCompany | None = None
    try:
        uid = uid_normalise(cells.get("uid", ""))
    except ValidationError:
        uid = ""  # the UID's own error is reported by the checks below
    if uid:
        existing = PartnerCompany.objects.filter(uid=uid).first()

    details: dict[str, Any]
    if existing is None:
        details = {name: "" for name in COMPANY_FIELDS if name != "active"}
        details["active"] = True
    else:
        details = {name: getattr(existing, name) for name in COMPANY_FIELDS}
    errors: dict[str, list[str]] = {}
    for name, text in cells.items():
        if not text:
            continue  # an empty cell: the default of a new company, the current value of an existing one
        if name == "active":
            active = _parse_active(text)
            if active is None:
                errors["active"] = [_("Valeur « %(value)s » non reconnue : indiquez oui ou non.") % {"value": text}]
            else:
                details["active"] = active
        elif name == "canton":
            details["canton"] = _canton(text)
        else:
            details[name] = text

    if errors:
        # Report the row's other errors too, so that one correction of the file is enough.
        _values, others = company_input_errors(**details, company=existing)
        raise ValidationError({**others, **errors})
    audit_detail = {"import": file_name[:100], "row": number}
    if existing is None:
        company = company_create(**details, created_by=imported_by, request=request, audit_detail=audit_detail)
    else:
        company = company_update(
            company=existing,
            **details,
            expected_version=existing.version,
            changed_by=imported_by,
            request=request,
            audit_detail=audit_detail,
        )
    return ImportedRow(row=number, company_id=company.pk, company_name=company.name, updated=existing is not None)


@transaction.atomic
def company_import(
    *, file_name: str, content: bytes, imported_by: User, request: HttpRequest | None = None
) -> ImportReport:
    """Import the partner companies of a CSV or XLSX file (CNIP staff only) and return the report.

    `file_name` decides the format (.csv or .txt: CSV; .xlsx: the first sheet of the workbook); `content` is
    the file's bytes. The module's docstring describes the columns. Each row is created or updated through
    `company_create`/`company_update` in its own savepoint, or rejected with its French reasons per field;
    rejected rows leave nothing behind and never stop the others.

    Raises `PermissionDenied` for anyone but CNIP staff, and `ValidationError` with a French message (nothing
    imported) for a file that is empty, unreadable, of another format, larger than 5 Mo, longer than 5'000
    companies, without a required column (raison sociale, canton, localité) or naming a column twice.
    The import is audited once with its counts; each created or updated company is audited too.
    """
    require_cnip_staff(imported_by)
    table = _read_table(file_name=file_name, content=content)
    if not table:
        raise _refuse(_("Le fichier est vide."))
    (_header_number, header), rows = table[0], table[1:]
    columns, ignored = _columns(header)
    if not rows:
        raise _refuse(_("Le fichier ne contient aucune entreprise sous la ligne des titres."))

    report = ImportReport(file_name=file_name, ignored_columns=ignored)
    for number, cells in rows:
        report.rows_read += 1
        try:
            with transaction.atomic():
                imported = _import_row(
                    number=number,
                    cells=_row_cells(cells, columns),
                    imported_by=imported_by,
                    request=request,
                    file_name=file_name,
                )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": list(error.messages)}
            report.rejected.append(RejectedRow(row=number, errors=dict(errors)))
        except StaleVersion as stale:
            report.rejected.append(RejectedRow(row=number, errors={"__all__": [str(stale)]}))
        else:
            report.imported.append(imported)

    audit_record(
        action=AuditAction.CREATE,
        actor=imported_by,
        object_type="labels.companyimport",
        object_label=file_name[:200],
        request=request,
        detail={
            "file_name": file_name[:200],
            "rows_read": report.rows_read,
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
            "rejected_rows": [row.row for row in report.rejected],
        },
    )
    return report
