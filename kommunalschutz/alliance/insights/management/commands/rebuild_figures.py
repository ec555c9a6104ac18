"""``kommunalschutz rebuild-figures [--check]``: rebuild the programme figures' roll-up from the records,
or compare it with a full recount (decision 0032)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.alliance.insights import rollup
from kommunalschutz.foundation.core import commands

SHOWN = 20  # differences listed at most; the count names all of them


class Command(commands.Command):
    help = ("Rebuild the roll-up of the programme figures from the records, or with --check compare it with a "
            "full recount and exit non-zero on any difference.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="only compare the roll-up with a full recount; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["check"]:
            rebuilt = rollup.rebuild()
            self.stdout.write(self.style.SUCCESS(
                _("Roll-up of the programme figures rebuilt: %(sources)s record(s) counted, %(days)s day row(s).")
                % {"sources": rebuilt.sources, "days": rebuilt.days}))
            return
        differences = rollup.check()
        if differences:
            for difference in differences[:SHOWN]:
                template = (_("Day %(key)s: roll-up %(stored)s, recount %(recounted)s") if difference.what == "day"
                            else _("Record %(key)s: roll-up %(stored)s, recount %(recounted)s"))
                self.stderr.write(template % {"key": difference.key, "stored": difference.stored,
                                              "recounted": difference.recounted})
            raise CommandError(_("The roll-up of the programme figures differs from a full recount in %(count)s "
                                 "place(s). Rebuild it with “kommunalschutz rebuild-figures”.")
                               % {"count": len(differences)})
        self.stdout.write(self.style.SUCCESS(_("The roll-up of the programme figures agrees with a full recount.")))
