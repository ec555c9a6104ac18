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
from kommunalschutz.foundation.core.dbroles import grant_runtime_privileges, runtime_problems
from kommunalschutz.foundation.core.models import AuditEvent
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

    def test_runtime_role_cannot_change_delete_or_truncate_audit_rows(runtime_role: str) -> None:
        event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x", summary="original")
        chain.seal_pending()
        _as(runtime_role)
        assert "permission denied" in _refused("UPDATE core_auditevent SET summary = 'forged' WHERE id = %s",
                                               [event.pk])
        assert "permission denied" in _refused("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
        assert "permission denied" in _refused("TRUNCATE core_auditevent")
        assert "permission denied" in _refused("TRUNCATE core_auditevent CASCADE")
        # The seal columns are writable, once: a sealed row's hash cannot be replaced.
        assert "append-only" in _refused("UPDATE core_auditevent SET hash = %s WHERE id = %s", ["f" * 64, event.pk])
        assert "inserted unsealed" in _refused(
            "INSERT INTO core_auditevent (occurred_at, actor_label, action, object_type, object_id, object_repr, "
            "changed_fields, changes, summary, seq, prev_hash, hash) VALUES (now(), '', 'other', 'x', '', '', "
            "'[]', '{}', '', 1000, %s, %s)", ["0" * 64, "1" * 64])
        event.refresh_from_db()
        assert event.summary == "original"

    def test_runtime_role_cannot_disable_drop_or_replace_the_trigger(runtime_role: str) -> None:
        _as(runtime_role)
        for statement in (
            "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update_delete",
            "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
            "ALTER TABLE core_auditevent DISABLE TRIGGER USER",
            "DROP TRIGGER core_auditevent_no_update_delete ON core_auditevent",
            "DROP TABLE core_auditevent CASCADE",
            "ALTER TABLE core_auditevent OWNER TO CURRENT_USER",
            "CREATE TRIGGER sneak BEFORE UPDATE ON core_auditevent FOR EACH ROW "
            "EXECUTE FUNCTION core_auditevent_append_only()",
        ):
            assert "must be owner" in _refused(statement) or "permission denied" in _refused(statement), statement
        message = _refused(
            "CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$ "
            "BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
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
        assert chain.seal_pending() >= 6
        assert chain.verify().intact
        assert AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk)).count() == 3
        assert runtime_problems(connection) == []

    def test_check_deploy_warns_about_a_role_that_can_rewrite_the_trail(runtime_role: str) -> None:
        # As the test's superuser: the superuser and the owner warnings.
        problems = " ".join(runtime_problems(connection))
        assert "superuser" in problems and "owns the audit table" in problems
        with connection.cursor() as cursor:
            cursor.execute(f'GRANT UPDATE, TRUNCATE, TRIGGER ON core_auditevent TO "{runtime_role}"')
            cursor.execute(f'GRANT CREATE ON SCHEMA public TO "{runtime_role}"')
        _as(runtime_role)
        problems = " ".join(runtime_problems(connection))
        assert "UPDATE, TRUNCATE, TRIGGER on the audit table" in problems
        assert "may create objects in the schema" in problems
        assert "superuser" not in problems and "owns" not in problems

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
        assert f"Runtime privileges granted to {login_role}." in granted.stdout
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
        assert "Audit trail intact: 1 row(s) checked." in checked.stdout
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_auditevent WHERE seq IS NOT NULL")
            assert cursor.fetchone()[0] == 2  # the event and the check's own entry

else:

    @pytest.mark.django_db
    def test_grant_runtime_privileges_explains_that_sqlite_has_no_roles() -> None:
        with pytest.raises(CommandError, match="SQLite has no database roles"):
            call_command("grant_runtime_privileges", "someone")

    @pytest.mark.django_db
    def test_sqlite_triggers_refuse_changing_a_sealed_row_and_presealed_inserts() -> None:
        event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x", summary="original")
        chain.seal_pending()
        assert "append-only" in _refused("UPDATE core_auditevent SET summary = 'forged' WHERE id = %s", [event.pk])
        assert "append-only" in _refused("UPDATE core_auditevent SET hash = %s WHERE id = %s", ["f" * 64, event.pk])
        assert "append-only" in _refused("UPDATE core_auditevent SET seq = NULL, hash = '' WHERE id = %s",
                                         [event.pk])
        assert "inserted unsealed" in _refused(
            "INSERT INTO core_auditevent (occurred_at, actor_label, action, object_type, object_id, object_repr, "
            "changed_fields, changes, summary, seq, prev_hash, hash) VALUES ('2026-01-01', '', 'other', 'x', '', "
            "'', '[]', '{}', '', 1000, %s, %s)", ["0" * 64, "1" * 64])
        event.refresh_from_db()
        assert event.summary == "original"
        assert chain.verify().intact

    @pytest.mark.django_db
    def test_sqlite_has_no_roles_so_check_deploy_has_nothing_to_say_about_them() -> None:
        assert runtime_problems(connection) == []
