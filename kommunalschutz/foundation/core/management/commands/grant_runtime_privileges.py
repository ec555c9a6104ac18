"""``kommunalschutz grant-runtime-privileges [ROLE]``: give the runtime role its privileges (PostgreSQL).

Runs as the owner role (MIGRATION_DATABASE_URL); ``migrate`` does the same by itself at its end.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.core.dbroles import grant_runtime_privileges


class Command(commands.Command):
    help = ("Grant the runtime database role DML on every table but only INSERT and SELECT on the audit "
            "trail (PostgreSQL; run as the owner role).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", nargs="?", default="", help="default: the user of DATABASE_URL")

    def handle(self, *args: Any, role: str = "", **options: Any) -> None:
        role = role or settings.DATABASE_RUNTIME_ROLE
        if connection.vendor != "postgresql":
            raise CommandError(_("Role separation exists on PostgreSQL only; SQLite has no database roles."))
        if not role:
            raise CommandError(_("Name the runtime role, or set DATABASE_URL (runtime) and MIGRATION_DATABASE_URL."))
        if role == connection.settings_dict.get("USER"):
            raise CommandError(_("%(role)s is the role this command connects as; connect as the owner role.")
                               % {"role": role})
        grant_runtime_privileges(connection, role)
        self.stdout.write(self.style.SUCCESS(_("Runtime privileges granted to %(role)s.") % {"role": role}))
