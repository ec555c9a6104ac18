"""``kommunalschutz restore PATH [--replace]``: rebuild an empty instance from a backup archive (core.backup).

Runs as the owner role where MIGRATION_DATABASE_URL is set (cli.OWNER_COMMANDS); stop the web and task
processes first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.core.backup import BackupError, restore_backup
from kommunalschutz.foundation.core.numbers import german_number as integer


class Command(commands.Command):
    help = gettext_lazy(  # type: ignore[assignment]  # made a string in commands.Command.create_parser
        "Rebuild an empty instance from a backup archive. Every part is checked against the "
        "manifest's SHA-256 before the database is touched. Needs the same encryption keys as "
        "the instance the backup came from.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH", help=_("the backup archive"))
        parser.add_argument("--replace", action="store_true",
                            help=_("replace a database and file storage that are not empty "
                                              "(everything in them is lost)"))

    def handle(self, *args: Any, path: str, replace: bool = False, **options: Any) -> None:
        try:
            result = restore_backup(Path(path), replace=replace)
        except BackupError as exc:
            raise CommandError(_("Nothing was restored: %(reason)s") % {"reason": exc}) from exc
        except OSError as exc:
            raise CommandError(_("Nothing was restored: %(reason)s") % {"reason": exc.strerror or exc}) from exc
        self.stdout.write(self.style.SUCCESS(
            _("Restored from the backup of %(created)s (platform %(version)s, database: %(vendor)s, "
              "%(files)s stored file(s)).")
            % {"created": result.created_at, "version": result.platform_version, "vendor": result.vendor,
               "files": integer(result.file_count)}))
        if result.pending_migrations:
            self.stdout.write(_("This version has %(count)s migration(s) the backup does not: run "
                                "`kommunalschutz migrate` now.") % {"count": len(result.pending_migrations)})
        self.stdout.write(_("Check the audit trail now: kommunalschutz verify-audit"))
