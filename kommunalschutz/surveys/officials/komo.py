"""KoMo's published figures (BKA, Kommunales Monitoring), bundled as data/komo_kennzahlen.csv.

Not microdata: headline shares compiled from public pages (docs/data-sources.md names every source;
rows taken from the project's domain notes say so in ``hinweis``). KoMo publishes national shares and
some states' shares; it has no figure for Saxony.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "komo_kennzahlen.csv"
AFFECTED = "betroffen_anfeindungen_pct"


@dataclass(frozen=True)
class Figure:
    wave: str  # "Herbst 2023"
    start: dt.date  # first day of the reference period
    end: dt.date  # last month's first day
    area: str
    key: str
    value: float
    basis: str
    note: str
    source: str


def _month(text: str) -> dt.date:
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


@cache
def figures() -> tuple[Figure, ...]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    result = []
    for row in rows:
        start, end = row["referenzzeitraum"].split("/")
        result.append(Figure(wave=row["welle"], start=_month(start), end=_month(end), area=row["gebiet"],
                             key=row["kennzahl"], value=float(row["wert"]), basis=row["basis"],
                             note=row["hinweis"], source=row["quelle_url"]))
    return tuple(result)


def national(key: str) -> list[Figure]:
    return sorted((f for f in figures() if f.key == key and f.area == "Deutschland"), key=lambda f: f.start)


def matching(key: str, start: dt.date, end: dt.date) -> tuple[Figure | None, bool]:
    """KoMo's national figure for the same reference period (True), else the latest before it (False)."""
    candidates = national(key)
    month_start, month_end = start.replace(day=1), end.replace(day=1)
    for figure in candidates:
        if figure.start == month_start and figure.end == month_end:
            return figure, True
    earlier = [figure for figure in candidates if figure.end <= month_end]
    return (earlier[-1] if earlier else None), False
