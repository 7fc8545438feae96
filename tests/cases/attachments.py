"""Files of the attachment tests: small valid documents of each accepted kind, and impostors."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def office_bytes(main_part: str, *, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
        if macro:
            archive.writestr(main_part.split("/")[0] + "/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


def pdf(name: str = "Perret rapport médical.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% rapport\n")


def docx(name: str = "bilan.docx", *, macro: bool = False) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, office_bytes("word/document.xml", macro=macro))


def xlsx(name: str = "budget.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, office_bytes("xl/workbook.xml"))


def png(name: str = "scan.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)


def jpeg(name: str = "photo.jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0" + b"\x00" * 32)
