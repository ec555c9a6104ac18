"""Shared fixtures. Personas are named after what they are, so permission tests read like the role table."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from kommunalschutz.foundation.accounts.models import Organisation, Role, User
from kommunalschutz.foundation.accounts.services import create_token
from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate, StateAuthority
from tests.demo.database import DemoData, DemoTemplate, direct_admin_params, drop_shared_template, shared_folder
from tests.factories import (
    DistrictFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PoliceDirectorateFactory,
    StateAuthorityFactory,
    UserFactory,
)
from tests.german import english_in

PASSWORD = "correct horse battery staple"


class _SerialisedWhenSharedServer(ThreadedWSGIServer):
    """The live server, one request at a time while it shares the test's in-memory SQLite connection.

    With an in-memory SQLite database every server thread uses the test's own connection (Django passes it
    over, since another connection would see an empty database). A page that fires several requests at once
    (the map's preloads) then had two threads open transactions on that one connection, and the session save
    failed with "cannot start a transaction within a transaction". On PostgreSQL, and in production, each
    thread or worker has its own connection, so requests stay parallel there.
    """

    def set_app(self, application: Any) -> None:
        if not getattr(self, "connections_override", None):
            super().set_app(application)
            return
        lock = threading.Lock()

        def serialised(environ: Any, start_response: Any) -> Any:
            # The body is read and the response closed (which fires request_finished and its connection
            # handling) while the lock is held, so nothing of one request overlaps the next.
            with lock:
                result = application(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()

        super().set_app(serialised)


LiveServerThread.server_class = _SerialisedWhenSharedServer  # type: ignore[attr-defined]  # django-stubs lack it


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """CI runs the suite twice, on SQLite and on PostgreSQL. Tests marked ``once`` check what the suite's
    database makes no difference to; with CI_ONCE_TESTS_ELSEWHERE=1 (CI's SQLite pass) they are left to the
    other pass, deselected rather than skipped. A plain ``make test`` runs them."""
    if os.environ.get("CI_ONCE_TESTS_ELSEWHERE") == "1":
        elsewhere = [item for item in items if item.get_closest_marker("once") is not None]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = [item for item in items if item.get_closest_marker("once") is None]
    _demo_built_while_others_run(items)


def _demo_built_while_others_run(items: list[pytest.Item]) -> None:
    """One test on the demo database first, the other ones after every other test (browser tests aside).

    One process of the session builds the demo template (tests/demo/database.py), for minutes on a busy
    machine, and a worker that needs it meanwhile waits. With the first demo test at the head, pytest-xdist
    hands it to one worker, which starts the build at once, while the other works through the tests that do
    not need the demo; when those are done, the template is long ready. A test marked ``demo_first`` is that
    first one (the bad-input crawl, which the other workers then read instead of crawling again). The browser
    tests stay last
    (tests/browser/conftest.py sorts them after this, keeping this order among the rest).
    """
    demo = [item for item in items if "demo_db" in getattr(item, "fixturenames", ())]
    if not demo:
        return
    candidates = [item for item in demo if item.get_closest_marker("browser") is None] or demo
    first = next((item for item in candidates if item.get_closest_marker("demo_first") is not None), candidates[0])
    later = {id(item) for item in demo if item is not first}
    items[:] = ([first] + [item for item in items if item is not first and id(item) not in later]
                + [item for item in items if id(item) in later])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database; through PgBouncer (CI's PostgreSQL pass), its pooled server connections
    are closed before pytest-django drops the database, which PostgreSQL refuses while any is open."""
    yield
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql" or not settings.DATABASE_PGBOUNCER:
        return
    import psycopg

    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        connection.close()
        with psycopg.connect(**direct_admin_params(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE %s "
                          "AND pid <> pg_backend_pid()", [name.replace("_", r"\_") + "%"])


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, django_db_setup: None) -> Iterator[Any]:
    """pytest-django's live server, started only after the test database exists.

    pytest-django's own fixture does not depend on the database set-up, so when a test named the browser
    fixture before ``demo_db`` the server started while the settings still named the development database:
    it was then not handed the in-memory test connection and opened connections of its own to SQLite's shared
    cache, where a session save met "database table is locked" (a 400 on the map's preloads in CI).
    """
    import os

    from pytest_django.live_server_helper import LiveServer

    addr = (request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
            or "localhost")
    server = LiveServer(addr)
    yield server
    server.stop()


@dataclass
class World:
    """A small slice of Saxony with one person per role, enough for permission tests."""

    dresden_pd: PoliceDirectorate
    zwickau_pd: PoliceDirectorate
    lka: StateAuthority
    soe: District  # Sächsische Schweiz-Osterzgebirge
    vogtland: District
    pirna: Municipality
    plauen: Municipality
    coordination_office: Organisation
    pirna_org: Organisation
    plauen_org: Organisation
    dresden_pd_org: Organisation
    lka_org: Organisation
    coaching_institute: Organisation
    analysis_contractor: Organisation
    people: dict[str, User]

    def __getattr__(self, name: str) -> Any:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)


# persona name -> (organisation attribute, role); "outsider" has an account and no role.
PERSONAS: dict[str, tuple[str, str] | None] = {
    "coordinator": ("coordination_office", Role.COORDINATOR),
    "pirna_coordinator": ("pirna_org", Role.MUNICIPAL_COORDINATOR),
    "pirna_official": ("pirna_org", Role.OFFICIAL),
    "dresden_police": ("dresden_pd_org", Role.POLICE_CONTACT),
    "lka_officer": ("lka_org", Role.PROTECTION_OFFICER),
    "coach": ("coaching_institute", Role.COACH),
    "analyst": ("analysis_contractor", Role.ANALYST),
    "auditor": ("coordination_office", Role.AUDITOR),
    "administrator": ("coordination_office", Role.ADMINISTRATOR),
    "plauen_coordinator": ("plauen_org", Role.MUNICIPAL_COORDINATOR),
    "outsider": None,
}


@pytest.fixture
def world(db: None) -> World:
    dresden_pd = PoliceDirectorateFactory.create(code="pd-dresden", name="Polizeidirektion Dresden")
    zwickau_pd = PoliceDirectorateFactory.create(code="pd-zwickau", name="Polizeidirektion Zwickau")
    lka = StateAuthorityFactory.create()
    soe = DistrictFactory.create(ags="14628", name="Sächsische Schweiz-Osterzgebirge", police_directorate=dresden_pd)
    vogtland = DistrictFactory.create(ags="14523", name="Vogtlandkreis", police_directorate=zwickau_pd)
    pirna = MunicipalityFactory.create(ags="14628270", name="Pirna, Stadt", district=soe, population=39_000)
    plauen = MunicipalityFactory.create(ags="14523320", name="Plauen, Stadt", district=vogtland, population=63_000)
    orgs = {
        "coordination_office": OrganisationFactory.create(
            kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle"),
        "pirna_org": OrganisationFactory.create(
            kind=Organisation.Kind.MUNICIPALITY, name="Stadt Pirna", municipality=pirna),
        "plauen_org": OrganisationFactory.create(
            kind=Organisation.Kind.MUNICIPALITY, name="Stadt Plauen", municipality=plauen),
        "dresden_pd_org": OrganisationFactory.create(
            kind=Organisation.Kind.POLICE_DIRECTORATE, name="PD Dresden", police_directorate=dresden_pd),
        "lka_org": OrganisationFactory.create(kind=Organisation.Kind.LKA, name="LKA Sachsen", authority=lka),
        "coaching_institute": OrganisationFactory.create(
            kind=Organisation.Kind.COACHING_INSTITUTE, name="Coaching-Institut"),
        "analysis_contractor": OrganisationFactory.create(
            kind=Organisation.Kind.ANALYSIS_CONTRACTOR, name="Analyse-Institut"),
    }
    people: dict[str, User] = {}
    for persona, membership in PERSONAS.items():
        user = UserFactory.create(username=persona)
        if membership is not None:
            org_attr, role = membership
            MembershipFactory.create(user=user, organisation=orgs[org_attr], role=role)
        people[persona] = user
    return World(dresden_pd=dresden_pd, zwickau_pd=zwickau_pd, lka=lka, soe=soe, vogtland=vogtland,
                 pirna=pirna, plauen=plauen, people=people, **orgs)


@pytest.fixture
def bearer() -> Any:
    """Authorization headers with a fresh API token for a persona: ``client.get(url, **bearer(user))``."""

    def _bearer(user: Any) -> dict[str, str]:
        token = create_token(actor=user, user=user, name="test", days=30)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return _bearer


@pytest.fixture
def api(client: Any) -> Any:
    """Call the API as a persona with a fresh bearer token."""

    class Api:
        def headers(self, user: User) -> dict[str, str]:
            token = create_token(actor=user, user=user, name="test")
            return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

        def get(self, user: User | None, path: str, **params: Any) -> Any:
            return client.get("/api/v1" + path, params, **(self.headers(user) if user else {}))

        def post(self, user: User | None, path: str, data: Any, **kwargs: Any) -> Any:
            headers = self.headers(user) if user else {}
            if kwargs.pop("multipart", False):
                return client.post("/api/v1" + path, data, **headers)
            return client.post("/api/v1" + path, data, content_type="application/json", **headers)

    return Api()


@pytest.fixture(autouse=True)
def _every_email_in_german() -> Iterator[None]:
    """Issue 13: every e-mail the platform sends is German, so every test that makes it send one checks
    subject and body for English words (tests/german.py)."""
    yield
    from django.core import mail

    for message in getattr(mail, "outbox", []):
        found = english_in(f"{message.subject}\n{message.body}")
        assert not found, f"e-mail “{message.subject}” is not German: {found}"


@pytest.fixture
def login(client: Any) -> Any:
    """Log a persona in, second factor included, and return the client."""

    def _login(user: User) -> Any:
        client.force_login(user)
        if user.needs_second_factor:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return _login


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped or xfailed test hides missing coverage: the run fails (CI and `make test` alike).

    In the xdist controller (or the only process), once every worker is done: the session's shared demo template
    is dropped (tests/demo/database.py)."""
    if not hasattr(session.config, "workerinput"):
        drop_shared_template(session.config)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    hidden = len(reporter.stats.get("skipped", [])) + len(reporter.stats.get("xfailed", []))
    if hidden and session.exitstatus == 0:
        reporter.write_line(f"FAILED: {hidden} test(s) were skipped or xfailed; every test must run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED



SEED_MIGRATIONS = (
    "kommunalschutz.alliance.engagements.migrations.0002_seed_offer_types",
    "kommunalschutz.alliance.engagements.migrations.0004_seed_competences",
    "kommunalschutz.protection.measures.migrations.0002_seed_partners",
    "kommunalschutz.protection.casestats.migrations.0002_seed_police_figures",
    "kommunalschutz.surveys.findings.migrations.0003_seed_crime_figures",
)


@pytest.fixture(autouse=True)
def _seeded_catalogue(request: pytest.FixtureRequest) -> None:
    """Every database test starts with the rows that data migrations seed.

    They are the offer types, competences, counselling partners and police figures.

    A transactional test ends by flushing every table, so the tests after it would otherwise start
    without the seeded catalogue that every installation has. The seeds are idempotent. A test on the
    demo database (``demo_db``) is left alone: the demo template is seeded, and its copy must be made
    before the test's transaction opens.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if "demo_db" in names:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & names)
    if not transactional and marker is None and "db" not in names:
        return
    from tests.demo.database import seed_catalogue

    request.getfixturevalue("transactional_db" if transactional else "db")
    seed_catalogue()


@pytest.fixture(scope="session")
def demo_template(request: pytest.FixtureRequest, django_db_setup: None,
                  django_db_blocker: Any) -> Iterator[DemoTemplate]:
    """The demo, loaded once per test session (by one worker for all) into a template database
    (see tests/demo/database.py)."""
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    with django_db_blocker.unblock():
        template = DemoTemplate(shared_folder(request.config), worker)
    yield template
    with django_db_blocker.unblock():
        template.destroy()


@pytest.fixture
def _demo_copy(demo_template: DemoTemplate, django_db_blocker: Any) -> Iterator[DemoData]:
    with django_db_blocker.unblock():
        data = demo_template.install()
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            demo_template.uninstall()


@pytest.fixture
def demo_db(_demo_copy: DemoData, db: None) -> DemoData:
    """A database holding the whole demo, as `make demo` loads it: a fresh copy of the session's template.

    Request it alone (it brings ``db``; a live-server test stays transactional). The copy is made before
    the test's transaction opens and removed after the test, whatever it wrote; see tests/demo/database.py.
    Returns what the session's one load returned (the logins, with their tokens and TOTP secrets).
    """
    return _demo_copy
