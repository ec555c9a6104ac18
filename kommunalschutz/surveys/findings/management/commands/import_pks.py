"""`kommunalschutz import-pks FILE --year YYYY`: import the BKA's district crime table (PKS T01)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.core.audit_display import translate_summary
from kommunalschutz.surveys.findings import crime


class Command(commands.Command):
    help = (
        "Import the police crime statistics of the state's districts from the BKA's original table "
        "'KR-F-01-T01-Kreise-Faelle-HZ' (Latin-1, ';'). Replaces the year's figures; idempotent; nothing is "
        "written if the file has an error. --bundled imports the national tables shipped with the platform for "
        "the years the state package names."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the BKA CSV file")
        parser.add_argument("--year", type=int, help="reporting year of the file (Berichtsjahr)")
        parser.add_argument("--bundled", action="store_true",
                            help="import the shipped tables of the years the state package names (Saxony: 2020, 2022)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["bundled"]:
                if options["file"]:
                    raise CommandError(_("Give either FILE --year YYYY or --bundled, not both."))
                results = crime.load_bundled()
            else:
                if not options["file"] or options["year"] is None:
                    raise CommandError(_("Give FILE and --year YYYY (or --bundled)."))
                results = [crime.load_file(options["file"], year=options["year"])]
        except crime.PksImportError as exc:
            raise CommandError(_("Import failed, nothing was changed. %(error)s") % {"error": exc}) from exc
        for result in results:
            # The summary is also the audit trail's, which has its German (core.audit_summaries).
            summary = translate_summary(result.summary()) or result.summary()
            self.stdout.write(self.style.SUCCESS(summary if result.changed else _("%(summary)s (no changes)")
                                                 % {"summary": summary}))
