"""The application's own database role cannot rewrite the audit trail.

On PostgreSQL a runtime role is created in the test (a name unique per xdist worker and test, rolled back
with the test's transaction) and given exactly the privileges `kommunalschutz grant-runtime-privileges`
gives in production; the test then works as that role with SET ROLE. SQLite has no roles: there the same
module checks what SQLite offers instead, the triggers. The tests are chosen at collection, so neither
database skips any.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from kommunalschutz.foundation.accounts import services as accounts
from kommunalschutz.foundation.core import audit, chain
from kommunalschutz.foundation.core.dbroles import APPEND_ONLY_TABLES, grant_runtime_privileges, runtime_problems
from kommunalschutz.foundation.core.models import AuditEvent, AuditSeal
from tests.factories import DistrictFactory, UserFactory

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _refused(sql: str, params: list[Any] | None = None) -> str:
    """Run one statement that must fail; the database's message, for the assertion."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(refused.value)


if ON_POSTGRESQL:

    @pytest.fixture
    def runtime_role(db: None) -> Iterator[str]:
        role = f"ks_runtime_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            # The test connects as a superuser and owner; CREATE ROLE is rolled back with the test.
            cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
        grant_runtime_privileges(connection, role)
        yield role
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")

    def _as(role: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'SET ROLE "{role}"')

    def _columns(table: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                           "AND NOT attisdropped ORDER BY attnum", [table])
            return [name for (name,) in cursor.fetchall()]

    def test_runtime_role_has_exactly_insert_and_select_on_the_trail_and_its_seals(runtime_role: str) -> None:
        with connection.cursor() as cursor:
            for table in APPEND_ONLY_TABLES:
                cursor.execute("SELECT privilege_type FROM information_schema.role_table_grants "
                               "WHERE grantee = %s AND table_name = %s", [runtime_role, table])
                assert sorted(p for (p,) in cursor.fetchall()) == ["INSERT", "SELECT"], table
                cursor.execute("SELECT column_name, privilege_type FROM information_schema.column_privileges "
                               "WHERE grantee = %s AND table_name = %s AND privilege_type NOT IN "
                               "('INSERT', 'SELECT')", [runtime_role, table])
                assert cursor.fetchall() == [], table
            # Everything else stays ordinary DML.
            cursor.execute("SELECT has_table_privilege(%s, 'accounts_user', 'UPDATE')", [runtime_role])
            assert cursor.fetchone()[0] is True

    def test_runtime_role_cannot_update_any_column_delete_or_truncate(runtime_role: str) -> None:
        event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x", summary="original")
        chain.seal_pending()
        seal = AuditSeal.objects.get(event=event)
        _as(runtime_role)
        assert set(_columns("core_auditevent")) == set(chain.CHAINED_FIELDS)
        assert set(_columns("core_auditseal")) == {"seq", "event_id", "prev_hash", "hash", "sealed_at"}
        for table, key, value in (("core_auditevent", "id", event.pk), ("core_auditseal", "seq", seal.seq)):
            for column in _columns(table):
                message = _refused(f"UPDATE {table} SET {column} = {column} WHERE {key} = %s",  # noqa: S608 - fixed names
                                   [value])
                assert "permission denied" in message, (table, column)
            assert "permission denied" in _refused(f"DELETE FROM {table} WHERE {key} = %s",  # noqa: S608 - fixed names
                                                   [value])
            assert "permission denied" in _refused(f"TRUNCATE {table}")
            assert "permission denied" in _refused(f"TRUNCATE {table} CASCADE")
            assert "permission denied" in _refused(
                f"SELECT * FROM {table} WHERE {key} = %s FOR UPDATE", [value])  # noqa: S608 - fixed names
        event.refresh_from_db()
        assert event.summary == "original"
        assert AuditSeal.objects.get(seq=seal.seq).hash == seal.hash

    def test_runtime_role_cannot_disable_drop_or_replace_the_triggers(runtime_role: str) -> None:
        _as(runtime_role)
        for table, trigger, function in (
            ("core_auditevent", "core_auditevent_no_update_delete", "core_auditevent_append_only"),
            ("core_auditseal", "core_auditseal_no_update_delete", "core_auditseal_append_only"),
        ):
            for statement in (
                f"ALTER TABLE {table} DISABLE TRIGGER {trigger}",
                f"ALTER TABLE {table} DISABLE TRIGGER ALL",
                f"ALTER TABLE {table} DISABLE TRIGGER USER",
                f"DROP TRIGGER {trigger} ON {table}",
                f"DROP TABLE {table} CASCADE",
                f"ALTER TABLE {table} OWNER TO CURRENT_USER",
                f"CREATE TRIGGER sneak BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
            ):
                message = _refused(statement)
                assert "must be owner" in message or "permission denied" in message, statement
            message = _refused(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ "
                "LANGUAGE plpgsql"
            )
            assert "must be owner" in message or "permission denied" in message
        assert "permission denied" in _refused(
            "CREATE FUNCTION ks_sneak() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql")
        assert "permission denied" in _refused("CREATE TABLE ks_sneak (id int)")

    def test_runtime_role_inserts_reads_seals_and_runs_the_application(runtime_role: str) -> None:
        district = DistrictFactory.create(name="Altkreis")
        admin = UserFactory.create(username="the-admin")
        _as(runtime_role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime_role
        user = accounts.create_user(actor=admin, username="new-official", email="new@example.org")
        plaintext = accounts.create_token(actor=admin, user=user, name="Laptop")
        token = accounts.authenticate_token(plaintext)
        assert token is not None
        accounts.revoke_token(actor=admin, token=token)
        accounts.set_account_active(actor=admin, user=user, active=False)
        accounts.pseudonymise_user(actor=admin, user=user)
        before = audit.snapshot(district, ["name"])
        district.name = "Neukreis"
        district.save()
        audit.record_update(actor=admin, obj=district, before=before)
        assert chain.seal_pending().count >= 6
        assert chain.verify().intact
        assert not AuditEvent.objects.filter(seal__isnull=True).exists()
        assert AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk)).count() == 3
        assert runtime_problems(connection) == []

    def test_check_deploy_warns_about_a_role_that_can_rewrite_the_trail(runtime_role: str) -> None:
        # As the test's superuser: the superuser and the owner warnings.
        as_superuser = " ".join(runtime_problems(connection))
        assert "superuser" in as_superuser and "owns the table core_auditevent" in as_superuser
        assert "owns the table core_auditseal" in as_superuser
        with connection.cursor() as cursor:
            cursor.execute(f'GRANT UPDATE, TRUNCATE, TRIGGER ON core_auditevent TO "{runtime_role}"')
            cursor.execute(f'GRANT UPDATE (hash), REFERENCES (seq) ON core_auditseal TO "{runtime_role}"')
            cursor.execute(f'GRANT CREATE ON SCHEMA public TO "{runtime_role}"')
        _as(runtime_role)
        problems = runtime_problems(connection)
        text = " ".join(problems)
        assert "UPDATE, TRUNCATE, TRIGGER on the append-only table core_auditevent" in text
        assert "UPDATE of hash, REFERENCES of seq on the append-only table core_auditseal" in text
        assert "may create objects in the schema" in text
        assert "superuser" not in text and "owns" not in text
        assert len(problems) == 3

    def test_check_deploy_warns_about_a_single_column_or_delete_grant(runtime_role: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'GRANT DELETE ON core_auditseal TO "{runtime_role}"')
            cursor.execute(f'GRANT UPDATE (summary) ON core_auditevent TO "{runtime_role}"')
        _as(runtime_role)
        text = " ".join(runtime_problems(connection))
        assert "UPDATE of summary on the append-only table core_auditevent" in text
        assert "DELETE on the append-only table core_auditseal" in text
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
        grant_runtime_privileges(connection, runtime_role)  # and the grant command takes them back
        _as(runtime_role)
        assert runtime_problems(connection) == []

    def test_a_row_changed_by_the_owner_is_found_by_the_verifier(runtime_role: str) -> None:
        events = [audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x", object_id=n)
                  for n in range(4)]
        chain.seal_pending()
        with connection.cursor() as cursor:  # the superuser, who owns everything here
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
            cursor.execute("UPDATE core_auditevent SET object_id = 'other' WHERE id = %s", [events[2].pk])
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
        _as(runtime_role)
        result = chain.verify()
        assert (result.intact, result.broken_id, result.kind) == (False, events[2].pk, "content")

    def _cli(*args: str, user: str, owner: str | None) -> subprocess.CompletedProcess[str]:
        db = connection.settings_dict
        url = "postgres://{user}@{host}:{port}/{name}"
        env = {k: v for k, v in os.environ.items() if k not in {"MIGRATION_DATABASE_URL", "REDIS_URL"}}
        env.update(DATABASE_URL=url.format(user=user, host=db["HOST"], port=db["PORT"], name=db["NAME"]),
                   KOMMUNALSCHUTZ_TESTING="1", PYTHONPATH=str(Path(__file__).resolve().parents[3]))
        if owner:
            env["MIGRATION_DATABASE_URL"] = url.format(user=owner, host=db["HOST"], port=db["PORT"], name=db["NAME"])
        return subprocess.run([sys.executable, "-m", "kommunalschutz", *args], env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    @pytest.fixture
    def login_role(transactional_db: None) -> Iterator[str]:
        """A runtime role that can log in (committed: the CLI runs in another process); dropped afterwards."""
        role = f"ks_login_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE ROLE "{role}" LOGIN')
        yield role
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')

    def test_owner_commands_connect_as_the_owner_and_the_rest_as_the_runtime_role(login_role: str) -> None:
        owner = str(connection.settings_dict["USER"])
        # Without MIGRATION_DATABASE_URL the runtime role cannot grant itself anything.
        refused = _cli("grant-runtime-privileges", user=login_role, owner=None)
        assert refused.returncode != 0
        granted = _cli("grant-runtime-privileges", user=login_role, owner=owner)
        assert granted.returncode == 0, granted.stderr
        assert f"Laufzeitrechte an {login_role} vergeben." in granted.stdout
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT has_table_privilege(%s, 'core_auditevent', 'INSERT'), "
                "has_table_privilege(%s, 'core_auditevent', 'DELETE'), "
                "has_table_privilege(%s, 'accounts_user', 'UPDATE')", [login_role] * 3)
            assert cursor.fetchone() == (True, False, True)
        # verify-audit is no owner command: it runs as the runtime role, which can seal and check.
        audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x")
        checked = _cli("verify-audit", user=login_role, owner=owner)
        assert checked.returncode == 0, checked.stderr
        assert "Protokoll unversehrt: 1 Eintrag/Einträge geprüft." in checked.stdout
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_auditseal")
            assert cursor.fetchone()[0] == 2  # the event and the check's own entry
            cursor.execute(
                "SELECT has_table_privilege(%s, 'core_auditseal', 'UPDATE'), "
                "has_any_column_privilege(%s, 'core_auditseal', 'UPDATE'), "
                "has_any_column_privilege(%s, 'core_auditevent', 'UPDATE')", [login_role] * 3)
            assert cursor.fetchone() == (False, False, False)

else:

    @pytest.mark.django_db
    def test_grant_runtime_privileges_explains_that_sqlite_has_no_roles() -> None:
        with pytest.raises(CommandError, match="SQLite hat keine Datenbankrollen"):
            call_command("grant_runtime_privileges", "someone")

    @pytest.mark.django_db
    def test_sqlite_triggers_refuse_changing_an_event_or_its_seal() -> None:
        event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x", summary="original")
        chain.seal_pending()
        seal = AuditSeal.objects.get(event=event)
        assert "append-only" in _refused("UPDATE core_auditevent SET summary = 'forged' WHERE id = %s", [event.pk])
        for column in ("seq", "event_id", "prev_hash", "hash", "sealed_at"):
            message = _refused(f"UPDATE core_auditseal SET {column} = {column} WHERE seq = %s",  # noqa: S608
                               [seal.seq])
            assert "core_auditseal is append-only" in message, column
        event.refresh_from_db()
        assert event.summary == "original"
        assert chain.verify().intact

    @pytest.mark.django_db
    def test_sqlite_has_no_roles_so_check_deploy_has_nothing_to_say_about_them() -> None:
        assert runtime_problems(connection) == []
