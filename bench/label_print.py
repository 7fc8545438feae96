"""Benchmark: printing the certificates of an edition of 300 labelled companies, and one certificate alone.

Generates (once) the edition YEAR (2091, out of the way of real editions) with 300 labelled partner
companies (three prizes, a special label every 25th), published, with its ceremony and four
signatories, in the PostgreSQL database of DATABASE_URL, and a CNIP staff account. Then it times:

* **the whole edition through the real path** (median of --runs runs): `report_job_request` by the
  CNIP staff account, from the request to the job DONE with its merged PDF (300 pages) and its ZIP of
  300 PDF/A certificates stored. With REDIS_URL the Celery worker renders it: the script starts a
  worker of its own (one process, the project's code and settings) and stops it at the end; it
  refuses to run if another worker already listens on that broker (it could take the jobs), so
  give it a Redis database of its own. Without REDIS_URL the task runs in-process (eager), as in
  development. The output says which.
* **one certificate alone** and **a bare one-page WeasyPrint document** (median of --samples runs,
  interleaved in the same run so that the load of the machine weighs on both alike): the
  certificate is `render_to_string` of `labels/pdf/certificate.html` (its QR code generated) then
  `pdf_from_html(variant="pdf/a-3b")`; the bare page is `pdf_from_html(html="<p>Bonjour</p>")`.
  Wall-clock and CPU time (this process) are both given: the machine is shared.

It prints a Markdown table and the ratio certificate / bare page (goal of issue 5: within 2×).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cii_bench_labels .venv/bin/python bench/label_print.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cii_bench_labels REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/label_print.py

Each printed job (its files and its row) is deleted after it is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import secrets
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import visible_cases as canton  # noqa: E402  (sets Django up)
import weasyprint  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from cii_platform.accounts.models import Role, User  # noqa: E402
from cii_platform.accounts.services import account_create  # noqa: E402
from cii_platform.celery import app  # noqa: E402
from cii_platform.partners.services import service_ensure  # noqa: E402
from cii_platform.reports import pdf  # noqa: E402
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus  # noqa: E402
from cii_platform.reports.services import report_job_request  # noqa: E402
from labels import reports  # noqa: E402
from labels.models import Edition, EditionStatus, PartnerCompany, RankingEntry  # noqa: E402

YEAR = 2091
COMPANIES = 300
BRANCH = "Banc d'essai du label"
STAFF = "bench.cnip"
WORKER_NAME = "bench-label-print@%h"
SIGNATORIES = (
    "Jean-Nathanaël Karakash, conseiller d'État\n"
    "Florian Nemeti, directeur de la CNCI\n"
    "Gilles Jeannet, directeur de l'OAI-NE\n"
    "Thierry Nguyen, directeur du CNIP"
)
TRADES = ("Menuiserie", "Garage", "Boulangerie", "Imprimerie", "Mécanique", "Horlogerie", "Fiduciaire", "Atelier")
NAMES = ("Favre", "Perret", "Robert", "Jeanneret", "Dubois", "Matthey", "Ducommun", "L'Eplattenier", "Vuilleumier")
FORMS = ("SA", "Sàrl", "& Fils SA", "Coopérative")
PLACES = (
    ("NE", "Neuchâtel"),
    ("NE", "La Chaux-de-Fonds"),
    ("NE", "Couvet"),
    ("VD", "Yverdon-les-Bains"),
    ("VD", "Lausanne"),
    ("BE", "Saint-Imier"),
    ("FR", "Bulle"),
    ("JU", "Delémont"),
)


def ensure_staff() -> User:
    existing = User.objects.filter(username=STAFF).first()
    if existing is not None:
        return existing
    return account_create(
        username=STAFF,
        first_name="Banc",
        last_name="CNIP",
        email="bench.cnip@example.org",
        service=service_ensure(code="oai", name="Office de l'assurance-invalidité"),
        roles=(Role.CNIP_STAFF,),
    )


def populate(staff: User) -> Edition:
    """The edition of the benchmark with COMPANIES labelled companies, generated once."""
    edition = Edition.objects.filter(year=YEAR).first()
    if edition is not None and RankingEntry.objects.filter(edition=edition, labelled=True).count() == COMPANIES:
        return edition
    canton.log(f"Generating the edition {YEAR} with {COMPANIES} labelled companies …")
    with transaction.atomic():
        Edition.objects.filter(year=YEAR).delete()  # its entries go with it
        PartnerCompany.objects.filter(branch=BRANCH).delete()
        edition = Edition.objects.create(
            year=YEAR,
            period_start=dt.date(YEAR, 1, 1),
            period_end=dt.date(YEAR, 12, 31),
            ceremony_on=dt.date(YEAR + 1, 3, 9),
            ceremony_place="Couvet",
            signatories=SIGNATORIES,
            status=EditionStatus.PUBLISHED,
            computed_at=timezone.now(),
            published_at=timezone.now(),
            created_by=staff,
        )
        companies = []
        for number in range(COMPANIES):
            code, locality = PLACES[number % len(PLACES)]
            name = (
                f"{TRADES[number % len(TRADES)]} {NAMES[number % len(NAMES)]} {FORMS[number % len(FORMS)]} "
                f"n° {number + 1}"
            )
            companies.append(PartnerCompany(name=name, canton=code, locality=locality, branch=BRANCH))
        PartnerCompany.objects.bulk_create(companies)
        entries = []
        for rank, company in enumerate(PartnerCompany.objects.filter(branch=BRANCH).order_by("id"), start=1):
            entries.append(
                RankingEntry(
                    edition=edition,
                    company=company,
                    rank=rank,
                    company_name=company.name,
                    canton=company.canton,
                    locality=company.locality,
                    internship_days=400 - rank,
                    interns=3,
                    finished=2,
                    hired=1,
                    raw_rate=Decimal("0.5"),
                    corrected_rate=Decimal("0.094531"),
                    score=Decimal(1000 - rank),
                    labelled=True,
                    prize=rank if rank <= 3 else None,
                    special_label="Coup de cœur" if rank % 25 == 0 else "",
                    verification_code=secrets.token_urlsafe(24),
                )
            )
        RankingEntry.objects.bulk_create(entries)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return edition


def other_workers() -> list[str]:
    replies = app.control.ping(timeout=2.0) or []
    return [name for reply in replies for name in reply]


def start_worker() -> subprocess.Popen[bytes]:
    """A Celery worker of our own (one process), ready to take tasks; stopped by `stop_worker`."""
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "cii_platform",
        "worker",
        "--loglevel=WARNING",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "-n",
        WORKER_NAME,
    ]
    process = subprocess.Popen(command, cwd=canton.PROJECT_DIR, env=os.environ.copy())  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with status {process.returncode}")
        if other_workers():
            return process
        time.sleep(0.5)
    stop_worker(process)
    raise RuntimeError("the Celery worker did not answer within 60 s")


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def print_edition(*, edition: Edition, staff: User, timeout_s: float) -> tuple[float, ReportJob]:
    """Seconds from the request to the job DONE, and the job."""
    started = time.perf_counter()
    job = report_job_request(
        kind=ReportKind.LABEL_CERTIFICATES, parameters={"edition": edition.year}, requested_by=staff
    )
    deadline = started + timeout_s
    while True:
        job.refresh_from_db()
        if job.status in (ReportStatus.DONE, ReportStatus.FAILED):
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"job {job.pk} not done after {timeout_s:.0f} s (status {job.status})")
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if job.status != ReportStatus.DONE:
        raise RuntimeError(f"job {job.pk} failed: {job.error}")
    return elapsed, job


def discard(job: ReportJob) -> None:
    job.result.delete(save=False)
    job.archive.delete(save=False)
    job.delete()


def interleaved(functions: dict[str, Callable[[], object]], samples: int) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU milliseconds of each function, run in turn `samples` times after warm-up."""
    for function in functions.values():
        for _ in range(3):
            function()
    wall: dict[str, list[float]] = {name: [] for name in functions}
    cpu: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(samples):
        for name, function in functions.items():
            started_wall, started_cpu = time.perf_counter(), time.process_time()
            function()
            wall[name].append((time.perf_counter() - started_wall) * 1000)
            cpu[name].append((time.process_time() - started_cpu) * 1000)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in functions}


def font_subsetter() -> str:
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except ImportError:
        return "unknown"
    return "HarfBuzz" if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0) else "fontTools"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="prints of the whole edition (median)")
    parser.add_argument("--samples", type=int, default=30, help="single certificates and bare pages (median)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for one edition's job")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        canton.log("Run it against PostgreSQL: DATABASE_URL=postgres://… (see the docstring).")
        return 1
    canton.ensure_database()
    call_command("migrate", verbosity=0)
    staff = ensure_staff()
    edition = populate(staff)
    worker = None
    if settings.REDIS_URL:
        busy = other_workers()
        if busy:
            canton.log(f"Other workers listen on {settings.REDIS_URL}: {busy}. Give the benchmark a Redis database")
            canton.log("of its own (e.g. redis://127.0.0.1:6379/7) so that no other worker takes its jobs.")
            return 1
        canton.log("Starting a Celery worker …")
        worker = start_worker()
        mode = "Celery worker (one process, Redis broker)"
    else:
        mode = "in-process (no REDIS_URL: eager task, as in development)"
    load_before = os.getloadavg()
    try:
        timings: list[float] = []
        pages = files = 0
        pdf_size = zip_size = 0
        for run in range(args.runs):
            canton.log(f"Printing the edition ({run + 1}/{args.runs}) …")
            elapsed, job = print_edition(edition=edition, staff=staff, timeout_s=args.timeout)
            timings.append(elapsed)
            if run == 0:
                with job.result.open("rb") as handle:
                    content = handle.read()
                pages, pdf_size = len(PdfReader(io.BytesIO(content)).pages), len(content)
                with job.archive.open("rb") as handle:
                    archive = handle.read()
                with zipfile.ZipFile(io.BytesIO(archive)) as members:
                    files, zip_size = len(members.namelist()), len(archive)
            discard(job)
    finally:
        if worker is not None:
            stop_worker(worker)
    entry = RankingEntry.objects.get(edition=edition, rank=1)
    signatories = reports.signatories_placed(reports.signatories_of(edition.signatories))

    def certificate() -> bytes:
        return reports.certificate_pdf(edition=edition, entry=entry, signatories=signatories, is_published=True)

    def bare_page() -> bytes:
        return pdf.pdf_from_html(html="<p>Bonjour</p>")

    canton.log(f"One certificate and a bare page, {args.samples} times each …")
    single = interleaved({"certificate": certificate, "bare": bare_page}, args.samples)
    load_after = os.getloadavg()
    edition_s = statistics.median(timings)
    (cert_wall, cert_cpu), (bare_wall, bare_cpu) = single["certificate"], single["bare"]
    print(
        f"\nEdition {YEAR}: {COMPANIES} labelled companies, printed by: {mode}; "
        f"WeasyPrint {weasyprint.__version__}, font subsetting by {font_subsetter()}; "
        f"PostgreSQL {connection.pg_version // 10000}; {os.cpu_count()} cores; "
        f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after\n"
    )
    print("| measured | median wall-clock | median CPU (this process) | detail |")
    print("|---|---:|---:|---|")
    print(
        f"| whole edition, request → job done ({args.runs} runs) | {edition_s:.1f} s | — | "
        f"{edition_s / COMPANIES * 1000:.0f} ms a certificate; merged PDF {pages} pages, {pdf_size / 1e6:.1f} MB; "
        f"ZIP {files} PDF/A files, {zip_size / 1e6:.1f} MB |"
    )
    print(
        f"| one certificate alone (render_to_string + pdf_from_html, PDF/A-3b; {args.samples} runs) | "
        f"{cert_wall:.1f} ms | {cert_cpu:.1f} ms | QR code generated in the run |"
    )
    print(
        f"| bare one-page document (`<p>Bonjour</p>`; {args.samples} runs, interleaved) | "
        f"{bare_wall:.1f} ms | {bare_cpu:.1f} ms | |"
    )
    print(
        f"| **ratio certificate / bare page** | **{cert_wall / bare_wall:.2f}×** | **{cert_cpu / bare_cpu:.2f}×** | "
        "goal: within 2× |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
