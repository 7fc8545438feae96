"""Benchmark: one page of the case files a caseworker may see, at scale.

Compares (a) `cases.selectors.case_page_visible` (one EXISTS sub-query on the
direct-foreign-key grant table, what the platform uses) with (b) guardian's
`get_objects_for_user` (an `id IN (…)` over every grant of the user's groups,
which the access gate forbids for lists), on a first page and on a page deep in
the list reached by the keyset cursor the views use (`id < after`).

Run against PostgreSQL only (see bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cii_bench \
        .venv/bin/python bench/visible_cases.py --cases 100000

The database is created and migrated if needed; the case files and their grants
are only generated when the table does not already hold --cases rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cii_platform.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from guardian.shortcuts import get_objects_for_user  # noqa: E402

from cases.models import CaseFile, CaseFileGroupObjectPermission, Person, Programme  # noqa: E402
from cases.selectors import case_list_visible, case_page_visible  # noqa: E402
from cases.services import LEAD_SERVICE_BASIS  # noqa: E402
from cii_platform.accounts.models import Role, User  # noqa: E402
from cii_platform.accounts.services import account_create  # noqa: E402
from cii_platform.partners.models import PartnerService  # noqa: E402
from cii_platform.partners.services import service_ensure  # noqa: E402

SERVICES = [
    ("semp", "Service de l'emploi"),
    ("oai", "Office de l'assurance-invalidité"),
    ("saso", "Service de l'action sociale"),
    ("smig", "Service des migrations"),
    ("sfpo", "Service des formations postobligatoires et de l'orientation"),
]
CASEWORKER_USERNAME = "bench.caseworker"
CASEWORKER_SERVICE = "semp"
# A service that takes part in very few cases (one in RARE_EVERY): the hard case
# for a plan that walks the case list newest first and probes the grants.
RARE_SERVICE = ("rare", "Service peu concerné (banc d'essai)")
RARE_USERNAME = "bench.rare"
RARE_EVERY = 1000
SHARED_SHARE = 0.20  # share of the cases also shown to a second service
SHARED_BASIS = "Consentement de la personne (art. 68bis LAI)"
PAGE_SIZE = 50
BIRTH_DATE = dt.date(1980, 1, 1)
REFERENCE_PREFIX = "B"  # references B000000001 … fit CaseFile.reference (20 chars)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_database() -> None:
    """Create the database named in DATABASE_URL if the server does not have it yet."""
    try:
        connection.ensure_connection()
        return
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
    import psycopg
    from psycopg import sql

    db = settings.DATABASES["default"]
    params = {
        "dbname": "postgres",
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    log(f"Creating database {db['NAME']} …")
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    connection.close()
    connection.ensure_connection()


def ensure_people() -> tuple[list[PartnerService], User]:
    services = [service_ensure(code=code, name=name) for code, name in SERVICES]
    user = User.objects.filter(username=CASEWORKER_USERNAME).first()
    if user is None:
        user = account_create(
            username=CASEWORKER_USERNAME,
            first_name="Banc",
            last_name="d'essai",
            email="bench.caseworker@example.org",
            service=next(s for s in services if s.code == CASEWORKER_SERVICE),
            roles=(Role.CASEWORKER,),
        )
    return services, user


def ensure_rare_service() -> User:
    """A caseworker of a service granted view on one case in RARE_EVERY (granted once, idempotent)."""
    service = service_ensure(code=RARE_SERVICE[0], name=RARE_SERVICE[1])
    user = User.objects.filter(username=RARE_USERNAME).first()
    if user is None:
        user = account_create(
            username=RARE_USERNAME,
            first_name="Banc",
            last_name="rare",
            email="bench.rare@example.org",
            service=service,
            roles=(Role.CASEWORKER,),
        )
    view = Permission.objects.get(content_type__app_label="cases", codename="view_casefile")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casefilegroupobjectpermission (group_id, permission_id, content_object_id, legal_basis,"
            " granted_at) SELECT %s, %s, id, %s, now() FROM cases_casefile WHERE id %% %s = 0"
            " ON CONFLICT DO NOTHING",
            [service.permission_group_id, view.pk, SHARED_BASIS, RARE_EVERY],
        )
    return user


def populate(target: int, services: list[PartnerService], batch_size: int) -> None:
    """Top the case files up to `target`, each with the grants of its lead (and maybe a second) service."""
    existing = CaseFile.objects.count()
    if existing == target:
        log(f"{existing} case files already there, nothing to generate.")
        return
    if existing > target:
        sys.exit(
            f"The database holds {existing} case files, more than --cases {target}: "
            "drop it (or use another DATABASE_URL) to measure a smaller set."
        )
    view = Permission.objects.get(content_type__app_label="cases", codename="view_casefile")
    change = Permission.objects.get(content_type__app_label="cases", codename="change_casefile")
    groups = [s.permission_group_id for s in services]
    programme = Programme.objects.get(code="reseau-cii")
    rng = random.Random(existing)  # reproducible for a given starting point
    started = time.perf_counter()
    number = existing
    log(f"Generating {target - existing} case files (batches of {batch_size}) …")
    while number < target:
        size = min(batch_size, target - number)
        leads = [rng.randrange(len(services)) for _ in range(size)]
        with transaction.atomic():
            persons = Person.objects.bulk_create(
                [
                    Person(first_name="Personne", last_name=f"Banc {number + i + 1}", birth_date=BIRTH_DATE)
                    for i in range(size)
                ]
            )
            cases = CaseFile.objects.bulk_create(
                [
                    CaseFile(
                        reference=f"{REFERENCE_PREFIX}{number + i + 1:09d}",
                        lead_service=services[lead],
                        person=person,
                        programme=programme,
                    )
                    for i, (lead, person) in enumerate(zip(leads, persons, strict=True))
                ]
            )
            grants: list[CaseFileGroupObjectPermission] = []
            for case, lead in zip(cases, leads, strict=True):
                for permission in (view, change):
                    grants.append(
                        CaseFileGroupObjectPermission(
                            group_id=groups[lead],
                            permission=permission,
                            content_object=case,
                            legal_basis=LEAD_SERVICE_BASIS,
                        )
                    )
                if rng.random() < SHARED_SHARE:
                    second = rng.choice([i for i in range(len(services)) if i != lead])
                    grants.append(
                        CaseFileGroupObjectPermission(
                            group_id=groups[second], permission=view, content_object=case, legal_basis=SHARED_BASIS
                        )
                    )
            CaseFileGroupObjectPermission.objects.bulk_create(grants, batch_size=batch_size)
        number += size
        elapsed = time.perf_counter() - started
        log(f"  {number}/{target} case files ({elapsed:.0f} s)")
    log(f"Generated in {time.perf_counter() - started:.0f} s.")


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def via_selector(user: User, after: int | None) -> list[CaseFile]:
    """(a) The platform's page: EXISTS on the grant table, keyset cursor, then the page's flags."""
    return case_page_visible(user=user, after=str(after) if after is not None else None, size=PAGE_SIZE).rows


def via_guardian(user: User, after: int | None) -> list[CaseFile]:
    """(b) guardian's get_objects_for_user ordered by -id (forbidden for lists)."""
    qs = get_objects_for_user(user, "cases.view_casefile", klass=CaseFile).order_by("-id")
    if after is not None:
        qs = qs.filter(id__lt=after)
    return list(qs[:PAGE_SIZE])


def measure(fn: Callable[[User, int | None], list[CaseFile]], user_id: int, after: int | None, runs: int) -> float:
    """Median wall time in ms; each run gets a freshly loaded user, as a request would."""
    for _ in range(3):  # warm-up: caches, plans, connection
        rows = fn(User.objects.get(pk=user_id), after)
        assert rows, "expected a non-empty page"
    timings = []
    for _ in range(runs):
        user = User.objects.get(pk=user_id)
        started = time.perf_counter()
        fn(user, after)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def explain(qs: Any) -> str:
    return str(qs.explain(analyze=True, buffers=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000, help="number of case files (default 100000)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per measurement (default 20)")
    parser.add_argument("--batch-size", type=int, default=10_000, help="rows per bulk_create batch")
    args = parser.parse_args()

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print(
            "This benchmark measures PostgreSQL plans and refuses to run on SQLite.\n"
            "Set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/cii_bench",
            file=sys.stderr,
        )
        return 1

    ensure_database()
    call_command("migrate", interactive=False, verbosity=0)
    services, caseworker = ensure_people()
    populate(args.cases, services, args.batch_size)
    rare = ensure_rare_service()
    log("ANALYZE …")
    analyze()

    bounds = CaseFile.objects.aggregate(low=Min("id"), high=Max("id"))
    deep_after = (bounds["low"] + bounds["high"]) // 2  # a cursor half-way down the list
    grant_rows = CaseFileGroupObjectPermission.objects.count()
    visible = case_list_visible(user=User.objects.get(pk=caseworker.pk)).count()

    rare_visible = case_list_visible(user=User.objects.get(pk=rare.pk)).count()

    results = []
    for who, user_id in ((f"{CASEWORKER_SERVICE.upper()} caseworker", caseworker.pk), ("rare caseworker", rare.pk)):
        for label, fn in (("(a) case_page_visible (EXISTS)", via_selector), ("(b) get_objects_for_user", via_guardian)):
            for page, after in (("first", None), (f"deep (id < {deep_after})", deep_after)):
                log(f"Measuring {label}, {who}, {page} page …")
                results.append((f"{label}, {who}", page, measure(fn, user_id, after, args.runs)))

    print(f"PostgreSQL {connection.pg_version // 10000}, {args.cases} case files, {grant_rows} grant rows;")
    print(f"the caseworker ({CASEWORKER_SERVICE.upper()}) sees {visible} of them, the rare caseworker {rare_visible}.")
    print(f"Median of {args.runs} runs.\n")
    print("| N cases | method | page | median ms |")
    print("|---:|---|---|---:|")
    for label, page, median in results:
        print(f"| {args.cases} | {label} | {page} | {median:.2f} |")

    user = User.objects.get(pk=caseworker.pk)
    first = case_list_visible(user=user)[:PAGE_SIZE]
    deep = case_list_visible(user=user, before_id=deep_after)[:PAGE_SIZE]
    guardian_first = get_objects_for_user(user, "cases.view_casefile", klass=CaseFile).order_by("-id")[:PAGE_SIZE]
    for title, qs in (
        ("(a), first page", first),
        ("(a), deep page", deep),
        ("(b), first page, for comparison", guardian_first),
    ):
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of {title}:\n\n```\n{explain(qs)}\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
