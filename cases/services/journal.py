"""Writing the journal of a case and attaching documents to it.

A journal entry or an attachment is visible either to the whole network (every
service that may view the case) or to the author's service only; the rule is
applied when reading (`cases.selectors.journal`). Only a caseworker of a service
that may view the case writes or attaches. Nothing is ever edited or deleted:
the journal is a record.

An attachment is a PDF, JPEG, PNG, DOCX or XLSX file of 10 MB at most; its
content is checked, not only its name, and it is stored under a neutral name
(the uploaded name may carry the person's name).
"""

import os
import uuid
import zipfile
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cases.models import Attachment, CaseFile, JournalEntry, Visibility
from cases.selectors.journal import journal_writer_allowed
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record

JOURNAL_TEXT_MAX_CHARS = 10_000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """An accepted kind of attachment: stored with `extension`, served as `content_type`."""

    code: str
    extension: str
    content_type: str


PDF = FileKind("pdf", ".pdf", "application/pdf")
JPEG = FileKind("jpeg", ".jpg", "image/jpeg")
PNG = FileKind("png", ".png", "image/png")
DOCX = FileKind("docx", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileKind("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# The extensions a user may upload, and the kind their content must be.
ATTACHMENT_EXTENSIONS: dict[str, FileKind] = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": PNG,
    ".docx": DOCX,
    ".xlsx": XLSX,
}

# How the pages name each kind of file.
KIND_LABELS: dict[str, str] = {
    PDF.content_type: "PDF",
    JPEG.content_type: "JPEG",
    PNG.content_type: "PNG",
    DOCX.content_type: "Word",
    XLSX.content_type: "Excel",
}

# Office Open XML: the part that makes a ZIP archive a Word or Excel document.
_OOXML_MAIN_PART = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


def _ensure_writer(user: User, case: CaseFile) -> None:
    # The views answer 404 long before this; the check keeps the rule in the service too.
    if not journal_writer_allowed(user=user, case=case):
        raise PermissionDenied(_("Seul·e un·e intervenant·e d'un service qui participe au dossier peut y écrire."))


def _visibility(value: str) -> Visibility:
    if value not in Visibility.values:
        raise ValidationError(
            {"visibility": _("Choisissez qui pourra lire : le réseau ou votre service seulement.")},
            code="visibility",
        )
    return Visibility(value)


@transaction.atomic
def journal_entry_create(
    *,
    case: CaseFile,
    author: User,
    text: str,
    visibility: Visibility | str,
    request: HttpRequest | None = None,
) -> JournalEntry:
    """Write an entry in the journal of `case`, for the network or for the author's service only.

    The entry belongs to the author's service (the one that sees it when the
    visibility is *mon service*). Only a caseworker of a service that may view the
    case writes (PermissionDenied otherwise). An empty or too long text, or an
    unknown visibility, raises ValidationError (French) and saves nothing. Audited.
    """
    _ensure_writer(author, case)
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if not text:
        errors.setdefault("text", []).append(_("Écrivez le texte de l'entrée."))
    elif len(text) > JOURNAL_TEXT_MAX_CHARS:
        errors.setdefault("text", []).append(
            _("Une entrée ne peut pas dépasser %(max)d caractères.") % {"max": JOURNAL_TEXT_MAX_CHARS}
        )
    try:
        chosen = _visibility(str(visibility))
    except ValidationError as error:
        errors.setdefault("visibility", []).extend(error.message_dict["visibility"])
    if errors:
        raise ValidationError(errors)
    entry = JournalEntry(case=case, author=author, service=author.service, visibility=chosen, text=text)
    entry.full_clean()
    entry.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=author,
        obj=entry,
        person_id=str(case.person_id),
        request=request,
        detail={"case": case.reference, "visibility": chosen.value},
    )
    return entry


def _is_office_document(document: UploadedFile, kind: FileKind) -> bool:
    """Whether the ZIP archive `document` is a Word or Excel document without macros.

    Reads the archive's directory only (never inflates a member: no ZIP bomb).
    """
    try:
        with zipfile.ZipFile(document) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    if "[Content_Types].xml" not in names or _OOXML_MAIN_PART[kind] not in names:
        return False
    # A macro project makes it a .docm/.xlsm in disguise: refused.
    return not any(name.lower().endswith("vbaproject.bin") for name in names)


def attachment_file_check(document: UploadedFile) -> FileKind:
    """The kind of `document` after checking its size, its name and its content.

    Raises ValidationError (French message) for an empty or too large file, an
    extension other than PDF, JPEG, PNG, DOCX or XLSX, or a content that is not
    what the extension says (a renamed program is refused).
    """
    if not document.size:
        raise ValidationError({"document": _("Le fichier est vide.")}, code="document_empty")
    if document.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"document": _("Le fichier ne doit pas dépasser %(max)d Mo.") % {"max": ATTACHMENT_MAX_BYTES // 2**20}},
            code="document_too_large",
        )
    kind = ATTACHMENT_EXTENSIONS.get(os.path.splitext(document.name or "")[1].lower())
    document.seek(0)
    head = document.read(16)
    document.seek(0)
    if kind is PDF:
        valid = head.startswith(b"%PDF-")
    elif kind is JPEG:
        valid = head.startswith(b"\xff\xd8\xff")
    elif kind is PNG:
        valid = head.startswith(b"\x89PNG\r\n\x1a\n")
    elif kind in (DOCX, XLSX):
        valid = head.startswith(b"PK\x03\x04") and _is_office_document(document, kind)
        document.seek(0)
    else:
        valid = False
    if kind is None or not valid:
        raise ValidationError(
            {"document": _("Le fichier doit être un document PDF, JPEG, PNG, Word (DOCX) ou Excel (XLSX).")},
            code="document_type",
        )
    return kind


@transaction.atomic
def attachment_create(
    *,
    case: CaseFile,
    uploaded_by: User,
    title: str,
    document: UploadedFile,
    visibility: Visibility | str,
    request: HttpRequest | None = None,
) -> Attachment:
    """Attach `document` to `case` under `title`, for the network or for the uploader's service only.

    The file is checked (see `attachment_file_check`) and stored under a neutral
    name; its kind fixes the content type it is served with. Only a caseworker of
    a service that may view the case attaches (PermissionDenied otherwise). Bad
    input raises ValidationError (French messages) and stores nothing. Audited.
    """
    _ensure_writer(uploaded_by, case)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("Donnez un titre à la pièce."))
    elif len(title) > 200:
        errors.setdefault("title", []).append(_("Le titre ne peut pas dépasser 200 caractères."))
    kind: FileKind | None = None
    try:
        kind = attachment_file_check(document)
    except ValidationError as error:
        errors.setdefault("document", []).extend(error.message_dict["document"])
    try:
        chosen = _visibility(str(visibility))
    except ValidationError as error:
        errors.setdefault("visibility", []).extend(error.message_dict["visibility"])
    if errors or kind is None:
        raise ValidationError(errors)
    size = document.size or 0
    # A neutral name: the uploaded file name may carry the person's name.
    document.name = f"piece-{uuid.uuid4().hex}{kind.extension}"
    attachment = Attachment(
        case=case,
        title=title,
        file=document,
        content_type=kind.content_type,
        size=size,
        visibility=chosen,
        service=uploaded_by.service,
        uploaded_by=uploaded_by,
    )
    attachment.full_clean()
    attachment.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=uploaded_by,
        obj=attachment,
        person_id=str(case.person_id),
        request=request,
        detail={"case": case.reference, "visibility": chosen.value, "kind": kind.code, "size": size},
    )
    return attachment
