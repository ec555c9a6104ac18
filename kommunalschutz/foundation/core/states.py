"""The state package: everything that makes an installation Saxon, Thuringian or another state's, as data.

A package is a folder with a ``state.json`` manifest (docs/foundation/state-packages.md): the state key and its
German names, the programme file, the registry's curated files (police structure, state authorities, contacts,
boundaries), the counselling partners, the police figures' region, the map's centre and base map, and the
sources the data pages name. ``STATE_PACKAGE`` (environment ``KOMMUNALSCHUTZ_STATE``) selects it: the name of a
shipped package (``sn``, ``th``, or the state key ``14``, ``16``) or the path of a folder. The code reads the
state from here, never from a literal, so a second state needs no code change (decision 0039).
"""

from __future__ import annotations

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

    def placeholders(self) -> dict[str, str]:
        return {"state": self.name, "state_genitive": self.name_genitive}


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
