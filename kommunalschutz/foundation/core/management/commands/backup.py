"""``kommunalschutz backup [--output PATH]``: one archive with the database, every stored file and a manifest
(core.backup, decision 0036). Runs as the owner role where MIGRATION_DATABASE_URL is set (cli.OWNER_COMMANDS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.core.backup import BackupError, create_backup
from kommunalschutz.foundation.core.numbers import german_number as integer


class Command(commands.Command):
    help = gettext_lazy(  # type: ignore[assignment]  # made a string in commands.Command.create_parser
        "Write one backup archive: the database, every stored file and a manifest with the SHA-256 "
        "of each part. Never contains the encryption keys or SECRET_KEY: back them up separately.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=None, metavar="PATH",
                            help=_("the archive to write (.tar, .tar.gz or .tar.xz); default: "
                                              "VAR_DIR/backups/kommunalschutz-<time>.tar.gz"))

    def handle(self, *args: Any, output: str | None = None, **options: Any) -> None:
        try:
            result = create_backup(output=Path(output) if output else None)
        except BackupError as exc:
            raise CommandError(_("No backup was written: %(reason)s") % {"reason": exc}) from exc
        except OSError as exc:
            raise CommandError(_("No backup was written: %(reason)s") % {"reason": exc.strerror or exc}) from exc
        self.stdout.write(self.style.SUCCESS(
            _("Backup written: %(path)s (%(size)s bytes, %(files)s stored file(s), database: %(vendor)s).")
            % {"path": result.path, "size": integer(result.size), "files": integer(result.file_count),
               "vendor": result.vendor}))
        self.stdout.write(_("SHA-256: %(sha256)s") % {"sha256": result.sha256})
