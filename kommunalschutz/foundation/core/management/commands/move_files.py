from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.core.services import move_local_files


class Command(commands.Command):
    help = ("Move the files of an older installation (VAR_DIR/files and EVIDENCE_ROOT) into the configured "
            "file storage, encrypted; each is checked by SHA-256 before its local copy is removed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--files-dir", type=Path, default=None)
        parser.add_argument("--evidence-dir", type=Path, default=None)
        parser.add_argument("--keep", action="store_true", help="Leave the local copies in place.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = move_local_files(actor=None, files_dir=options["files_dir"] or Path(settings.LEGACY_FILES_DIR),
                                  evidence_dir=options["evidence_dir"] or Path(settings.EVIDENCE_ROOT),
                                  keep=options["keep"])
        self.stdout.write(_("Moved into the file storage (%(backend)s): %(moved)s file(s); already there: "
                            "%(present)s.") % {"backend": settings.FILE_STORAGE, "moved": len(report.moved),
                                               "present": len(report.present)})
        if report.refused:
            for name in report.refused:
                self.stderr.write(_("Not moved (SHA-256 differs or cannot be decrypted): %(name)s")
                                  % {"name": name})
            raise CommandError(_("%(count)s file(s) were not moved and remain on the disk.")
                               % {"count": len(report.refused)})
