"""The demo database: loaded once per test session, copied into every test that asks for it.

Loading the demo as `make demo` does (Saxony's registry with its boundaries, the bundled PKS tables, the
programme, then `kommunalschutz demo`) takes about 20 s on an idle machine and several times that on a
busy one. The tests that need it used to load it themselves, each one again. Now the first test that requests the
``demo_db`` fixture builds a *template* once, and every such test gets a fresh copy of it:

SQLite (the default; pytest-django's test database lives in memory and the live server's threads share
its connection)
    The template is a second in-memory database, filled with SQLite's online backup API from the test
    database after loading. Per test: a snapshot of the test database as it is (empty, migrated, a few
    pages) is taken, the template is backed up *into* the test database, and after the test the snapshot
    is backed up back over it. Page copies in memory: well under a second for the whole demo.

PostgreSQL
    The template is a database of its own, ``<test database>_demo``, created from the test database
    (``CREATE DATABASE … TEMPLATE …``) and loaded. Per test: ``CREATE DATABASE <test database>_demo_copy
    TEMPLATE <test database>_demo`` (a file copy), and the database settings are pointed at the copy, so
    that every connection opened from then on (the test's and the live server's request threads, which
    read the same settings dict) uses it. Afterwards the settings point back at the test database and the
    copy is dropped.

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

import io
import sqlite3
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class DemoData:
    """What the session's one load returned, for the tests that check it (the logins with tokens and secrets)."""

    logins: list[dict[str, Any]]
    loaded_with_debug: bool  # settings.DEBUG during the load (off: the load had to be forced)


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
    """The template as a database of its own; copies with CREATE DATABASE … TEMPLATE …"""

    # PostgreSQL 15's default, WAL_LOG: the demo's template is small (about 30 MB), which it copies in well
    # under a second, and unlike FILE_COPY it forces no checkpoint, whose cost depends on everything else
    # the server is doing.
    STRATEGY = " STRATEGY = WAL_LOG"

    def __init__(self) -> None:
        from django.conf import settings
        from django.db import DEFAULT_DB_ALIAS, connections

        connection = _connection()
        self.test_name: str = connection.settings_dict["NAME"]
        if not self.test_name.startswith("test_"):  # never a real database: pytest-django has not set one up
            raise pytest.UsageError(f"demo_db needs pytest-django's test database, not {self.test_name}")
        self.template_name = f"{self.test_name}_demo"
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
        # Nobody else may be connected to a template while it is copied; only this suite ever is.
        self._admin(
            f"DROP DATABASE IF EXISTS {self._quote(name)} WITH (FORCE)",
            ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
             [template]),
            f"CREATE DATABASE {self._quote(name)} TEMPLATE {self._quote(template)}{self.STRATEGY}",
        )

    def build(self) -> DemoData:
        from django.db import connections

        connections.close_all()
        self._create_from(self.test_name, self.template_name)
        self._switch(self.template_name)
        try:
            return load_everything()
        finally:
            self._switch(self.test_name)

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


class DemoTemplate:
    """The session's demo template on whichever database the suite runs."""

    def __init__(self) -> None:
        vendor = _connection().vendor
        if vendor == "sqlite":
            self.backend: SqliteTemplate | PostgresTemplate = SqliteTemplate()
        elif vendor == "postgresql":
            self.backend = PostgresTemplate()
        else:  # pragma: no cover - the suite runs on these two
            raise pytest.UsageError(f"no demo template for {vendor}")
        _ensure_outside_transaction()
        self.data = self.backend.build()

    def install(self) -> DemoData:
        _ensure_outside_transaction()
        self.backend.install()
        return self.data

    def uninstall(self) -> None:
        self.backend.uninstall()

    def destroy(self) -> None:
        self.backend.destroy()
