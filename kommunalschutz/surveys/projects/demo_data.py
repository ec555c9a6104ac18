"""Synthetic data for the survey demo: a population register extract and answers with realistic non-response.

Everything here is invented and deterministic (seeded). The register has the shape municipalities
export: Windows-1252, ``;``, one person per line, German column names. The answers follow a simple
latent model, so the demo's results look like a real security analysis:

- Each person has a latent insecurity (normal, higher for women and for older people) and a latent
  dissatisfaction correlated with it. 5-point items of the safety, places, fear and disorder blocks rise
  with insecurity; life, trust and enforcement items with dissatisfaction (1 is the positive end of every
  scale of the item bank).
- Response propensity rises with age (16-24: 28 %, 65-74: 58 %) and is a little higher for women
  (DOMAIN.md §2.4 surveys report roughly 30-50 % response); about 2 % of letters come back undeliverable.
  The young answer online more often, the old by post.
- "Don't use" / "don't know" are chosen now and then where allowed; filters are respected (an item whose
  filter is not met is left out).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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


# --- answers ---------------------------------------------------------------------------------------------

RESPONSE_PROPENSITY = {"16-24": 0.28, "25-34": 0.32, "35-44": 0.40, "45-54": 0.45, "55-64": 0.52,
                       "65-74": 0.58, "75+": 0.45}
ONLINE_SHARE = {"16-24": 0.65, "25-34": 0.6, "35-44": 0.45, "45-54": 0.35, "55-64": 0.25, "65-74": 0.12,
                "75+": 0.05}
UNDELIVERABLE = 0.02
INSECURITY_BLOCKS = {"safety", "places", "fear", "disorder"}
AGE_INDEX = {"16-24": 0, "25-34": 1, "35-44": 2, "45-54": 3, "55-64": 4, "65-74": 5, "75+": 6}
FREE_TEXTS = ("Mehr Beleuchtung am Bahnhof.", "Die Straßen im Ortsteil sind abends sehr dunkel.",
              "Mehr Präsenz von Polizei und Ordnungsamt am Wochenende.", "Ich fühle mich hier sicher.",
              "Raser auf der Hauptstraße.", "Müll an den Containerstellplätzen.")


@dataclass(frozen=True)
class Person:
    """What the simulation knows of a sample member: the stratum from the register."""

    number: int
    locality: str
    age_group: str
    sex: str


@dataclass(frozen=True)
class Outcome:
    number: int
    status: str  # "online", "post", "undeliverable" or "sent" (no answer)
    answers: dict[str, Any]


def _scale(rng: random.Random, centre: float, latent: float, item: Any) -> int:
    if item.allow_dont_use and rng.random() < 0.04:
        return 8
    if item.allow_dont_know and rng.random() < 0.03:
        return 9
    value = rng.gauss(centre + 1.1 * latent, 0.85)
    return int(min(5, max(1, round(value))))


def _answer(rng: random.Random, item: Any, person: Person, insecurity: float, discontent: float,
            localities: Sequence[str]) -> Any:
    codes = [int(option["code"]) for option in (item.options or [])]
    code_name = item.code.lower()
    if item.block == "demographics":
        # Demographic questions answered as registered (with the odd refusal).
        if rng.random() < 0.03:
            return None
        labels = [str(option.get("de", "")) for option in item.options or []]
        if "alter" in code_name or "age" in code_name:
            if item.kind == "number":
                low = {0: 16, 1: 25, 2: 35, 3: 45, 4: 55, 5: 65, 6: 75}[AGE_INDEX[person.age_group]]
                return rng.randint(low, low + 9)
            index = AGE_INDEX[person.age_group]
            return codes[min(index, len(codes) - 1)] if codes else None
        if "geschlecht" in code_name or "sex" in code_name or "gender" in code_name:
            wanted = {"w": ("weib", "frau"), "m": ("männ", "mann"), "d": ("divers", "ander")}[person.sex]
            for code, label in zip(codes, labels, strict=False):
                if any(part in label.lower() for part in wanted):
                    return code
            return codes[-1] if codes else None
        if "ortsteil" in code_name or "locality" in code_name:
            for code, label in zip(codes, labels, strict=False):
                if label == person.locality:
                    return code
            return codes[-1] if codes else None
    if item.kind == "scale":
        latent = insecurity if item.block in INSECURITY_BLOCKS else discontent
        centre = {"safety": 2.2, "places": 2.4, "fear": 2.3, "disorder": 2.6, "life": 2.0, "trust": 2.4,
                  "enforcement": 3.0}.get(item.block, 2.5)
        return _scale(rng, centre, latent, item)
    if item.kind == "single":
        if not codes:
            return None
        if len(codes) == 2:  # yes / no (victimisation: about 1 in 12 per offence, reporting: about half)
            yes = 0.08 + 0.04 * max(0.0, insecurity) if item.block == "victimisation" else 0.5
            return codes[0] if rng.random() < yes else codes[1]
        weights = [math.exp(-0.5 * index + (0.3 * insecurity * index / len(codes))) for index in range(len(codes))]
        return rng.choices(codes, weights)[0]
    if item.kind == "multiple":
        chosen = [code for code in codes if rng.random() < 0.15 + 0.1 * max(0.0, insecurity)]
        return chosen or None
    if item.kind == "number":
        low = item.minimum if item.minimum is not None else 0
        high = item.maximum if item.maximum is not None else 100
        return rng.randint(low, min(high, max(low, low + 40)))
    if item.kind == "text":
        return rng.choice(FREE_TEXTS) if rng.random() < 0.12 else None
    return None


def _filter_met(item: Any, answers: dict[str, Any]) -> bool:
    condition = item.show_if
    if not condition:
        return True
    given = answers.get(condition.get("item"))
    wanted = set(condition.get("values") or [])
    if isinstance(given, list):
        return bool(wanted & set(given))
    return given in wanted


def simulate(people: Iterable[Person], items: Sequence[Any], *, seed: int = 2026) -> list[Outcome]:
    """The outcome of each letter and, for respondents, their answers (filters respected)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    outcomes: list[Outcome] = []
    ordered = sorted(items, key=lambda item: item.position)
    localities: list[str] = []
    for person in people:
        if rng.random() < UNDELIVERABLE:
            outcomes.append(Outcome(person.number, "undeliverable", {}))
            continue
        propensity = RESPONSE_PROPENSITY[person.age_group] + (0.03 if person.sex == "w" else 0.0)
        if rng.random() >= propensity:
            outcomes.append(Outcome(person.number, "sent", {}))
            continue
        age = AGE_INDEX[person.age_group]
        insecurity = rng.gauss(0.0, 0.6) + (0.35 if person.sex == "w" else 0.0) + 0.06 * age
        discontent = 0.5 * insecurity + rng.gauss(0.0, 0.5)
        answers: dict[str, Any] = {}
        for item in ordered:
            if not _filter_met(item, answers):
                continue
            if rng.random() < 0.02 and not item.required:
                continue  # item non-response
            value = _answer(rng, item, person, insecurity, discontent, localities)
            if value is not None:
                answers[item.code] = value
        channel = "online" if rng.random() < ONLINE_SHARE[person.age_group] else "post"
        outcomes.append(Outcome(person.number, channel, answers))
    return outcomes
