"""Shared personas and test plumbing.

Personas (one account each): an ORP counsellor (SEMP), an OAI counsellor, a social
worker of an SSR (SASO), a SMIG counsellor, a coordination-group member, a GP CII
member, CNIP staff, a data-protection officer, a platform administrator and an
outsider (an SFPO account with no role).

With CII_FORBID_SKIPS=1 (set by .ci/run) any skipped test fails the run: the tests
that need PostgreSQL, Redis, a Celery worker or the browser must run for real.
"""

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery import Celery, signals
from django.db import connections
from django.test import Client

from cii_platform.accounts.models import Role, User
from cii_platform.accounts.services import account_create
from cii_platform.celery import app
from cii_platform.partners.models import Office, PartnerService
from cii_platform.partners.services import office_ensure, service_ensure

PASSWORD = "correct-horse-battery-staple"

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The tests run in parallel processes (pytest-xdist, `--dist loadgroup`), each with its own test
    # database but one Redis: the tests with a real Celery worker all run in the same process, one
    # after the other, so that no worker ever takes the task of another process's job.
    for item in items:
        if item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.xdist_group("celery_worker"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CII_FORBID_SKIPS") == "1" and _skipped:
        print("\nCII_FORBID_SKIPS: these tests were skipped but must run in CI:")  # noqa: T201
        for nodeid in _skipped:
            print(f"  {nodeid}")  # noqa: T201
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _plain_static_storage(settings) -> None:  # type: ignore[no-untyped-def]
    # The manifest storage needs collectstatic; tests serve the files as they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # Every persona's password is hashed at its creation, and Argon2 is slow on purpose (about 0.1 s a
    # hash): that alone made a third of the suite's time. The project's hashers are checked by
    # tests/cii_platform/accounts/test_login.py, which puts them back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def services(db) -> dict[str, PartnerService]:  # type: ignore[no-untyped-def]
    codes = {
        "semp": "Service de l'emploi",
        "oai": "Office de l'assurance-invalidité",
        "saso": "Service de l'action sociale",
        "smig": "Service des migrations",
        "sfpo": "Service des formations postobligatoires et de l'orientation",
    }
    return {code: service_ensure(code=code, name=name) for code, name in codes.items()}


@pytest.fixture
def offices(services) -> dict[str, Office]:  # type: ignore[no-untyped-def]
    spec = [
        ("semp", "orp-littoral", "ORP Littoral", Office.Kind.OFFICE),
        ("semp", "lmmt", "LMMT", Office.Kind.OFFICE),
        ("oai", "oai-ne", "OAI-NE", Office.Kind.OFFICE),
        ("oai", "cnip", "CNIP", Office.Kind.MANDATED_ORGANISATION),
        ("saso", "ssr-littoral-ouest", "SSR Littoral Ouest", Office.Kind.OFFICE),
        ("smig", "osas", "OSAS", Office.Kind.OFFICE),
        ("sfpo", "ofij", "OFIJ", Office.Kind.OFFICE),
    ]
    return {
        code: office_ensure(service=services[service], code=code, name=name, kind=kind)
        for service, code, name, kind in spec
    }


@pytest.fixture
def make_account(services, offices) -> Callable[..., User]:  # type: ignore[no-untyped-def]
    def make(username: str, service: str | None, office: str | None, roles: tuple[Role, ...]) -> User:
        return account_create(
            username=username,
            first_name=username.split(".")[0].title(),
            last_name="Test",
            email=f"{username}@example.ch",
            service=services[service] if service else None,
            office=offices[office] if office else None,
            roles=roles,
            password=PASSWORD,
        )

    return make


@pytest.fixture
def orp_counsellor(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("orp.counsellor", "semp", "orp-littoral", (Role.CASEWORKER,))


@pytest.fixture
def oai_counsellor(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("oai.counsellor", "oai", "oai-ne", (Role.CASEWORKER,))


@pytest.fixture
def ssr_social_worker(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("ssr.worker", "saso", "ssr-littoral-ouest", (Role.CASEWORKER,))


@pytest.fixture
def smig_counsellor(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("smig.counsellor", "smig", "osas", (Role.CASEWORKER,))


@pytest.fixture
def coordination_member(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("coord.member", "semp", "lmmt", (Role.COORDINATION_GROUP,))


@pytest.fixture
def gp_cii_member(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("gp.member", "saso", None, (Role.GP_CII,))


@pytest.fixture
def cnip_staff(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("cnip.staff", "oai", "cnip", (Role.CNIP_STAFF,))


@pytest.fixture
def jury_oai(make_account) -> User:  # type: ignore[no-untyped-def]
    """The OAI-NE's seat in the label's jury."""
    return make_account("jury.oai", "oai", "oai-ne", (Role.LABEL_JURY,))


@pytest.fixture
def jury_cnip_council(make_account) -> User:  # type: ignore[no-untyped-def]
    """The CNIP council's seat in the label's jury."""
    return make_account("jury.conseil", "oai", "cnip", (Role.LABEL_JURY,))


@pytest.fixture
def jury_cnci(make_account) -> User:  # type: ignore[no-untyped-def]
    """The Chamber of commerce's director: an account outside the partner services."""
    return make_account("jury.cnci", None, None, (Role.LABEL_JURY,))


@pytest.fixture
def data_protection_officer(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("dpo.officer", "saso", None, (Role.DATA_PROTECTION_OFFICER,))


@pytest.fixture
def platform_admin(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("platform.admin", "semp", None, (Role.PLATFORM_ADMIN,))


@pytest.fixture
def outsider(make_account) -> User:  # type: ignore[no-untyped-def]
    return make_account("outsider.sfpo", "sfpo", "ofij", ())


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


_CONF_KEYS = ("task_always_eager", "broker_url", "worker_hijack_root_logger")


def _close_worker_db_connections(**kwargs: Any) -> None:
    # Runs in the worker thread: its connections would otherwise outlive the test
    # database (PostgreSQL refuses to drop a database that is still in use).
    connections.close_all()


@pytest.fixture
def redis_worker_app() -> Iterator[Celery]:
    """The project's Celery app, publishing to Redis for real; its configuration restored afterwards."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: this test runs a real Celery worker against Redis (CI sets it).")
    saved_conf = {key: app.conf[key] for key in _CONF_KEYS}
    root = logging.getLogger()
    saved_logging = (root.level, list(root.handlers))
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    app.conf.worker_hijack_root_logger = False
    worker_signals = (signals.task_postrun, signals.worker_ready, signals.worker_shutdown)
    for signal in worker_signals:
        signal.connect(_close_worker_db_connections, weak=False)
    try:
        app.control.purge()  # leftovers of an interrupted run must not delay this one
        yield app
    finally:
        for signal in worker_signals:
            signal.disconnect(_close_worker_db_connections)
        for key, value in saved_conf.items():
            app.conf[key] = value
        root.setLevel(saved_logging[0])
        root.handlers[:] = saved_logging[1]
