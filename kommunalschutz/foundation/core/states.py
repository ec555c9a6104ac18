"""The state package: everything that makes an installation Saxon, Thuringian or another state's, as data.

A package is a folder with a ``state.json`` manifest (docs/foundation/state-packages.md): the state key and its
German names, the programme file, the registry's curated files (police structure, state authorities, contacts,
boundaries), the counselling partners, the police figures' region, the map's centre and base map, and the
sources the data pages name. ``STATE_PACKAGE`` (environment ``KOMMUNALSCHUTZ_STATE``) selects it: the name of a
shipped package (``sn``, ``th``, or the state key ``14``, ``16``) or the path of a folder. The code reads the
state from here, never from a literal, so a second state needs no code change (decision 0039).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise, lazy

PACKAGES_DIR = Path(__file__).resolve().parents[2] / "states"
MANIFEST = "state.json"


# Holidays in every state: New Year, Good Friday, Easter Monday, Labour Day, Ascension, Whit Monday, German
# Unity, Christmas. A package lists its own in full ("public_holidays"); without the list these apply.
NATIONWIDE_HOLIDAYS = ("01-01", "easter-2", "easter+1", "05-01", "easter+39", "easter+50", "10-03", "12-25",
                       "12-26")


@dataclass(frozen=True)
class StatePackage:
    """One state's data package, read from its manifest; file entries are absolute paths (or None)."""

    folder: Path
    key: str  # the two-digit state key (AGS prefix): "14" Saxony, "16" Thuringia
    code: str  # the short code: "sn", "th"
    name: str  # German: "Sachsen", "Thüringen"
    name_genitive: str  # German: "Sachsens", "Thüringens"
    police_region: str  # the region code of the official police figures ("SN", "TH")
    programme_file: Path
    partners_file: Path | None
    police_directorates_file: Path | None
    state_authorities_file: Path | None
    contacts_file: Path | None
    contacts_source: str  # the German name of the contact directory's publisher ("" without one)
    boundary_files: tuple[Path, ...]
    municipality_boundaries: bool  # whether the boundary files hold municipalities (not districts only)
    basemap: str  # a path under static/ ("maps/basemap-sachsen.json") or "" for none
    map_centre: tuple[float, float]
    map_zoom: float
    pks_years: tuple[int, ...]  # which of the platform's national PKS tables (findings/data/pks) to load
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The statewide public holidays, as rules (HOLIDAY_RULE): deadlines count working days without them.
    public_holidays: tuple[str, ...] = field(default_factory=lambda: NATIONWIDE_HOLIDAYS)

    def placeholders(self) -> dict[str, str]:
        return {"state": self.name, "state_genitive": self.name_genitive}


# A fixed date "MM-DD", a day counted from Easter Sunday "easter+N"/"easter-N", or the Day of Repentance and
# Prayer (the Wednesday before 23 November; Saxony's).
HOLIDAY_RULE = re.compile(r"(?P<month>\d\d)-(?P<day>\d\d)|easter(?P<offset>[+-]\d{1,2})|repentance-day")


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=256)
def holidays_by_rules(rules: tuple[str, ...], year: int) -> frozenset[dt.date]:
    """The dates that ``rules`` (HOLIDAY_RULE, checked when the package was read) give in ``year``; ValueError
    for a rule that is not one, or not a date."""
    days: set[dt.date] = set()
    for rule in rules:
        match = HOLIDAY_RULE.fullmatch(rule)
        if match is None:
            raise ValueError(f"public holiday rule {rule!r} is not MM-DD, easter±N or repentance-day")
        if match["month"]:
            days.add(dt.date(year, int(match["month"]), int(match["day"])))
        elif match["offset"]:
            days.add(easter_sunday(year) + dt.timedelta(days=int(match["offset"])))
        else:
            nov_22 = dt.date(year, 11, 22)
            days.add(nov_22 - dt.timedelta(days=(nov_22.weekday() - 2) % 7))
    return frozenset(days)


def public_holidays(year: int) -> frozenset[dt.date]:
    """The installation's state's statewide public holidays in ``year``."""
    return holidays_by_rules(current().public_holidays, year)


def _holiday_rules(folder: Path, value: Any) -> tuple[str, ...]:
    if value is None:
        return NATIONWIDE_HOLIDAYS
    if not isinstance(value, list) or not value:
        raise ImproperlyConfigured(f"State package {folder}: public_holidays must be a non-empty list of rules.")
    rules = tuple(str(rule) for rule in value)
    for rule in rules:
        try:
            holidays_by_rules((rule,), 2000)  # a leap year: 02-29 is a date
        except ValueError:
            raise ImproperlyConfigured(
                f"State package {folder}: public holiday {rule!r} is not a date MM-DD, easter+N, easter-N or "
                "repentance-day.") from None
    return rules


def _file(folder: Path, value: Any, what: str) -> Path | None:
    if value in (None, ""):
        return None
    path = (folder / str(value)).resolve()
    if not path.is_file():
        raise ImproperlyConfigured(f"State package {folder}: {what} {value!r} does not exist ({path}).")
    return path


def read_package(folder: Path) -> StatePackage:
    """Read and check a package's manifest; raises ImproperlyConfigured naming what is wrong."""
    manifest = folder / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"State package {folder}: {MANIFEST} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"State package {folder}: {MANIFEST} must hold a JSON object.")
    key = str(data.get("key", ""))
    if not re.fullmatch(r"(0[1-9]|1[0-6])", key):
        raise ImproperlyConfigured(f"State package {folder}: key {key!r} is not a state key from 01 to 16.")
    for name in ("code", "name", "name_genitive", "programme"):
        if not data.get(name):
            raise ImproperlyConfigured(f"State package {folder}: {MANIFEST} lacks {name!r}.")
    registry = data.get("registry") or {}
    map_ = data.get("map") or {}
    centre = map_.get("centre") or [51.0, 10.0]
    programme = _file(folder, data["programme"], "programme")
    assert programme is not None
    return StatePackage(
        folder=folder,
        key=key,
        code=str(data["code"]),
        name=str(data["name"]),
        name_genitive=str(data["name_genitive"]),
        police_region=str(data.get("police_region") or str(data["code"]).upper()),
        programme_file=programme,
        partners_file=_file(folder, data.get("partners"), "partners"),
        police_directorates_file=_file(folder, registry.get("police_directorates"), "police directorates"),
        state_authorities_file=_file(folder, registry.get("state_authorities"), "state authorities"),
        contacts_file=_file(folder, registry.get("contacts"), "contacts"),
        contacts_source=str(registry.get("contacts_source") or ""),
        boundary_files=tuple(path for path in (_file(folder, value, "boundaries")
                                               for value in registry.get("boundaries") or []) if path),
        municipality_boundaries=bool(registry.get("municipality_boundaries")),
        basemap=str(map_.get("basemap") or ""),
        map_centre=(float(centre[0]), float(centre[1])),
        map_zoom=float(map_.get("zoom") or 7),
        pks_years=tuple(int(year) for year in (data.get("pks") or {}).get("bundled_years") or []),
        notes=tuple(str(note) for note in data.get("notes") or []),
        public_holidays=_holiday_rules(folder, data.get("public_holidays")),
    )


def shipped() -> dict[str, Path]:
    """The packages shipped with the platform, by code and by state key."""
    found: dict[str, Path] = {}
    for folder in sorted(PACKAGES_DIR.iterdir()):
        if (folder / MANIFEST).is_file():
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            found[str(data["code"])] = folder
            found[str(data["key"])] = folder
    return found


@lru_cache(maxsize=8)
def _load(selector: str) -> StatePackage:
    folder = Path(selector)
    if not folder.is_dir():
        known = shipped()
        if selector not in known:
            raise ImproperlyConfigured(
                f"KOMMUNALSCHUTZ_STATE={selector!r}: neither a shipped state package ({', '.join(sorted(known))}) "
                "nor a folder.")
        folder = known[selector]
    return read_package(folder.resolve())


def current() -> StatePackage:
    """The installation's state package (settings.STATE_PACKAGE; read once per selector)."""
    return _load(str(settings.STATE_PACKAGE))


def _format(message: str | Promise) -> str:
    return str(message) % current().placeholders()


with_state: Callable[[str | Promise], str] = lazy(_format, str)
"""A translated message with ``%(state)s`` / ``%(state_genitive)s`` filled in when it is shown (lazy: the
navigation is built at import time, the language and the package are known only per request)."""
