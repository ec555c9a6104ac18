"""Parsing and validating the registry's input files; nothing here touches the database.

Every reader either returns complete, checked records or raises
:class:`RegistryImportError` naming the file, the line and the column, so the
importer can validate all input before it writes anything.

Formats (docs/foundation/registry.md has the details):

* GV100AD: Destatis' fixed-width Gemeindeverzeichnis (220 characters per record,
  optionally gzipped), all of Germany.
* Municipality CSV / district CSV: the derived, comma-separated files shipped in
  ``data/`` (one row per municipality or district).
* Contact CSV: the Landesdirektion Sachsen directory, ``;``-separated.
* Boundaries: GeoJSON FeatureCollections with an ``ags``/``AGS`` property.
* Police directorates, state authorities, territorial changes: small curated CSVs.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from kommunalschutz.foundation.registry.models import StateAuthority

GV_RECORD_LENGTH = 220
GV_RECORD_TYPES = frozenset({"10", "20", "30", "40", "50", "60"})

# GV100AD "Textkennzeichen" of district records (Satzart 40).
DISTRICT_KINDS: dict[str, tuple[str, bool]] = {
    "41": ("Kreisfreie Stadt", True),
    "42": ("Stadtkreis", True),
    "43": ("Kreis", False),
    "44": ("Landkreis", False),
    "45": ("Regionalverband", False),
}
# ... of municipal associations (Satzart 50).
ASSOCIATION_KINDS: dict[str, str] = {
    "50": "verbandsfreie Gemeinde",
    "51": "Amt",
    "52": "Samtgemeinde",
    "53": "Verbandsgemeinde",
    "54": "Verwaltungsgemeinschaft",
    "55": "Kirchspielslandgemeinde",
    "56": "Verwaltungsverband",
    "57": "Verwaltungsgemeinschaft (Trägermodell)",
    "58": "Erfüllende Gemeinde",
}
# ... of municipalities (Satzart 60).
MUNICIPALITY_KINDS: dict[str, str] = {
    "60": "Markt",
    "61": "Kreisfreie Stadt",
    "62": "Stadtkreis",
    "63": "Stadt",
    "64": "Kreisangehörige Gemeinde",
    "65": "gemeindefreies Gebiet, bewohnt",
    "66": "gemeindefreies Gebiet, unbewohnt",
    "67": "Große Kreisstadt",
}
# Uninhabited unincorporated areas (forests, lakes) are not municipalities: no
# population, no administration. Inhabited ones (code 65) are kept.
SKIPPED_MUNICIPALITY_KINDS = frozenset({"66"})
URBAN_DISTRICT_NAMES = frozenset({"Kreisfreie Stadt", "Stadtkreis"})

STATE_NAMES: dict[str, str] = {
    "01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
    "05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz", "08": "Baden-Württemberg",
    "09": "Bayern", "10": "Saarland", "11": "Berlin", "12": "Brandenburg", "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen", "15": "Sachsen-Anhalt", "16": "Thüringen",
}

_DIGITS = re.compile(r"[0-9]+")


class RegistryImportError(Exception):
    """Bad input: names the file and, where known, the line and column."""

    def __init__(self, message: str, *, file: str | Path, line: int | None = None, column: str | None = None) -> None:
        self.message = message
        self.file = str(file)
        self.line = line
        self.column = column
        # The whole text in the language active where the error is raised (the command's: the site's, German),
        # like the message itself, not in whatever language is active where it is printed.
        where = [self.file]
        if line is not None:
            where.append(_("line %(line)s") % {"line": line})
        if column is not None:
            where.append(_("column %(column)s") % {"column": column})
        self.text = f"{', '.join(where)}: {message}"
        super().__init__(self.text)

    def __str__(self) -> str:
        return self.text


def hectares_to_km2(hectares: int) -> Decimal:
    return (Decimal(hectares) / 100).quantize(Decimal("0.01"))


# --- Records ---------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictRecord:
    ags: str
    name: str
    urban: bool
    seat: str = ""


@dataclass(frozen=True)
class MunicipalityRecord:
    ags: str
    ars: str
    name: str
    association_ars: str
    association_name: str
    association_type: str
    kind: str
    population: int
    population_male: int
    area_ha: int
    postcode: str
    multiple_postcodes: bool
    line: int = field(default=0, compare=False)

    @property
    def land(self) -> str:
        return self.ags[:2]

    @property
    def district_ags(self) -> str:
        return self.ags[:5]

    @property
    def population_female(self) -> int:
        # The sources give total and male only; Destatis derives female the same way.
        return self.population - self.population_male

    @property
    def area_km2(self) -> Decimal:
        return hectares_to_km2(self.area_ha)


@dataclass
class Edition:
    """One state's municipalities and districts from one edition of the Gemeindeverzeichnis."""

    file: str
    land: str
    reference_date: dt.date
    districts: dict[str, DistrictRecord]
    municipalities: dict[str, MunicipalityRecord]
    skipped_unincorporated: int = 0


@dataclass(frozen=True)
class ContactRecord:
    ags: str
    office_title: str
    street: str
    postcode: str
    city: str
    phone: str
    fax: str
    email: str
    website: str
    localities: str
    as_of: dt.date | None


@dataclass(frozen=True)
class PoliceDirectorateRecord:
    code: str
    name: str
    district_ags: tuple[str, ...]
    street: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    website: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class StateAuthorityRecord:
    code: str
    kind: str
    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class TerritorialChange:
    """A curated change: ``ags`` (name) ceased to exist or was renamed on ``effective``."""

    MERGER = "merger"  # merged with others into a newly formed successor
    INCORPORATION = "incorporation"  # absorbed by an existing successor
    DISSOLUTION = "dissolution"
    RENAME = "rename"
    KINDS = (MERGER, INCORPORATION, DISSOLUTION, RENAME)

    effective: dt.date
    kind: str
    ags: str
    name: str
    successor_ags: str
    successor_name: str
    source: str
    line: int = field(default=0, compare=False)


# --- Low-level helpers -------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryImportError(_("cannot read the file (%(reason)s)")
                                  % {"reason": exc.strerror or exc}, file=path) from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise RegistryImportError(_("the file looks gzipped but cannot be decompressed (%(reason)s)")
                                      % {"reason": exc},
                                      file=path) from exc
    return raw


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """The file's text; a decoding error names the line and the column of the first bad byte."""
    raw = _read_bytes(path)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode(encoding, errors="replace")) + 1
        hint = ""
        if encoding.replace("-", "").lower() in {"utf8", "utf8sig"}:
            hint = " " + _("It is probably Latin-1 or Windows-1252: save it as UTF-8, or import it with "
                           "--encoding latin-1.")
        raise RegistryImportError(
            _("the file is not valid %(encoding)s (byte 0x%(byte)02x).") % {"encoding": encoding,
                                                                            "byte": raw[exc.start]} + hint,
            file=path, line=line, column=str(column),
        ) from exc
    except LookupError as exc:
        raise RegistryImportError(_("unknown encoding %(encoding)r") % {"encoding": encoding}, file=path) from exc
    return text.removeprefix("\ufeff")


def _first_line(path: Path) -> str:
    raw = _read_bytes(path)[:4096]
    return raw.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")


def _column(header: Sequence[str], name: str) -> str:
    return f"{header.index(name) + 1} ({name})"


class _Table:
    """A delimited file with a header row, validated as it is read."""

    def __init__(self, path: Path, *, delimiter: str, required: Sequence[str], encoding: str) -> None:
        self.path = path
        self.delimiter = delimiter
        text = read_text(path, encoding)
        self._reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            header = next(self._reader)
        except StopIteration:
            raise RegistryImportError(_("the file is empty"), file=path, line=1) from None
        except csv.Error as exc:
            raise RegistryImportError(_("unreadable header (%(reason)s)") % {"reason": exc}, file=path, line=1) from exc
        self.header = [name.strip() for name in header]
        missing = [name for name in required if name not in self.header]
        if missing:
            first_line = text.split("\n", 1)[0]
            other = max((c for c in ",;\t|" if c != delimiter), key=first_line.count)
            if first_line.count(other) > first_line.count(delimiter):
                raise RegistryImportError(
                    _("wrong separator: expected %(expected)r between the columns, but the header is "
                      "separated by %(found)r") % {"expected": delimiter, "found": other},
                    file=path, line=1,
                )
            raise RegistryImportError(_("missing column(s): %(columns)s")
                                      % {"columns": ", ".join(missing)}, file=path, line=1)

    def error(self, message: str, line: int, column: str | None = None) -> RegistryImportError:
        return RegistryImportError(message, file=self.path, line=line,
                                   column=_column(self.header, column) if column else None)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        width = len(self.header)
        while True:
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise RegistryImportError(_("malformed CSV (%(reason)s)") % {"reason": exc}, file=self.path,
                                          line=self._reader.line_num) from exc
            line = self._reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                raise RegistryImportError(
                    _("expected %(width)s fields separated by %(delimiter)r, found %(found)s")
                    % {"width": width, "delimiter": self.delimiter, "found": len(row)},
                    file=self.path, line=line,
                )
            yield line, {name: cell.strip() for name, cell in zip(self.header, row, strict=True)}


def _digits(value: str, length: int) -> bool:
    return len(value) == length and _DIGITS.fullmatch(value) is not None


def _int(table: _Table, row: dict[str, str], name: str, line: int) -> int:
    value = row[name]
    if not _DIGITS.fullmatch(value):
        raise table.error(_("expected a whole number, found %(value)r") % {"value": value}, line, name)
    return int(value)


def _date(table: _Table, value: str, line: int, column: str, formats: Sequence[str]) -> dt.date:
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise table.error(_("expected a date, found %(value)r") % {"value": value}, line, column)


def _check_municipality_key(table: _Table, ags: str, land: str, district: str, line: int) -> None:
    """The AGS checks shared by the CSV readers: 8 digits, state prefix, district prefix."""
    if not _digits(ags, 8):
        raise table.error(_("malformed AGS %(value)r: expected 8 digits") % {"value": ags}, line, "ags")
    if ags[:2] != land:
        raise table.error(_("AGS %(ags)s does not start with the state key %(land)s")
                          % {"ags": ags, "land": land}, line, "ags")
    if district != ags[:5]:
        raise table.error(
            _("district key %(district)r does not match AGS %(ags)s (whose district part is %(part)s)")
            % {"district": district, "ags": ags, "part": ags[:5]},
            line, "kreis_ags",
        )


# --- Gemeindeverzeichnis: GV100AD (fixed width) ----------------------------------


def read_gv100ad(path: Path, *, land: str, encoding: str = "utf-8") -> Edition:
    """One state's districts and municipalities from a GV100AD file (the whole country)."""
    text = read_text(path, encoding)
    reference: dt.date | None = None
    reference_raw = ""
    districts: dict[str, DistrictRecord] = {}
    associations: dict[str, tuple[str, str]] = {}
    municipalities: dict[str, MunicipalityRecord] = {}
    association_keys: dict[str, tuple[str, int]] = {}
    skipped = 0

    def fail(message: str, number: int, columns: str | None = None) -> RegistryImportError:
        return RegistryImportError(message, file=path, line=number, column=columns)

    def number_at(line: str, start: int, end: int, number: int) -> int:
        value = line[start - 1:end].strip()
        if not _DIGITS.fullmatch(value):
            raise fail(_("expected a whole number, found %(value)r") % {"value": value}, number, f"{start}-{end}")
        return int(value)

    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if len(line) > GV_RECORD_LENGTH:
            raise fail(_("record is %(length)s characters long, GV100AD records have %(expected)s; is this a "
                         "GV100AD file?") % {"length": len(line), "expected": GV_RECORD_LENGTH},
                       number, f"{GV_RECORD_LENGTH + 1}-{len(line)}")
        record_type = line[0:2]
        if record_type not in GV_RECORD_TYPES:
            raise fail(_("unknown record type %(value)r (Satzart); is this a GV100AD file?")
                       % {"value": record_type}, number, "1-2")
        if line[2:10] != reference_raw:
            if reference_raw:
                raise fail(_("reference date %(date)r differs from %(reference)r in the lines above")
                           % {"date": line[2:10], "reference": reference_raw}, number, "3-10")
            try:
                reference = dt.datetime.strptime(line[2:10], "%Y%m%d").date()  # noqa: DTZ007
            except ValueError:
                raise fail(_("expected a date YYYYMMDD, found %(value)r")
                           % {"value": line[2:10]}, number, "3-10") from None
            reference_raw = line[2:10]
        if line[10:12] != land:
            continue
        line = line.ljust(GV_RECORD_LENGTH)
        name = line[22:72].strip()
        code = line[122:124]
        if record_type == "40":
            key = line[10:15]
            if not _digits(key, 5):
                raise fail(_("malformed district key %(value)r: expected 5 digits") % {"value": key}, number, "11-15")
            if code not in DISTRICT_KINDS:
                raise fail(_("unknown district type %(value)r") % {"value": code}, number, "123-124")
            districts[key] = DistrictRecord(ags=key, name=name, urban=DISTRICT_KINDS[code][1],
                                            seat=line[72:122].strip())
        elif record_type == "50":
            key = line[10:15] + line[18:22]
            if not _digits(key, 9):
                raise fail(_("malformed association key %(value)r: expected 9 digits")
                           % {"value": key}, number, "11-22")
            if code not in ASSOCIATION_KINDS:
                raise fail(_("unknown association type %(value)r") % {"value": code}, number, "123-124")
            associations[key] = (name, ASSOCIATION_KINDS[code])
        elif record_type == "60":
            ags = line[10:18]
            if not _digits(ags, 8):
                raise fail(_("malformed AGS %(value)r: expected 8 digits") % {"value": ags}, number, "11-18")
            association = line[18:22]
            if not _digits(association, 4):
                raise fail(_("malformed association key %(value)r: expected 4 digits")
                           % {"value": association}, number, "19-22")
            if not name:
                raise fail(_("the municipality has no name"), number, "23-72")
            if code not in MUNICIPALITY_KINDS:
                raise fail(_("unknown municipality type %(value)r") % {"value": code}, number, "123-124")
            if code in SKIPPED_MUNICIPALITY_KINDS:
                skipped += 1
                continue
            population = number_at(line, 140, 150, number)
            male = number_at(line, 151, 161, number)
            if male > population:
                raise fail(_("male population %(male)s exceeds the total %(total)s")
                           % {"male": male, "total": population}, number, "151-161")
            postcode = line[165:170].strip()
            if postcode and not _digits(postcode, 5):
                raise fail(_("malformed postcode %(value)r") % {"value": postcode}, number, "166-170")
            if ags in municipalities:
                raise fail(_("AGS %(ags)s appears twice") % {"ags": ags}, number, "11-18")
            association_key = ags[:5] + association
            municipalities[ags] = MunicipalityRecord(
                ags=ags, ars=association_key + ags[5:], name=name, association_ars=association_key,
                association_name="", association_type="", kind=MUNICIPALITY_KINDS[code],
                population=population, population_male=male, area_ha=number_at(line, 129, 139, number),
                postcode=postcode, multiple_postcodes=bool(line[170:175].strip()), line=number,
            )
            association_keys[ags] = (association_key, number)

    if reference is None or not municipalities:
        raise RegistryImportError(_("the file holds no municipalities of state %(land)s") % {"land": land}, file=path)
    for ags, record in municipalities.items():
        if record.district_ags not in districts:
            raise fail(_("district key %(district)s of AGS %(ags)s has no district record (Satzart 40)")
                       % {"district": record.district_ags, "ags": ags}, record.line, "11-15")
        key, number = association_keys[ags]
        if key not in associations:
            raise fail(_("association key %(key)s of AGS %(ags)s has no association record (Satzart 50)")
                       % {"key": key, "ags": ags}, number, "19-22")
        association_name, association_type = associations[key]
        municipalities[ags] = replace(record, association_name=association_name,
                                      association_type=association_type)
    return Edition(file=str(path), land=land, reference_date=reference, districts=districts,
                   municipalities=municipalities, skipped_unincorporated=skipped)


# --- Gemeindeverzeichnis: derived CSVs -----------------------------------------------

MUNICIPALITY_CSV_COLUMNS = (
    "gebietsstand", "ags", "ars", "land", "kreis_ags", "kreis_name", "kreis_typ", "gemeindeverband_ars",
    "gemeindeverband_name", "gemeindeverband_typ", "gemeinde_name", "gemeinde_typ_code", "gemeinde_typ",
    "flaeche_ha", "bevoelkerung", "bevoelkerung_maennlich", "plz", "plz_mehrere",
)
DISTRICT_CSV_COLUMNS = ("gebietsstand", "kreis_ags", "kreis_name", "kreis_typ", "kreissitz")


def read_municipality_csv(path: Path, *, land: str, encoding: str = "utf-8",
                          district_file: Path | None = None) -> Edition:
    """One state from the derived municipality CSV (``,``-separated, one row per municipality)."""
    table = _Table(path, delimiter=",", required=MUNICIPALITY_CSV_COLUMNS, encoding=encoding)
    reference: dt.date | None = None
    districts: dict[str, DistrictRecord] = {}
    municipalities: dict[str, MunicipalityRecord] = {}
    skipped = 0
    for line, row in table.rows():
        if not _digits(row["land"], 2):
            raise table.error(_("malformed state key %(value)r: expected 2 digits")
                              % {"value": row["land"]}, line, "land")
        if row["land"] != land:
            continue
        ags = row["ags"]
        _check_municipality_key(table, ags, row["land"], row["kreis_ags"], line)
        date = _date(table, row["gebietsstand"], line, "gebietsstand", ["%Y%m%d", "%Y-%m-%d"])
        if reference is None:
            reference = date
        elif date != reference:
            raise table.error(_("reference date %(date)s differs from %(reference)s in the rows above")
                              % {"date": date, "reference": reference}, line, "gebietsstand")
        code = row["gemeinde_typ_code"]
        if code not in MUNICIPALITY_KINDS:
            raise table.error(_("unknown municipality type %(value)r") % {"value": code}, line, "gemeinde_typ_code")
        if code in SKIPPED_MUNICIPALITY_KINDS:
            skipped += 1
            continue
        ars, association = row["ars"], row["gemeindeverband_ars"]
        if ars and not (_digits(ars, 12) and ars[:5] == ags[:5] and ars[9:] == ags[5:]):
            raise table.error(_("ARS %(ars)r does not fit AGS %(ags)s") % {"ars": ars, "ags": ags}, line, "ars")
        if association and not (_digits(association, 9) and association[:5] == ags[:5]):
            raise table.error(_("association key %(key)r does not fit AGS %(ags)s") % {"key": association, "ags": ags},
                              line, "gemeindeverband_ars")
        population = _int(table, row, "bevoelkerung", line)
        male = _int(table, row, "bevoelkerung_maennlich", line)
        if male > population:
            raise table.error(_("male population %(male)s exceeds the total %(total)s")
                              % {"male": male, "total": population}, line,
                              "bevoelkerung_maennlich")
        postcode = row["plz"]
        if postcode and not _digits(postcode, 5):
            raise table.error(_("malformed postcode %(value)r") % {"value": postcode}, line, "plz")
        if ags in municipalities:
            raise table.error(_("AGS %(ags)s appears twice") % {"ags": ags}, line, "ags")
        municipalities[ags] = MunicipalityRecord(
            ags=ags, ars=ars, name=row["gemeinde_name"], association_ars=association,
            association_name=row["gemeindeverband_name"], association_type=row["gemeindeverband_typ"],
            kind=row["gemeinde_typ"] or MUNICIPALITY_KINDS[code], population=population,
            population_male=male, area_ha=_int(table, row, "flaeche_ha", line), postcode=postcode,
            multiple_postcodes=row["plz_mehrere"].lower() in {"ja", "yes", "true", "1"}, line=line,
        )
        if not row["gemeinde_name"]:
            raise table.error(_("the municipality has no name"), line, "gemeinde_name")
        districts.setdefault(ags[:5], DistrictRecord(
            ags=ags[:5], name=row["kreis_name"], urban=row["kreis_typ"] in URBAN_DISTRICT_NAMES))
    if reference is None:
        raise RegistryImportError(_("the file holds no municipalities of state %(land)s") % {"land": land}, file=path)
    if district_file is not None:
        districts = _merge_district_csv(district_file, districts, land=land, encoding=encoding)
    return Edition(file=str(path), land=land, reference_date=reference, districts=districts,
                   municipalities=municipalities, skipped_unincorporated=skipped)


def _merge_district_csv(path: Path, districts: dict[str, DistrictRecord], *, land: str,
                        encoding: str) -> dict[str, DistrictRecord]:
    """Add the district seats (only the district CSV has them) to the districts found in the rows."""
    table = _Table(path, delimiter=",", required=DISTRICT_CSV_COLUMNS, encoding=encoding)
    merged = dict(districts)
    for line, row in table.rows():
        key = row["kreis_ags"]
        if not _digits(key, 5):
            raise table.error(_("malformed district key %(value)r: expected 5 digits")
                              % {"value": key}, line, "kreis_ags")
        if key[:2] != land:
            continue
        if key not in districts:
            raise table.error(_("district %(key)s has no municipalities in the municipality file")
                              % {"key": key}, line, "kreis_ags")
        merged[key] = DistrictRecord(ags=key, name=row["kreis_name"] or districts[key].name,
                                     urban=row["kreis_typ"] in URBAN_DISTRICT_NAMES, seat=row["kreissitz"])
    return merged


# --- Landesdirektion Sachsen contact directory --------------------------------------

CONTACT_COLUMNS = (
    "SCHLNR", "NR_KRS", "GEMEINDE", "STRASSE", "PLZ", "ORT", "OKZ", "TELEFON", "TELEFAX", "E_MAIL",
    "HOMEPAGE", "AMTSBEZ_BM", "ORTSTEILE", "BEARB_STAND",
)


def _phone(area_code: str, number: str) -> str:
    number = " ".join(number.split())
    if not number:
        return ""
    return f"{area_code} {number}".strip()


def _website(value: str) -> str:
    # Shown as a link: only http(s), so a stray "javascript:" can never become one.
    value = value.strip()
    if not value:
        return ""
    return value if re.match(r"https?://", value, re.IGNORECASE) else "http://" + value.split(":", 1)[-1].lstrip("/")


def read_contacts(path: Path, *, land: str, encoding: str = "utf-8") -> dict[str, ContactRecord]:
    """Town hall and district office contacts, by AGS (8 digits) or district key (5 digits)."""
    table = _Table(path, delimiter=";", required=CONTACT_COLUMNS, encoding=encoding)
    contacts: dict[str, ContactRecord] = {}
    for line, row in table.rows():
        key, district = row["SCHLNR"], row["NR_KRS"]
        if not (_digits(key, 8) or _digits(key, 5)):
            raise table.error(_("malformed AGS %(value)r: expected 8 digits (5 for a district)")
                              % {"value": key}, line, "SCHLNR")
        if key[:2] != land:
            raise table.error(_("AGS %(ags)s does not start with the state key %(land)s")
                              % {"ags": key, "land": land}, line, "SCHLNR")
        if district != key[:5]:
            raise table.error(_("district key %(district)r does not match AGS %(ags)s")
                              % {"district": district, "ags": key}, line, "NR_KRS")
        if key in contacts:
            raise table.error(_("AGS %(ags)s appears twice") % {"ags": key}, line, "SCHLNR")
        postcode = row["PLZ"]
        if postcode and not _digits(postcode, 5):
            raise table.error(_("malformed postcode %(value)r") % {"value": postcode}, line, "PLZ")
        as_of = None
        if row["BEARB_STAND"]:
            as_of = _date(table, row["BEARB_STAND"].split(" ", 1)[0], line, "BEARB_STAND", ["%d.%m.%Y"])
        contacts[key] = ContactRecord(
            ags=key, office_title=row["AMTSBEZ_BM"], street=row["STRASSE"], postcode=postcode,
            city=row["ORT"], phone=_phone(row["OKZ"], row["TELEFON"]), fax=_phone(row["OKZ"], row["TELEFAX"]),
            email=row["E_MAIL"], website=_website(row["HOMEPAGE"]),
            localities=", ".join(part.strip() for part in row["ORTSTEILE"].split(",") if part.strip()),
            as_of=as_of,
        )
    return contacts


# --- Boundaries (GeoJSON) ----------------------------------------------------------------


def read_boundaries(path: Path, *, encoding: str = "utf-8") -> dict[str, dict[str, Any]]:
    """Geometries by key: 8-digit AGS for municipalities, 5-digit key for districts."""
    text = read_text(path, encoding)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryImportError(_("invalid JSON (%(reason)s)") % {"reason": exc.msg}, file=path, line=exc.lineno,
                                  column=str(exc.colno)) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise RegistryImportError(_("expected a GeoJSON FeatureCollection"), file=path)
    geometries: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(data["features"], start=1):
        where = f"feature {index}"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise RegistryImportError(_("the feature has no properties"), file=path, column=where)
        key = str(properties.get("ags") or properties.get("AGS") or "")
        if not (_digits(key, 8) or _digits(key, 5)):
            raise RegistryImportError(_("malformed AGS %(value)r: expected 8 digits (5 for a district)")
                                      % {"value": key}, file=path,
                                      column=_("%(where)s, property ags") % {"where": where})
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"} \
                or not isinstance(geometry.get("coordinates"), list):
            raise RegistryImportError(_("AGS %(ags)s: expected a Polygon or MultiPolygon geometry") % {"ags": key},
                                      file=path, column=_("%(where)s, geometry") % {"where": where})
        if key in geometries:
            raise RegistryImportError(_("AGS %(ags)s appears twice") % {"ags": key}, file=path, column=where)
        geometries[key] = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    return geometries


# --- Curated files ------------------------------------------------------------------------


def read_police_directorates(path: Path, *, land: str, encoding: str = "utf-8") -> list[PoliceDirectorateRecord]:
    table = _Table(path, delimiter=",", required=("code", "name", "districts"), encoding=encoding)
    records: list[PoliceDirectorateRecord] = []
    seen: dict[str, str] = {}
    for line, row in table.rows():
        if not re.fullmatch(r"[a-z0-9-]+", row["code"]):
            raise table.error(_("malformed code %(value)r: use lower-case letters, digits and '-'")
                              % {"value": row["code"]}, line, "code")
        keys = tuple(row["districts"].split())
        for key in keys:
            if not _digits(key, 5):
                raise table.error(_("malformed district key %(value)r: expected 5 digits")
                                  % {"value": key}, line, "districts")
            if key[:2] != land:
                raise table.error(_("district key %(key)s does not start with the state key %(land)s")
                                  % {"key": key, "land": land}, line, "districts")
            if key in seen:
                raise table.error(_("district %(key)s is already assigned to %(code)s")
                                  % {"key": key, "code": seen[key]}, line, "districts")
            seen[key] = row["code"]
        records.append(PoliceDirectorateRecord(
            code=row["code"], name=row["name"], district_ags=keys, street=row.get("street", ""),
            postcode=row.get("postcode", ""), city=row.get("city", ""), phone=row.get("phone", ""),
            website=row.get("website", ""), line=line,
        ))
    return records


def read_state_authorities(path: Path, *, encoding: str = "utf-8") -> list[StateAuthorityRecord]:
    table = _Table(path, delimiter=",", required=("code", "kind", "name"), encoding=encoding)
    records: list[StateAuthorityRecord] = []
    for line, row in table.rows():
        if row["kind"] not in StateAuthority.Kind.values:
            raise table.error(_("unknown kind %(value)r; expected one of %(kinds)s")
                              % {"value": row["kind"], "kinds": ", ".join(StateAuthority.Kind.values)}, line, "kind")
        if not re.fullmatch(r"[a-z0-9-]+", row["code"]):
            raise table.error(_("malformed code %(value)r") % {"value": row["code"]}, line, "code")
        records.append(StateAuthorityRecord(
            code=row["code"], kind=row["kind"], name=row["name"], street=row.get("street", ""),
            postcode=row.get("postcode", ""), city=row.get("city", ""), phone=row.get("phone", ""),
            website=row.get("website", ""),
        ))
    return records


CHANGE_COLUMNS = ("effective", "kind", "ags", "name", "successor_ags", "successor_name", "source")


def read_changes(path: Path, *, encoding: str = "utf-8") -> list[TerritorialChange]:
    table = _Table(path, delimiter=",", required=CHANGE_COLUMNS, encoding=encoding)
    changes: list[TerritorialChange] = []
    for line, row in table.rows():
        kind = row["kind"]
        if kind not in TerritorialChange.KINDS:
            raise table.error(_("unknown kind %(value)r; expected one of %(kinds)s")
                              % {"value": kind, "kinds": ", ".join(TerritorialChange.KINDS)}, line, "kind")
        effective = _date(table, row["effective"], line, "effective", ["%Y-%m-%d"])
        if not _digits(row["ags"], 8):
            raise table.error(_("malformed AGS %(value)r: expected 8 digits") % {"value": row["ags"]}, line, "ags")
        successor = row["successor_ags"]
        if kind in {TerritorialChange.MERGER, TerritorialChange.INCORPORATION}:
            if not _digits(successor, 8):
                raise table.error(_("malformed successor AGS %(value)r: expected 8 digits") % {"value": successor},
                                  line, "successor_ags")
            if successor[:2] != row["ags"][:2]:
                raise table.error(_("predecessor and successor lie in different states"), line, "successor_ags")
        elif kind == TerritorialChange.RENAME and not row["successor_name"]:
            raise table.error(_("a rename needs the new name in successor_name"), line, "successor_name")
        changes.append(TerritorialChange(
            effective=effective, kind=kind, ags=row["ags"], name=row["name"], successor_ags=successor,
            successor_name=row["successor_name"], source=row["source"], line=line,
        ))
    return changes


# --- Telling files apart (for --source) ----------------------------------------------------

GV100AD = "gv100ad"
MUNICIPALITY_CSV = "municipality_csv"
DISTRICT_CSV = "district_csv"
CONTACTS = "contacts"
BOUNDARIES = "boundaries"
POLICE_DIRECTORATES = "police_directorates"
STATE_AUTHORITIES = "state_authorities"
CHANGES = "changes"


def classify(path: Path) -> str:
    """What kind of input a file is, from its first line (the readers then check it fully)."""
    first = _first_line(path)
    stripped = first.lstrip("\ufeff").lstrip()
    if stripped.startswith(("{", "[")) or path.suffix.lower() in {".geojson", ".json"}:
        return BOUNDARIES
    if len(first) >= 124 and first[:10].isdigit():
        return GV100AD
    header = stripped.lower()
    if "gemeinde_name" in header:
        return MUNICIPALITY_CSV
    if "kreissitz" in header:
        return DISTRICT_CSV
    if "schlnr" in header:
        return CONTACTS
    if "successor_ags" in header:
        return CHANGES
    if "districts" in header and "code" in header:
        return POLICE_DIRECTORATES
    if "kind" in header and "code" in header:
        return STATE_AUTHORITIES
    raise RegistryImportError(
        _("cannot tell what this file is: expected a GV100AD file, a municipality or district CSV, the "
          "Landesdirektion contact CSV, a GeoJSON boundary file, or a police directorate, state authority or "
          "territorial change CSV (see docs/foundation/registry.md)"),
        file=path, line=1,
    )
