"""The synthetic register extract of a practice project (a synthetic survey project, ``is_synthetic``).

A practice project lets a municipality try every step of a security analysis without personal data:
its project page offers this file for download, and the demo uploads it. Everything here is invented
and deterministic (seeded). The register has the shape municipalities export: Windows-1252, ``;``,
one person per line, German column names.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Sequence

from django.utils import timezone

from kommunalschutz.surveys.projects.models import SurveyProject

# Everything below is DATA of the invented register (names, streets, localities and the German column
# names municipalities' files have), not interface text: none of it goes through gettext.
BANNEWITZ_AGS = "14628050"
# The Ortsteile of Bannewitz with a plausible share of the population (synthetic shares).
BANNEWITZ_LOCALITIES: tuple[tuple[str, float], ...] = (
    ("Bannewitz", 0.30), ("Possendorf", 0.16), ("Goppeln", 0.08), ("Hänichen", 0.08), ("Rippien", 0.07),
    ("Welschhufe", 0.06), ("Cunnersdorf", 0.05), ("Boderitz", 0.05), ("Golberode", 0.04),
    ("Gaustritz", 0.04), ("Börnchen", 0.04), ("Wilmsdorf", 0.03),
)
STREETS = ("Hauptstraße", "Dresdner Straße", "Schulstraße", "Am Sportplatz", "Bergstraße", "Lindenweg",
           "Possendorfer Straße", "Kirchweg", "Birkenweg", "Wiesenweg", "Gartenstraße", "Am Hang",
           "Windbergstraße", "Talstraße", "Rosenweg", "Ahornweg")
FAMILY_NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
                "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
                "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
                "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
                "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
                "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Günther",
                "Böhme", "Fröhlich", "Seidel", "Förster", "Ludwig", "Winkler", "Heinrich")
GIVEN_NAMES = {
    "w": ("Anna", "Maria", "Katrin", "Sabine", "Petra", "Ute", "Heike", "Claudia", "Susanne", "Julia", "Lea",
          "Sophie", "Emma", "Marie", "Lena", "Jana", "Doreen", "Ines", "Gisela", "Renate", "Ingrid", "Monika",
          "Birgit", "Kerstin", "Manuela", "Franziska", "Charlotte", "Hannah", "Gabriele", "Christa"),
    "m": ("Thomas", "Michael", "Andreas", "Frank", "Jens", "Uwe", "Steffen", "Ralf", "Matthias", "Stefan",
          "Paul", "Lukas", "Felix", "Max", "Tim", "Jonas", "Sebastian", "Heiko", "Dieter", "Klaus", "Peter",
          "Wolfgang", "Manfred", "Jürgen", "René", "Sven", "Tobias", "Florian", "Bernd", "Lothar"),
    "d": ("Alex", "Kim", "Robin", "Sascha", "Charlie"),
}
HEADER = ("Familienname", "Vornamen", "Straße", "Hausnummer", "PLZ", "Ort", "Ortsteil", "Geburtsdatum",
          "Geschlecht", "Auskunftssperre")
# Age structure of a Saxon small town (synthetic, close to the state's: many older residents).
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 15, 0.14), (16, 24, 0.07), (25, 34, 0.10), (35, 44, 0.13), (45, 54, 0.13), (55, 64, 0.16),
    (65, 74, 0.14), (75, 95, 0.13),
)


def synthetic_register(*, population: int, place: str, postcode: str, reference_date: dt.date,
                       seed: int = 2026, localities: Sequence[tuple[str, float]] = BANNEWITZ_LOCALITIES,
                       male_share: float = 0.485) -> bytes:
    """A register extract of ``population`` persons (all ages) as Windows-1252 text with ``;``."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    out = io.StringIO()
    out.write(";".join(HEADER) + "\r\n")
    names = [name for name, _ in localities]
    shares = [share for _, share in localities]
    bands = [(low, high) for low, high, _ in AGE_BANDS]
    band_shares = [share for _, _, share in AGE_BANDS]
    for index in range(population):
        draw = rng.random()
        sex = "d" if draw < 0.0006 else ("m" if draw < male_share else "w")
        low, high = rng.choices(bands, band_shares)[0]
        age = rng.randint(low, high)
        born = reference_date - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 364))
        locality = rng.choices(names, shares)[0]
        blocked = "ja" if rng.random() < 0.004 else ""
        given = rng.choice(GIVEN_NAMES[sex])
        if rng.random() < 0.2:
            given += " " + rng.choice(GIVEN_NAMES["w" if sex == "d" else sex])
        row = (rng.choice(FAMILY_NAMES), given, rng.choice(STREETS), str(rng.randint(1, 80)) + ("a" if index % 17 == 0
               else ""), postcode, place, locality, born.strftime("%d.%m.%Y"), sex, blocked)
        out.write(";".join(row) + "\r\n")
    return out.getvalue().encode("cp1252")


def register_file(project: SurveyProject) -> bytes:
    """The synthetic register extract of a practice project (deterministic)."""
    municipality = project.municipality
    localities = BANNEWITZ_LOCALITIES if municipality.ags == BANNEWITZ_AGS else tuple(
        (name, 1.0) for name in (municipality.locality_list or [municipality.name]))
    return synthetic_register(
        population=municipality.population or 5000, place=municipality.name.split(",")[0],
        # A reference date still ahead (the practice project of next year) must not give births after today:
        # a real register has none, and the import rightly refuses them.
        postcode=(municipality.postcode or "01000")[:5],
        reference_date=min(project.reference_date, timezone.localdate()),
        seed=project.year, localities=localities)
