"""The two PostgreSQL roles (docs/deployment.md, decision 0015): the owner migrates, the runtime role works.

The owner role owns every table and function and runs ``migrate``. The runtime role, which gunicorn and
Huey connect as, gets ordinary DML on every table, but on the audit trail and its seals only INSERT and
SELECT; it owns nothing and cannot create anything, so it can neither disable nor replace the triggers
nor truncate the tables.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "core_auditevent"
SEAL_TABLE = "core_auditseal"
# Insert and read only: every other table privilege lets the runtime role change or hide history.
APPEND_ONLY_TABLES = (AUDIT_TABLE, SEAL_TABLE)
TRIGGER_FUNCTIONS = ("core_auditevent_append_only", "core_auditseal_append_only")
FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def grant_statements(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """The SQL that gives ``role`` the runtime privileges on the current schema; safe to repeat.

    Run as the owner (after every migration: a post_migrate handler does it). ALTER DEFAULT PRIVILEGES
    covers tables the owner creates later; the append-only tables' privileges are set explicitly.
    """
    quote = connection.ops.quote_name
    who = quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
    append_only = ", ".join(quote(table) for table in APPEND_ONLY_TABLES)
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {who}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
        f"REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA {schema} FROM {who}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {who}",
        # Revoking a table-wide privilege revokes the column grants of that privilege too.
        f"REVOKE ALL ON {append_only} FROM {who}",
        f"GRANT SELECT, INSERT ON {append_only} TO {who}",
    ]


def grant_runtime_privileges(connection: BaseDatabaseWrapper, role: str) -> None:
    if connection.vendor != "postgresql":
        return
    statements = grant_statements(connection, role)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def runtime_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """What lets the connected role (the runtime role, in production) rewrite the audit trail or its seals."""
    if connection.vendor != "postgresql":
        return []
    problems: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, current_schema(), has_schema_privilege(current_schema(), "
                       "'CREATE') FROM pg_roles WHERE rolname = current_user")
        role, superuser, schema, can_create = cursor.fetchone()
        if superuser:
            problems.append(f"The application connects as the superuser {role}, which can rewrite the audit "
                            "trail: give it a runtime role (docs/deployment.md, two roles).")
        for table in APPEND_ONLY_TABLES:
            cursor.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(%s)", [table])
            found: Any = cursor.fetchone()
            if found is None:
                problems.append(f"The audit table {table} does not exist: run `kommunalschutz migrate`.")
                continue
            if found[0] == role:
                problems.append(f"The application's database role {role} owns the table {table}, so it can "
                                "disable its trigger and rewrite it: migrate as an owner role "
                                "(MIGRATION_DATABASE_URL) and run with a runtime role (docs/deployment.md).")
            elif not superuser:
                extra = []
                for privilege in FORBIDDEN:
                    cursor.execute("SELECT has_table_privilege(%s, %s)", [table, privilege])
                    if cursor.fetchone()[0]:
                        extra.append(privilege)
                    elif privilege in {"UPDATE", "REFERENCES"}:
                        cursor.execute(
                            "SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute "
                            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped "
                            "AND has_column_privilege(attrelid, attnum, %s)", [table, privilege])
                        columns = cursor.fetchone()[0]
                        if columns:
                            extra.append(f"{privilege} of {columns}")
                if extra:
                    problems.append(f"The application's database role {role} has {', '.join(extra)} on the "
                                    f"append-only table {table} (only INSERT and SELECT are allowed): run "
                                    "`kommunalschutz grant-runtime-privileges`.")
        cursor.execute("SELECT proname FROM pg_proc WHERE proname = ANY(%s) AND proowner = "
                       "(SELECT oid FROM pg_roles WHERE rolname = current_user) ORDER BY proname",
                       [list(TRIGGER_FUNCTIONS)])
        owned = [name for (name,) in cursor.fetchall()]
        if owned and not superuser:
            problems.append(f"The application's database role {role} owns the trigger function(s) "
                            f"{', '.join(owned)} and can replace them: migrate as an owner role (docs/deployment.md).")
        if can_create and not superuser:
            problems.append(f"The application's database role {role} may create objects in the schema {schema}: "
                            f"REVOKE CREATE ON SCHEMA {schema} FROM {role} (docs/deployment.md).")
    return problems
