"""Police crime statistics (PKS) of the state's districts, imported from the BKA's original table.

The BKA publishes "T01 Grundtabelle - Kreise - Fälle - Häufigkeitszahlen" as a CSV in its own format,
and the importer reads exactly that format rather than a cleaned copy:

- encoding Latin-1 (ISO-8859-1), separator ``;``;
- line 1 holds the column numbers (1..18), line 2 the header, data from line 3;
- numbers with a comma as the thousands separator and a point as the decimal point ("15,048" is 15048,
  "7.1" is 7.1); the Häufigkeitszahl (cases per 100,000 inhabitants) is an integer written the same way;
- the offence key (Schlüssel) is a string with wildcards (``------`` all offences, ``435*00`` domestic
  burglary), the district key lacks its leading zero (``1001`` is Flensburg, 01001);
- columns after the 18th (the 2020 file of the mirror we copied has five more) are ignored.

Only the districts of the installation's state (its package's key, 14… for Saxony) are kept and matched to
``registry.District`` by their 5-digit key. An import replaces one year's figures of those districts in one
transaction; importing the same file twice changes nothing. Any problem is reported with file, line and
column, and nothing is written.

The two national tables shipped in ``findings/data/pks/`` (2020 and 2022; the state package names the years
that fit its districts) are loaded by the data migration
``0003_seed_crime_figures`` when the registry is already there, and by ``import-pks --bundled``
after ``import-registry`` on a fresh installation.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import states

DATA_DIR = Path(__file__).resolve().parent / "data" / "pks"
BUNDLED: tuple[tuple[int, str], ...] = (
    (2020, "PKS2020_KR-F-01-T01-Kreise-Faelle-HZ_csv_modified.csv"),
    (2022, "PKS2022_KR-F-01-T01-Kreise-Faelle-HZ_csv.csv"),
)
COLUMNS = 18
# Column (1-based) -> the header the BKA gives it; only these columns are read. Data: the BKA's own German
# column names (written without umlauts in its files), not interface text.
EXPECTED_HEADER = {
    1: "Schluessel",
    2: "Straftat",
    3: "Gemeindeschluessel",
    4: "Stadt-/Landkreis",
    5: "Kreisart",
    6: "Anzahl erfasste Faelle",
    7: "Haeufigkeitszahl",
    12: "Auffklaerung - Anzahl Faelle",
}
_INTEGER = re.compile(r"\d{1,3}(,\d{3})*")
_OFFENCE_KEY = re.compile(r"[0-9*-]{6}")
_DISTRICT_KEY = re.compile(r"\d{4,5}")

# The offence keys the discrepancy view sets against the survey (DOMAIN.md §2.4).
TOTAL = "------"
STREET_CRIME = "899000"
PROPERTY_DAMAGE = "674000"
VIOLENT_CRIME = "892000"
BURGLARY = "435*00"
DISCREPANCY_KEYS = (TOTAL, STREET_CRIME, PROPERTY_DAMAGE, VIOLENT_CRIME, BURGLARY)
ROBBERY = "210000"
CYBERCRIME = "897000"
GRAFFITI = "899500"

# The short names under which the discrepancy view and the report print these offences. They are DATA,
# not interface text: they mirror the official German offence names of the BKA's PKS (the "Straftat"
# column of its tables and the "Straftatenkatalog"), so they stay German in every interface language and
# do not go through gettext (like the offence names read from the files themselves).
OFFENCE_NAMES: dict[str, str] = {
    TOTAL: "Straftaten insgesamt",
    STREET_CRIME: "Straßenkriminalität",
    PROPERTY_DAMAGE: "Sachbeschädigung",
    VIOLENT_CRIME: "Gewaltkriminalität",
    BURGLARY: "Wohnungseinbruchdiebstahl",
    ROBBERY: "Raub",
    CYBERCRIME: "Cybercrime",
    GRAFFITI: "Sachbeschädigung durch Graffiti",
}


class PksImportError(Exception):
    """A file the importer refuses; the message names file, line and column."""


@dataclass(frozen=True)
class PksRow:
    line: int
    key: str
    offence: str
    ags: str  # 5 digits
    district_name: str
    cases: int
    rate: int
    cleared: int


@dataclass
class ImportResult:
    year: int
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    districts: list[str] = field(default_factory=list)
    skipped_districts: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def summary(self) -> str:
        return (f"PKS {self.year}: {len(self.districts)} districts, {self.created} figures created, "
                f"{self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged")


def source_note(year: int) -> str:
    """The attribution the BKA's licence asks for (Datenlizenz Deutschland - Namensnennung 2.0)."""
    return f"PKS Bundeskriminalamt, {year}"


def _decode(content: bytes, name: str) -> str:
    if b"\x00" in content:
        line = content[: content.index(b"\x00")].count(b"\n") + 1
        raise PksImportError(_("%(name)s, line %(line)s: the file contains NUL bytes; it is not the BKA's Latin-1 "
                               "CSV (perhaps UTF-16 or a spreadsheet file).") % {"name": name, "line": line})
    if content.startswith(b"\xef\xbb\xbf"):
        raise PksImportError(_("%(name)s, line 1, column 1: the file starts with a UTF-8 byte order mark; the "
                               "BKA publishes the table in Latin-1 (ISO-8859-1). Use the original file.")
                             % {"name": name})
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("latin-1")
    # Valid UTF-8 with non-ASCII characters: re-saved by another program, umlauts would be garbled.
    for number, text_line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(text_line, start=1):
            if ord(char) > 127:
                raise PksImportError(
                    _("%(name)s, line %(line)s, column %(column)s: the file is UTF-8 encoded; the BKA publishes "
                      "the table in Latin-1 (ISO-8859-1). Use the original file or save it as Latin-1.")
                    % {"name": name, "line": number, "column": column})
    return text


def _integer(value: str, *, name: str, line: int, column: int) -> int:
    value = value.strip()
    if not _INTEGER.fullmatch(value):
        raise PksImportError(
            _("%(name)s, line %(line)s, column %(column)s (%(header)s): %(value)s is not a whole number in the "
              "BKA's format (digits with a comma as the thousands separator, e.g. 15,048).")
            % {"name": name, "line": line, "column": column, "header": EXPECTED_HEADER[column],
               "value": repr(value)})
    return int(value.replace(",", ""))


def state_key() -> str:
    """The state whose districts are kept (the state package's key)."""
    return states.current().key


def parse(content: bytes, *, name: str = "PKS-Datei", land: str | None = None) -> list[PksRow]:
    """Read the BKA's table and return the rows of the state's districts; every row of the file is checked."""
    land = land or state_key()
    text = _decode(content, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        numbers = next(reader)
        header = next(reader)
    except StopIteration:
        raise PksImportError(_("%(name)s: the file has fewer than two lines (column numbers and header).")
                             % {"name": name}) from None
    if [cell.strip() for cell in numbers[:COLUMNS]] != [str(n) for n in range(1, COLUMNS + 1)]:
        raise PksImportError(_("%(name)s, line 1: expected the column numbers 1 to %(columns)s separated by ';' "
                               "(the BKA's first line), found %(found)s.")
                             % {"name": name, "columns": COLUMNS, "found": repr(";".join(numbers[:COLUMNS]))})
    for column, expected in EXPECTED_HEADER.items():
        found = header[column - 1].strip() if len(header) >= column else ""
        if found != expected:
            raise PksImportError(_("%(name)s, line 2, column %(column)s: expected the column %(expected)s, "
                                   "found %(found)s.")
                                 % {"name": name, "column": column, "expected": repr(expected),
                                    "found": repr(found)})
    rows: list[PksRow] = []
    seen: dict[tuple[str, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < COLUMNS:
            raise PksImportError(_("%(name)s, line %(line)s, column %(column)s: expected %(columns)s columns, "
                                   "found %(found)s.")
                                 % {"name": name, "line": line, "column": len(cells) + 1, "columns": COLUMNS,
                                    "found": len(cells)})
        key = cells[0].strip()
        if not _OFFENCE_KEY.fullmatch(key):
            raise PksImportError(_("%(name)s, line %(line)s, column 1 (Schluessel): %(key)s is not an offence key "
                                   "(six digits or wildcards * and -).")
                                 % {"name": name, "line": line, "key": repr(key)})
        district_key = cells[2].strip()
        if not _DISTRICT_KEY.fullmatch(district_key):
            raise PksImportError(_("%(name)s, line %(line)s, column 3 (Gemeindeschluessel): %(key)s is not a "
                                   "district key (4 or 5 digits).")
                                 % {"name": name, "line": line, "key": repr(district_key)})
        ags = district_key.zfill(5)
        cases = _integer(cells[5], name=name, line=line, column=6)
        rate = _integer(cells[6], name=name, line=line, column=7)
        cleared = _integer(cells[11], name=name, line=line, column=12)
        if (key, ags) in seen:
            raise PksImportError(_("%(name)s, line %(line)s, column 1: offence key %(key)s of district %(ags)s "
                                   "appears twice (first on line %(first)s).")
                                 % {"name": name, "line": line, "key": key, "ags": ags, "first": seen[key, ags]})
        seen[key, ags] = line
        if ags.startswith(land):
            rows.append(PksRow(line=line, key=key, offence=cells[1].strip()[:250], ags=ags,
                               district_name=cells[3].strip(), cases=cases, rate=rate, cleared=cleared))
    if not rows:
        raise PksImportError(_("%(name)s: the file has no rows for the districts of %(state_genitive)s (keys "
                               "%(key)s…).") % {"name": name, "key": land, **states.current().placeholders()})
    return rows


def load(
    content: bytes, *, year: int, name: str = "PKS-Datei", actor: Actor = None, skip_missing_districts: bool = False,
    district_model: Any = None, figure_model: Any = None, audit: bool = True,
) -> ImportResult:
    """Import one year's table: replace that year's figures of the state's districts, all or nothing.

    A district of the file missing from the registry is an error, unless ``skip_missing_districts``
    (the data migration on a database whose registry is not imported yet). The models may be passed
    (historical models in a migration)."""
    if not 1990 <= year <= 2100:
        raise PksImportError(_("%(name)s: %(year)s is not a plausible reporting year.") % {"name": name, "year": year})
    rows = parse(content, name=name)
    if district_model is None or figure_model is None:
        from kommunalschutz.foundation.registry.models import District
        from kommunalschutz.surveys.findings.models import CrimeFigure

        district_model, figure_model = District, CrimeFigure
    districts = {d.ags: d for d in district_model.objects.filter(ags__in={row.ags for row in rows})}
    result = ImportResult(year=year)
    missing = sorted({row.ags for row in rows} - set(districts))
    if missing and not skip_missing_districts:
        first = next(row for row in rows if row.ags == missing[0])
        raise PksImportError(
            _("%(name)s, line %(line)s, column 3: district %(ags)s (%(district)s) is not in the registry; "
              "import the registry first (import-registry).")
            % {"name": name, "line": first.line, "ags": first.ags, "district": first.district_name})
    result.skipped_districts = missing
    result.districts = sorted(districts)
    source = source_note(year)
    with transaction.atomic():
        existing = {(f.district.ags, f.key): f for f in
                    figure_model.objects.filter(year=year, district__in=list(districts.values()))
                    .select_related("district")}
        to_create, to_update = [], []
        for row in rows:
            if row.ags not in districts:
                continue
            values = {"offence": row.offence, "cases": row.cases, "rate": float(row.rate),
                      "cleared": row.cleared, "source": source}
            figure = existing.pop((row.ags, row.key), None)
            if figure is None:
                to_create.append(figure_model(year=year, district=districts[row.ags], key=row.key, **values))
            elif any(getattr(figure, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(figure, k, v)
                to_update.append(figure)
            else:
                result.unchanged += 1
        figure_model.objects.bulk_create(to_create, batch_size=500)
        figure_model.objects.bulk_update(to_update, ["offence", "cases", "rate", "cleared", "source"],
                                         batch_size=500)
        stale = [f.pk for f in existing.values()]
        if stale:
            figure_model.objects.filter(pk__in=stale).delete()
        result.created, result.updated, result.deleted = len(to_create), len(to_update), len(stale)
        if audit and result.changed:
            from kommunalschutz.foundation.core import audit as audit_log

            audit_log.record(actor=actor, action="import", object_type="findings.crimefigure",
                             object_id=str(year), summary=f"{name}: {result.summary()}"[:300])
    return result


def load_file(path: str | Path, *, year: int, **kwargs: Any) -> ImportResult:
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise PksImportError(_("%(path)s: cannot be read (%(error)s).")
                             % {"path": path, "error": exc.strerror}) from exc
    return load(content, year=year, name=path.name, **kwargs)


def load_bundled(**kwargs: Any) -> list[ImportResult]:
    """Import the tables shipped with the platform for the years the state package names (Saxony: 2020, 2022)."""
    years = states.current().pks_years
    with transaction.atomic():
        return [load_file(DATA_DIR / filename, year=year, **kwargs) for year, filename in BUNDLED if year in years]
