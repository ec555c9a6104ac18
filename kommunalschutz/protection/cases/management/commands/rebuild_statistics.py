"""`kommunalschutz rebuild-statistics [--check]`: recount the statistics' roll-ups from the statistical record.

The roll-ups are kept on every write (cases.rollups); a rebuild is for after a bulk load outside the
platform, a restore, or when ``--check`` reports a difference. ``--check`` changes nothing and exits
with status 1 if the stored roll-ups differ from a full recount.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = "Recount the case statistics' roll-ups from the statistical record, or check them (--check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="only compare the roll-ups with a full recount; exit status 1 on a difference")

    def handle(self, *args: Any, **options: Any) -> None:
        from kommunalschutz.protection.cases import rollups

        if options["check"]:
            found = rollups.differences(limit=0)
            if not found:
                self.stdout.write(self.style.SUCCESS(_("The statistics' roll-ups agree with a full recount.")))
                return
            for line in found[:50]:
                self.stdout.write(line)
            raise CommandError(_("%(count)s value(s) of the statistics' roll-ups differ from a full recount. "
                                 "Run the command without --check to rebuild them.") % {"count": len(found)},
                               returncode=1)
        rows, buckets = rollups.rebuild()
        self.stdout.write(self.style.SUCCESS(
            _("Statistics' roll-ups rebuilt: %(rows)s roll-up row(s), %(buckets)s histogram row(s).")
            % {"rows": rows, "buckets": buckets}))
