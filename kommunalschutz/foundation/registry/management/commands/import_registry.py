"""`kommunalschutz import-registry`: import the reference data (shipped or a newer edition)."""

from __future__ import annotations

import re
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext

from kommunalschutz.foundation.core import commands, states
from kommunalschutz.foundation.core.progress import ConsoleProgress
from kommunalschutz.foundation.registry import services
from kommunalschutz.foundation.registry.readers import STATE_NAMES, RegistryImportError


class Command(commands.Command):
    help = (
        "Import municipalities, districts, boundaries, contacts and police directorates. Idempotent: "
        "unchanged data changes nothing. Without --source the national municipality file shipped in registry/data "
        "and the state package's files (KOMMUNALSCHUTZ_STATE) are used."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--land", default=None,
                            help="two-digit state key (default: the state package's, KOMMUNALSCHUTZ_STATE; "
                                 "14 is Saxony, 16 Thuringia)")
        parser.add_argument(
            "--source", nargs="+", default=[], metavar="FILE",
            help="newer files replacing the shipped ones of the same kind: a GV100AD file (.txt or .txt.gz) "
                 "or municipality CSV, the Landesdirektion contact CSV, GeoJSON boundaries, the police "
                 "directorate, state authority or territorial change CSV (kinds are recognised from the content)",
        )
        parser.add_argument("--no-boundaries", action="store_true", help="leave the boundaries as they are")
        parser.add_argument("--encoding", default="utf-8", help="encoding of the input files (default utf-8)")
        parser.add_argument("--background", action="store_true",
                            help="queue the import for the task worker and print the task id")

    def handle(self, *args: Any, **options: Any) -> None:
        land: str = options["land"] or states.current().key
        if not re.fullmatch(r"[0-9]{2}", land) or land not in STATE_NAMES:
            raise CommandError(gettext("--land %(land)r: expected a state key from 01 to 16.") % {"land": land})
        sources: list[str] = options["source"]
        boundaries = not options["no_boundaries"]
        if options["background"]:
            run = services.queue_registry_import(actor=None, land=land, sources=sources, boundaries=boundaries,
                                                 encoding=options["encoding"])
            self.stdout.write(gettext("Queued the registry import as task %(task)s; the task worker (run_huey) "
                                      "carries it out, its progress is shown at %(url)s.")
                              % {"task": run.pk, "url": reverse("core:task_detail", args=[run.pk])})
            return
        # The raw stream: Django's OutputWrapper would end every progress update with a newline.
        progress = ConsoleProgress(f"Registry {STATE_NAMES[land]}", stream=options.get("stderr") or sys.stderr)
        try:
            result = services.import_registry(actor=None, land=land, sources=sources, boundaries=boundaries,
                                              encoding=options["encoding"], progress=progress)
        except RegistryImportError as exc:
            raise CommandError(gettext("Import failed, nothing was changed. %(error)s") % {"error": exc}) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(gettext("Warning: %(warning)s") % {"warning": warning}))
        seconds = formats.number_format(result.seconds, 2)
        self.stdout.write(self.style.SUCCESS(
            (gettext("Imported in %(seconds)s s: %(summary)s") if result.changed else
             gettext("Imported in %(seconds)s s (no changes): %(summary)s"))
            % {"seconds": seconds, "summary": result.german_summary()}
        ))
