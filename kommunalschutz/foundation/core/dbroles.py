"""The two PostgreSQL roles (docs/deployment.md, decision 0015): the owner migrates, the runtime role works.

The owner role owns every table and function and runs ``migrate``. The runtime role, which gunicorn and
Huey connect as, gets ordinary DML on every table, but on the audit trail only INSERT, SELECT and the
right to set the three seal columns once (the trigger allows nothing else); it owns nothing and cannot
create anything, so it can neither disable nor replace the trigger nor truncate the table.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "core_auditevent"

SEAL_COLUMNS = ("seq", "prev_hash", "hash")


def grant_statements(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """The SQL that gives ``role`` the runtime privileges on the current schema; safe to repeat.

    Run as the owner (after every migration: a post_migrate handler does it). ALTER DEFAULT PRIVILEGES
    covers tables the owner creates later; the audit table's own privileges are set explicitly.
    """
    quote = connection.ops.quote_name
    who = quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
    seal = ", ".join(quote(column) for column in SEAL_COLUMNS)
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {who}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
        f"REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA {schema} FROM {who}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {who}",
        # Revoking the table-wide UPDATE also revokes column grants, so the seal columns come after it.
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {quote(AUDIT_TABLE)} FROM {who}",
        f"GRANT UPDATE ({seal}) ON {quote(AUDIT_TABLE)} TO {who}",
    ]


def grant_runtime_privileges(connection: BaseDatabaseWrapper, role: str) -> None:
    if connection.vendor != "postgresql":
        return
    statements = grant_statements(connection, role)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def runtime_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """What lets the connected role (the runtime role, in production) rewrite the audit trail."""
    if connection.vendor != "postgresql":
        return []
    problems: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, r.rolsuper, pg_get_userbyid(c.relowner), current_schema(), "
            "has_schema_privilege(current_schema(), 'CREATE') "
            "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = to_regclass(%s)",
            [AUDIT_TABLE],
        )
        found: Any = cursor.fetchone()
        if found is None:
            return [f"The audit table {AUDIT_TABLE} does not exist: run `kommunalschutz migrate`."]
        role, superuser, owner, schema, can_create = found
        if superuser:
            problems.append(f"The application connects as the superuser {role}, which can rewrite the audit "
                            "trail: give it a runtime role (docs/deployment.md, two roles).")
        if owner == role:
            problems.append(f"The application's database role {role} owns the audit table {AUDIT_TABLE}, so it "
                            "can disable its trigger and rewrite it: migrate as an owner role "
                            "(MIGRATION_DATABASE_URL) and run with a runtime role (docs/deployment.md).")
        refused = []
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"):
            cursor.execute("SELECT has_table_privilege(%s, %s)", [AUDIT_TABLE, privilege])
            if cursor.fetchone()[0]:
                refused.append(privilege)
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
            "AND NOT attisdropped AND attname <> ALL(%s) AND has_column_privilege(attrelid, attnum, 'UPDATE') "
            "ORDER BY attnum",
            [AUDIT_TABLE, list(SEAL_COLUMNS)],
        )
        columns = [name for (name,) in cursor.fetchall()]
        if columns and "UPDATE" not in refused:
            refused.append(f"UPDATE of {', '.join(columns)}")
        if refused and owner != role and not superuser:
            problems.append(f"The application's database role {role} has {', '.join(refused)} on the audit "
                            f"table {AUDIT_TABLE}: run `kommunalschutz grant-runtime-privileges`.")
        if can_create and not superuser and owner != role:
            problems.append(f"The application's database role {role} may create objects in the schema {schema}: "
                            f"REVOKE CREATE ON SCHEMA {schema} FROM {role} (docs/deployment.md).")
    return problems
