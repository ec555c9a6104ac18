"""Reading a population register extract as municipalities export it, row by row.

Files come from many register programs: UTF-8 or Windows-1252 (Latin-1), with or without a byte order
mark, separated by ``;`` (German Excel) or ``,``, with quoted fields that may contain the separator.
Reading the CSV itself (encoding, separator, header, rows) is the foundation's core.csvfiles; its names
are imported here for the register import's callers. Nothing here holds the whole file: the encoding is
detected in one pass over the bytes, the rows are checked in a second pass, and duplicates are found from
an array of 8-byte hashes per row (about 12 bytes per person: 7 MB for a city of 600,000) that is sorted
once at the end.
"""

from __future__ import annotations

import array
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, TypeVar

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kommunalschutz.foundation.core.csvfiles import MAX_LISTED as MAX_LISTED
from kommunalschutz.foundation.core.csvfiles import Detected as Detected
from kommunalschutz.foundation.core.csvfiles import FormatError as FormatError
from kommunalschutz.foundation.core.csvfiles import detect as detect
from kommunalschutz.foundation.core.csvfiles import fold as fold
from kommunalschutz.foundation.core.csvfiles import sniff_delimiter as sniff_delimiter
from kommunalschutz.foundation.core.csvfiles import text_rows as text_rows
from kommunalschutz.surveys.projects.models import AGE_GROUPS

# Target fields of the column assignment, in the order of the dialog.
TARGETS: tuple[tuple[str, bool], ...] = (
    # (name, required)
    ("family_name", True),
    ("given_names", True),
    ("street", True),
    ("house_number", False),
    ("postcode", True),
    ("city", True),
    ("locality", False),
    ("birth_date", True),
    ("sex", True),
    ("blocked", False),
)
REQUIRED = tuple(name for name, required in TARGETS if required)


def target_labels() -> dict[str, str]:
    return {
        "family_name": _("Family name"),
        "given_names": _("Given names"),
        "street": _("Street (with or without house number)"),
        "house_number": _("House number (if in a column of its own)"),
        "postcode": _("Postcode"),
        "city": _("City"),
        "locality": _("Locality (Ortsteil); without it, one locality"),
        "birth_date": _("Date of birth"),
        "sex": _("Sex"),
        "blocked": _("Register information block (Auskunftssperre)"),
    }


def problem_kind_labels() -> dict[str, str]:
    """The check report's kinds of problem (Report.by_kind's keys) as a person reads them."""
    return {
        "encoding": pgettext("register problem", "Characters that cannot be read"),
        "format": pgettext("register problem", "File format"),
        "columns": pgettext("register problem", "Wrong number of columns"),
        "missing": pgettext("register problem", "Empty required fields"),
        "birth_date": pgettext("register problem", "Date of birth"),
        "sex": pgettext("register problem", "Sex"),
        "blocked": pgettext("register problem", "Register information block"),
        "postcode": pgettext("register problem", "Postcode"),
        "duplicate": pgettext("register problem", "Duplicate persons"),
        "empty": pgettext("register problem", "No persons in the file"),
    }


# Header names as register programs write them (normalised: lower case, umlauts folded, only a-z0-9).
# These, the sex codes and the yes/no words below are DATA: the German column names and values that the
# municipalities' register files actually contain, matched as they are; they do not go through gettext.
GUESSES: dict[str, tuple[str, ...]] = {
    "family_name": ("familienname", "nachname", "name", "zuname", "famname"),
    "given_names": ("vorname", "vornamen", "rufname", "vorn"),
    "street": ("strasse", "str", "strassehausnummer", "strasseundhausnummer", "anschrift", "adresse",
               "wohnanschrift", "strassenname"),
    "house_number": ("hausnummer", "hausnr", "hnr", "nr", "hausnummerzusatz"),
    "postcode": ("plz", "postleitzahl"),
    "city": ("ort", "wohnort", "gemeinde", "stadt", "gemeindename"),
    "locality": ("ortsteil", "stadtteil", "gemeindeteil", "ot", "ortschaft", "stadtbezirk", "bezirk",
                 "wohnbezirk"),
    "birth_date": ("geburtsdatum", "gebdatum", "geburtstag", "gebdat", "geboren", "geburtsdat"),
    "sex": ("geschlecht", "geschl", "sex"),
    "blocked": ("auskunftssperre", "sperre", "sperrvermerk", "uebermittlungssperre", "auskunftsperre"),
}

SEX_CODES: dict[str, str] = {
    "m": "m", "mannlich": "m", "maennlich": "m", "male": "m", "mann": "m", "1": "m",
    "w": "w", "f": "w", "weiblich": "w", "female": "w", "frau": "w", "2": "w",
    "d": "d", "divers": "d", "x": "d", "o": "d", "u": "d", "ohneangabe": "d", "unbestimmt": "d",
    "diverse": "d", "3": "d", "4": "d",
}
YES = {"j", "ja", "y", "yes", "1", "x", "true", "wahr", "auskunftssperre", "gesperrt", "sperre"}
NO = {"", "n", "nein", "no", "0", "false", "falsch", "-"}


# ASCII letters and digits are all fold() keeps of an ASCII text: delete every other ASCII character.
_ASCII_DROP = bytes(code for code in range(128) if not chr(code).isalnum())


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Target field -> column index from common German header names (each column used once)."""
    folded = [fold(name) for name in header]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for target, names in GUESSES.items():
        for name in names:  # the more specific names first
            if name in folded and folded.index(name) not in used:
                mapping[target] = folded.index(name)
                used.add(mapping[target])
                break
    return mapping


# --- checking one row -----------------------------------------------------------------------------

DATE_PATTERNS = (
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), (1, 2, 3)),
)
EARLIEST = dt.date(1900, 1, 1)


def parse_date(value: str) -> dt.date | str | None:
    """A date in DD.MM.YYYY, YYYY-MM-DD or YYYYMMDD; None if empty; "impossible" for 31.02.2000 etc.;
    "format" if it is no date at all."""
    value = value.strip()
    if not value:
        return None
    for pattern, (y, m, d) in DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return dt.date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                return "impossible"
    return "format"


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_group(age: int) -> str | None:
    for label, low, high in AGE_GROUPS:
        if age >= low and (high is None or age <= high):
            return label
    return None


def _clean(value: str) -> str:
    return " ".join(value.split())


@dataclass
class Report:
    """Problems (the first MAX_LISTED) and counts of one check."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, line: int, column: str, message: str) -> None:
        self.error_count += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append({"line": line, "column": column, "message": message})

    def count(self, kind: str, number: int) -> None:
        """Count problems that are not listed one by one."""
        if number > 0:
            self.error_count += number
            self.by_kind[kind] = self.by_kind.get(kind, 0) + number

    def as_json(self) -> dict[str, Any]:
        return {"problems": self.problems, "error_count": self.error_count, "by_kind": self.by_kind,
                "listed": len(self.problems)}


@dataclass
class Outcome:
    """What a check found: the report, counts, the population cells and (via ``emit``) the frame."""

    report: Report
    rows_total: int = 0
    in_frame: int = 0
    excluded_minors: int = 0
    excluded_blocked: int = 0
    cells: dict[tuple[str, str, str], int] = field(default_factory=dict)


# A person of the frame: family name, given names, street, postcode, city, locality, age group, sex.
Person = tuple[str, str, str, str, str, str, str, str]


def check(stream: IO[bytes], detected: Detected, mapping: dict[str, int], *, reference_date: dt.date,
          minimum_age: int, emit: Callable[[Person], None] | None = None) -> Outcome:
    """Check every row; call ``emit`` for each person of the frame (only worth keeping if no errors).

    A register repeats its values (dates of birth, sex codes, street and family names, localities), so
    every check or normalisation of a value is done once per distinct value and remembered in a
    :class:`_Memo` for the rest of the file (decision 0028); the report is the one a row-by-row check
    writes, message for message and line for line (tests/surveys/sampling/register_corpus).
    """
    report = Report()
    outcome = Outcome(report=report)
    for line, message in detected.problems:
        report.add("encoding", line, "", message)
    report.count("encoding", detected.problem_count - len(detected.problems))
    header = detected.header
    width = len(header)
    names = {target: f"{index + 1}: {header[index]}" if index < width else str(index + 1)
             for target, index in mapping.items()}
    hashes = array.array("Q")
    lines = array.array("I")
    add = report.add
    cells = outcome.cells
    # The required text fields in the order the row-by-row check reported them empty.
    required = [(mapping[target], names[target]) for target in REQUIRED if target not in ("birth_date", "sex")]
    family_at, given_at, street_at = mapping["family_name"], mapping["given_names"], mapping["street"]
    postcode_at, city_at = mapping["postcode"], mapping["city"]
    birth_at, sex_at = mapping["birth_date"], mapping["sex"]
    house_at, locality_at, blocked_at = mapping.get("house_number"), mapping.get("locality"), mapping.get("blocked")
    birth_name, sex_name = names["birth_date"], names["sex"]
    blocked_name, postcode_name = names.get("blocked", ""), names.get("postcode", "")
    dates = _Memo(partial(_birth_date, latest=timezone.localdate(), reference_date=reference_date,
                          minimum_age=minimum_age))
    sexes = _Memo(_sex)
    flags = _Memo(_blocked)
    postcodes = _Memo(_postcode)
    # (cleaned, folded) per raw value: fold() drops the whitespace that _clean() normalises, so the fold of
    # "street house number" is the two folds joined, and each raw field is folded once per distinct value.
    # Words are remembered per check, never across imports: the memos hold personal data.
    texts = _Memo(partial(_clean_and_fold, words=_Memo(fold).__getitem__))
    blake2b = hashlib.blake2b
    from_bytes = int.from_bytes

    for line, row in _rows_or_report(stream, detected, report):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        outcome.rows_total += 1
        if len(row) != width:
            add("columns", line, "", _("Expected %(expected)s columns, found %(found)s.")
                % {"expected": width, "found": len(row)})
            continue
        problem = False
        for index, name in required:
            if not row[index].strip():
                add("missing", line, name, _("This field is empty."))
                problem = True
        born = dates[row[birth_at]]
        if born[0] is not None:
            add("birth_date", line, birth_name, born[0])
            problem = True
        sex = sexes[row[sex_at]]
        if sex[0] is not None:
            add("sex", line, sex_name, sex[0])
            problem = True
        blocked = False
        if blocked_at is not None:
            flag = flags[row[blocked_at]]
            if flag[0] is not None:
                add("blocked", line, blocked_name, flag[0])
                problem = True
            blocked = flag[1]
        postcode = postcodes[row[postcode_at]]
        if postcode[0] is not None:
            add("postcode", line, postcode_name, postcode[0])
            problem = True
        if problem:
            continue
        street, street_key = texts[row[street_at]]
        if house_at is not None and row[house_at].strip():
            house, house_key = texts[row[house_at]]
            street, street_key = f"{street} {house}", street_key + house_key
        family, family_key = texts[row[family_at]]
        given, given_key = texts[row[given_at]]
        city = texts[row[city_at]][0]
        zipped = postcode[1]
        key = "\x1f".join((family_key, given_key, born[1], street_key, zipped)).encode("utf-8")
        hashes.append(from_bytes(blake2b(key, digest_size=8).digest(), "little"))
        lines.append(line)
        group = born[2]
        if group is None:
            outcome.excluded_minors += 1
            continue
        locality = (texts[row[locality_at]][0] if locality_at is not None else "") or city
        cell = (locality[:100], group, sex[1])
        cells[cell] = cells.get(cell, 0) + 1  # blocked persons belong to the population
        if blocked:
            outcome.excluded_blocked += 1
            continue
        outcome.in_frame += 1
        if emit is not None:
            emit((family, given, street, zipped, city, locality[:100], group, sex[1]))
    _duplicates(report, np.frombuffer(hashes, dtype=np.uint64), np.frombuffer(lines, dtype=np.uint32))
    if outcome.rows_total == 0:
        report.add("empty", 1, "", _("The file contains no persons (only a header line or nothing)."))
    return outcome


_T = TypeVar("_T")
MEMO_LIMIT = 200_000  # distinct values remembered per field; beyond that (no register repeats so little) computed


class _Memo(dict[str, _T]):
    """A function of one text value, computed once per distinct value (at most MEMO_LIMIT remembered).

    ``memo[value]`` is a dictionary look-up for every value seen before: no Python call per row."""

    def __init__(self, function: Callable[[str], _T]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, value: str) -> _T:
        result = self.function(value)
        if len(self) < MEMO_LIMIT:
            self[value] = result
        return result


# Each check of one value returns (message or None, what the row needs of the value).

def _birth_date(value: str, *, latest: dt.date, reference_date: dt.date,
                minimum_age: int) -> tuple[str | None, str, str | None]:
    """(problem, ISO date, age group on the reference date or None for a minor)."""
    born = parse_date(value)
    if born is None:
        return _("The date of birth is missing."), "", None
    if born == "format":
        return (_("“%(value)s” is no date (expected DD.MM.YYYY or YYYY-MM-DD).")
                % {"value": value.strip()[:40]}), "", None
    if born == "impossible":
        return _("“%(value)s” is an impossible date.") % {"value": value.strip()[:40]}, "", None
    assert isinstance(born, dt.date)
    if born > latest:
        return (_("The date of birth %(value)s lies in the future.") % {"value": born.strftime("%d.%m.%Y")}), "", None
    if born < EARLIEST:
        return (_("The date of birth %(value)s lies before 1900.") % {"value": born.strftime("%d.%m.%Y")}), "", None
    age = age_on(born, reference_date)
    group = age_group(age)
    return None, born.isoformat(), group if age >= minimum_age else None


def _sex(value: str) -> tuple[str | None, str]:
    sex = SEX_CODES.get(fold(value))
    if sex is None:
        return (_("“%(value)s” is no known code for sex (m, w, d, x, o, männlich, weiblich, divers).")
                % {"value": value.strip()[:40]}), ""
    return None, sex


def _blocked(value: str) -> tuple[str | None, bool]:
    flag = fold(value)
    if flag in YES:
        return None, True
    if flag not in NO:
        return (_("“%(value)s” is neither yes nor no (expected e.g. J/N, ja/nein, 1/0).")
                % {"value": value.strip()[:40]}), False
    return None, False


def _clean_and_fold(value: str, words: Callable[[str], str] | None = None) -> tuple[str, str]:
    """(_clean(value), fold(value)) from one split into words; ``words`` folds one word (a memo in check()).

    The same as the two functions for every text (hypothesis checks it): fold() works character by
    character except the Unicode normalisation, which cannot reorder across whitespace (a starter), and
    whitespace itself is dropped. So an ASCII text is folded without normalisation, other text word by word.
    """
    split = value.split()
    cleaned = " ".join(split)
    if cleaned.isascii():
        return cleaned, cleaned.encode("ascii").lower().translate(None, _ASCII_DROP).decode("ascii")
    return cleaned, "".join([(words or fold)(word) for word in split])


def _postcode(value: str) -> tuple[str | None, str]:
    """(problem, the postcode with five digits)."""
    postcode = value.strip()
    if postcode and not re.fullmatch(r"\d{4,5}", postcode):
        return _("“%(value)s” is no German postcode (five digits).") % {"value": postcode[:40]}, ""
    return None, postcode.zfill(5)


def _rows_or_report(stream: IO[bytes], detected: Detected, report: Report) -> Iterator[tuple[int, list[str]]]:
    """The rows until the file cannot be read on; then the reason in the report (the import is refused)."""
    try:
        yield from text_rows(stream, detected)
    except FormatError as exc:
        report.add("format", exc.line, "", exc.message)


def _duplicates(report: Report, hashes: Any, lines: Any) -> None:
    """Report each person that occurs twice (same names, date of birth and address), naming both lines."""
    if len(hashes) < 2:
        return
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    for position in same:
        first, second = int(lines[order[position]]), int(lines[order[position + 1]])
        report.add("duplicate", second, "", _("The same person (name, date of birth and address) as in line "
                                               "%(first)s.") % {"first": first})


def validate_mapping(mapping: dict[str, int], width: int) -> dict[str, str]:
    """Problems of a column assignment: target -> message (empty if fine)."""
    problems: dict[str, str] = {}
    labels = target_labels()
    known = {name for name, _required in TARGETS}
    for target in mapping:
        if target not in known:
            problems[target] = _("Unknown field.")
    for target in REQUIRED:
        if target not in mapping:
            problems[target] = _("Please assign a column to “%(field)s”.") % {"field": labels[target]}
    seen: dict[int, str] = {}
    for target, index in mapping.items():
        if not 0 <= index < width:
            problems[target] = _("The file has no such column.")
        elif index in seen:
            problems[target] = _("This column is already assigned to “%(field)s”.") % {"field": labels.get(
                seen[index], seen[index])}
        else:
            seen[index] = target
    return problems
