"""The demo database: loaded once per test session, copied into every test that asks for it.

Loading the demo as `make demo` does (Saxony's registry with its boundaries, the bundled PKS tables, the
programme, then `kommunalschutz demo`) takes about 45 s on an idle machine and two minutes and more on a
busy one, three quarters of it drawing the survey findings' charts. The tests that need it used to load it
themselves, each one again; then once per pytest-xdist worker, so with two workers both cores spent that time
in every CI pass. Now the first test of the whole session that requests the ``demo_db`` fixture builds a
*template* once, and every such test, on any worker, gets a fresh copy of it.

One build for all workers: the session's shared folder (``shared_folder``: pytest's base temporary folder of
the run, which holds every worker's own) has a lock file; the first worker takes the lock, loads the demo and
writes ``demo-template.json`` (the ``DemoData``: logins, tokens, secrets) and, on SQLite, the template
itself; a worker that comes later waits for the lock and takes what is recorded. tests/conftest.py hands one
demo test out first (marked ``demo_first``: the bad-input crawl, which is shared the same way through
``once_per_session``) and the other demo tests after every other non-browser test, so that one worker
builds while the other runs tests that need no demo. Measured on this 2-core machine with the two workers
(docs/benchmarks.md, "CI time"): ``pytest -n 2 tests/demo`` 55 s instead of 59 s idle (the second worker
now waits where it used to build), 78 s instead of 154 s with the machine busy, and 69 s of CPU (user)
instead of 110 s.

SQLite (the default; pytest-django's test database lives in memory and the live server's threads share
its connection)
    The template is a second in-memory database, filled with SQLite's online backup API from the test
    database after loading, and saved with the same API to ``demo-template.sqlite3`` in the shared folder;
    every other worker backs that file up into an in-memory template of its own. Per test: a snapshot of
    the test database as it is (empty, migrated, a few pages) is taken, the template is backed up *into*
    the test database, and after the test the snapshot is backed up back over it. Page copies in memory:
    well under a second for the whole demo.

PostgreSQL
    The template is a database of its own, one for the session: ``<test database>_demo`` with the worker's
    suffix taken off (``test_ks_ci_…_gw0`` and ``…_gw1`` share ``test_ks_ci_…_demo``; CI's database name is
    new for every run, so runs never share one, and CI's clean-up pattern ``test_<database>%`` finds it). The
    building worker creates it from its own test database (``CREATE DATABASE … TEMPLATE …``), loads it and
    ends every connection to it (PgBouncer keeps idle server connections in its pool). Per test:
    ``CREATE DATABASE <test database>_demo_copy TEMPLATE <template>`` (a file copy; two workers may copy
    at the same moment, which PostgreSQL allows as long as nobody is connected to the template; a copy
    that meets a stray connection ends it and tries again), and the database settings are pointed at
    the copy, so that every connection opened from then on (the test's and the live server's request
    threads, which read the same settings dict) uses it. Afterwards the settings point back at the test
    database and the copy is dropped. The template outlives the workers: the xdist controller drops it
    once they have all finished (``drop_shared_template``, from ``pytest_sessionfinish``, over a direct
    connection when the suite goes through PgBouncer); without xdist the one process drops it itself.

Why copies and not a transaction rolled back around one loaded database: the browser tests need a live
server, whose requests see only committed data, so they are transactional tests, and a rollback cannot
undo a commit. A copy per test serves both kinds alike and keeps them apart:

* a test's writes go to its own copy and are gone afterwards, so demo tests never see each other's writes
  (a non-transactional test additionally runs inside pytest-django's transaction on the copy);
* the test database itself never receives demo data, so tests that need an empty database never see it.

The copy must be in place before the test's transaction opens. So a test asks for ``demo_db`` alone: not
``db`` as well, and no plain ``django_db`` marker (browser tests keep ``django_db(transaction=True)``, which
opens no transaction). ``demo_db`` then requests ``db`` itself, after the copy; a test that gets this wrong
fails with a message saying so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import io
import json
import os
import pickle
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

# In the session's shared folder (see shared_folder): the lock the workers take in turn, the record of the one
# load (the DemoData, and the PostgreSQL template's name for the clean-up), and SQLite's template as a file.
LOCK_FILE = "demo-template.lock"
MANIFEST_FILE = "demo-template.json"
SQLITE_FILE = "demo-template.sqlite3"

T = TypeVar("T")


@dataclass
class DemoData:
    """What the session's one load returned, for the tests that check it (the logins with tokens and secrets)."""

    logins: list[dict[str, Any]]
    loaded_with_debug: bool  # settings.DEBUG during the load (off: the load had to be forced)


def shared_folder(config: pytest.Config) -> Path:
    """The folder every process of this test session sees: pytest's base temporary folder of the run.

    Under pytest-xdist each worker's own base folder (``…/pytest-N/popen-gw0``) lies inside the controller's
    (``…/pytest-N``), a new one for every run; without xdist the process's own base folder serves.
    """
    factory = config._tmp_path_factory  # type: ignore[attr-defined]  # what the tmp_path_factory fixture returns
    base: Path = factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """One process of the session at a time (an advisory lock on a file; released if the holder dies)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def once_per_session(config: pytest.Config, name: str, make: Callable[[], T]) -> T:
    """What ``make()`` returns, made by the first process of the session that asks, read by the others.

    For what every worker would otherwise make again from the same demo (the bad-input crawl of the site,
    tests/bad_input/test_every_form.py): pickled into the session's shared folder under its lock; a
    worker that asks meanwhile waits for it. Only this session's processes write that (private) folder.
    """
    folder = shared_folder(config)
    path = folder / f"{name}.pickle"
    with _exclusive(folder / f"{name}.lock"):
        if path.exists():
            made: T = pickle.loads(path.read_bytes())  # noqa: S301  # written by this session, just below
            return made
        made = make()
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(made))
        os.replace(partial, path)
        return made


def _connection() -> Any:
    from django.db import connection

    return connection


def _ensure_outside_transaction() -> None:
    connection = _connection()
    if connection.in_atomic_block:
        raise pytest.UsageError(
            "demo_db must be set up before the test's transaction opens: request demo_db alone "
            "(not db as well) and use no plain django_db marker on that test.")


def _clear_caches() -> None:
    """Content type ids differ between the test database and the copy; forget the cached ones."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def seed_catalogue() -> None:
    """The rows data migrations seed (a transactional test's flush removes them); idempotent."""
    import importlib

    from django.apps import apps

    from kommunalschutz.alliance.engagements.models import Competence, OfferType
    from kommunalschutz.protection.casestats.models import PoliceFigure
    from kommunalschutz.protection.measures.models import Partner
    from tests.conftest import SEED_MIGRATIONS

    if not all(model.objects.exists() for model in (OfferType, Competence, Partner, PoliceFigure)):
        for module in SEED_MIGRATIONS:
            importlib.import_module(module).seed(apps, None)


def load_everything() -> DemoData:
    """Load the demo into the current database through the same entry points as `make demo`."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    from kommunalschutz.demo.loader import load_demo

    seed_catalogue()
    out = io.StringIO()
    call_command("import_registry", stdout=out, stderr=out)
    call_command("import_pks", "--bundled", stdout=out, stderr=out)
    call_command("load_programme", stdout=out, stderr=out)
    # The suite runs with DEBUG off, where the loader refuses unless forced (tests/foundation/core/test_demo.py
    # checks this very load's result).
    with override_settings(DEBUG=False):
        logins = load_demo(force=True)
        debug = bool(settings.DEBUG)
    return DemoData(logins=logins, loaded_with_debug=debug)


class SqliteTemplate:
    """The template as a second in-memory SQLite database; copies with the backup API."""

    def __init__(self) -> None:
        self.template: sqlite3.Connection | None = None
        self.before: list[sqlite3.Connection] = []

    @staticmethod
    def _raw() -> sqlite3.Connection:
        connection = _connection()
        connection.ensure_connection()
        raw: sqlite3.Connection = connection.connection
        if raw.in_transaction:
            raise pytest.UsageError("the test database has an open transaction; demo_db cannot copy into it")
        return raw

    def build(self) -> DemoData:
        raw = self._raw()
        before = sqlite3.connect(":memory:", check_same_thread=False)
        raw.backup(before)
        try:
            data = load_everything()
            self.template = sqlite3.connect(":memory:", check_same_thread=False)
            self._raw().backup(self.template)
        finally:
            before.backup(self._raw())  # the test database as it was: no demo data in it
            before.close()
            _clear_caches()
        return data

    def save(self, path: Path) -> None:
        """The template as a file, for the session's other workers (written whole, then renamed into place)."""
        assert self.template is not None
        partial = path.with_suffix(".partial")
        target = sqlite3.connect(partial)
        try:
            self.template.backup(target)
        finally:
            target.close()
        os.replace(partial, path)

    def load(self, path: Path) -> None:
        """Another worker's template, read from its file into this worker's own in-memory template."""
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            self.template = sqlite3.connect(":memory:", check_same_thread=False)
            source.backup(self.template)
        finally:
            source.close()

    def install(self) -> None:
        assert self.template is not None
        raw = self._raw()
        snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        raw.backup(snapshot)
        self.before.append(snapshot)
        self.template.backup(raw)
        _clear_caches()

    def uninstall(self) -> None:
        snapshot = self.before.pop()
        snapshot.backup(self._raw())
        snapshot.close()
        _clear_caches()

    def destroy(self) -> None:
        if self.template is not None:
            self.template.close()


class PostgresTemplate:
    """The template as a database of its own, one for all workers; copies with CREATE DATABASE … TEMPLATE …"""

    # PostgreSQL 15's default, WAL_LOG: the demo's template is small (about 30 MB), which it copies in well
    # under a second, and unlike FILE_COPY it forces no checkpoint, whose cost depends on everything else
    # the server is doing.
    STRATEGY = " STRATEGY = WAL_LOG"
    # "source database … is being accessed by other users": how often a copy is tried again, and how long apart.
    COPY_ATTEMPTS = 10
    COPY_RETRY_SECONDS = 0.5

    def __init__(self, worker: str | None) -> None:
        from django.conf import settings
        from django.db import DEFAULT_DB_ALIAS, connections

        connection = _connection()
        self.test_name: str = connection.settings_dict["NAME"]
        if not self.test_name.startswith("test_"):  # never a real database: pytest-django has not set one up
            raise pytest.UsageError(f"demo_db needs pytest-django's test database, not {self.test_name}")
        self.template_name = template_name(self.test_name, worker)
        self.copy_name = f"{self.test_name}_demo_copy"
        # The same dict in most setups; each is set in case one of them is a copy.
        dicts = (connections.settings[DEFAULT_DB_ALIAS], connection.settings_dict,
                 settings.DATABASES[DEFAULT_DB_ALIAS])
        self.settings_dicts = list({id(d): d for d in dicts}.values())
        if connection.pg_version < 150000:
            self.STRATEGY = ""

    def _admin(self, *statements: str | tuple[str, list[str]]) -> None:
        """Run statements on the maintenance database (CREATE/DROP DATABASE cannot run in the test database)."""
        connection = _connection()
        with connection._nodb_cursor() as cursor:
            for statement in statements:
                sql, params = statement if isinstance(statement, tuple) else (statement, [])
                cursor.execute(sql, params)

    def _quote(self, name: str) -> str:
        quoted: str = _connection().ops.quote_name(name)
        return quoted

    def _switch(self, name: str) -> None:
        from django.db import connections

        connections.close_all()  # in this thread; the live server closes its own after every request
        for settings_dict in self.settings_dicts:
            settings_dict["NAME"] = name
        _clear_caches()

    def _create_from(self, template: str, name: str) -> None:
        """``name`` as a fresh copy of ``template``.

        Nobody may be connected to a template while it is copied. Only this suite ever connects to one: to the
        test database the template starts from (this worker's own), and to the template while it is loaded,
        which leaves idle server connections behind in PgBouncer's pool. Those are ended first. Copies made by
        two workers at the same moment do not get in each other's way (neither connects to the template); a
        connection that still turns up between the two statements makes the copy wait and try again.
        """
        from django.db.utils import OperationalError

        self._admin(f"DROP DATABASE IF EXISTS {self._quote(name)} WITH (FORCE)")
        for attempt in range(1, self.COPY_ATTEMPTS + 1):
            try:
                self._admin(
                    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", [template]),
                    f"CREATE DATABASE {self._quote(name)} TEMPLATE {self._quote(template)}{self.STRATEGY}",
                )
                return
            except OperationalError as error:  # psycopg's ObjectInUse (SQLSTATE 55006)
                if getattr(error.__cause__, "sqlstate", None) != "55006" or attempt == self.COPY_ATTEMPTS:
                    raise
                time.sleep(self.COPY_RETRY_SECONDS)

    def build(self) -> DemoData:
        from django.db import connections

        connections.close_all()
        self._create_from(self.test_name, self.template_name)
        self._switch(self.template_name)
        try:
            return load_everything()
        finally:
            self._switch(self.test_name)
            # Nobody stays connected to the finished template (PgBouncer's pooled connections included).
            self._admin(("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", [self.template_name]))

    def install(self) -> None:
        from django.db import connections

        connections.close_all()
        self._create_from(self.template_name, self.copy_name)
        self._switch(self.copy_name)

    def uninstall(self) -> None:
        self._switch(self.test_name)
        self._admin(f"DROP DATABASE IF EXISTS {self._quote(self.copy_name)} WITH (FORCE)")

    def destroy(self) -> None:
        from django.db import connections

        connections.close_all()
        self._admin(f"DROP DATABASE IF EXISTS {self._quote(self.template_name)} WITH (FORCE)")


def template_name(test_name: str, worker: str | None) -> str:
    """The session's one PostgreSQL template: the test database's name without the worker's suffix, plus ``_demo``.

    ``test_ks_ci_…_gw0`` and ``test_ks_ci_…_gw1`` share ``test_ks_ci_…_demo``: a run of its own (CI creates a
    database per run) never meets another run's template, and CI's clean-up (``test_<database>%``) finds it.
    """
    suffix = f"_{worker}" if worker else ""
    base = test_name[: -len(suffix)] if suffix and test_name.endswith(suffix) else test_name
    return f"{base}_demo"


class DemoTemplate:
    """The session's demo template on whichever database the suite runs, loaded by one process of the session.

    ``folder`` is the session's shared folder (``shared_folder``). Under its lock the first worker to need the
    demo loads it and records the result (``demo-template.json``, and SQLite's template as a file beside it);
    a worker that comes later waits for the lock, finds the record and takes the template from there.
    """

    def __init__(self, folder: Path, worker: str | None) -> None:
        vendor = _connection().vendor
        if vendor == "sqlite":
            self.backend: SqliteTemplate | PostgresTemplate = SqliteTemplate()
        elif vendor == "postgresql":
            self.backend = PostgresTemplate(worker)
        else:  # pragma: no cover - the suite runs on these two
            raise pytest.UsageError(f"no demo template for {vendor}")
        _ensure_outside_transaction()
        self.folder = folder
        self.shared = worker is not None  # under xdist the controller removes the template (drop_shared_template)
        manifest = folder / MANIFEST_FILE
        with _exclusive(folder / LOCK_FILE):
            if manifest.exists():
                recorded = json.loads(manifest.read_text(encoding="utf-8"))
                self.data = DemoData(**recorded["data"])
                if isinstance(self.backend, SqliteTemplate):
                    self.backend.load(folder / recorded["sqlite_file"])
                elif recorded["postgresql_template"] != self.backend.template_name:  # pragma: no cover
                    raise pytest.UsageError(f"the session's demo template is {recorded['postgresql_template']}, "
                                            f"not {self.backend.template_name}")
                return
            self.data = self.backend.build()
            record: dict[str, Any] = {"vendor": vendor, "data": dataclasses.asdict(self.data)}
            if isinstance(self.backend, SqliteTemplate):
                self.backend.save(folder / SQLITE_FILE)
                record["sqlite_file"] = SQLITE_FILE
            else:
                record["postgresql_template"] = self.backend.template_name
            # Written last and renamed into place: a record exists only for a finished template.
            partial = manifest.with_suffix(".partial")
            partial.write_text(json.dumps(record), encoding="utf-8")
            os.replace(partial, manifest)

    def install(self) -> DemoData:
        _ensure_outside_transaction()
        self.backend.install()
        return self.data

    def uninstall(self) -> None:
        self.backend.uninstall()

    def destroy(self) -> None:
        """This process's part: its in-memory SQLite template; without xdist, the shared template and record too."""
        if self.shared and isinstance(self.backend, PostgresTemplate):
            return  # other workers may still copy it; the controller drops it (drop_shared_template)
        self.backend.destroy()
        if not self.shared:
            _remove_record(self.folder)


def _remove_record(folder: Path) -> None:
    for name in (MANIFEST_FILE, SQLITE_FILE):
        (folder / name).unlink(missing_ok=True)


def drop_shared_template(config: pytest.Config) -> None:
    """At the end of an xdist run, in the controller once every worker has finished: the session's template.

    The workers leave it in place (one cannot know whether another will still copy it); the controller drops
    the PostgreSQL template over a connection of its own, straight to PostgreSQL where the suite goes through
    PgBouncer (as pytest-django's teardown does, tests/conftest.py), and removes SQLite's file.
    """
    folder = shared_folder(config)
    manifest = folder / MANIFEST_FILE
    if not manifest.exists():
        return
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    name = recorded.get("postgresql_template")
    if name:
        import psycopg
        from psycopg import sql

        with psycopg.connect(**direct_admin_params(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    _remove_record(folder)


def direct_admin_params() -> dict[str, Any]:
    """psycopg's parameters for the maintenance database, straight to PostgreSQL (not through PgBouncer)."""
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS

    database = settings.DATABASES[DEFAULT_DB_ALIAS]
    params = {"host": database.get("HOST") or None, "port": database.get("PORT") or None,
              "user": database.get("USER") or None, "password": database.get("PASSWORD") or None,
              "dbname": "postgres"}
    if settings.DATABASE_PGBOUNCER:
        params.update(host=settings.DATABASE_DIRECT_HOST or params["host"], port=settings.DATABASE_DIRECT_PORT)
    return {key: value for key, value in params.items() if value is not None}
